"""F1, the write half: schemathesis drives every unsafe operation of the OpenAPI schema (POST, PUT, PATCH,
DELETE) on a live server as a signed-in citizen, with valid and invalid inputs. No server error, and every
response conforms to the schema (status code, content type, body). tests/api/test_openapi.py fuzzes the GETs.
"""

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from commons.services.demo import seed_demo
from tests.factories import verified_user

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 12
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def fuzz(operation, base_url, headers):
    failures, count = [], [0]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        count[0] += 1
        case.headers = {**(case.headers or {}), **headers}
        try:
            case.call_and_validate(base_url=base_url, checks=CHECKS, timeout=30)
        except BaseExceptionGroup as failure:  # schemathesis raises a group of check failures
            for error in failure.exceptions:
                failures.append((f"{case.method} {operation.path}", getattr(error, "code", "?"),
                                 getattr(error, "title", None) or str(error)[:200], getattr(error, "message", "")))

    run()
    return count[0], failures


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_on_write_operations(live_server):
    seed_demo(sites=60, seed=4)
    token = Token.objects.create(user=verified_user()).key
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/?format=json")
    operations = [result.ok() for result in schema.get_all_operations()]
    writes = [operation for operation in operations if operation.method.upper() in UNSAFE]
    assert len(writes) >= 5
    cases, failures = 0, []
    for operation in writes:
        tried, found = fuzz(operation, live_server.url, {"Authorization": f"Token {token}"})
        cases += tried
        failures += found
    server_errors = [f for f in failures if f[1] in ("ST101", "ST102")]
    kinds = Counter(f"{operation} {code} {title} {message}".replace("\n", " ")[:200]
                    for operation, code, title, message in failures)
    print(f"F1 writes: {len(writes)} operations, {cases} cases, {len(server_errors)} server errors, "
          f"{len(failures)} check failures")
    for kind, count in kinds.most_common():
        print(f"  {count} x {kind}")
    assert server_errors == []
    assert list(kinds) == []  # schema violations: one line per operation and check
