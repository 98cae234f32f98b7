"""Role checks for API clients: `GET /api/claims/{id}/` and the actors API say which roles
articles gave a speaker, in which articles, the known role, and whether they can all be right.
"""

from __future__ import annotations

import pytest

from claims.models import Actor
from tests.conftest import make_article, make_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def von_der_leyen() -> Actor:
    return Actor.objects.create(name="Ursula von der Leyen")


def give_roles(actor: Actor) -> tuple:
    paris = make_article(title="Leaders call for calm")
    brussels = make_article(title="EU weighs response")
    first = make_claim(paris, speaker=actor, speaker_role="European Council President")
    make_claim(brussels, speaker=actor, speaker_role="European Commission President")
    make_claim(brussels, speaker=actor, speaker_role="European Commission President")
    return first, paris, brussels


def test_claim_detail_carries_the_speakers_role_check(client, von_der_leyen):
    claim, paris, brussels = give_roles(von_der_leyen)
    check = client.get(f"/api/claims/{claim.id}/").json()["role_check"]
    assert check["consistent"] is False and check["known_role"] == ""
    assert check["reason"] == "Articles give this actor roles that cannot all be right."
    assert check["roles"] == [
        {
            "role": "European Commission President",
            "claims": 2,
            "conflicting": True,
            "articles": [{"id": brussels.id, "title": "EU weighs response"}],
        },
        {
            "role": "European Council President",
            "claims": 1,
            "conflicting": True,
            "articles": [{"id": paris.id, "title": "Leaders call for calm"}],
        },
    ]


def test_a_known_role_decides_which_role_is_wrong(client, von_der_leyen):
    give_roles(von_der_leyen)
    von_der_leyen.known_role = "European Commission President"
    von_der_leyen.save()
    check = client.get(f"/api/actors/{von_der_leyen.id}/").json()["role_check"]
    assert check["known_role"] == "European Commission President"
    assert check["consistent"] is False
    assert {r["role"]: r["conflicting"] for r in check["roles"]} == {
        "European Commission President": False,
        "European Council President": True,
    }


def test_consistent_roles_and_no_roles(client):
    actor = Actor.objects.create(name="Kassym-Jomart Tokayev")
    claim = make_claim(speaker=actor, speaker_role="President")
    make_claim(speaker=actor, speaker_role="Kazakh President")
    check = client.get(f"/api/claims/{claim.id}/").json()["role_check"]
    assert check["consistent"] is True and check["reason"] == ""
    unattributed = make_claim()
    assert client.get(f"/api/claims/{unattributed.id}/").json()["role_check"] is None
    quiet = Actor.objects.create(name="Someone Quiet")
    assert client.get(f"/api/actors/{quiet.id}/").json()["role_check"] is None


def test_actor_list_role_checks_in_a_constant_number_of_queries(
    client, von_der_leyen, django_assert_num_queries
):
    give_roles(von_der_leyen)
    for n in range(5):
        other = Actor.objects.create(name=f"Minister {n}")
        make_claim(speaker=other, speaker_role="Interior Minister")
        make_claim(speaker=other, speaker_role="Health Minister")
    # 1. the page of actors; 2. their role uses, grouped by actor and role;
    # 3. the articles behind those roles
    with django_assert_num_queries(3):
        data = client.get("/api/actors/?page_size=20").json()
    checks = {a["name"]: a["role_check"] for a in data["results"]}
    assert checks["Ursula von der Leyen"]["consistent"] is False
    assert checks["Minister 0"]["consistent"] is False
    assert len(checks) == 6


def test_claim_detail_query_count_with_a_speaker(client, von_der_leyen, django_assert_num_queries):
    claim, _, _ = give_roles(von_der_leyen)
    # 1. the claim with article, outlet and speaker; 2. evidence; 3. status history;
    # 4. its matches (repeated claims, both ways); 5. the speaker's role uses, grouped;
    # 6. the articles behind them
    with django_assert_num_queries(6):
        client.get(f"/api/claims/{claim.id}/")
