"""The change feed (/api/status-changes/), ClaimReview JSON-LD, articles, and the Atom feed."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from datetime import UTC

import pytest
from django.db import connection, transaction

from claims.api.claimreview import RATING_VALUES
from claims.models import Actor, Claim
from claims.services import claim_review
from tests.conftest import make_article, make_claim

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def review(claim: Claim, status: str, by, note: str = "checked") -> None:
    claim_review(claim=claim, status=status, by=by, note=note)


def test_change_feed_polled_from_its_cursor_sees_every_change_exactly_once(client, editor):
    claims = [make_claim() for _ in range(3)]
    for claim in claims:
        review(claim, "disputed", editor)

    page = client.get("/api/status-changes/?page_size=2").json()
    received = [c["id"] for c in page["results"]]
    page = client.get(page["next"]).json()
    received += [c["id"] for c in page["results"]]
    assert page["next"], "the last page still gives a cursor to poll"

    # Nothing new: polling again returns nothing, and the same position.
    empty = client.get(page["next"]).json()
    assert empty["results"] == []
    assert empty["next"] == page["next"]

    # Changes committed while the client waits (including a second change to one claim).
    review(claims[0], "false", editor)
    review(make_claim(), "unverified", editor)
    later = client.get(empty["next"]).json()
    received += [c["id"] for c in later["results"]]

    from claims.models import StatusChange

    assert received == list(StatusChange.objects.order_by("id").values_list("id", flat=True))
    assert len(received) == 5
    assert [c["to_status"] for c in later["results"]] == ["false", "unverified"]
    first = later["results"][0]
    assert first["claim_id"] == claims[0].id
    assert first["from_status"] == "disputed"
    assert first["changed_by"] == "eddie"
    assert first["claim_api_url"].endswith(f"/api/claims/{claims[0].id}/")


def test_change_feed_on_an_empty_database_gives_a_cursor_to_poll(client, editor):
    start = client.get("/api/status-changes/").json()
    assert start["results"] == [] and start["next"]
    review(make_claim(), "disputed", editor)
    assert len(client.get(start["next"]).json()["results"]) == 1


def test_change_feed_filtered_by_claim_and_not_reorderable(client, editor):
    one, two = make_claim(), make_claim()
    review(one, "disputed", editor)
    review(two, "disputed", editor)
    review(one, "false", editor)
    data = client.get(f"/api/status-changes/?claim={one.id}&ordering=-id").json()
    assert [c["to_status"] for c in data["results"]] == ["disputed", "false"]


@pytest.mark.parametrize("page_size", [2, 20])
def test_change_feed_query_count_is_constant(client, editor, django_assert_num_queries, page_size):
    for _ in range(20):
        review(make_claim(), "unverified", editor)
    # 1. the page of changes joined with the editor's username
    with django_assert_num_queries(1):
        data = client.get(f"/api/status-changes/?page_size={page_size}").json()
    assert len(data["results"]) == page_size


def test_claimreview_maps_the_claim_to_schema_org(client, editor, outlet):
    from datetime import datetime

    speaker = Actor.objects.create(name="Aigerim Bekova", kind="person")
    article = make_article(
        title="Toll rises",
        url="https://ledger.example/toll",
        outlet=outlet,
        published_at=datetime(2022, 1, 8, 9, 30, tzinfo=UTC),
    )
    claim = make_claim(article, speaker=speaker, speaker_role="health minister")
    claim_review(
        claim=claim,
        status="false",
        by=editor,
        evidence=[{"url": "https://morgue.example/count", "stance": "refutes"}],
        note="The morgue counted 40.",
    )

    response = client.get(f"/api/claims/{claim.id}/claimreview/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    data = response.json()
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "ClaimReview"
    assert data["url"] == f"http://testserver/claims/{claim.id}/"  # the public page
    assert data["claimReviewed"] == claim.sentence
    assert data["itemReviewed"] == {
        "@type": "Claim",
        "author": {"@type": "Person", "name": "Aigerim Bekova", "jobTitle": "health minister"},
        "appearance": {
            "@type": "NewsArticle",
            "headline": "Toll rises",
            "url": "https://ledger.example/toll",
            "datePublished": "2022-01-08T09:30:00Z",
            "publisher": {"@type": "Organization", "name": "Daily Ledger"},
        },
        "datePublished": "2022-01-08T09:30:00Z",
    }
    assert data["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 1,
        "worstRating": 1,
        "bestRating": 4,
        "alternateName": "False",
        "ratingExplanation": "Evidence contradicts it.",
    }
    assert data["reviewBody"] == "The morgue counted 40."
    assert data["author"] == {"@type": "Organization", "name": "Claim Desk"}
    claim.refresh_from_db()
    assert data["datePublished"] == claim.status_changed_at.isoformat().replace("+00:00", "Z")
    # Plain JSON for clients that ask for it.
    plain = client.get(f"/api/claims/{claim.id}/claimreview/", HTTP_ACCEPT="application/json")
    assert plain["Content-Type"] == "application/json"


def test_rating_values_follow_the_documented_scale(client, editor):
    assert RATING_VALUES == {"false": 1, "disputed": 2, "unverified": 3, "verified": 4}
    for status, value in RATING_VALUES.items():
        claim = make_claim(speaker_text="the ministry")
        review(claim, status, editor)
        data = client.get(f"/api/claims/{claim.id}/claimreview/").json()
        assert data["reviewRating"]["ratingValue"] == value
        assert data["reviewRating"]["alternateName"] == Claim.Status(status).label
        # An unresolved speaker is known only by the article's words.
        assert data["itemReviewed"]["author"] == {"@type": "Thing", "name": "the ministry"}


def test_unreviewed_claims_have_no_claimreview(client):
    claim = make_claim()
    response = client.get(f"/api/claims/{claim.id}/claimreview/")
    assert response.status_code == 404
    assert "not been reviewed" in response.json()["detail"]
    assert client.get("/api/claims/99999/claimreview/").status_code == 404


def test_claimreview_datafeed_lists_only_reviewed_claims(client, editor, django_assert_num_queries):
    reviewed = [make_claim() for _ in range(3)]
    make_claim()  # unreviewed: not in the feed
    for claim in reviewed:
        review(claim, "verified", editor, note="ok")

    # 1. reviewed claims with article, outlet, speaker and the latest note (a subquery)
    with django_assert_num_queries(1):
        response = client.get("/api/claimreview/?page_size=2")
    data = response.json()
    assert data["@type"] == "DataFeed"
    items = data["dataFeedElement"]
    assert [i["item"]["url"] for i in items] == [
        f"http://testserver/claims/{reviewed[2].id}/",
        f"http://testserver/claims/{reviewed[1].id}/",
    ]
    assert all(i["@type"] == "DataFeedItem" and "@context" not in i["item"] for i in items)
    assert items[0]["item"]["reviewRating"]["alternateName"] == "Verified"
    next_url = response["Link"].split(";")[0].strip("<>")
    rest = client.get(next_url).json()["dataFeedElement"]
    assert [i["item"]["claimReviewed"] for i in rest] == [reviewed[0].sentence]


def test_articles_list_and_detail_with_claims(client, outlet, django_assert_num_queries):
    wire = type(outlet).objects.create(name="Reuters", kind="agency")
    article = make_article(outlet=outlet, title="Protests")
    article.credited_agencies.add(wire)
    later = make_claim(article, sentence=article.body)
    for _ in range(3):
        make_article()

    # 1. articles with outlet and a claim-count subquery; 2. credited agencies (prefetch)
    with django_assert_num_queries(2):
        listed = client.get("/api/articles/?page_size=2").json()["results"]
    with django_assert_num_queries(2):
        client.get("/api/articles/?page_size=4")
    assert len(listed) == 2
    entry = client.get(f"/api/articles/?outlet={outlet.id}").json()["results"][0]
    assert entry["claim_count"] == 1
    assert entry["credited_agencies"] == [{"id": wire.id, "name": "Reuters"}]
    assert "body" not in entry

    # 1. the article; 2. credited agencies; 3. its claims
    with django_assert_num_queries(3):
        detail = client.get(f"/api/articles/{article.id}/").json()
    assert detail["body"] == article.body
    assert [c["id"] for c in detail["claims"]] == [later.id]
    assert "article" not in detail["claims"][0]
    assert client.get("/api/articles/0/").status_code == 404


def test_atom_feed_lists_status_changes_newest_first_escaped(
    client, editor, django_assert_num_queries
):
    article = make_article(title="Riots <script>alert(1)</script>")
    claim = make_claim(article)
    review(claim, "disputed", editor, note="Sources <b>conflict</b>")
    review(claim, "false", editor, note="Refuted")

    # 1. the latest changes with claim, article and editor joined
    with django_assert_num_queries(1):
        response = client.get("/feeds/status-changes/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        f"Claim {claim.id}: Disputed → False",
        f"Claim {claim.id}: Unreviewed → Disputed",
    ]
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert len(set(ids)) == 2
    summary = entries[1].find(f"{ATOM}summary").text
    # Readers render the summary as HTML: the untrusted text arrives escaped.
    assert "&lt;script&gt;" in summary and "<script>" not in summary
    assert "&lt;b&gt;conflict&lt;/b&gt;" in summary
    assert entries[0].find(f"{ATOM}author/{ATOM}name").text == "eddie"
    assert entries[0].find(f"{ATOM}link").get("href") == f"http://testserver/claims/{claim.id}/"


@pytest.mark.parametrize("page_size", [3, 30])
def test_actor_list_query_count_is_constant(client, django_assert_num_queries, page_size):
    for n in range(30):
        Actor.objects.create(name=f"Speaker {n}", aliases=[f"S{n}"])
    # 1. the page of actors; 2. their role uses, grouped (none here, so no articles query:
    # tests/test_api_role_checks.py counts a page with roles)
    with django_assert_num_queries(2):
        data = client.get(f"/api/actors/?page_size={page_size}").json()
    assert len(data["results"]) == page_size


@pytest.mark.parametrize("url", ["/api/status-changes/", "/api/claimreview/", "/api/articles/"])
def test_every_list_answers_if_none_match_with_304(client, editor, url):
    review(make_claim(), "verified", editor)
    first = client.get(url)
    assert first.status_code == 200
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    review(make_claim(), "disputed", editor)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent transactions on PostgreSQL"
)
def test_change_feed_never_skips_a_change_committed_late(client, editor, second_editor):
    """The race the feed must survive: change N is written but not yet committed when change
    N+1 is. A reader would see N+1, move its cursor past N, and never see N. The review service's
    advisory lock makes N+1 wait for N's commit, so the reader sees both, in order, once."""
    first_claim, second_claim = make_claim(), make_claim()
    start = client.get("/api/status-changes/").json()["next"]
    a_written, release_a = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def slow_editor() -> None:  # writes change N and holds its transaction open
        try:
            with transaction.atomic():
                review(first_claim, "disputed", editor)
                a_written.set()
                release_a.wait(10)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    def quick_editor() -> None:  # writes change N+1 meanwhile
        try:
            a_written.wait(10)
            review(second_claim, "verified", second_editor)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    slow, quick = threading.Thread(target=slow_editor), threading.Thread(target=quick_editor)
    slow.start()
    quick.start()
    a_written.wait(10)
    quick.join(0.5)
    assert quick.is_alive(), "change N+1 must wait for change N to commit"
    assert client.get(start).json()["results"] == []  # nothing committed yet

    release_a.set()
    slow.join(10)
    quick.join(10)
    assert errors == []
    page = client.get(start).json()
    assert [(c["claim_id"], c["to_status"]) for c in page["results"]] == [
        (first_claim.id, "disputed"),
        (second_claim.id, "verified"),
    ]
    assert client.get(page["next"]).json()["results"] == []
