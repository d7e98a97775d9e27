"""Grafana dashboards as code: export and push."""
