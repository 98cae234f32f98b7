"""The review UI at /review/: permissions, the queue, the claim page, decisions and conflicts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from claims.models import Claim, Evidence, Figure, Outlet, StatusChange
from claims.services import claim_review
from tests.conftest import make_article, make_claim

Status = Claim.Status
BODY = (
    "Protests spread on Friday.\n\n"
    "Police said 12 protesters were arrested in the capital. "
    "Hospital staff said 3 people were injured.\n"
    "Witnesses disputed the figures."
)
SENTENCE_A = "Police said 12 protesters were arrested in the capital."
SENTENCE_B = "Hospital staff said 3 people were injured."


@pytest.fixture
def article(outlet):
    return make_article(body=BODY, title="Unrest in the capital", outlet=outlet)


@pytest.fixture
def claim(article):
    return make_claim(article, sentence=SENTENCE_A)


@pytest.fixture
def other_claim(article):
    return make_claim(
        article,
        sentence=SENTENCE_B,
        kind=Claim.Kind.CASUALTY,
        value_low=3,
        value_high=3,
        outcome=Claim.Outcome.INJURED,
    )


def decide(client, claim, status, note="", version=None, query="", **extra):
    data = {"status": status, "note": note, "version": version or claim.version, **extra}
    return client.post(reverse("claims:decide", args=[claim.pk]) + query, data)


# --- Who may do what -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["queue", "claim", "next", "previous"])
def test_anonymous_is_sent_to_login(client, claim, name):
    url = reverse(f"claims:{name}", args=[] if name == "queue" else [claim.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("name", ["decide", "evidence_add"])
def test_anonymous_posts_are_sent_to_login_and_change_nothing(client, claim, name):
    response = client.post(
        reverse(f"claims:{name}", args=[claim.pk]),
        {"status": "false", "note": "x", "version": 1, "url": "https://a.example"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Claim.objects.get(pk=claim.pk).status == Status.UNREVIEWED
    assert not Evidence.objects.exists()


def test_outsider_without_view_permission_gets_403(outsider_client, claim):
    assert outsider_client.get(reverse("claims:queue")).status_code == 403
    assert outsider_client.get(reverse("claims:claim", args=[claim.pk])).status_code == 403


def test_viewer_reads_but_sees_no_decision_form(viewer_client, claim):
    queue = viewer_client.get(reverse("claims:queue"))
    assert queue.status_code == 200
    assert SENTENCE_A in queue.content.decode()
    page = viewer_client.get(reverse("claims:claim", args=[claim.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="decision-form"' not in html
    assert 'id="evidence-form"' not in html
    assert "You can read claims but not review them" in html


@pytest.mark.parametrize("name", ["decide", "evidence_add"])
def test_viewer_posting_gets_403_and_changes_nothing(viewer_client, claim, name):
    response = viewer_client.post(
        reverse(f"claims:{name}", args=[claim.pk]),
        {"status": "disputed", "note": "x", "version": 1, "url": "https://a.example"},
    )
    assert response.status_code == 403
    fresh = Claim.objects.get(pk=claim.pk)
    assert (fresh.status, fresh.version) == (Status.UNREVIEWED, 1)
    assert not StatusChange.objects.exists()
    assert not Evidence.objects.exists()


def test_get_on_decide_is_not_allowed(editor_client, claim):
    assert editor_client.get(reverse("claims:decide", args=[claim.pk])).status_code == 405


def test_unknown_claim_is_404(editor_client, db):
    assert editor_client.get(reverse("claims:claim", args=[999999])).status_code == 404


# --- The queue -------------------------------------------------------------------------------


def test_queue_defaults_to_unreviewed_newest_first(editor_client, editor, article):
    older = make_claim(article, sentence=SENTENCE_A)
    newer = make_claim(article, sentence=SENTENCE_B)
    done = make_claim(article, sentence="Witnesses disputed the figures.")
    claim_review(claim=done, status=Status.DISPUTED, by=editor)

    response = editor_client.get(reverse("claims:queue"))

    assert [c.pk for c in response.context["page"].object_list] == [newer.pk, older.pk]
    assert "<strong>2 claims</strong>" in response.content.decode()


def test_queue_count_stops_at_the_cap(editor_client, monkeypatch, article):
    monkeypatch.setattr("claims.views.COUNT_CAP", 2)
    for _ in range(3):
        make_claim(article, sentence=SENTENCE_A)
    response = editor_client.get(reverse("claims:queue"))
    assert "<strong>2+ claims</strong>" in response.content.decode()
    assert len(response.context["page"].object_list) == 3
    monkeypatch.setattr("claims.views.COUNT_CAP", 3)
    response = editor_client.get(reverse("claims:queue"))
    assert "<strong>3 claims</strong>" in response.content.decode()


def test_queue_filters_and_orders(editor_client, editor, outlet):
    hedged = make_claim(make_article(outlet=outlet), is_hedged=True, hedges=["could not verify"])
    plain = make_claim(make_article(), kind=Claim.Kind.CASUALTY)
    verified = make_claim(make_article(outlet=outlet))
    claim_review(claim=verified, status=Status.VERIFIED, by=editor, note="ok")

    def ids(query):
        response = editor_client.get(reverse("claims:queue"), query)
        assert response.status_code == 200
        return [c.pk for c in response.context["page"].object_list]

    assert ids({"hedged": "yes"}) == [hedged.pk]
    assert ids({"hedged": "no"}) == [plain.pk]
    assert ids({"kind": "casualty"}) == [plain.pk]
    assert ids({"outlet": outlet.pk}) == [hedged.pk]
    assert ids({"outlet": outlet.pk, "status": "any"}) == [verified.pk, hedged.pk]
    assert ids({"status": "verified"}) == [verified.pk]
    assert ids({"article": plain.article_id}) == [plain.pk]
    assert ids({"order": "oldest"}) == [hedged.pk, plain.pk]
    assert ids({"status": "any", "order": "article"}) == [verified.pk, plain.pk, hedged.pk]


def test_queue_ignores_invalid_filter_values(editor_client, claim):
    response = editor_client.get(
        reverse("claims:queue"),
        {"status": "bogus", "outlet": "x", "order": "sideways", "page": "9"},
    )
    assert response.status_code == 200
    assert [c.pk for c in response.context["page"].object_list] == [claim.pk]


def test_queue_links_keep_the_filters(editor_client, claim):
    response = editor_client.get(reverse("claims:queue"), {"kind": "arrest", "order": "oldest"})
    expected = reverse("claims:claim", args=[claim.pk]) + "?kind=arrest&amp;order=oldest"
    assert expected in response.content.decode()


def test_queue_escapes_article_text(editor_client):
    article = make_article(body="<script>alert(1)</script> 5 people were killed.")
    make_claim(article, sentence="<script>alert(1)</script> 5 people were killed.")
    html = editor_client.get(reverse("claims:queue")).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


# --- The claim page --------------------------------------------------------------------------


def test_claim_page_highlights_sentence_and_shows_everything(
    editor_client, editor, claim, other_claim
):
    claim_review(
        claim=claim,
        status=Status.DISPUTED,
        by=editor,
        note="Ministry says 9.",
        evidence=[{"url": "https://ministry.example/9", "title": "Ministry release"}],
    )
    response = editor_client.get(reverse("claims:claim", args=[claim.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<mark id="claim-sentence" class="current">{SENTENCE_A}</mark>' in html
    # The text around the sentence is there, in order.
    body = html[html.index('class="article-body"') :]
    assert body.index("Protests spread on Friday.") < body.index(SENTENCE_A)
    assert body.index(SENTENCE_A) < body.index("Witnesses disputed the figures.")
    # The other claim of the article, marked in the text and listed.
    assert f"{reverse('claims:claim', args=[other_claim.pk])}#claim-sentence" in html
    assert [c.pk for c in response.context["other_claims"]] == [other_claim.pk]
    # Fields, history, evidence, status definitions, the version in the form.
    assert "Police" in html and "protesters" in html
    assert "Ministry says 9." in html and "Ministry release" in html
    assert Claim.STATUS_DEFINITIONS[Status.FALSE] in html
    assert f'name="version" value="{claim.version}"' in html
    assert response.context["sentence_found"] is True


def test_claim_page_escapes_untrusted_article_text(editor_client):
    body = 'Intro <img src=x onerror="alert(1)">. Police said 4 were arrested <b>today</b>.'
    article = make_article(body=body, title="<i>Title</i>")
    claim = make_claim(article, sentence="Police said 4 were arrested <b>today</b>.")
    html = editor_client.get(reverse("claims:claim", args=[claim.pk])).content.decode()
    assert "<img src=x" not in html and "<b>today</b>" not in html and "<i>Title</i>" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "Police said 4 were arrested &lt;b&gt;today&lt;/b&gt;." in html


def test_claim_page_links_only_to_web_urls(editor_client):
    bad = make_claim(make_article(url="javascript:alert(1)"))
    good = make_claim(make_article(url="https://ledger.example/story"))
    bad_html = editor_client.get(reverse("claims:claim", args=[bad.pk])).content.decode()
    good_html = editor_client.get(reverse("claims:claim", args=[good.pk])).content.decode()
    assert "javascript:alert" not in bad_html
    assert 'href="https://ledger.example/story"' in good_html


def test_claim_page_when_sentence_left_the_article(editor_client, article):
    claim = make_claim(article, sentence=SENTENCE_A)
    Claim.objects.filter(pk=claim.pk).update(
        sentence="A sentence since edited away.", in_article=False
    )
    response = editor_client.get(reverse("claims:claim", args=[claim.pk]))
    assert response.context["sentence_found"] is False
    assert "no longer in the article text" in response.content.decode()


# --- Deciding --------------------------------------------------------------------------------


def test_decision_saves_and_opens_the_next_claim_keeping_filters(editor_client, editor, article):
    first = make_claim(article, sentence=SENTENCE_B)
    second = make_claim(article, sentence=SENTENCE_A)  # newer: first in the default queue
    response = decide(
        editor_client, second, "disputed", note="Other outlets say 9.", query="?kind=arrest"
    )
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("claims:claim", args=[first.pk]) + "?kind=arrest#claim-sentence"
    )
    fresh = Claim.objects.get(pk=second.pk)
    assert (fresh.status, fresh.version, fresh.status_changed_by) == ("disputed", 2, editor)
    (change,) = StatusChange.objects.filter(claim=second)
    assert (change.from_status, change.to_status, change.note) == (
        "unreviewed",
        "disputed",
        "Other outlets say 9.",
    )


def test_decision_wraps_round_then_returns_to_queue_when_done(editor_client, article):
    first = make_claim(article, sentence=SENTENCE_B)
    second = make_claim(article, sentence=SENTENCE_A)
    # Deciding the oldest (last) claim wraps round to the newest one still waiting.
    response = decide(editor_client, first, "unverified")
    assert response["Location"] == reverse("claims:claim", args=[second.pk]) + "#claim-sentence"
    response = decide(editor_client, second, "unverified")
    assert response["Location"] == reverse("claims:queue")
    follow = editor_client.get(response["Location"])
    assert "That was the last claim in this queue." in follow.content.decode()


def test_decision_with_evidence_link_writes_it(editor_client, claim):
    response = decide(
        editor_client,
        claim,
        "verified",
        evidence_url="https://wire.example/story",
        evidence_stance="supports",
    )
    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).status == Status.VERIFIED
    assert list(Evidence.objects.filter(claim=claim).values_list("url", flat=True)) == [
        "https://wire.example/story"
    ]


@pytest.mark.parametrize("status", ["verified", "false"])
def test_verified_or_false_without_note_is_refused_with_a_clear_error(editor_client, claim, status):
    response = decide(editor_client, claim, status)
    assert response.status_code == 400
    assert "needs a note or at least one evidence link" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).status == Status.UNREVIEWED


def test_missing_status_is_refused(editor_client, claim):
    response = decide(editor_client, claim, "")
    assert response.status_code == 400
    assert "Choose a status" in response.content.decode()


def test_conflict_shows_the_first_decision_and_keeps_the_second_editors_note(
    editor_client, second_editor, claim
):
    # Erin decides first, while Eddie still has version 1 open.
    claim_review(
        claim=claim,
        status=Status.FALSE,
        by=second_editor,
        note="Police later said 9.",
        expected_version=1,
    )

    response = decide(editor_client, claim, "verified", note="Matches AP.", version=1)

    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else decided first" in html
    assert "erin changed this claim to False" in html
    assert "Police later said 9." in html
    # Eddie's choice and note are kept, at the current version, for a deliberate resubmit.
    assert "Matches AP." in html
    assert 'name="version" value="2"' in html
    fresh = Claim.objects.get(pk=claim.pk)
    assert (fresh.status, fresh.version) == ("false", 2)
    assert StatusChange.objects.filter(claim=claim).count() == 1

    # Resubmitting on purpose is then accepted, and both decisions are on the record.
    response = decide(editor_client, claim, "verified", note="Matches AP.", version=2)
    assert response.status_code == 302
    assert list(
        StatusChange.objects.filter(claim=claim).values_list("to_status", "changed_by__username")
    ) == [("false", "erin"), ("verified", "eddie")]


# --- Evidence --------------------------------------------------------------------------------


def test_evidence_form_adds_evidence(editor_client, editor, claim):
    response = editor_client.post(
        reverse("claims:evidence_add", args=[claim.pk]) + "?order=oldest",
        {
            "url": "https://ngo.example/report",
            "title": "NGO report",
            "stance": "refutes",
            "note": "p.4",
        },
    )
    assert response.status_code == 302
    assert (
        response["Location"] == reverse("claims:claim", args=[claim.pk]) + "?order=oldest#evidence"
    )
    (ev,) = Evidence.objects.filter(claim=claim)
    assert (ev.title, ev.stance, ev.note, ev.added_by) == ("NGO report", "refutes", "p.4", editor)
    assert Claim.objects.get(pk=claim.pk).version == 1


def test_evidence_form_rejects_a_bad_url(editor_client, claim):
    response = editor_client.post(
        reverse("claims:evidence_add", args=[claim.pk]), {"url": "not a link", "stance": "supports"}
    )
    assert response.status_code == 400
    assert "Enter a valid URL." in response.content.decode()
    assert not Evidence.objects.exists()


# --- Next / previous -------------------------------------------------------------------------


def test_next_and_previous_follow_the_queue_order(editor_client, article):
    a = make_claim(article, sentence=SENTENCE_A)
    b = make_claim(article, sentence=SENTENCE_B)
    c = make_claim(article, sentence="Witnesses disputed the figures.")
    url = lambda name, claim, q="": reverse(f"claims:{name}", args=[claim.pk]) + q  # noqa: E731
    claim_url = lambda claim, q="": url("claim", claim, q) + "#claim-sentence"  # noqa: E731

    # Newest first: c, b, a.
    assert editor_client.get(url("next", c))["Location"] == claim_url(b)
    assert editor_client.get(url("next", b))["Location"] == claim_url(a)
    assert editor_client.get(url("previous", a))["Location"] == claim_url(b)
    # At the end it stays put and says so.
    assert editor_client.get(url("next", a))["Location"] == claim_url(a)
    # By article: reading order (start offset) within the article: a, b, c.
    q = "?order=article"
    assert editor_client.get(url("next", a, q))["Location"] == claim_url(b, q)
    assert editor_client.get(url("next", b, q))["Location"] == claim_url(c, q)
    assert editor_client.get(url("previous", b, q))["Location"] == claim_url(a, q)
    assert editor_client.get(url("previous", a, q))["Location"] == claim_url(a, q)


# --- Query counts ----------------------------------------------------------------------------


def _fill(n, outlet, actor):
    # Each claim in its own article, with an outlet and a speaker, so an N+1 on any would show.
    for _ in range(n):
        article = make_article(outlet=outlet, body=BODY)
        make_claim(article, sentence=SENTENCE_A, speaker=actor)


@pytest.mark.parametrize("n", [3, 30])
def test_queue_query_count_is_constant(editor_client, outlet, actor, django_assert_num_queries, n):
    _fill(n, outlet, actor)
    # 1 session, 2 user, 3-4 the user's and their groups' permissions, 5 outlets for the
    # filter, 6 count, 7 the page of claims with article, outlet and speaker joined (and two
    # scalar subqueries per row for the "checked elsewhere" mark).
    with django_assert_num_queries(7):
        response = editor_client.get(reverse("claims:queue"), {"status": "any"})
    assert len(response.context["page"].object_list) == n


def test_queue_with_article_filter_adds_one_query(editor_client, claim, django_assert_num_queries):
    # As above, plus 8: the article's title for the filter chip.
    with django_assert_num_queries(8):
        response = editor_client.get(reverse("claims:queue"), {"article": claim.article_id})
    assert "Unrest in the capital" in response.content.decode()


@pytest.mark.parametrize("n", [3, 30])
def test_claim_page_query_count_is_constant(
    editor_client, editor, actor, outlet, django_assert_num_queries, n
):
    figure = Figure.objects.create(label="Arrests", kind="arrest", outcome="arrested")
    agency = Outlet.objects.create(name="Wire Agency", kind=Outlet.Kind.AGENCY)
    article = make_article(body=" ".join([SENTENCE_A] * n), outlet=outlet)
    claims = [
        make_claim(
            article,
            sentence=SENTENCE_A,
            speaker=actor,
            speaker_role=["Police chief", "Interior minister"][i % 2],
            figure=figure,
            start=i * (len(SENTENCE_A) + 1),
            end=i * (len(SENTENCE_A) + 1) + len(SENTENCE_A),
        )
        for i in range(n)
    ]
    # The same figure reported by n other articles too: agency copy with no outlet of its own,
    # so the panel names the credited agency.
    for i in range(n):
        other = make_article(outlet=None)
        other.credited_agencies.add(agency)
        make_claim(other, speaker=actor, figure=figure, value_low=20 + i, value_high=20 + i)
    claim = claims[0]
    for i in range(n):
        claim_review(
            claim=claim,
            status=[Status.DISPUTED, Status.UNVERIFIED][i % 2],
            by=editor,
            note=f"round {i}",
            evidence=[{"url": f"https://e.example/{i}"}],
        )
    # 1 session, 2 user, 3-4 the user's and their groups' permissions, 5 every claim on the
    # page: this one with its article, outlet, speaker, last reviewer and figure, the article's
    # other claims, the figure's reports (each with its credited agency) and its matches, 6 history with
    # who, 7 evidence with who, 8 the speaker's role uses (grouped) for the role check.
    with django_assert_num_queries(8):
        response = editor_client.get(reverse("claims:claim", args=[claim.pk]))
    assert len(response.context["history"]) == n
    assert len(response.context["evidence"]) == n
    assert len(response.context["other_claims"]) == n - 1
    html = response.content.decode()
    assert f"Reports ({2 * n})" in html
    assert html.count("<td>Wire Agency</td>") == n  # each report's origin, from the annotation
    assert f"Role check for {actor.name}" in html


@pytest.mark.parametrize("n", [3, 30])
def test_attribution_page_query_count_is_constant(
    editor_client, actor, outlet, django_assert_num_queries, n
):
    said = "The minister said the curfew would be lifted on Monday."
    statements = [
        make_claim(
            make_article(body=said, outlet=Outlet.objects.create(name=f"Outlet {i}")),
            sentence=said,
            kind=Claim.Kind.ATTRIBUTION,
            value_low=None,
            value_high=None,
            qualifier="",
            outcome="",
            content="the curfew would be lifted on Monday",
            speaker=actor,
        )
        for i in range(n)
    ]
    claim = statements[-1]
    # 1 session, 2 user, 3-4 permissions, 5 every claim on the page: this one, its article's
    # claims and the speaker's newest statements, 6 history, 7 evidence, 8 the speaker's roles.
    with django_assert_num_queries(8):
        response = editor_client.get(reverse("claims:claim", args=[claim.pk]))
    html = response.content.decode()
    assert f"reported saying this in {n} independent outlets" in html
    for other in statements[:-1]:
        assert f'href="/review/claims/{other.pk}/#claim-sentence"' in html


def test_claim_page_of_a_claim_without_figure_or_speaker_needs_seven_queries(
    editor_client, claim, django_assert_num_queries
):
    # 1 session, 2 user, 3-4 permissions, 5 the page's claims, 6 history, 7 evidence; the
    # figure panel has nothing to look up (no figure, no resolved speaker).
    with django_assert_num_queries(7):
        response = editor_client.get(reverse("claims:claim", args=[claim.pk]))
    assert response.status_code == 200
