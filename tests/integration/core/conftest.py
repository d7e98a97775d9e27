"""Helpers shared by the core integration tests (service health over HTTP)."""

from collections.abc import Callable

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families


def _scrape(port: int) -> dict[str, float]:
    """`/metrics` over HTTP, as a Prometheus server reads it: `{name{label=value}: value}`."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            out[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return out


@pytest.fixture
def scrape() -> Callable[[int], dict[str, float]]:
    """Read a service's /metrics port."""
    return _scrape
