"""Repeated claims: the pure rules (claims/matching) over our own news-style sentences, then the
import path that links reprints and stores matches (real extractor, the matching corpus)."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from claims.matching import reprints
from claims.matching.scorer import ClaimFacts, Relation, compare
from claims.models import Article, ArticleBand, Claim, ClaimMatch
from claims.services import matching

CORPUS = Path(__file__).parent / "fixtures" / "matching" / "articles.jsonl"


def statement(
    id: int, text: str, speaker: str, *, actor: int | None = None, role: str = "", sentence=""
):
    key = f"actor:{actor}" if actor else f"text:{speaker.lower()}"
    return ClaimFacts(
        id=id,
        kind="attribution",
        article_id=id,
        story_id=id,
        text=text,
        sentence=sentence or f"{speaker} said {text}.",
        speaker_key=key,
        speaker_name=speaker,
        speaker_role=role,
        source_key=key,
    )


def figure(id: int, text: str, value: int, source: str, *, subject="people", outcome="killed"):
    return ClaimFacts(
        id=id,
        kind="casualty" if outcome != "arrested" else "arrest",
        article_id=id,
        story_id=id,
        text=text,
        sentence=text,
        speaker_key=f"text:{source}",
        speaker_name=source,
        source_key=f"text:{source}",
        value_low=value,
        value_high=value,
        qualifier="exact",
        outcome=outcome,
        subject=subject,
    )


QUOTE = "We will rebuild every school the water took, and we will start this month"


# --- statements ---------------------------------------------------------------------------------


def test_a_quote_repeated_by_the_same_speaker_is_the_same_claim():
    old = statement(1, QUOTE, "Mayor Anna Kovac", actor=3)
    new = statement(2, QUOTE.replace(", and", " and"), "Mayor Anna Kovac", actor=3)
    assert compare(new, old).relation == Relation.SAME


def test_a_surname_alone_is_the_same_speaker_as_the_full_name():
    old = statement(1, QUOTE, "Anna Kovac", actor=3)
    new = statement(2, QUOTE, "Kovac", actor=9)  # another actor row: only the surname was given
    assert compare(new, old).relation == Relation.SAME


def test_the_same_words_from_another_speaker_are_not_a_match():
    old = statement(1, QUOTE, "Anna Kovac", actor=3)
    assert compare(statement(2, QUOTE, "Piotr Lenz", actor=4), old) is None


def test_a_denial_is_not_the_claim_it_denies():
    old = statement(1, "the dam had been inspected in March", "the water authority")
    new = statement(2, "the dam had not been inspected in March", "the water authority")
    assert compare(new, old) is None


def test_a_description_is_the_named_speaker_when_it_fits_their_role():
    named = statement(1, QUOTE, "Anna Kovac", actor=3, role="mayor of Olm")
    assert compare(statement(2, QUOTE, "the Olm mayor"), named).relation == Relation.SAME
    # "the ministry" for "Justice Ministry": the description is in the name
    ministry = statement(3, QUOTE, "Justice Ministry", actor=4)
    assert compare(statement(4, QUOTE, "the ministry"), ministry).relation == Relation.SAME


def test_a_description_that_is_not_in_the_role_is_another_speaker():
    named = statement(1, QUOTE, "Anna Kovac", actor=3, role="mayor of Olm")
    assert compare(statement(2, QUOTE, "the teachers' union"), named) is None


def test_a_denial_in_the_verb_is_not_the_claim_denied():
    old = statement(1, "the ferry had been overloaded", "survivors")
    new = statement(
        2,
        "the ferry had been overloaded",
        "Ostra Lines",
        actor=5,
        sentence="Ostra Lines denied that the ferry had been overloaded.",
    )
    assert compare(new, old) is None


def test_a_paraphrase_by_the_same_speaker_is_similar_not_same():
    old = statement(
        1, "the schools flooded last week would reopen within a month", "Kovac", actor=3
    )
    new = statement(2, "flooded schools would reopen in about a month", "Kovac", actor=3)
    assert compare(new, old).relation == Relation.SIMILAR


def test_the_same_speaker_on_another_point_is_not_a_match():
    old = statement(1, "the schools would reopen within a month", "Kovac", actor=3)
    new = statement(2, "the city had asked the army for pumps and sandbags", "Kovac", actor=3)
    assert compare(new, old) is None


def test_two_statements_with_different_numbers_are_not_a_match():
    old = statement(1, "41 people were killed", "the ministry")
    new = statement(2, "57 people were killed", "the ministry")
    assert compare(new, old) is None


# --- figures ------------------------------------------------------------------------------------


def test_the_same_figure_from_the_same_source_is_the_same_claim():
    old = figure(
        1, "Floods killed 14 people in the Varda valley, the ministry said.", 14, "ministry"
    )
    new = figure(2, "The ministry said on Friday that 14 people had been killed.", 14, "ministry")
    assert compare(new, old).relation == Relation.SAME


def test_a_revised_toll_is_not_a_repeat():
    old = figure(1, "Floods killed 14 people in the Varda valley.", 14, "ministry")
    new = figure(2, "The toll from the Varda valley floods rose to 19.", 19, "ministry")
    assert compare(new, old) is None


def test_the_same_value_for_another_event_is_not_a_match():
    old = figure(1, "Floods killed 14 people in the Varda valley, police said.", 14, "police")
    new = figure(2, "A fire at a textile factory in Dorn killed 14 people.", 14, "fire service")
    assert compare(new, old) is None


def test_the_same_value_for_the_same_event_from_another_source_is_similar():
    old = figure(1, "Floods killed 14 people in the Varda valley, police said.", 14, "police")
    new = figure(2, "Red Cross volunteers said the Varda valley floods killed 14.", 14, "red cross")
    assert compare(new, old).relation == Relation.SIMILAR


def test_arrests_are_never_matched_with_deaths():
    old = figure(1, "Police arrested 30 protesters in Dorn.", 30, "police", outcome="arrested")
    new = figure(2, "Police said 30 protesters were killed in Dorn.", 30, "police")
    assert compare(new, old) is None


def test_the_same_toll_from_one_source_for_another_place_is_not_a_match():
    old = figure(1, "Floods killed 14 people in Olm, police said.", 14, "police")
    new = figure(2, "Floods also killed 14 people in Dorn, police said.", 14, "police")
    assert compare(new, old) is None


def test_protesters_and_people_detained_are_one_measure():
    old = figure(
        1, "Police detained 40 protesters in Dorn.", 40, "police", outcome="arrested",
        subject="protesters",
    )  # fmt: skip
    new = figure(
        2, "Police said 40 people were arrested in Dorn.", 40, "police", outcome="arrested",
        subject="people",
    )  # fmt: skip
    assert compare(new, old).relation == Relation.SAME


# --- reprints -----------------------------------------------------------------------------------

STORY = [
    "Floodwater swept through the Varda valley overnight, killing 14 people and forcing "
    "thousands from their homes, the interior ministry said on Friday.",
    "Rescue teams in boats reached the village of Olm at dawn, where residents had spent the "
    "night on rooftops waiting for help to arrive.",
    "Mayor Anna Kovac said the town's two schools were under a metre of water and would stay "
    "closed for at least a month while engineers checked the buildings.",
    "The national weather service warned that more rain was expected over the weekend and "
    "told people living near the river to move to higher ground.",
    "Opposition lawmakers accused the government of ignoring repeated warnings about the "
    "state of the flood defences along the lower stretch of the river.",
]


def test_a_reprint_with_a_new_headline_and_a_cut_paragraph_is_found():
    original = reprints.body_print("\n\n".join(STORY))
    reprint = reprints.body_print("Deadly floods hit Varda\n\n" + "\n\n".join(STORY[:4]))
    assert reprints.is_reprint(reprint, original)


def test_another_story_on_the_same_event_is_not_a_reprint():
    other = (
        "Fourteen people died when the Varda river burst its banks, officials said, as "
        "rescuers in boats searched flooded streets in Olm for people trapped in their homes. "
        "The mayor, Anna Kovac, said schools would be closed for weeks. Forecasters expect "
        "more rain on Saturday, and the army has sent trucks and pumps to the valley, where "
        "farmers say whole harvests have been lost to the water in a single night."
    )
    assert not reprints.is_reprint(
        reprints.body_print(other), reprints.body_print("\n\n".join(STORY))
    )


# --- the import path ----------------------------------------------------------------------------


def _corpus_lines(*keys: str) -> list[str]:
    lines = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [line for line in lines if json.loads(line)["key"] in keys]


def _import(tmp_path: Path, *keys: str) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(_corpus_lines(*keys)) + "\n", encoding="utf-8")
    call_command("import_articles", str(path), stdout=StringIO())


@pytest.mark.django_db
def test_import_links_a_reprint_and_matches_its_claims_same(tmp_path):
    _import(tmp_path, "a01")
    assert ClaimMatch.objects.count() == 0  # nothing earlier to match
    _import(tmp_path, "a02")
    original, reprint = Article.objects.order_by("id")
    assert (original.reprint_of_id, reprint.reprint_of_id) == (None, original.id)
    matches = ClaimMatch.objects.filter(claim__article=reprint)
    assert matches.exists()
    assert set(matches.values_list("relation", flat=True)) == {"same"}
    assert set(matches.values_list("earlier__article", flat=True)) == {original.id}
    # every matched pair is one kind
    assert all(m.claim.kind == m.earlier.kind for m in matches.select_related("claim", "earlier"))


@pytest.mark.django_db
def test_importing_again_keeps_one_row_per_pair(tmp_path):
    _import(tmp_path, "a01", "a02")
    before = sorted(ClaimMatch.objects.values_list("claim_id", "earlier_id", "relation"))
    reprint = Article.objects.order_by("id").last()
    Article.objects.filter(id=reprint.id).update(content_hash="changed")  # forces a rewrite
    _import(tmp_path, "a02")
    after = sorted(ClaimMatch.objects.values_list("claim_id", "earlier_id", "relation"))
    assert len(after) == len(before) and {r for _, _, r in after} == {"same"}


@pytest.mark.django_db
def test_unrelated_stories_do_not_match(tmp_path):
    _import(tmp_path, "a01", "a13")  # a ferry sinking, a bus crash
    assert Article.objects.filter(reprint_of__isnull=False).count() == 0
    assert ClaimMatch.objects.filter(relation="same").count() == 0
    assert Claim.objects.count() > 5


# --- reprints are one source for figures ---------------------------------------------------------

UNATTRIBUTED = "Floodwater killed 14 people in the Varda valley overnight."


def _import_wire_story_and_copy(tmp_path: Path, *, copy_published: str) -> None:
    """A wire story with an unattributed toll, and a copy of it one paragraph shorter printed
    by another outlet, imported by import_articles."""
    body = "\n\n".join([UNATTRIBUTED, *STORY])
    lines = [
        {"title": "Floods in Varda", "body": body, "outlet": "Valley Courier",
         "url": "https://courier.example/floods", "published": "2026-04-03T08:00:00+00:00"},
        {"title": "Deadly floods hit the Varda valley", "body": body.rsplit("\n\n", 1)[0],
         "outlet": "Evening Standard of Dorn", "url": "https://dorn.example/varda",
         "published": copy_published},
    ]  # fmt: skip
    path = tmp_path / "two.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    call_command("import_articles", str(path), stdout=StringIO())


@pytest.mark.django_db
def test_a_wire_story_printed_by_two_outlets_corroborates_itself_once(tmp_path):
    from claims.reconcile import analyse_figure
    from claims.services.figures import figure_claims, report_for

    _import_wire_story_and_copy(tmp_path, copy_published="2026-04-03T11:00:00+00:00")
    original, reprint = Article.objects.order_by("id")
    assert reprint.reprint_of_id == original.id
    tolls = [c for c in figure_claims() if c.sentence == UNATTRIBUTED]
    assert len(tolls) == 2 and tolls[0].figure_id == tolls[1].figure_id
    reports = [report_for(c) for c in tolls]
    assert reports[0].source_key == reports[1].source_key  # the first outlet's, for both
    assert analyse_figure(reports).source_count == 1


# --- a reprint's claims take their original's matches ----------------------------------------

FOLLOW_UP = [
    "Engineers began checking flood-damaged buildings in Olm on Sunday as the water started to "
    "fall, two days after the Varda river burst its banks.",
    STORY[2],  # the mayor's words, repeated in the follow-up
    "Farmers in the lower valley said whole harvests of maize and sunflowers had been lost, and "
    "asked the agriculture ministry for emergency payments before the winter.",
]


def _searched_for(monkeypatch) -> list[str]:
    """The sentences matching searches by wording, as they are searched. The speaker and value
    windows are switched off: only the story's copies and an original's matches find a repeat."""
    searched: list[str] = []
    wording_candidates = matching._wording_candidates

    def recorded(claims, others):
        searched.extend(c.sentence for c in claims)
        return wording_candidates(claims, others)

    monkeypatch.setattr(matching, "_wording_candidates", recorded)
    monkeypatch.setattr(matching, "_add_latest", lambda *args: None)
    return searched


def _import_in_order(tmp_path: Path, *articles: tuple[str, list[str], str, str]) -> list[Article]:
    """(title, paragraphs, outlet, url) imported one a day from 2026-04-03, in this order."""
    path = tmp_path / "articles.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"title": title, "body": "\n\n".join(paragraphs), "outlet": outlet,
                        "url": url, "published": f"2026-04-{3 + day:02d}T08:00:00+00:00"})
            for day, (title, paragraphs, outlet, url) in enumerate(articles)
        ) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    call_command("import_articles", str(path), stdout=StringIO())
    return list(Article.objects.order_by("id"))


@pytest.mark.django_db
def test_a_reprint_finds_what_its_original_was_matched_with_since(tmp_path, monkeypatch):
    searched_for = _searched_for(monkeypatch)
    original, follow_up, reprint = _import_in_order(
        tmp_path,
        ("Floods in Varda", STORY, "Valley Courier", "https://courier.example/floods"),
        ("Olm counts the cost", FOLLOW_UP, "Valley Courier", "https://courier.example/olm"),
        ("Deadly floods hit Varda", STORY, "Dorn Herald", "https://dorn.example/varda"),
    )
    assert (follow_up.reprint_of_id, reprint.reprint_of_id) == (None, original.id)
    mayor = Claim.objects.filter(sentence=STORY[2], kind="attribution")
    first, repeated, reprinted = (mayor.get(article=a) for a in (original, follow_up, reprint))
    # The follow-up repeated the mayor's words after the original came in...
    assert ClaimMatch.objects.filter(claim=repeated, earlier=first, relation="same").exists()
    # ...so the reprint, found through the original rather than by a search, matches both.
    earlier = set(ClaimMatch.objects.filter(claim=reprinted).values_list("earlier_id", "relation"))
    assert {(first.id, "same"), (repeated.id, "same")} <= earlier
    assert (
        searched_for.count(STORY[2]) == 2
    )  # the original's and the follow-up's, not the reprint's


# The mayor's words as a later copy edits them: the end of the sentence reworded.
MAYOR_EDITED = STORY[2].replace("checked the buildings", "inspected them")
# A paragraph an updated copy of the story adds, and a later story repeats.
ADDED = (
    "Health officials said 40 people had been treated for injuries at the district hospital "
    "in Olm, most of them for cuts and hypothermia."
)


@pytest.mark.django_db
def test_a_nearly_verbatim_reprint_takes_its_originals_matches(tmp_path, monkeypatch):
    searched_for = _searched_for(monkeypatch)
    edited = [*STORY[:2], MAYOR_EDITED, *STORY[3:]]
    original, follow_up, reprint = _import_in_order(
        tmp_path,
        ("Floods in Varda", STORY, "Valley Courier", "https://courier.example/floods"),
        ("Olm counts the cost", FOLLOW_UP, "Valley Courier", "https://courier.example/olm"),
        ("Deadly floods hit Varda", edited, "Dorn Herald", "https://dorn.example/varda"),
    )
    assert reprint.reprint_of_id == original.id
    repeated = Claim.objects.get(article=follow_up, sentence=STORY[2], kind="attribution")
    reworded = Claim.objects.get(article=reprint, sentence=MAYOR_EDITED, kind="attribution")
    assert MAYOR_EDITED not in searched_for  # the original's matches instead of a search...
    # ...which hold the follow-up's repeat, found without the search.
    assert ClaimMatch.objects.filter(claim=reworded, earlier=repeated).exists()


def test_only_a_sentence_printed_nearly_word_for_word_has_an_original():
    from claims.services.matching import _original_in, _verbatim

    printed = {("attribution", _verbatim(STORY[2])): 7, ("attribution", _verbatim(STORY[4])): 9}

    def original(sentence: str) -> int | None:
        return _original_in(printed, statement(1, "", "Anna Kovac", sentence=sentence))

    assert original(STORY[2]) == 7
    assert original(STORY[2].replace("a month", "6 weeks")) == 7  # numbers aside, one word
    assert original(MAYOR_EDITED) == 7  # the end reworded
    # Another point by the same speaker, in half the same words: a search of its own.
    assert original("Mayor Anna Kovac said the town's two schools would reopen on Monday.") is None
    assert original(STORY[3]) is None


@pytest.mark.django_db
def test_a_paragraph_an_update_added_takes_that_copys_matches(tmp_path, monkeypatch):
    searched_for = _searched_for(monkeypatch)
    updated = [*STORY, ADDED]
    follow_up = [FOLLOW_UP[0], ADDED, FOLLOW_UP[2]]
    original, update, later, reprint = _import_in_order(
        tmp_path,
        ("Floods in Varda", STORY, "Valley Courier", "https://courier.example/floods"),
        ("Floods in Varda (updated)", updated, "Valley Courier", "https://courier.example/f2"),
        ("Olm counts the cost", follow_up, "Dorn Herald", "https://dorn.example/olm"),
        ("Deadly floods hit Varda", updated, "North Post", "https://north.example/varda"),
    )
    assert (update.reprint_of_id, later.reprint_of_id, reprint.reprint_of_id) == (
        original.id, None, original.id,
    )  # fmt: skip
    added = Claim.objects.filter(sentence=ADDED, kind="attribution")
    in_update, repeated, reprinted = (added.get(article=a) for a in (update, later, reprint))
    # The first copy never printed it; the update did, and was searched for it: the reprint
    # takes the update's claim as its original, and so the later story's repeat.
    searched = Claim.objects.filter(sentence=ADDED, article__in=[update, later]).count()
    assert searched_for.count(ADDED) == searched  # the update's and the later story's only
    earlier = set(ClaimMatch.objects.filter(claim=reprinted).values_list("earlier_id", flat=True))
    assert {in_update.id, repeated.id} <= earlier


def test_a_claim_is_compared_once_however_many_copies_carry_it():
    from dataclasses import fields, replace

    from claims.matching.scorer import printed_anywhere

    base = figure(1, "Floodwater killed 14 people.", 14, "the ministry")
    where = {"id", "article_id", "story_id"}
    for f in fields(ClaimFacts):
        other = replace(base, **{f.name: 99 if f.name in where else "x"})
        # Where a claim was printed is not a feature; everything `compare` reads is.
        assert (printed_anywhere(other) == printed_anywhere(base)) == (f.name in where), f.name


@pytest.mark.django_db
def test_id_any_is_id_in_with_one_parameter(tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _import(tmp_path, "a01")
    ids = list(Claim.objects.values_list("id", flat=True))[::2]
    with CaptureQueriesContext(connection) as ctx:
        found = list(Claim.objects.filter(id__any=ids).values_list("id", flat=True))
    assert sorted(found) == sorted(ids) and len(ids) > 3
    assert list(Claim.objects.filter(id__any=[]).values_list("id", flat=True)) == []
    if connection.vendor == "postgresql":  # the ids as one array, not one parameter each
        assert "= ANY(" in ctx.captured_queries[0]["sql"]


@pytest.mark.django_db
def test_reprint_candidates_are_the_earliest_articles_sharing_a_band(tmp_path, monkeypatch):
    edition = [
        (f"Floods, edition {n}", STORY, f"Outlet {n}", f"https://o{n}.example/f") for n in range(4)
    ]
    other = ("Olm counts the cost", FOLLOW_UP, "Valley Courier", "https://courier.example/olm")
    *earlier, unrelated, last = _import_in_order(tmp_path, *edition[:3], other, edition[3])
    copies = [*earlier, last]
    assert unrelated.reprint_of_id is None
    keys = list(ArticleBand.objects.filter(article=last).values_list("key", flat=True))
    sharers = [row[0] for row in matching._band_sharers(last.id, keys)]
    assert sharers == [a.id for a in copies[:-1]]  # in id order, never itself or another story
    monkeypatch.setattr(matching, "BAND_SHARERS", 2)
    assert [row[0] for row in matching._band_sharers(last.id, keys)] == sharers[:2]
    assert {a.reprint_of_id for a in copies[1:]} == {copies[0].id}


@pytest.mark.django_db
def test_the_earliest_article_sharing_a_band_is_tried_alone_first(tmp_path, monkeypatch):
    from claims.matching.text import signature_from_bytes

    edition = [
        (f"Floods, edition {n}", STORY, f"Outlet {n}", f"https://o{n}.example/f") for n in range(3)
    ]
    first, second, third = _import_in_order(tmp_path, *edition)
    Article.objects.filter(pk=second.pk).update(reprint_of=None)  # as if a story of its own
    keys = list(ArticleBand.objects.filter(article=third).values_list("key", flat=True))
    body = reprints.BodyPrint(signature_from_bytes(third.body_signature), third.body_shingles)
    limits: list[int | None] = []
    band_sharers = matching._band_sharers

    def recorded(article_id, keys, *, limit=None):
        limits.append(limit)
        return band_sharers(article_id, keys, limit=limit)

    monkeypatch.setattr(matching, "_band_sharers", recorded)
    assert matching._reprint_root(third, body, keys) == first.id
    assert limits == [1]  # the story's first article, alone
    # When the earliest is not a reprint, the others are read, and tried in id order.
    tried: list[int] = []
    is_reprint = reprints.is_reprint
    monkeypatch.setattr(
        matching.reprints,
        "is_reprint",
        lambda new, old: bool(tried.append(1) or len(tried) > 1) and is_reprint(new, old),
    )  # the first article tried is not a reprint
    limits.clear()
    assert matching._reprint_root(third, body, keys) == second.id
    assert limits == [1, None]


@pytest.mark.django_db
def test_an_original_printed_many_times_still_passes_on_its_matches_elsewhere(
    tmp_path, monkeypatch
):
    _searched_for(monkeypatch)  # only the story's copies and the original's matches find it
    monkeypatch.setattr(matching, "CANDIDATES_PER_KEY", 2)
    edition = [
        (f"Floods, edition {n}", STORY, f"Outlet {n}", f"https://o{n}.example/f") for n in range(4)
    ]
    other = ("Olm counts the cost", FOLLOW_UP, "Valley Courier", "https://courier.example/olm")
    original, follow_up, *copies = _import_in_order(tmp_path, edition[0], other, *edition[1:])
    mayor = Claim.objects.filter(sentence=STORY[2], kind="attribution")
    first, repeated, last = (mayor.get(article=a) for a in (original, follow_up, copies[-1]))
    # The copies' own matches with the original are its latest, as many as a lookup reads...
    copied = ClaimMatch.objects.filter(earlier=first, claim__article__in=copies[:-1])
    assert copied.count() == matching.CANDIDATES_PER_KEY
    # ...and the last copy still finds the follow-up's repeat through the original.
    assert ClaimMatch.objects.filter(claim=last, earlier=repeated, relation="same").exists()


@pytest.mark.django_db
def test_a_reprinted_claim_is_compared_with_its_speakers_claims_in_and_out_of_the_story(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(matching, "STORY_COPIES", 1)  # the first copy and the latest one
    minister = (
        "Health Minister Petra Lind said field hospitals would open in Olm and two other "
        "villages by Sunday, and that clean water would be trucked in."
    )
    edition = [
        (f"Floods, edition {n}", [*STORY, minister], f"Outlet {n}", f"https://o{n}.example/f")
        for n in range(4)
    ]
    other = ("Olm counts the cost", FOLLOW_UP, "Valley Courier", "https://courier.example/olm")
    first, middle, follow_up, latest, last = _import_in_order(
        tmp_path, edition[0], edition[1], other, edition[2], edition[3]
    )
    mayor = Claim.objects.filter(sentence=STORY[2], kind="attribution")
    claim = mayor.get(article=last)
    found = matching.candidates_for(matching._claims_facts(articles=[last.id]))[claim.id]
    # In the story: the mayor's claims in its first copy and its latest, no other speaker's.
    story = Claim.objects.filter(article__in=[first, latest], kind="attribution")
    assert set(story.filter(speaker=claim.speaker).values_list("id", flat=True)) <= found
    others = story.exclude(speaker=claim.speaker).exclude(speaker__isnull=True)
    assert others.exists() and not found & set(others.values_list("id", flat=True))
    # Out of it: her repeat in the follow-up. The copy between is the story's own: among her
    # latest statements, but a candidate through the story or not at all.
    assert mayor.get(article=follow_up).id in found
    assert not found & set(Claim.objects.filter(article=middle).values_list("id", flat=True))


@pytest.mark.django_db(transaction=True)  # SET LOCAL ends with a real transaction
def test_matching_plans_its_lookups_without_parallel_workers(tmp_path):
    from django.db import connection, transaction

    from claims.services.matching import article_match

    if connection.vendor != "postgresql":
        pytest.skip("parallel query is PostgreSQL's")
    _import(tmp_path, "a01")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            assert cursor.fetchone()[0] != "0"  # the server's default, left alone outside
        article_match(article=Article.objects.get(), earlier_only=True)
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            assert cursor.fetchone()[0] == "0"  # for the rest of matching's transaction only
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off"
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] != "0"


# --- with a job queue, matching is a job of its own ------------------------------------------


@pytest.mark.django_db
def test_with_a_queue_the_import_leaves_matching_to_a_job(
    tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.CLAIMDESK_MATCH_QUEUED = True
    _import(tmp_path, "a01")  # nothing earlier: its job has nothing to find
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _import(tmp_path, "a02")
    original, reprint = Article.objects.order_by("id")
    # The import linked the reprint (figures need it) and committed without matching its claims.
    assert reprint.reprint_of_id == original.id and reprint.matched_at is None
    assert not ClaimMatch.objects.filter(claim__article=reprint).exists()
    for callback in callbacks:  # the commit sends the job; the tests run jobs in-process
        callback()
    reprint.refresh_from_db()
    assert reprint.matched_at is not None
    matches = ClaimMatch.objects.filter(claim__article=reprint)
    assert set(matches.values_list("relation", "earlier__article")) == {("same", original.id)}
    # A message delivered twice finds the article matched and leaves it alone.
    rows = sorted(matches.values_list("id", flat=True))
    assert matching.article_claims_match(article_id=reprint.id) is None
    assert sorted(matches.values_list("id", flat=True)) == rows


def _imported_at_the_same_moment(tmp_path) -> tuple[Article, Article]:
    """A wire story and its copy, as two workers import them at once: neither import saw the
    other (uncommitted) article, so the copy is not linked and its figures count it apart."""
    from claims.services.figures import figures_refresh_for_article

    # Queued matching: in a test transaction the jobs are never sent; they are run by hand.
    _import_wire_story_and_copy(tmp_path, copy_published="2026-04-03T08:05:00+00:00")
    story, copy = Article.objects.order_by("id")
    assert copy.reprint_of_id == story.id  # what an import that saw the story does
    Article.objects.filter(pk=copy.pk).update(reprint_of=None)
    copy.refresh_from_db()
    figures_refresh_for_article(article=copy)
    return story, copy


def _sources_of_the_toll() -> int:
    from claims.reconcile import analyse_figure
    from claims.services.figures import figure_claims, report_for

    tolls = [c for c in figure_claims() if c.sentence == UNATTRIBUTED]
    assert len(tolls) == 2 and tolls[0].figure_id == tolls[1].figure_id  # story's and copy's
    return analyse_figure([report_for(c) for c in tolls]).source_count


@pytest.mark.django_db
def test_a_copy_imported_beside_its_story_is_linked_by_its_own_matching_job(tmp_path, settings):
    settings.CLAIMDESK_MATCH_QUEUED = True
    story, copy = _imported_at_the_same_moment(tmp_path)
    assert _sources_of_the_toll() == 2  # one wire story counted twice
    # The story has committed by the time the copy's job runs: the job links the copy.
    matching.article_claims_match(article_id=copy.id)
    copy.refresh_from_db()
    assert copy.reprint_of_id == story.id and copy.matched_at is not None
    assert _sources_of_the_toll() == 1
    matches = ClaimMatch.objects.filter(claim__article=copy)
    assert set(matches.values_list("earlier__article", flat=True)) == {story.id}
    assert matches.filter(relation="same").count() == 5  # each of its claims, word for word


@pytest.mark.django_db
def test_a_story_whose_copy_was_matched_first_catches_up_in_its_own_job(tmp_path, settings):
    settings.CLAIMDESK_MATCH_QUEUED = True
    story, copy = _imported_at_the_same_moment(tmp_path)
    # The copy's job ran before the story committed: it found nothing (no link, no pairs).
    Article.objects.filter(pk=copy.pk).update(matched_at=timezone.now())
    assert not ClaimMatch.objects.exists()
    result = matching.article_claims_match(article_id=story.id)
    copy.refresh_from_db()
    assert copy.reprint_of_id == story.id and _sources_of_the_toll() == 1
    matches = ClaimMatch.objects.filter(claim__article=copy)
    caught_up = sorted(matches.values_list("claim_id", "earlier_id", "relation"))
    assert result is not None and (result.same, result.similar) == (5, 2)
    assert len(caught_up) == 7 and {row.earlier.article_id for row in matches} == {story.id}
    # The same pairs as the copy's own job stores when it does see the story.
    matches.delete()
    Article.objects.filter(pk=copy.pk).update(matched_at=None)
    matching.article_claims_match(article_id=copy.id)
    assert sorted(matches.values_list("claim_id", "earlier_id", "relation")) == caught_up
    # A later article matched long before this one's import had seen it: left alone.
    matches.delete()
    Article.objects.filter(pk=story.pk).update(matched_at=None)
    Article.objects.filter(pk=copy.pk).update(matched_at=timezone.now() - timedelta(hours=1))
    matching.article_claims_match(article_id=story.id)
    assert not ClaimMatch.objects.exists()


@pytest.mark.django_db
def test_matching_whose_job_was_lost_is_queued_again(tmp_path, settings):
    settings.CLAIMDESK_MATCH_QUEUED = True
    _import(tmp_path, "a01", "a02")  # in a test transaction: the jobs are never sent
    reprint = Article.objects.order_by("id").last()
    assert reprint.matched_at is None
    assert matching.articles_match_pending() == 0  # just imported: its job may still be coming
    Article.objects.update(updated_at=timezone.now() - timedelta(minutes=5))
    assert matching.articles_match_pending() == 2  # queued again; tests run jobs at once
    assert ClaimMatch.objects.filter(claim__article=reprint, relation="same").exists()
    assert not Article.objects.filter(matched_at__isnull=True).exists()
    assert matching.articles_match_pending() == 0
    settings.CLAIMDESK_MATCH_QUEUED = False  # without a queue nothing is ever pending
    Article.objects.update(matched_at=None)
    assert matching.articles_match_pending() == 0


@pytest.mark.django_db
def test_articles_matched_before_the_queue_are_not_pending(tmp_path):
    _import(tmp_path, "a01")  # no queue: matched in the import
    assert Article.objects.get().matched_at is not None


# --- each pair is compared once per process --------------------------------------------------


@pytest.mark.django_db
def test_the_next_copy_of_a_story_is_matched_without_comparing_again(tmp_path, monkeypatch):
    matching._compared_forget()  # what earlier tests in this process compared
    calls: list[tuple[int, int]] = []
    real_compare = matching.compare

    def counted(new, old):
        calls.append((new.id, old.id))
        return real_compare(new, old)

    monkeypatch.setattr(matching, "compare", counted)
    body = "\n\n".join(STORY)
    outlets = ["Valley Courier", "Dorn Herald", "Olm Gazette", "Varda Post"]
    path = tmp_path / "copies.jsonl"
    path.write_text(
        "".join(
            json.dumps({"title": f"Floods in Varda ({n})", "body": body, "outlet": outlet,
                        "url": f"https://copies.example/{n}",
                        "published": f"2026-04-0{n + 1}T08:00:00+00:00"}) + "\n"
            for n, outlet in enumerate(outlets[:3])
        ),
        encoding="utf-8",
    )  # fmt: skip
    call_command("import_articles", str(path), stdout=StringIO())
    assert calls  # the first copies were compared
    calls.clear()
    path.write_text(
        json.dumps({"title": "Floods in Varda (3)", "body": body, "outlet": outlets[3],
                    "url": "https://copies.example/3",
                    "published": "2026-04-04T08:00:00+00:00"}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    call_command("import_articles", str(path), stdout=StringIO())
    fourth = Article.objects.get(url="https://copies.example/3")
    stored = set(
        ClaimMatch.objects.filter(claim__article=fourth).values_list(
            "claim_id", "earlier_id", "relation", "score", "reason"
        )
    )
    # Its pairs are the third copy's again, by all that `compare` reads: none compared anew...
    assert calls == [] and {row[2] for row in stored} == {"same"}
    # ...and what was stored is what comparing them would store.
    matching._compared_forget()
    matching.article_match(article=fourth)
    assert calls
    assert stored == set(
        ClaimMatch.objects.filter(claim__article=fourth).values_list(
            "claim_id", "earlier_id", "relation", "score", "reason"
        )
    )
