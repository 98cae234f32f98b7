"""The figure service over the database: grouping on import and the editor operations.

The corpus (tests/fixtures/reconcile) is written to the database as the import would leave it:
articles, then their claims, then `figures_refresh_for_article` for each article in turn.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Actor, Article, Claim, Figure, Outlet, StatusChange
from claims.services.figures import (
    FigureError,
    claim_move_to_figure,
    figure_accept_suggestions,
    figure_analysis,
    figure_merge,
    figure_rename,
    figure_split,
    figures_refresh_for_article,
    role_flags_for,
    speaker_statement_groups,
)
from tests.conftest import make_article, make_claim
from tests.test_reconcile import CORPUS, corpus


@dataclass
class Corpus:
    articles: dict[str, Article] = field(default_factory=dict)
    claims: dict[int, Claim] = field(default_factory=dict)  # position in claims.json -> claim
    expect: dict[int, str] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)

    def figure(self, name: str) -> Figure:
        """The figure the claims expected as `name` were grouped into (they must share one)."""
        ids = {
            Claim.objects.get(pk=self.claims[n].pk).figure_id
            for n, e in self.expect.items()
            if e == name
        }
        assert len(ids) == 1, f"{name} is spread over figures {ids}"
        return Figure.objects.get(pk=ids.pop())


def load_corpus(*, refresh: bool = True, newest_first: bool = False) -> Corpus:
    raw_articles, data = corpus()
    result = Corpus()
    for a in data["actors"]:
        result.actors[a["name"]] = Actor.objects.create(**a)
    for stem, a in raw_articles.items():
        outlet, _ = Outlet.objects.get_or_create(name=a["outlet"])
        result.articles[stem] = make_article(
            source_key=a["url"],
            url=a["url"],
            title=a["title"],
            body=a["body"],
            outlet=outlet,
            published_at=a["published_at"],
            imported_from=str(CORPUS / f"{stem}.txt"),
            content_hash=hashlib.sha256(a["body"].encode()).hexdigest(),
        )
    for n, c in enumerate(data["claims"], start=1):
        figure_fields = (
            {
                "value_low": c["value_low"],
                "value_high": c["value_high"],
                "qualifier": c["qualifier"],
                "outcome": c["outcome"],
                "subject": c["subject"],
                "agent": c.get("agent", ""),
            }
            if c["kind"] != "attribution"
            else {
                "value_low": None,
                "value_high": None,
                "qualifier": "",
                "outcome": "",
                "subject": "",
            }
        )
        result.claims[n] = make_claim(
            result.articles[c["article"]],
            kind=c["kind"],
            sentence=c["sentence"],
            speaker=result.actors.get(c["speaker"]),
            speaker_text=c["speaker_text"],
            speaker_role=c.get("speaker_role", ""),
            content=c.get("content", ""),
            direct=c.get("direct"),
            hedges=c.get("hedges", []),
            is_hedged=bool(c.get("hedges")),
            fingerprint=f"corpus-{n}",
            **figure_fields,
        )
        if "expect" in c:
            result.expect[n] = c["expect"]
    if refresh:
        order = sorted(result.articles.values(), key=lambda a: a.published_at, reverse=newest_first)
        for article in order:
            figures_refresh_for_article(article=article)
    return result


@pytest.fixture
def kz(db) -> Corpus:
    return load_corpus()


# --- Grouping on import --------------------------------------------------------------------


@pytest.mark.parametrize("newest_first", [False, True])
def test_corpus_grouping_in_the_database(db, newest_first):
    kz = load_corpus(newest_first=newest_first)
    groups: dict[str, set[int]] = {}
    for n, name in kz.expect.items():
        groups.setdefault(name, set()).add(kz.claims[n].pk)
    actual: dict[int, set[int]] = {}
    for claim_id, figure_id in Claim.objects.figures().values_list("id", "figure_id"):
        actual.setdefault(figure_id, set()).add(claim_id)
    assert None not in actual
    assert sorted(map(sorted, actual.values())) == sorted(map(sorted, groups.values()))
    # Attributions are never put in figures.
    assert not Claim.objects.filter(kind="attribution", figure__isnull=False).exists()


def test_figure_fields_describe_what_it_measures(kz):
    killed = kz.figure("kz-killed")
    assert (killed.kind, killed.outcome, killed.subject_kind, killed.place) == (
        "casualty",
        "killed",
        "people",
        "Kazakhstan",
    )
    assert (str(killed.date_start), str(killed.date_end)) == ("2022-01-07", "2022-01-15")
    assert killed.label == "People killed — Kazakhstan, from 7 Jan 2022"
    assert not killed.edited_by_editor
    march = kz.figure("kz-march-detained")
    assert march.pk != kz.figure("kz-detained").pk
    assert str(march.date_start) == "2022-03-20"
    assert kz.figure("mm-killed").place == "Myanmar"


def test_auto_label_follows_an_earlier_report_but_an_editor_label_stays(db):
    kz = load_corpus(newest_first=True)  # the 15 Jan toll creates the figure; 7 Jan joins later
    assert kz.figure("kz-killed").label == "People killed — Kazakhstan, from 7 Jan 2022"

    kz2_article = make_article(
        title="Almaty toll", body="In Kazakhstan 12 people were killed, police said.",
        published_at=kz.articles["a01_almaty_overnight_clashes"].published_at.replace(day=5),
    )  # fmt: skip
    figure_rename(figure=kz.figure("kz-killed"), label="Kazakhstan January unrest: deaths")
    make_claim(
        kz2_article,
        kind="casualty",
        outcome="killed",
        subject="people",
        value_low=12,
        value_high=12,
    )
    figures_refresh_for_article(article=kz2_article)
    figure = kz.figure("kz-killed")
    assert figure.claims.count() == 8
    assert str(figure.date_start) == "2022-01-05"
    assert figure.label == "Kazakhstan January unrest: deaths"


def test_refresh_is_idempotent_and_leaves_moved_claims_alone(kz):
    before = dict(Claim.objects.figures().values_list("id", "figure_id"))
    claim = kz.claims[5]  # doctors' 26: the editor moves it to the security-forces figure
    security = kz.figure("kz-security-killed")
    claim_move_to_figure(claims=[claim], figure=security)
    for article in kz.articles.values():
        with CaptureQueriesContext(connection) as ctx:
            result = figures_refresh_for_article(article=article)
        assert result.assigned == result.created == 0
        # Only the query for ungrouped claims (plus savepoint bookkeeping, if any).
        assert len([q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]) == 1
    after = dict(Claim.objects.figures().values_list("id", "figure_id"))
    assert after == {**before, claim.pk: security.pk}


def test_refresh_uses_a_constant_number_of_queries(db):
    """Grouping cost per article does not grow with its claims or with the figures stored."""

    def article_with(n: int) -> Article:
        sentences = [f"In Kazakhstan {i + 10} people were killed in town {i}." for i in range(n)]
        article = make_article(body=" ".join(sentences), title="Kazakhstan", published_at=None)
        for i, s in enumerate(sentences):
            kind = "arrest" if i % 3 == 0 else "casualty"
            make_claim(
                article,
                sentence=s,
                kind=kind,
                outcome="killed" if kind == "casualty" else "arrested",
                value_low=i + 10,
                value_high=i + 10,
            )
        return article

    counts = []
    for n in (1, 12, 30):
        article = article_with(n)
        with CaptureQueriesContext(connection) as ctx:
            figures_refresh_for_article(article=article)
        counts.append(len(ctx.captured_queries))
    # Queries: ungrouped claims; (PostgreSQL: advisory lock); candidate figures; bulk insert of
    # new figures (skipped when none is new); bulk update of the claims' figure; bulk update of
    # the touched figures; the active webhook subscriptions (does any want figure.conflict?).
    # The first article creates figures, the later ones mostly join them.
    assert counts[2] <= counts[1] <= 7
    assert counts[0] <= 7


def test_claims_no_longer_in_the_article_are_not_grouped_or_analysed(kz):
    figure = kz.figure("kz-killed")
    Claim.objects.filter(pk=kz.claims[14].pk).update(in_article=False)  # the opposition's >200
    analysis = figure_analysis(Figure.objects.get(pk=figure.pk))
    assert kz.claims[14].pk not in {e.report.claim_id for e in analysis.timeline}
    assert analysis.conflicts == ()


# --- Editor operations -----------------------------------------------------------------------


def test_split_separates_a_cumulative_count_from_a_single_raid(kz):
    raid = kz.figure("mm-killed")
    before = figure_analysis(raid)
    # Same place, outcome and days: automatic grouping cannot tell them apart. (They do not
    # conflict: the raid's 14 is for Friday, the day its sentence names, and the 1,400 since
    # the coup is as of Saturday.)
    assert len(before.timeline) == 2 and before.conflicts == ()
    cumulative = figure_split(
        figure=raid, claims=[kz.claims[25]], label="Civilians killed in Myanmar since the coup"
    )
    raid.refresh_from_db()
    assert list(raid.claims.values_list("id", flat=True)) == [kz.claims[24].pk]
    assert list(cumulative.claims.values_list("id", flat=True)) == [kz.claims[25].pk]
    assert raid.edited_by_editor and cumulative.edited_by_editor
    assert (cumulative.kind, cumulative.outcome, cumulative.place) == (
        "casualty",
        "killed",
        "Myanmar",
    )
    assert str(cumulative.date_start) == str(cumulative.date_end) == "2022-01-08"
    assert figure_analysis(raid).conflicts == ()


def test_split_refuses_claims_from_elsewhere_and_splitting_everything(kz):
    raid = kz.figure("mm-killed")
    with pytest.raises(FigureError, match="not in figure"):
        figure_split(figure=raid, claims=[kz.claims[1]])
    with pytest.raises(FigureError, match="leave the figure empty"):
        figure_split(figure=raid, claims=[kz.claims[24], kz.claims[25]])
    with pytest.raises(FigureError, match="Choose the claims"):
        figure_split(figure=raid, claims=[])
    assert Figure.objects.filter(pk=raid.pk).exists()
    assert raid.claims.count() == 2


def test_merge_moves_claims_and_deletes_the_others(kz):
    detained, march = kz.figure("kz-detained"), kz.figure("kz-march-detained")
    total = Figure.objects.count()
    merged = figure_merge(
        figures=[march, detained], into=detained, label="Detentions after January"
    )
    assert merged.pk == detained.pk
    assert Figure.objects.count() == total - 1
    assert not Figure.objects.filter(pk=march.pk).exists()
    merged.refresh_from_db()
    assert merged.claims.count() == 5
    assert (str(merged.date_start), str(merged.date_end)) == ("2022-01-07", "2022-03-20")
    assert merged.label == "Detentions after January" and merged.edited_by_editor


def test_merge_refuses_different_outcomes_and_single_figures(kz):
    killed, injured = kz.figure("kz-killed"), kz.figure("kz-injured")
    with pytest.raises(FigureError, match="same outcome"):
        figure_merge(figures=[killed, injured])
    with pytest.raises(FigureError, match="at least two"):
        figure_merge(figures=[killed])
    assert killed.claims.count() == 7 and injured.claims.count() == 1


def test_rename_sets_label_and_event(kz):
    figure = kz.figure("kz-killed")
    figure_rename(figure=figure, label="  Deaths in the  January unrest ", event="Qandy Qantar")
    figure.refresh_from_db()
    assert (figure.label, figure.event, figure.edited_by_editor) == (
        "Deaths in the January unrest",
        "Qandy Qantar",
        True,
    )
    with pytest.raises(FigureError, match="needs a label"):
        figure_rename(figure=figure, label="   ")
    with pytest.raises(FigureError, match="at most 300"):
        figure_rename(figure=figure, label="x" * 301)


def test_move_checks_the_measure_and_deletes_emptied_figures(kz):
    injured = kz.figure("kz-injured")
    killed = kz.figure("kz-killed")
    with pytest.raises(FigureError, match=r"Claim \d+ counts casualty figure \(injured\)"):
        claim_move_to_figure(claims=[kz.claims[3]], figure=killed)
    with pytest.raises(FigureError, match="arrest figure"):
        claim_move_to_figure(claims=[kz.claims[6]], figure=killed)
    # Moving the security forces' two reports into the deaths figure empties their figure.
    security = kz.figure("kz-security-killed")
    assert claim_move_to_figure(claims=[kz.claims[2], kz.claims[22]], figure=killed) == 2
    assert not Figure.objects.filter(pk=security.pk).exists()
    assert killed.claims.count() == 9
    assert Figure.objects.filter(pk=injured.pk).exists()


# --- Accepting suggestions -------------------------------------------------------------------


def test_accept_suggestions_goes_through_claim_review(kz, editor):
    figure = kz.figure("kz-killed")
    result = figure_accept_suggestions(figure=figure, by=editor)
    statuses = dict(Claim.objects.filter(figure=figure).values_list("id", "status"))
    expected = {
        1: "verified",
        5: "verified",
        14: "disputed",
        15: "disputed",
        21: "verified",
        23: "verified",
    }
    # The health ministry's morning 164 is only earlier than the evening's "more than 200".
    unchanged = {kz.claims[10].pk: "unreviewed"}
    assert statuses == {kz.claims[n].pk: s for n, s in expected.items()} | unchanged
    assert {c.pk for c in result.changed} == {kz.claims[n].pk for n in expected}
    change = StatusChange.objects.get(claim=kz.claims[21])
    assert (change.from_status, change.to_status, change.changed_by) == (
        "unreviewed",
        "verified",
        editor,
    )
    assert change.note.startswith("Suggested by figure “People killed — Kazakhstan")
    assert "2 independent sources" in change.note


def test_accept_never_overrides_an_editors_decision(kz, editor):
    from claims.services import claim_review

    figure = kz.figure("kz-killed")
    claim_review(
        claim=kz.claims[15], status="verified", by=editor, note="Checked with the ministry"
    )
    result = figure_accept_suggestions(
        figure=figure, by=editor, claim_ids=[kz.claims[15].pk, kz.claims[14].pk]
    )
    assert [c.pk for c in result.changed] == [kz.claims[14].pk]
    assert result.skipped == [(kz.claims[15].pk, "already reviewed (Verified)")]
    assert Claim.objects.get(pk=kz.claims[15].pk).status == "verified"


def test_accept_is_refused_for_a_viewer_and_changes_nothing(kz, viewer):
    figure = kz.figure("kz-killed")
    with pytest.raises(PermissionDenied):
        figure_accept_suggestions(figure=figure, by=viewer)
    assert not StatusChange.objects.exists()
    assert set(Claim.objects.values_list("status", flat=True)) == {"unreviewed"}


# --- Attributions ----------------------------------------------------------------------------


def test_role_flags_from_the_database(kz):
    (flag,) = role_flags_for()
    assert flag.actor_id == kz.actors["Ursula von der Leyen"].pk
    assert flag.conflicting == ("European Council President",)
    assert flag.example_claim_ids == (kz.claims[9].pk,)
    # Once an editor records the role the articles use, the flag follows the known role.
    Actor.objects.filter(pk=flag.actor_id).update(known_role="European Council President")
    (flag,) = role_flags_for([flag.actor_id])
    assert flag.conflicting == ("European Commission President",)
    assert role_flags_for([kz.actors["Kassym-Jomart Tokayev"]]) == []


def test_statement_groups_for_a_speaker(kz):
    groups = speaker_statement_groups(kz.actors["Kassym-Jomart Tokayev"])
    by_size = sorted(groups, key=lambda g: -len(g.claim_ids))
    assert [len(g.claim_ids) for g in by_size] == [2, 1]
    assert set(by_size[0].claim_ids) == {kz.claims[4].pk, kz.claims[13].pk}
    assert by_size[0].corroboration_count == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time")
def test_two_imports_of_the_same_new_event_at_once_make_one_figure():
    """Two import workers group reports of an event no figure exists for yet, concurrently.

    Worker 1 groups its article and holds its transaction open; worker 2 groups meanwhile.
    Without the advisory lock, worker 2 would not see worker 1's uncommitted figure and would
    create a second one.
    """
    import threading
    import time
    from datetime import UTC, datetime

    from django.db import close_old_connections, transaction

    articles = []
    for n, value in enumerate((26, 40)):
        article = make_article(
            title=f"Clashes in Kazakhstan {n}",
            body=f"In Kazakhstan {value} people were killed, officials said.",
            published_at=datetime(2022, 1, 7, 8 + n, tzinfo=UTC),
        )
        make_claim(
            article,
            kind="casualty",
            outcome="killed",
            subject="people",
            value_low=value,
            value_high=value,
        )
        articles.append(article)
    first_grouped = threading.Event()
    errors: list[BaseException] = []

    def worker(article: Article, *, hold: bool) -> None:
        try:
            with transaction.atomic():
                if not hold:
                    first_grouped.wait(5)
                figures_refresh_for_article(article=article)
                if hold:
                    first_grouped.set()
                    time.sleep(0.5)  # the other worker runs now, inside our transaction
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [
        threading.Thread(target=worker, args=(articles[0],), kwargs={"hold": True}),
        threading.Thread(target=worker, args=(articles[1],), kwargs={"hold": False}),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert Figure.objects.count() == 1
    assert Claim.objects.filter(figure__isnull=False).count() == 2
