"""The OpenAPI 3 schema validates and is accurate for GeoJSON; schemathesis fuzzes every GET on a live server (F1)."""

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from commons.services.demo import seed_demo

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.django_db
def test_the_schema_validates_and_shows_the_feature_collection(client, tmp_path):
    target = tmp_path / "schema.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(target))
    schema = client.get("/api/v1/schema/?format=json").json()
    response = schema["paths"]["/api/v1/sites/"]["get"]["responses"]["200"]["content"]["application/geo+json"]
    collection = schema["components"]["schemas"][response["schema"]["$ref"].split("/")[-1]]
    assert collection["properties"]["type"]["$ref"].endswith("FeatureCollectionTypeEnum")
    feature = schema["components"]["schemas"][collection["properties"]["features"]["items"]["$ref"].split("/")[-1]]
    assert feature["properties"]["geometry"]["properties"]["type"]["enum"] == ["Point"]
    parameters = {p["name"] for p in schema["paths"]["/api/v1/sites/"]["get"]["parameters"]}
    assert {"region", "inner", "bbox", "within", "near", "radius", "updated_since", "limit", "offset"} <= parameters
    assert "Token" in str(schema["components"]["securitySchemes"])
    tile = schema["paths"]["/tiles/sites/{z}/{x}/{y}.pbf"]["get"]
    assert "application/vnd.mapbox-vector-tile" in tile["responses"]["200"]["content"]


@pytest.mark.django_db
def test_the_docs_are_served_offline(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html and "cdn" not in html.lower()


def fuzz_operation(operation, base_url, examples):
    """Positive and negative cases for one operation; returns the failures (the check's message per case)."""
    failures = []
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        try:
            case.call_and_validate(base_url=base_url, checks=CHECKS, timeout=30)
        except Exception as failure:  # schemathesis raises a group of check failures
            failures.append(f"{case.method} {case.formatted_path} {case.query}: {str(failure)[:300]}")

    run()
    return failures


# The pytest plugin of schemathesis 4 needs pytest < 9 (it uses Node._nodeid): drive its strategies directly.
@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_on_get_operations(live_server):
    seed_demo(sites=150, seed=3)
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/?format=json")
    operations = [result.ok() for result in schema.get_all_operations()]
    gets = [operation for operation in operations if operation.method.upper() == "GET"]
    assert len(gets) >= 15
    failures = [failure for operation in gets for failure in fuzz_operation(operation, live_server.url, 15)]
    assert failures == []
    assert "/tiles/sites/{z}/{x}/{y}.pbf" in {operation.path for operation in gets}
