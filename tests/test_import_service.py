"""The import service: creating, leaving and updating articles, their claims and their actors.

Most tests use a small fake extractor (claims from "X said N people were killed" sentences) so
they run fast and the test controls exactly which claims a text yields; the last tests run the
real spaCy extractor over real articles.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.extraction import ExtractedClaim, extract_claims_many
from claims.importers import ArticleRecord, RecordError, read_paths
from claims.importers.text import parse_text
from claims.models import Actor, Article, Claim, Evidence, Figure, Outlet, StatusChange
from claims.services import claim_review, evidence_add, matching
from claims.services import claim_sync as claim_sync_module
from claims.services import imports as imports_module
from claims.services.imports import Outcome, article_import, articles_import

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_cefef65e9a757100.txt"
FIXTURES = ROOT / "tests" / "fixtures" / "import"

_SENTENCE = re.compile(r"[^.\n]+\.")
_FIGURE = re.compile(
    r"(?P<speaker>[A-Z][\w-]*(?: [A-Z][\w-]*)*) said (?P<n>\d+) (?P<subject>\w+) were "
    r"(?P<outcome>killed|arrested|injured)"
)


def fake_extractor(texts: Sequence[str]) -> Iterator[list[ExtractedClaim]]:
    """A claim for each 'Name said N people were killed/arrested/injured.' sentence."""
    for text in texts:
        claims = []
        for sentence in _SENTENCE.finditer(text):
            match = _FIGURE.search(sentence.group())
            if not match:
                continue
            n = int(match["n"])
            speaker = match["speaker"]
            claims.append(
                ExtractedClaim(
                    kind="arrest" if match["outcome"] == "arrested" else "casualty",
                    sentence=sentence.group().strip(),
                    start=sentence.start()
                    + (len(sentence.group()) - len(sentence.group().lstrip())),
                    end=sentence.end(),
                    value_low=n,
                    value_high=n,
                    qualifier="exact",
                    outcome=match["outcome"],
                    subject=match["subject"],
                    speaker=speaker,
                    speaker_text=speaker,
                    speaker_kind="person" if " " in speaker else "organisation",
                    hedges=("reportedly",) if "reportedly" in sentence.group() else (),
                )
            )
        yield claims


def record(body: str, *, title: str = "Unrest in the capital", **fields) -> ArticleRecord:
    fields.setdefault("url", "https://news.example.org/unrest")
    return ArticleRecord(title=title, body=body, origin="test.txt", **fields)


def run(*items, extractor=fake_extractor, **kwargs):
    return list(articles_import(items, extractor=extractor, **kwargs))


V1 = (
    "Police said 12 protesters were arrested on Friday.\n\n"
    "Maria Okafor said 3 officers were injured.\n\n"
    "Medics said 2 people were killed.\n\n"
    "Witnesses said 40 people were injured."
)


# --- create, unchanged, update ----------------------------------------------------------------


@pytest.mark.django_db
def test_new_article_is_created_with_its_claims():
    [result] = run(record(V1, outlet="Daily Ledger", agencies=("Reuters",)))

    assert result.outcome == Outcome.CREATED
    assert (result.claims_added, result.claims_kept) == (4, 0)
    article = Article.objects.get(id=result.article_id)
    assert article.source_key == "https://news.example.org/unrest"
    assert article.body == V1
    assert article.imported_from == "test.txt"
    assert article.extractor_version == imports_module.EXTRACTOR_VERSION
    assert article.outlet.name == "Daily Ledger" and article.outlet.kind == Outlet.Kind.NEWS
    assert [(o.name, o.kind) for o in article.credited_agencies.all()] == [("Reuters", "agency")]

    claim = article.claims.get(value_low=12)
    assert (claim.kind, claim.outcome, claim.subject, claim.speaker_text) == (
        "arrest",
        "arrested",
        "protesters",
        "Police",
    )
    assert article.body[claim.start : claim.end] == claim.sentence
    assert claim.status == Claim.Status.UNREVIEWED and claim.in_article
    assert claim.extractor_version == imports_module.EXTRACTOR_VERSION
    # The figure service ran on the new claims in the same import.
    assert not article.claims.figures().filter(figure__isnull=True).exists()


@pytest.mark.django_db
def test_importing_the_same_input_again_writes_nothing():
    [first] = run(record(V1, outlet="Daily Ledger", agencies=("Reuters",)))
    before = list(Claim.objects.order_by("id").values_list("id", "updated_at"))
    article_updated_at = Article.objects.get(id=first.article_id).updated_at

    with CaptureQueriesContext(connection) as queries:
        [again] = run(record(V1, outlet="Daily Ledger", agencies=("Reuters",)))

    assert (again.outcome, again.article_id) == (Outcome.UNCHANGED, first.article_id)
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert list(Claim.objects.order_by("id").values_list("id", "updated_at")) == before
    assert Article.objects.get(id=first.article_id).updated_at == article_updated_at


@pytest.mark.django_db
def test_unchanged_text_is_not_even_extracted():
    calls: list[str] = []

    def counting(texts):
        calls.extend(texts)
        return fake_extractor(texts)

    run(record(V1), extractor=counting)
    run(record(V1), extractor=counting)
    assert calls == [V1]


@pytest.mark.django_db
def test_changed_metadata_updates_the_article_without_re_extracting():
    [first] = run(record(V1, outlet="Daily Ledger"))
    [second] = run(record(V1, outlet="Evening Post", agencies=("AFP-like Wire",)))
    assert second.outcome == Outcome.UPDATED
    assert second.claims_added == second.claims_kept == 0  # claims untouched
    article = Article.objects.get(id=first.article_id)
    assert article.outlet.name == "Evening Post"
    assert [o.name for o in article.credited_agencies.all()] == ["AFP-like Wire"]


@pytest.mark.django_db
def test_changed_text_keeps_every_review_and_never_touches_a_status(editor):
    [first] = run(record(V1))
    article = Article.objects.get(id=first.article_id)
    arrests = article.claims.get(value_low=12)  # survives, verified
    officers = article.claims.get(value_low=3)  # disappears, disputed
    medics = article.claims.get(value_low=2)  # disappears, only evidence attached
    witnesses = article.claims.get(value_low=40)  # disappears, untouched
    claim_review(claim=arrests, status="verified", by=editor, note="Matches the police statement.")
    claim_review(claim=officers, status="disputed", by=editor, note="Union gives 5.")
    evidence_add(claim=medics, url="https://hospital.example/report", by=editor)
    reviewed_version = Claim.objects.get(id=arrests.id).version
    history = list(StatusChange.objects.order_by("id").values_list("id", "claim_id", "to_status"))

    v2 = (
        "Updated at 18:00.\n\n"
        "Police said 12 protesters were arrested on Friday.\n\n"
        "Officials said 5 soldiers were killed."
    )
    [second] = run(record(v2, title="Unrest in the capital (updated)"))

    assert (second.outcome, second.article_id) == (Outcome.UPDATED, first.article_id)
    assert (second.claims_added, second.claims_kept) == (1, 1)
    assert (second.claims_deleted, second.claims_retired) == (1, 2)
    article.refresh_from_db()
    assert article.body == v2 and article.title == "Unrest in the capital (updated)"

    # The surviving claim is the same row: status, version, history and new offsets.
    arrests_after = Claim.objects.get(id=arrests.id)
    assert arrests_after.status == Claim.Status.VERIFIED
    assert arrests_after.version == reviewed_version  # the import does not touch it
    assert v2[arrests_after.start : arrests_after.end] == arrests_after.sentence
    assert arrests_after.start != arrests.start and arrests_after.in_article

    # Reviewed or evidenced claims that left the text are kept, marked, status untouched.
    officers_after = Claim.objects.get(id=officers.id)
    assert (officers_after.status, officers_after.in_article) == ("disputed", False)
    medics_after = Claim.objects.get(id=medics.id)
    assert (medics_after.status, medics_after.in_article) == ("unreviewed", False)
    assert Evidence.objects.filter(claim=medics_after).count() == 1
    # The untouched one is simply gone.
    assert not Claim.objects.filter(id=witnesses.id).exists()
    assert sorted(article.claims.current().values_list("value_low", flat=True)) == [5, 12]
    # History is exactly what the reviews wrote.
    assert (
        list(StatusChange.objects.order_by("id").values_list("id", "claim_id", "to_status"))
        == history
    )

    # The same version again: unchanged. The first version again: the disputed claim returns.
    assert run(record(v2, title="Unrest in the capital (updated)"))[0].outcome == "unchanged"
    [third] = run(record(V1))
    assert third.outcome == Outcome.UPDATED
    officers_back = Claim.objects.get(id=officers.id)
    assert (officers_back.status, officers_back.in_article) == ("disputed", True)
    assert Claim.objects.get(id=arrests.id).status == "verified"


@pytest.mark.django_db
def test_claim_with_history_but_back_to_unreviewed_is_kept_not_deleted(editor):
    [first] = run(record(V1))
    claim = Claim.objects.get(article_id=first.article_id, value_low=40)
    claim_review(claim=claim, status="unverified", by=editor, note="No source.")
    claim_review(claim=claim, status="unreviewed", by=editor, note="Reopened.")

    run(record("Police said 12 protesters were arrested on Friday."))

    kept = Claim.objects.get(id=claim.id)
    assert (kept.status, kept.in_article) == ("unreviewed", False)
    assert kept.status_changes.count() == 2


@pytest.mark.django_db
def test_repeated_sentence_is_one_claim():
    body = "Police said 7 people were arrested.\n\nCaption.\n\nPolice said 7 people were arrested."
    [result] = run(record(body))
    assert result.claims_added == 1
    assert Claim.objects.get().start == 0


@pytest.mark.django_db
def test_no_extract_stores_text_and_a_later_import_extracts():
    [first] = run(record(V1), extractor=None)
    article = Article.objects.get(id=first.article_id)
    assert first.outcome == Outcome.CREATED
    assert article.claims.count() == 0 and article.extractor_version == ""

    [second] = run(record(V1))
    assert second.outcome == Outcome.UPDATED and second.claims_added == 4
    assert Article.objects.get(id=first.article_id).extractor_version != ""
    assert run(record(V1))[0].outcome == Outcome.UNCHANGED


@pytest.mark.django_db
def test_a_new_extractor_version_re_extracts_unchanged_text(monkeypatch):
    run(record(V1))
    # The article's version is read by the import, its claims' by the claim sync.
    monkeypatch.setattr(imports_module, "EXTRACTOR_VERSION", "9.9.9")
    monkeypatch.setattr(claim_sync_module, "EXTRACTOR_VERSION", "9.9.9")
    [again] = run(record(V1))
    assert again.outcome == Outcome.UPDATED
    assert (again.claims_added, again.claims_kept) == (0, 4)
    assert set(Claim.objects.values_list("extractor_version", flat=True)) == {"9.9.9"}


@pytest.mark.django_db
def test_two_versions_in_one_run_end_with_the_last():
    v1 = record(V1)
    v2 = record("Police said 99 protesters were arrested on Friday.")
    results = run(v1, v2, record(V1))
    assert [r.outcome for r in results] == ["created", "updated", "updated"]
    assert sorted(Claim.objects.values_list("value_low", flat=True)) == [2, 3, 12, 40]


# --- failures ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reader_errors_pass_through_as_failures_in_order():
    results = run(
        RecordError("a.jsonl:2", "not valid JSON"), record(V1), RecordError("b.txt", "empty")
    )
    assert [(r.outcome, r.origin, r.error) for r in results] == [
        ("failed", "a.jsonl:2", "not valid JSON"),
        ("created", "test.txt", ""),
        ("failed", "b.txt", "empty"),
    ]


@pytest.mark.django_db
def test_extractor_crash_fails_only_that_article():
    def fragile(texts):
        for text in texts:
            if "BOOM" in text:
                raise ValueError("parser exploded")
        return fake_extractor(texts)

    results = run(
        record(V1, url="https://x.example/4"),
        record("BOOM. Police said 1 people were arrested.", url="https://x.example/5"),
        extractor=fragile,
    )
    assert [r.outcome for r in results] == ["created", "failed"]
    assert results[1].error == "claim extraction failed: ValueError: parser exploded"
    assert not Article.objects.filter(url="https://x.example/5").exists()


@pytest.mark.django_db
def test_database_error_rolls_back_that_article_only():
    def bad_claims(texts):
        for text in texts:
            # A casualty claim without a figure violates claim_figure_has_value.
            yield [ExtractedClaim(kind="casualty", sentence=text[:20], start=0, end=20)]

    results = run(
        record("First article text here.", url="https://x.example/bad"),
        extractor=bad_claims,
    )
    assert results[0].outcome == Outcome.FAILED
    assert results[0].error.startswith("not saved: IntegrityError")
    assert not Article.objects.exists()
    assert not Outlet.objects.exists()

    [ok] = run(record(V1, outlet="Fine Paper"))
    assert ok.outcome == Outcome.CREATED


@pytest.mark.django_db
def test_dry_run_reports_but_writes_nothing():
    results = run(record(V1, outlet="Daily Ledger", agencies=("Reuters",)), dry_run=True)
    assert results[0].outcome == Outcome.CREATED and results[0].claims_added == 4
    assert Article.objects.count() == Claim.objects.count() == Outlet.objects.count() == 0
    assert Actor.objects.count() == Figure.objects.count() == 0


@pytest.mark.django_db
def test_dry_run_of_a_change_leaves_the_stored_version(editor):
    run(record(V1))
    [result] = run(record("Police said 99 protesters were arrested."), dry_run=True)
    assert result.outcome == Outcome.UPDATED
    assert Article.objects.get().body == V1
    assert Claim.objects.count() == 4


@pytest.mark.django_db
def test_article_import_single_record():
    result = article_import(record=record(V1), extractor=fake_extractor)
    assert result.outcome == "created" and Claim.objects.count() == 4
    assert article_import(record=record(V1), extractor=fake_extractor).outcome == "unchanged"


# --- outlets and agencies ---------------------------------------------------------------------


@pytest.mark.django_db
def test_outlets_and_agencies_match_existing_ones_ignoring_case():
    existing = Outlet.objects.create(name="Reuters", kind=Outlet.Kind.NEWS)
    [result] = run(record(V1, outlet="daily ledger", agencies=("reuters", "Kazinform")))
    [other] = run(
        record(V1, url="https://x.example/2", outlet="Daily Ledger", agencies=("Kazinform",))
    )
    article = Article.objects.get(id=result.article_id)
    assert Article.objects.get(id=other.article_id).outlet_id == article.outlet_id
    agencies = {o.name: o for o in article.credited_agencies.all()}
    assert agencies["Reuters"].id == existing.id
    assert agencies["Reuters"].kind == Outlet.Kind.NEWS  # an existing outlet keeps its kind
    assert agencies["Kazinform"].kind == Outlet.Kind.AGENCY
    assert Outlet.objects.count() == 3


# --- actors -----------------------------------------------------------------------------------


def said(
    speaker: str,
    *,
    text: str | None = None,
    kind: str = "person",
    aliases: tuple[str, ...] = (),
    n: int = 5,
):
    sentence = f"{text or speaker} said {n} people were killed."

    def extractor(texts):
        for _text in texts:
            yield [
                ExtractedClaim(
                    kind="casualty",
                    sentence=sentence,
                    start=0,
                    end=len(sentence),
                    value_low=n,
                    value_high=n,
                    qualifier="exact",
                    outcome="killed",
                    speaker=speaker,
                    speaker_text=text or speaker,
                    speaker_kind=kind,
                    speaker_aliases=aliases,
                )
            ]

    return extractor


def import_one(url: str, extractor) -> Claim:
    [result] = run(record(f"Body of {url}.", url=url), extractor=extractor)
    assert result.outcome == Outcome.CREATED, result.error
    return Claim.objects.get(article_id=result.article_id)


@pytest.mark.django_db
def test_same_speaker_in_two_articles_is_one_actor_case_insensitive():
    a = import_one("https://x.example/1", said("Antony Blinken", aliases=("Blinken",)))
    b = import_one("https://x.example/2", said("antony blinken", aliases=("Secretary Blinken",)))
    assert a.speaker_id == b.speaker_id
    actor = Actor.objects.get()
    assert actor.name == "Antony Blinken"
    assert actor.aliases == ["Blinken", "Secretary Blinken"]
    assert actor.kind == Actor.Kind.PERSON


@pytest.mark.django_db
def test_speaker_matches_an_alias_an_editor_added():
    actor = Actor.objects.create(name="Kassym-Jomart Tokayev", aliases=["Kassym-Zhomart Tokayev"])
    claim = import_one("https://x.example/1", said("Kassym-Zhomart Tokayev"))
    assert claim.speaker_id == actor.id
    assert Actor.objects.count() == 1


@pytest.mark.django_db
def test_short_name_actor_takes_the_full_name_when_it_appears():
    short = import_one("https://x.example/1", said("Tokayev"))
    full = import_one(
        "https://x.example/2",
        said("Kassym-Jomart Tokayev", text="the president", aliases=("Tokayev", "the president")),
    )
    assert full.speaker_id == short.speaker_id
    actor = Actor.objects.get()
    assert actor.name == "Kassym-Jomart Tokayev"
    assert actor.aliases == ["Tokayev", "the president"]
    assert full.speaker_text == "the president"


@pytest.mark.django_db
def test_generic_aliases_never_merge_different_people():
    Actor.objects.create(name="Joe Biden", aliases=["the president", "Biden"])
    claim = import_one(
        "https://x.example/1",
        said("Kassym-Jomart Tokayev", aliases=("the president", "he")),
    )
    assert claim.speaker.name == "Kassym-Jomart Tokayev"
    assert claim.speaker.aliases == ["the president"]  # pronouns are not aliases
    assert Actor.objects.count() == 2


@pytest.mark.django_db
def test_groups_and_common_nouns_get_no_shared_actor():
    crowd = import_one("https://x.example/1", said("one woman", kind="group"))
    police = import_one("https://x.example/2", said("police", kind="organisation"))
    ministry = import_one("https://x.example/3", said("the interior ministry", kind="organisation"))
    for claim in (crowd, police, ministry):
        assert claim.speaker_id is None
        assert claim.speaker_text in {"one woman", "police", "the interior ministry"}
    assert Actor.objects.count() == 0

    dept = import_one("https://x.example/4", said("State Department", kind="organisation"))
    assert (dept.speaker.name, dept.speaker.kind) == ("State Department", "organisation")


@pytest.mark.django_db
def test_known_role_and_kind_of_an_existing_actor_are_left_alone(actor):
    claim = import_one("https://x.example/1", said("MARIA OKAFOR", kind="organisation"))
    actor.refresh_from_db()
    assert claim.speaker_id == actor.id
    assert (actor.name, actor.kind, actor.known_role) == (
        "Maria Okafor",
        "person",
        "police spokeswoman",
    )


# --- query counts -----------------------------------------------------------------------------


def body_with_claims(n: int) -> str:
    speakers = ["Police", "Maria Okafor", "Ali Hassan", "Red Crescent", "Chen Wei"]
    return "\n\n".join(
        f"{speakers[i % len(speakers)]} said {i + 1} people were killed." for i in range(n)
    )


def _on_vendor(*, sqlite: int, postgresql: int) -> int:
    return postgresql if connection.vendor == "postgresql" else sqlite


def _claim_inserts(claims: int) -> int:
    # SQLite takes at most 999 parameters a statement, so Django splits a bulk INSERT of Claim's
    # 30-odd columns every ~30 rows (PostgreSQL takes any number in one); computed, so a new
    # column does not break the count.
    fields = [f for f in Claim._meta.concrete_fields if not f.primary_key]
    batch = connection.ops.bulk_batch_size(fields, [None] * claims)
    return -(-claims // batch)


# 30 claims is more than a long article yields.
@pytest.mark.django_db
@pytest.mark.parametrize("claims", [2, 30])
def test_new_article_takes_a_constant_number_of_queries(django_assert_num_queries, claims):
    item = record(body_with_claims(claims), outlet="Daily Ledger", agencies=("Reuters", "AFP"))
    # 1 SELECT stored hashes for the batch of records (skips extracting unchanged ones)
    # 2 SAVEPOINT (the article's transaction); on PostgreSQL, SET LOCAL synchronous_commit
    # 3 SELECT article FOR UPDATE by source_key
    # 4 SELECT outlets by name  5 INSERT the missing ones  6 SELECT those back
    # 7 INSERT article  8 INSERT credited agencies
    # 9 SELECT actor candidates by name and alias  10 INSERT new actors  11 SELECT those back
    # 12 bulk INSERT claims   13 SELECT whether any webhook subscription is active (claim.new)
    # 14-19 figures_refresh_for_article (reconcile's service): SELECT the article's figure
    #   claims, (PostgreSQL only: an advisory lock), SELECT candidate figures, INSERT new
    #   figures, bulk UPDATE the claims' figure, SELECT the active webhook subscriptions (does
    #   any want figure.conflict?)
    # 20-25 article_match (repeated claims): SELECT reprint candidates by band, UPDATE the
    #   article's signature, INSERT its bands, SELECT the claims' facts, SELECT the latest figures
    #   with the same values, SELECT wording candidates (SQLite: the latest claims of the kind;
    #   PostgreSQL: the words' lexemes, the common lexemes (read here: the cache is emptied),
    #   one UNION of full-text searches)
    # 26 RELEASE SAVEPOINT. PostgreSQL adds SET LOCAL (twice: the commit's, then matching's
    # plans without parallel workers), the advisory lock and the two lexeme queries; SQLite
    # may need a second claim INSERT (its limit on query parameters).
    matching._common = (0.0, frozenset())
    with django_assert_num_queries(_on_vendor(sqlite=24 + _claim_inserts(claims), postgresql=30)):
        [result] = run(item)
    assert result.claims_added == claims


@pytest.mark.django_db
@pytest.mark.parametrize("claims", [2, 30])
def test_updated_article_takes_a_constant_number_of_queries(
    django_assert_num_queries, editor, claims
):
    run(record(body_with_claims(claims), outlet="Daily Ledger", agencies=("Reuters",)))
    first = Claim.objects.order_by("id").first()
    claim_review(claim=first, status="disputed", by=editor, note="Checked.")
    # Drops the first two claims (one reviewed: retired; one not: deleted), adds three.
    changed = record(
        "Preface.\n\n" + body_with_claims(claims + 3)[50:],
        outlet="Daily Ledger",
        agencies=("Reuters",),
    )
    # 1 SELECT stored hashes for the batch   2 SAVEPOINT   3 SELECT article FOR UPDATE
    # 4 SELECT outlets by name   5 SELECT current agency ids to compare   6 UPDATE article
    # 7 SELECT existing claims, with "has evidence/history" flags
    # 8 SELECT actor candidates   9 UPDATE actors with new aliases
    # 10 INSERT new actors   11 SELECT those back
    # 12 bulk INSERT new claims   13 SELECT whether any webhook subscription is active
    # 14 bulk UPDATE surviving claims   15 UPDATE retired claims
    # 16-20 DELETE untouched gone claims: the collector SELECTs them and their history,
    #   DELETEs their evidence, assignment changes and matches, DELETEs them
    # 21-26 figures_refresh_for_article (reconcile's service; see above)
    # 27-36 article_match: SELECT reprint candidates, UPDATE the signature, DELETE and INSERT the
    #   bands, SELECT the claims' facts, SELECT the story's latest copies, then their claims, the
    #   latest same values and the wording candidates, DELETE the claims' old matches
    # 37 RELEASE SAVEPOINT
    # Not every step runs: with 2 claims no claim survives and no actor gains an alias, the
    # refresh INSERTs a figure; with 30 the actors exist and the refresh UPDATEs the figure.
    # SQLite has no SET LOCAL (the commit's and matching's), no advisory lock and no lexeme
    # queries.
    matching._common = (0.0, frozenset())
    expected = {2: 40, 30: 39}[claims]
    with django_assert_num_queries(_on_vendor(sqlite=expected - 5, postgresql=expected)):
        [result] = run(changed)
    assert (result.outcome, result.claims_added, result.claims_kept) == ("updated", 3, claims - 2)
    assert (result.claims_deleted, result.claims_retired) == (1, 1)


# --- the real extractor -----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db
def test_real_extractor_claims_are_stored_as_extracted():
    items = list(
        read_paths(
            [str(SEED), str(FIXTURES / "wire_story.txt"), str(FIXTURES / "article.html")],
            max_bytes=5 * 1024 * 1024,
        )
    )
    results = run(*items, extractor=extract_claims_many)
    assert [r.outcome for r in results] == ["created", "created", "created"]

    seed_article = Article.objects.get(id=results[0].article_id)
    assert seed_article.title == "Kazakh President issues kill order to quell protests"
    for item, result in zip(items, results, strict=True):
        expected = {c.fingerprint: c for c in next(iter(extract_claims_many([item.body])))}
        stored = {c.fingerprint: c for c in Claim.objects.filter(article_id=result.article_id)}
        assert stored.keys() == expected.keys()
        for fingerprint, claim in stored.items():
            extracted = expected[fingerprint]
            assert claim.sentence == extracted.sentence
            assert claim.article.body[claim.start : claim.end] == extracted.sentence
            assert (claim.value_low, claim.value_high) == (
                extracted.value_low,
                extracted.value_high,
            )
            assert claim.is_hedged == bool(extracted.hedges)
            if claim.speaker_id:
                assert claim.speaker.name.casefold() == (extracted.speaker or "").casefold()

    # Idempotent with the real extractor too.
    assert {r.outcome for r in run(*items, extractor=extract_claims_many)} == {"unchanged"}


def test_parse_text_round_trip_for_the_record_helper():
    # Guard for the helpers above: the fake extractor finds exactly the four V1 claims.
    claims = next(fake_extractor([V1]))
    assert [c.value_low for c in claims] == [12, 3, 2, 40]
    assert all(V1[c.start : c.end] == c.sentence for c in claims)
    assert parse_text("T\n\n" + V1, origin="x").body == V1


@pytest.mark.django_db
def test_results_stream_while_input_is_still_being_read():
    consumed = 0

    def records(n: int):
        nonlocal consumed
        for i in range(n):
            consumed += 1
            yield record(V1, url=f"https://x.example/{i}")

    results = articles_import(records(100), extractor=fake_extractor)
    first = next(results)
    # Written after one extraction chunk (16 texts), long before the 100th record is read.
    assert first.outcome == Outcome.CREATED
    assert consumed <= imports_module.PLAN_BATCH
    assert len(list(results)) == 99

    consumed = 0
    again = articles_import(records(200), extractor=fake_extractor)
    assert next(again).outcome == Outcome.UNCHANGED
    assert consumed <= imports_module.PLAN_BATCH  # one planning batch, not the whole input
