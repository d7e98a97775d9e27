"""Ingest: MQTT to InfluxDB, validated and batched.

`bk ingest run` (or `python -m ingest run`) starts one worker; run several with distinct
`ingest.instance` ids and they share the `$share/<group>/...` subscriptions.

- `convert`: topic + payload → line protocol, or PayloadError (core schemas, topic and
  payload must agree, optional site registry);
- `pipeline`: size/time-bounded batches, writes with tenacity backoff, PUBACK only after
  the write (at-least-once; points keyed by series + source time make it exactly-once
  in effect), back-pressure through the MQTT 5 Receive Maximum;
- `service`: the MQTT client (persistent session, manual ack), dead letters, status topic
  and Prometheus endpoint; `health`, `stats`: the figures it reports;
- `loadgen`: synthetic telemetry and a hostile corpus for tests and `bench/ingest_*.py`.
"""
