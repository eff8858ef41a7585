"""Property-based tests against the OpenAPI schema with every check Schemathesis has: no 5xx,
every response as documented, bad data refused, good data accepted.

Every operation is called with generated data as a signed-in supervisor of the demo district
(the role that reaches the most endpoints) and as a mediator (who may open and move cases),
bounded to a few examples each so the whole run stays well under two minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.core.result import Ok

from tests.api.conftest import MEDIATION_INTAKE, World, make_world

pytestmark = pytest.mark.slow  # hundreds of generated requests

EXAMPLES = 15
checks.load_all_checks()
# Every check Schemathesis has (``--checks all``): conformance, negative data rejected,
# positive data accepted, missing headers, unsupported methods, auth ignored, use after free …
CHECKS = list(checks.CHECKS.get_all())
# Schema-valid data this API rightly refuses (422) on content the schema cannot express: which
# workflows, actions and units exist (data published at run time), whether a YAML draft is a
# valid definition, whether a step's values fit its workflow, whether a migration's versions
# and states exist, and values no store can keep (a 30-digit integer, a NUL or an unpaired
# surrogate in text). `positive_data_acceptance` runs on every response but those.
CONTENT_REFUSALS = {
    "/problems/unknown-workflow",
    "/problems/action-not-possible",
    "/problems/unknown-unit",
    "/problems/invalid-definition",
    "/problems/invalid-data",
    "/problems/missing-fields",
    "/problems/guard-failed",
    "/problems/migration-refused",
    "/problems/deadline-rule",
    "/problems/invalid-user",  # a password that is not the current one; a unit a role needs
    # The unit tree, grid members and assignment: which units, users and kinds exist and
    # where a unit may sit.
    "/problems/invalid-unit",
    "/problems/unit-placement",
    "/problems/unit-retired",
    "/problems/unknown-member",
    "/problems/wrong-member",
}
UNSTORABLE = ("out of range (64", "NUL or unpaired surrogate", "keys; at most", "finite number")
OTHER_CHECKS = [c for c in CHECKS if c is not checks.positive_data_acceptance]


def refused_on_content(response: Any) -> bool:
    if response.status_code != 422:
        return False
    body = response.json()
    if body.get("type") in CONTENT_REFUSALS:
        return True
    details = [str(e.get("detail", "")) for e in body.get("errors", [])]
    return bool(details) and all(any(u in d for u in UNSTORABLE) for d in details)


@pytest.fixture(scope="module")
def st_world(tmp_path_factory: pytest.TempPathFactory, password_hash: str) -> Iterator[World]:
    w, ctx = make_world(f"sqlite:///{tmp_path_factory.mktemp('st') / 'st.db'}", password_hash)
    for _ in range(3):  # a few cases so that small ids exist
        w.open("mediation", MEDIATION_INTAKE, org_unit="union")
    with w.client:
        yield w
    ctx.close()


@pytest.mark.parametrize("user", ["supervisor", "mediator"])
def test_api_conforms_to_its_schema(st_world: World, user: str) -> None:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", st_world.client.app)
    headers = st_world.h(user)
    failures: list[str] = []
    operations = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
    assert len(operations) >= 20
    # Logging out would revoke the token the other calls use (tested in test_auth).
    operations = [op for op in operations if op.path != "/api/auth/logout"]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=OTHER_CHECKS)
            if not refused_on_content(response):
                case.validate_response(response, checks=[checks.positive_data_acceptance])

        try:
            run()
        except (AssertionError, BaseExceptionGroup) as exc:  # collect all, then report
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)


def test_schema_documents_problem_responses(st_world: World) -> None:
    doc = st_world.client.get("/api/openapi.json").json()
    assert "Problem" in doc["components"]["schemas"]
    fire = doc["paths"]["/api/cases/{case_id}/actions/{action}"]["post"]
    assert "application/problem+json" in fire["responses"]["409"]["content"]
    assert fire["requestBody"]["content"]["application/json"]["schema"]
    docs = st_world.client.get("/api/docs")
    assert docs.status_code == 200
