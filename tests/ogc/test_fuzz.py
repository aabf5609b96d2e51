"""F1 over the OGC face: schemathesis drives every operation of /ogc/openapi on a live server (GETs anonymously,
the writes as a signed-in citizen) with valid and invalid inputs: no server error, and every answer conforms to
the document (status, content type, body)."""

import pytest
import schemathesis
from rest_framework.authtoken.models import Token

from commons.services.demo import seed_demo
from mapping.read.features import forget_extents
from tests.api.test_openapi import fuzz_operation
from tests.factories import verified_user
from tests.ops.test_fuzz_writes import fuzz

pytestmark = pytest.mark.django_db(transaction=True)


def test_schemathesis_finds_no_server_error_on_the_ogc_face(live_server):
    seed_demo(sites=80, seed=8)
    forget_extents()
    schema = schemathesis.openapi.from_url(f"{live_server.url}/ogc/openapi")
    operations = [result.ok() for result in schema.get_all_operations()]
    gets = [operation for operation in operations if operation.method.upper() == "GET"]
    writes = [operation for operation in operations if operation.method.upper() != "GET"]
    assert len(gets) >= 28 and len(writes) == 4
    failures = [failure for operation in gets for failure in fuzz_operation(operation, f"{live_server.url}/ogc", 10)]
    token = Token.objects.create(user=verified_user()).key
    for operation in writes:
        _tried, found = fuzz(operation, f"{live_server.url}/ogc", {"Authorization": f"Token {token}"})
        failures += [" ".join(map(str, failure))[:300] for failure in found]
    print(f"F1 OGC: {len(gets)} GET and {len(writes)} write operations, {len(failures)} failures")
    assert failures == []
