"""schemathesis (v4) against the running app's OpenAPI, on SQLite and on PostgreSQL.

Every operation is called with generated input (a bounded number of examples, so the
whole run stays within a couple of minutes on 2 cores) as an administrator, who may
reach every route; each answer must not be a server error, must carry a status code
the schema declares, and must match the declared content type and schema.

schemathesis' pytest plugin does not run under pytest 9 (it reads a removed private
attribute), so the operations are driven here with its strategies and Hypothesis. Its
requests transport counts pooled connections through urllib3 internals that
urllib3-future (installed with niquests, which grafana-client needs) replaces; an
adapter that is not an `HTTPAdapter` subclass keeps it out of that count.
"""

from collections.abc import Callable
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from requests.adapters import BaseAdapter, HTTPAdapter
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 15


class _Adapter(BaseAdapter):
    """Plain delegation to requests' HTTPAdapter (see the module docstring for why)."""

    def __init__(self) -> None:
        super().__init__()
        self._inner = HTTPAdapter()

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return self._inner.send(request, *args, **kwargs)

    def close(self) -> None:
        self._inner.close()


def test_api_conforms_to_its_schema(live_api: Callable[..., Any]) -> None:
    running = live_api()
    schema = schemathesis.openapi.from_url(f"{running.url}/openapi.json")
    headers = {"Authorization": f"Bearer {running.world.tokens['admin']}"}
    failures: list[str] = []
    operations = 0
    session = requests.Session()
    session.adapters.clear()
    session.mount("http://", _Adapter())
    for result in schema.get_all_operations():
        op = result.ok()  # type: ignore[union-attr]  # an Err raises here, failing the test
        operations += 1

        @given(case=op.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            case.call_and_validate(
                base_url=running.url, session=session, headers=headers, checks=CHECKS
            )

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report
            failures.append(f"{op.label}: {str(exc)[:1500]}")
    assert operations >= 25
    assert not failures, "\n\n".join(failures)
