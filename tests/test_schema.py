"""OpenAPI schema, docs without a CDN, and schemathesis fuzzing the API against its own schema.

Schemathesis generates requests from /api/schema/ (valid and invalid filters, ids, review
bodies) and sends them in-process through Django's WSGI handler. Each answer must not be a 5xx
and must match the schema (status code documented, body shape, content type). It runs as an
editor with a token, so the review endpoint is exercised for real and the anonymous throttle
does not get in the way. Every operation is its own pytest test (so `-n 2` runs them all), with
valid requests (no 5xx, every answer as documented) and invalid ones (refused with a 4xx, never
accepted). The examples per operation are capped so the whole run takes well under a minute.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from claims.models import Actor, Claim, ClaimMatch, Evidence, Figure
from claims.services import claim_review
from tests.conftest import make_article, make_claim

pytestmark = pytest.mark.django_db

EXPECTED_PATHS = {
    "/api/claims/",
    "/api/claims/{id}/",
    "/api/claims/{id}/review/",
    "/api/claims/{id}/confirm/",
    "/api/claims/{id}/return/",
    "/api/claims/{id}/assign/",
    "/api/claims/{id}/apply-verdict/",
    "/api/claims/{id}/claimreview/",
    "/api/claimreview/",
    "/api/articles/",
    "/api/articles/{id}/",
    "/api/actors/",
    "/api/actors/{id}/",
    "/api/figures/",
    "/api/figures/{id}/",
    "/api/status-changes/",
}


def test_schema_is_openapi_3_and_lists_every_endpoint(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= EXPECTED_PATHS
    review = schema["paths"]["/api/claims/{id}/review/"]["post"]
    assert {"200", "400", "403", "404", "409"} <= set(review["responses"])
    claim_params = {p["name"] for p in schema["paths"]["/api/claims/"]["get"]["parameters"]}
    assert {"status", "kind", "article", "outlet", "speaker", "hedged", "updated_since", "q"} <= (
        claim_params
    )
    assert {"cursor", "page_size", "ordering"} <= claim_params


def test_schema_generates_without_warnings(tmp_path):
    # A warning is usually a wrong schema: two serializers sharing a component name, a field
    # whose type could not be inferred. (--fail-on-warn makes the command raise on any.)
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "s.yaml"))
    assert (tmp_path / "s.yaml").read_text().startswith("openapi: 3")


def test_interactive_docs_load_every_asset_from_this_server(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the page loads its UI from somewhere"
    assert not [a for a in assets if a.startswith(("http:", "https:", "//"))], assets
    for asset in assets:
        if asset.startswith("/static/"):
            assert client.get(asset).status_code == 200, asset
    assert "/api/schema/" in html


# Loaded once at collection, from the app itself (the schema view needs no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
# One pytest test per operation and mode, with its own id. (schemathesis' own @schema.parametrize
# gives every operation the same node id under pytest 9, so `pytest -n 2` ran only one of them.)
OPERATIONS = {result.ok().label: result.ok() for result in schema.get_all_operations()}
POSITIVE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
NEGATIVE_CHECKS = [not_a_server_error, negative_data_rejection]


def test_every_operation_is_fuzzed():
    assert {label.split(" ", 1)[1] for label in OPERATIONS} == EXPECTED_PATHS


def test_schema_says_reading_needs_no_sign_in_and_filters_have_their_real_types(client):
    document = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    claims = document["paths"]["/api/claims/"]["get"]
    assert {} in claims["security"]  # anonymous reads are allowed
    assert {} not in document["paths"]["/api/claims/{id}/review/"]["post"]["security"]
    parameters = {p["name"]: p["schema"] for p in claims["parameters"]}
    assert parameters["hedged"] == {"type": "boolean"}
    assert parameters["in_article"] == {"type": "boolean"}
    assert parameters["seen_before"] == {"type": "boolean"}
    assert parameters["article"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    assert parameters["page_size"] == {"type": "integer", "minimum": 1}


def test_schema_says_reading_needs_sign_in_when_the_api_is_private(client, settings):
    settings.CLAIMDESK_API_PUBLIC = False
    document = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert {} not in document["paths"]["/api/claims/"]["get"]["security"]


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Schemathesis calls Django's real WSGI handler, which closes "old" database connections
    at each request's start and end; on PostgreSQL that would close the connection holding the
    test's transaction. Django's own test client disconnects the same handlers."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def editor_token(db, wsgi_keeps_the_test_connection, editor, second_editor, outlet) -> str:
    """A small but varied database, and a token for the editor the requests are sent as."""
    actor = Actor.objects.create(name="Maria Okafor", kind="person", aliases=["Okafor"])
    figure = Figure.objects.create(label="Almaty toll", kind="casualty", outcome="killed")
    for n in range(4):
        article = make_article(outlet=outlet if n % 2 else None, url=f"https://x.example/{n}")
        claim = make_claim(article, speaker=actor if n % 2 else None, figure=figure)
        Evidence.objects.create(claim=claim, url="https://e.example/", added_by=editor)
        if n:
            claim_review(claim=claim, status="verified", by=second_editor, note="Checked")
    # Repeated claims, so `matches`, `apply_to_matches` and apply-verdict have something to do.
    first, *later = Claim.objects.order_by("id")
    for n, claim in enumerate(later):
        ClaimMatch.objects.create(
            claim=claim, earlier=first, relation=["same", "similar"][n % 2], score=0.9 - n / 10
        )
    return Token.objects.create(user=editor).key


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_api_never_errors_and_always_matches_its_schema(label, mode, editor_token):
    checks = POSITIVE_CHECKS if mode == GenerationMode.POSITIVE else NEGATIVE_CHECKS

    @given(case=OPERATIONS[label].as_strategy(generation_mode=mode))
    @settings(
        max_examples=25,
        deadline=None,
        # The same examples on every run (CI must not pass and fail by luck), and no example
        # database left in the working tree.
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def run(case):  # type: ignore[no-untyped-def]
        case.call_and_validate(headers={"Authorization": f"Token {editor_token}"}, checks=checks)

    run()
