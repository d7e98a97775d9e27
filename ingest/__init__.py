"""Ingest: MQTT to InfluxDB, validated and batched."""
