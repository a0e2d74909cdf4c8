"""Schemathesis against our own OpenAPI: no 5xx, and responses conform to the schema.

Runs as an admin (a bearer header on every case) so the generated requests reach the services,
not only the 401 of the auth dependency. Examples per operation are kept modest so the whole
run stays well under a minute on both backends.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)
from sqlalchemy.orm import Session

from tests.scan.scenario import add_dossier, make_case

EXAMPLES_PER_OPERATION = 8
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_api_answers_within_its_schema_and_never_5xx(
    app: FastAPI, db_session: Session, auth_headers: Callable[..., dict[str, str]]
) -> None:
    # The schemathesis pytest plugin (from_fixture) does not run under pytest 9 yet, so each
    # operation's strategy is driven by Hypothesis directly.
    case = make_case(db_session)
    add_dossier(db_session, case, "000.00.12.H36-260302-0001")
    admin = auth_headers("admin")
    db_session.commit()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    # The probes open their own connections, which on SQLite wait for this test's open write
    # transaction; they are tested in tests/reliability/test_operations.py.
    operations = [op for op in (result.ok() for result in schema.get_all_operations())
                  if op.path not in {"/healthz", "/readyz"}]
    assert len(operations) >= 20  # the whole API, not an empty schema
    tried: list[str] = []
    for operation in operations:

        @given(generated=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(generated: schemathesis.Case) -> None:
            generated.call_and_validate(headers=admin, checks=CHECKS)
            tried.append(operation.label)

        run()
    assert len(set(tried)) == len(operations)
