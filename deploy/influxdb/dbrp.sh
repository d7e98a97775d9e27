#!/bin/sh
# Run once by the influxdb:2 image after its first set-up (/docker-entrypoint-initdb.d/):
# the services and Grafana query in InfluxQL, which InfluxDB 2.x answers through a DBRP
# mapping from the database name to the bucket. On a server you run yourself:
#   influx v1 dbrp create --db bright_kitchen --rp autogen --bucket-id <id> --default
set -eu
influx v1 dbrp create \
    --db "${DOCKER_INFLUXDB_INIT_BUCKET}" --rp autogen \
    --bucket-id "${DOCKER_INFLUXDB_INIT_BUCKET_ID}" --default \
    --org "${DOCKER_INFLUXDB_INIT_ORG}" --token "${DOCKER_INFLUXDB_INIT_ADMIN_TOKEN}"
