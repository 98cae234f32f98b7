"""GET /api/claims/ and /api/claims/{id}/: filters, cursor paging, CSV, ETags, permissions."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.fields import DateTimeField
from rest_framework.throttling import AnonRateThrottle

from claims.api import pagination
from claims.api.serializers import ClaimDetailSerializer, ClaimSerializer
from claims.models import Actor, Claim, Evidence, Figure, Outlet
from claims.services import claim_review
from claims.services.assignment import claims_assign
from tests.conftest import make_article, make_claim

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttle_carry_over():
    # The anonymous throttle counts in the cache; a test must not inherit another's count.
    from django.core.cache import cache

    cache.clear()


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def test_list_is_public_newest_first_with_the_documented_fields(client, outlet, actor):
    article = make_article(title="Almaty unrest", url="https://ledger.example/a", outlet=outlet)
    older = make_claim(article, speaker=actor, hedges=["reportedly"], is_hedged=True)
    newer = make_claim(article)

    response = client.get("/api/claims/")

    assert ids(response) == [newer.id, older.id]
    item = response.json()["results"][1]
    assert set(item) == set(ClaimSerializer().fields)
    assert item["api_url"] == f"http://testserver/api/claims/{older.id}/"
    assert item["speaker"] == {"id": actor.id, "name": "Maria Okafor", "kind": "person"}
    assert item["hedges"] == ["reportedly"]
    assert item["status"] == "unreviewed"
    assert item["status_label"] == "Unreviewed"
    assert item["article"] == {
        "id": article.id,
        "api_url": f"http://testserver/api/articles/{article.id}/",
        "title": "Almaty unrest",
        "url": "https://ledger.example/a",
        "published_at": None,
        "published_basis": "",
        "outlet": {"id": outlet.id, "name": "Daily Ledger"},
    }
    assert item["updated_at"].endswith("Z")
    assert response.json()["results"][0]["speaker"] is None


def test_dates_are_written_as_drf_writes_them_with_and_without_microseconds(client, editor):
    # The database formats the list's date-times (claims.api.serializers.IsoTimestamp); the text
    # must be exactly what DRF's DateTimeField would write for the stored value.
    whole = datetime(2026, 11, 25, 3, 19, tzinfo=UTC)
    fraction = datetime(2026, 1, 2, 23, 4, 5, 120000, tzinfo=UTC)
    plain = make_claim(make_article(published_at=whole))
    reviewed = make_claim(make_article(published_at=fraction))
    claim_review(claim=reviewed, status=Claim.Status.DISPUTED, by=editor, expected_version=1)
    Claim.objects.filter(pk=plain.pk).update(updated_at=fraction)
    Claim.objects.filter(pk=reviewed.pk).update(updated_at=whole, status_changed_at=fraction)

    items = {item["id"]: item for item in client.get("/api/claims/").json()["results"]}

    assert items[plain.id]["updated_at"] == "2026-01-02T23:04:05.120000Z"
    assert items[plain.id]["status_changed_at"] is None
    assert items[plain.id]["article"]["published_at"] == "2026-11-25T03:19:00Z"
    assert items[reviewed.id]["updated_at"] == "2026-11-25T03:19:00Z"
    assert items[reviewed.id]["status_changed_at"] == "2026-01-02T23:04:05.120000Z"
    assert items[reviewed.id]["article"]["published_at"] == "2026-01-02T23:04:05.120000Z"
    field = DateTimeField()
    detail = client.get(f"/api/claims/{reviewed.id}/").json()
    assert detail["status_changed_at"] == field.to_representation(fraction)
    assert detail["created_at"] == field.to_representation(
        Claim.objects.get(pk=reviewed.pk).created_at
    )


def test_filters_select_exactly_the_matching_claims(client, editor, outlet, actor):
    other_outlet = Outlet.objects.create(name="Other Wire")
    in_outlet = make_article(outlet=outlet, title="Strike in Astana")
    elsewhere = make_article(outlet=other_outlet, title="Weather report")
    arrest = make_claim(in_outlet, speaker=actor)
    casualty = make_claim(
        elsewhere,
        kind=Claim.Kind.CASUALTY,
        outcome=Claim.Outcome.KILLED,
        hedges=["could not be independently verified"],
        is_hedged=True,
        sentence=elsewhere.body,
    )
    attribution = make_claim(
        elsewhere,
        kind=Claim.Kind.ATTRIBUTION,
        value_low=None,
        value_high=None,
        speaker_text="the mayor of Almaty",
        content="the city is calm",
    )
    claim_review(claim=casualty, status="disputed", by=editor, note="Two tolls disagree")
    Claim.objects.filter(pk=attribution.pk).update(in_article=False)

    assert ids(client.get("/api/claims/?status=disputed")) == [casualty.id]
    assert ids(client.get("/api/claims/?kind=arrest")) == [arrest.id]
    assert ids(client.get(f"/api/claims/?article={in_outlet.id}")) == [arrest.id]
    assert ids(client.get(f"/api/claims/?outlet={other_outlet.id}")) == [
        attribution.id,
        casualty.id,
    ]
    assert ids(client.get(f"/api/claims/?speaker={actor.id}")) == [arrest.id]
    assert ids(client.get("/api/claims/?hedged=true")) == [casualty.id]
    assert ids(client.get("/api/claims/?hedged=false")) == [attribution.id, arrest.id]
    assert ids(client.get("/api/claims/?in_article=false")) == [attribution.id]
    # q searches the sentence, the speaker (words and actor name) and the article title.
    assert ids(client.get("/api/claims/?q=ASTANA")) == [arrest.id]
    assert ids(client.get("/api/claims/?q=okafor")) == [arrest.id]
    assert ids(client.get("/api/claims/?q=mayor of")) == [attribution.id]
    assert ids(client.get(f"/api/claims/?q=day&kind=casualty&outlet={other_outlet.id}")) == [
        casualty.id
    ]


def test_updated_since_returns_claims_changed_at_or_after_it(client, editor):
    old = make_claim()
    recent = make_claim()
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Claim.objects.filter(pk=old.pk).update(updated_at=an_hour_ago - timedelta(minutes=5))

    since = an_hour_ago.isoformat().replace("+00:00", "Z")
    assert ids(client.get("/api/claims/", {"updated_since": since})) == [recent.id]

    claim_review(claim=old, status="unverified", by=editor)
    assert ids(client.get("/api/claims/", {"updated_since": since})) == [recent.id, old.id]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=maybe", "status"),
        ("kind=rumour", "kind"),
        ("hedged=ture", "hedged"),
        ("article=first", "article"),
        ("updated_since=yesterday", "updated_since"),
        ("page_size=ten", "page_size"),
        ("page_size=0", "page_size"),
    ],
)
def test_bad_filter_values_are_a_400_naming_the_parameter(client, query, field):
    make_claim()
    response = client.get(f"/api/claims/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_one_request_s_filter_errors_do_not_leak_into_the_next(client):
    # The filter form class is built once and shared (claims.api.filters.FilterSet); each request
    # still gets its own form, values and errors.
    hedged = make_claim(is_hedged=True, hedges=["reportedly"])
    plain = make_claim()
    assert client.get("/api/claims/?status=maybe&hedged=ture").json().keys() == {
        "status",
        "hedged",
    }
    assert ids(client.get("/api/claims/?hedged=true")) == [hedged.id]
    assert client.get("/api/claims/?kind=rumour").json().keys() == {"kind"}
    assert ids(client.get("/api/claims/?hedged=false")) == [plain.id]


def test_cursor_paging_stays_stable_while_claims_are_imported(client):
    first_five = [make_claim().id for _ in range(5)]

    page1 = client.get("/api/claims/?page_size=2").json()
    # An import lands between two page requests.
    arrived = make_claim()
    page2 = client.get(page1["next"]).json()
    page3 = client.get(page2["next"]).json()

    seen = [item["id"] for page in (page1, page2, page3) for item in page["results"]]
    assert seen == sorted(first_five, reverse=True)
    assert page3["next"] is None
    # The new claim is where a client starting over will find it.
    assert ids(client.get("/api/claims/?page_size=1")) == [arrived.id]
    # And going back from page 2 gives page 1 again.
    assert [i["id"] for i in client.get(page2["previous"]).json()["results"]] == seen[:2]


def test_oldest_first_ordering_and_link_header(client):
    claims = [make_claim().id for _ in range(3)]
    response = client.get("/api/claims/?ordering=id&page_size=2")
    assert ids(response) == claims[:2]
    assert response["Link"] == f'<{response.json()["next"]}>; rel="next"'


def test_page_size_is_capped_not_refused(client, monkeypatch):
    from claims.api.pagination import IdCursorPagination

    assert IdCursorPagination.max_page_size == 500
    monkeypatch.setattr(IdCursorPagination, "max_page_size", 2)  # the cap, with 3 claims
    for _ in range(3):
        make_claim()
    response = client.get("/api/claims/?page_size=100000")
    assert len(ids(response)) == 2
    assert response.json()["next"]


def test_csv_has_one_row_per_claim_with_fixed_columns(client, actor):
    make_claim(speaker=actor, hedges=["reportedly", "unconfirmed"], is_hedged=True)
    article = make_article(body='=HYPERLINK("http://evil.example") 5 killed, police said.')
    make_claim(article, kind=Claim.Kind.CASUALTY, outcome=Claim.Outcome.KILLED, value_low=5)

    response = client.get("/api/claims/?format=csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 2
    formula, hedged = rows
    assert list(formula)[:4] == ["id", "api_url", "kind", "sentence"]
    assert "article.outlet.name" in formula and "speaker.name" in formula
    assert hedged["hedges"] == "reportedly; unconfirmed"
    assert hedged["speaker.name"] == "Maria Okafor"
    assert formula["speaker.name"] == ""
    # A spreadsheet must not run article text as a formula.
    assert formula["sentence"].startswith("'=HYPERLINK")
    assert formula["value_low"] == "5"


def test_csv_of_an_empty_page_still_has_the_header(client):
    response = client.get("/api/claims/?format=csv&status=false")
    header = response.content.decode().splitlines()[0]
    assert header.startswith("id,api_url,kind,sentence")


def test_detail_has_article_speaker_evidence_history_and_figure(client, editor, actor):
    figure = Figure.objects.create(label="Almaty death toll", kind="casualty", outcome="killed")
    claim = make_claim(speaker=actor, speaker_role="police spokeswoman", figure=figure)
    claim_review(
        claim=claim,
        status="verified",
        by=editor,
        note="Matches the hospital list",
        evidence=[{"url": "https://hospital.example/list", "title": "List", "stance": "supports"}],
    )
    claim_review(claim=claim, status="disputed", by=editor, note="A second toll appeared")

    response = client.get(f"/api/claims/{claim.id}/")

    assert response.status_code == 200
    data = response.json()
    assert set(data) == set(ClaimDetailSerializer().fields)
    assert data["status"] == "disputed"
    assert data["version"] == 3
    assert data["status_definition"] == "Credible sources conflict about it."
    assert (data["figure"]["id"], data["figure"]["label"]) == (figure.id, "Almaty death toll")
    assert data["figure"]["report_count"] == 1
    assert data["speaker"]["name"] == "Maria Okafor"
    assert data["speaker_role"] == "police spokeswoman"
    assert data["article"]["id"] == claim.article_id
    assert [(e["url"], e["added_by"]) for e in data["evidence"]] == [
        ("https://hospital.example/list", "eddie")
    ]
    assert [(h["from_status"], h["to_status"], h["changed_by"]) for h in data["history"]] == [
        ("unreviewed", "verified", "eddie"),
        ("verified", "disputed", "eddie"),
    ]
    assert data["history"][1]["note"] == "A second toll appeared"


def test_unknown_claim_is_404(client):
    assert client.get("/api/claims/987654/").status_code == 404
    assert client.get("/api/claims/abc/").status_code == 404


def test_etag_gives_304_until_the_claim_changes(client, editor):
    claim = make_claim()
    first = client.get(f"/api/claims/{claim.id}/")
    etag = first["ETag"]
    assert etag
    assert "no-cache" in first["Cache-Control"]

    again = client.get(f"/api/claims/{claim.id}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    listed = client.get("/api/claims/")
    assert client.get("/api/claims/", HTTP_IF_NONE_MATCH=listed["ETag"]).status_code == 304

    Evidence.objects.create(claim=claim, url="https://x.example/", added_by=editor)
    changed = client.get(f"/api/claims/{claim.id}/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    # A new claim changes the list's tag.
    make_claim()
    assert client.get("/api/claims/", HTTP_IF_NONE_MATCH=listed["ETag"]).status_code == 200


def test_reading_can_be_restricted_to_signed_in_users(client, viewer_client, settings):
    settings.CLAIMDESK_API_PUBLIC = False  # CLAIMDESK_API_PUBLIC=0
    claim = make_claim()
    for url in ["/api/claims/", f"/api/claims/{claim.id}/", "/api/status-changes/"]:
        assert client.get(url).status_code == 403
        assert viewer_client.get(url).status_code == 200
    assert client.get("/feeds/status-changes/").status_code == 403
    assert viewer_client.get("/feeds/status-changes/").status_code == 200


def test_anonymous_reads_are_throttled_but_signed_in_ones_are_not(
    client, viewer_client, monkeypatch
):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    make_claim()
    codes = [client.get("/api/claims/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert viewer_client.get("/api/claims/").status_code == 200
    assert Client().get("/api/claims/").status_code == 429  # same address, same allowance


@pytest.mark.parametrize("page_size", [3, 30])
def test_claim_list_query_count_does_not_grow_with_the_page(
    client, django_assert_num_queries, page_size, outlet, actor, editor
):
    for n in range(30):
        article = make_article(outlet=outlet if n % 2 else None)
        make_claim(article, speaker=actor if n % 3 else None, hedges=["reportedly"])
    for claim in Claim.objects.order_by("id")[::2]:
        claims_assign(claim_ids=[claim.pk], to=editor, by=editor)
    # 1. the page: claims joined with article, outlet, speaker, proposer and holder
    #    (LIMIT page_size + 1)
    with django_assert_num_queries(1):
        response = client.get(f"/api/claims/?page_size={page_size}")
    assert len(response.json()["results"]) == page_size
    assert {item["assigned_to"] for item in response.json()["results"]} == {"eddie", None}
    with django_assert_num_queries(1):
        client.get(f"/api/claims/?page_size={page_size}&format=csv&q=police")
    with django_assert_num_queries(1):  # the same one query, filtered by the holder's name
        client.get(f"/api/claims/?page_size={page_size}&assigned_to=eddie")


def test_pages_from_compiled_once_sql_equal_the_orm_pages(client, monkeypatch, outlet, actor):
    # Unfiltered pages run SQL compiled once per shape (claims.api.pagination.PageQuerySet); every
    # page, both directions, must be exactly what the ORM path gives.
    for n in range(7):
        article = make_article(outlet=outlet if n % 2 else None, published_at=timezone.now())
        make_claim(
            article,
            speaker=actor if n % 3 else None,
            hedges=["reportedly"] if n % 2 else [],
            is_hedged=bool(n % 2),
            direct=None if n % 3 else True,
            status=Claim.Status.DISPUTED if n < 5 else Claim.Status.UNREVIEWED,
        )
    pagination._PAGE_SQL.clear()

    def walk() -> list[dict]:
        pages, url = [], "/api/claims/?page_size=3"
        while url:
            pages.append(client.get(url).json())
            url = pages[-1]["next"]
        pages.append(client.get(pages[-1]["previous"]).json())  # and one page back
        pages.append(client.get("/api/claims/?page_size=2&ordering=id").json())
        filtered = client.get("/api/claims/?page_size=2&status=disputed&kind=arrest").json()
        pages += [filtered, client.get(filtered["next"]).json()]
        return pages

    cached = walk()
    # The first page, later pages (id < n), the way back (id > n), oldest first, a filtered
    # first page and its next page: all cached.
    assert len(pagination._PAGE_SQL) == 6
    assert all(entry is not None for entry in pagination._PAGE_SQL.values())
    monkeypatch.setattr(pagination, "_cached_page", lambda queryset: None)
    assert walk() == cached
    assert [item["id"] for page in cached[:3] for item in page["results"]] == sorted(
        Claim.objects.values_list("id", flat=True), reverse=True
    )
    assert {type(item["is_hedged"]) for page in cached for item in page["results"]} == {bool}
    assert [item["status"] for page in cached[-2:] for item in page["results"]] == ["disputed"] * 4


def test_searches_and_dates_are_not_served_from_the_sql_cache(client, monkeypatch):
    claim = make_claim(sentence="Police detained 40 people.")
    pagination._PAGE_SQL.clear()
    assert ids(client.get("/api/claims/?q=detained")) == [claim.id]
    assert ids(client.get("/api/claims/?updated_since=2000-01-01T00:00:00Z")) == [claim.id]
    assert ids(client.get("/api/claims/?hedged=false")) == [claim.id]
    assert not any(pagination._PAGE_SQL.values())
    # The cache is capped: client-chosen page sizes cannot grow it without bound.
    monkeypatch.setattr(pagination, "_MAX_SHAPES", 2)
    for size in (1, 2, 3, 4):
        assert ids(client.get(f"/api/claims/?page_size={size}")) == [claim.id]
    assert len(pagination._PAGE_SQL) <= 2


def test_claim_detail_query_count_does_not_grow_with_history(
    client, editor, django_assert_num_queries
):
    claim = make_claim()
    for status in ["verified", "disputed", "false", "unverified"]:
        claim_review(claim=claim, status=status, by=editor, note=f"now {status}")
        Evidence.objects.create(claim=claim, url=f"https://e.example/{status}")
    # 1. the claim with article, outlet and speaker; 2. evidence (with editor);
    # 3. status history (with editor); 4. its matches (repeated claims), both directions
    with django_assert_num_queries(4):
        data = client.get(f"/api/claims/{claim.id}/").json()
    assert len(data["history"]) == 4 and len(data["evidence"]) == 4
    assert data["figure"] is None

    # 1. the claim as above; with a figure, its summary (claims.api.figures.claim_figure_summary):
    # 2. the figure; 3. its claims with article, outlet, speaker and origin agency (annotated,
    # no query of its own); then 4. its matches; 5. evidence; 6. status history
    figure = Figure.objects.create(label="Toll", kind="casualty", outcome="killed")
    for _ in range(5):
        make_claim(figure=figure, kind=Claim.Kind.CASUALTY, outcome=Claim.Outcome.KILLED)
    Claim.objects.filter(pk=claim.pk).update(figure=figure)
    with django_assert_num_queries(6):
        data = client.get(f"/api/claims/{claim.id}/").json()
    assert data["figure"]["report_count"] == 6


def test_actor_speaker_ids_are_browsable(client, actor):
    make_claim(speaker=actor)
    Actor.objects.create(name="Interior Ministry", kind="organisation")
    data = client.get("/api/actors/?kind=person").json()
    assert [a["name"] for a in data["results"]] == ["Maria Okafor"]
    assert data["results"][0]["aliases"] == ["Okafor"]
    assert client.get("/api/actors/?q=ministry").json()["results"][0]["kind"] == "organisation"


@pytest.mark.parametrize("position", ["abc", "1.5", "-5", "99999999999999999999999999"])
def test_a_forged_cursor_is_a_400_not_a_server_error(client, position):
    import base64

    make_claim()
    cursor = base64.b64encode(f"p={position}".encode()).decode()
    for url in ["/api/claims/", "/api/status-changes/", "/api/claimreview/"]:
        response = client.get(url, {"cursor": cursor})
        assert response.status_code == 400
        assert list(response.json()) == ["cursor"]


def test_errors_are_json_whatever_the_format(client):
    response = client.get("/api/claims/?format=csv&status=maybe")
    assert response.status_code == 400
    assert response.json() == {
        "status": ["Select a valid choice. maybe is not one of the available choices."]
    }
    assert client.get("/api/claims/?format=nope").json()["detail"]
    assert client.get("/api/claims/1.5/").json()["detail"]
    assert client.get("/api/claims/99999999999999999999999/").status_code == 404
