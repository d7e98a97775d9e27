-- Run once by the postgres image on an empty data folder (/docker-entrypoint-initdb.d/),
-- as POSTGRES_USER (bk), which owns them. On a server you run yourself, as postgres:
--   CREATE ROLE bk LOGIN PASSWORD '...'; then the three lines below with OWNER bk.
-- bk_centre: the API's registry, people and tokens (api.database_url; migrated by the API
-- at start-up). bk_alerts: the rules workers' alert store (rules.store_url, read by the
-- API as api.alerts_url). bk_recorder: the recorder's index (recorder.database_url).
CREATE DATABASE bk_centre;
CREATE DATABASE bk_alerts;
CREATE DATABASE bk_recorder;
