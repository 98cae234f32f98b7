"""Pure tests of claims.reconcile: records in, figures, timelines, conflicts and flags out.

No database. The corpus tests read tests/fixtures/reconcile (nine articles about the January
2022 unrest in Kazakhstan and unrelated events of the same days) and the claims an editor would
mark in them; the rest build small records by hand to pin one rule each.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from claims import reconcile
from claims.reconcile import Report, Statement

CORPUS = Path(__file__).parent / "fixtures" / "reconcile"


def read_article(path: Path) -> dict:
    """The documented .txt format: title line, `Key: value` headers, a blank line, the body."""
    lines = path.read_text(encoding="utf-8").split("\n")
    headers, i = {}, 1
    while i < len(lines) and lines[i].strip():
        key, _, value = lines[i].partition(":")
        headers[key.strip().lower()] = value.strip()
        i += 1
    return {
        "title": lines[0].strip(),
        "url": headers.get("url"),
        "outlet": headers.get("outlet"),
        "published_at": datetime.fromisoformat(headers["published"]),
        "body": "\n".join(lines[i + 1 :]).strip() + "\n",
    }


def corpus() -> tuple[dict[str, dict], dict]:
    articles = {p.stem: read_article(p) for p in sorted(CORPUS.glob("*.txt"))}
    return articles, json.loads((CORPUS / "claims.json").read_text(encoding="utf-8"))


def corpus_reports() -> tuple[list[Report], dict[int, str]]:
    """Reports for the corpus's figure claims (claim ids = position in claims.json), and the
    figure each is expected in."""
    articles, data = corpus()
    reports, expected = [], {}
    for n, c in enumerate(data["claims"], start=1):
        if c["kind"] == "attribution":
            continue
        article = articles[c["article"]]
        assert c["sentence"] in article["body"], f"claims.json #{n}: sentence not in article"
        reports.append(
            Report(
                claim_id=n,
                kind=c["kind"],
                outcome=c["outcome"],
                value_low=c["value_low"],
                value_high=c["value_high"],
                qualifier=c["qualifier"],
                subject=c["subject"],
                published_at=article["published_at"],
                speaker_key=f"actor:{c['speaker']}"
                if c["speaker"]
                else f"text:{c['speaker_text']}",
                speaker_name=c["speaker"] or c["speaker_text"],
                outlet_key=article["outlet"],
                outlet_name=article["outlet"],
                article_id=int(c["article"][1:3]),
                place=reconcile.derive_place(
                    sentence=c["sentence"], title=article["title"], body=article["body"]
                ),
            )
        )
        expected[n] = c["expect"]
    return reports, expected


def partition(grouping: reconcile.Grouping) -> set[frozenset[int]]:
    assert not grouping.assigned, "no existing figures were given"
    return {frozenset(new.claim_ids) for new in grouping.new}


def expected_partition(expected: dict[int, str]) -> set[frozenset[int]]:
    groups: dict[str, set[int]] = defaultdict(set)
    for claim_id, name in expected.items():
        groups[name].add(claim_id)
    return {frozenset(ids) for ids in groups.values()}


def report(claim_id: int, value: int, *, when: str, source: str, **fields) -> Report:
    defaults = {
        "kind": "casualty",
        "outcome": "killed",
        "value_high": fields.get("value_high", value),
        "published_at": datetime.fromisoformat(when).replace(tzinfo=UTC),
        "speaker_key": f"actor:{source}",
        "speaker_name": source,
        "outlet_name": "Daily Ledger",
        "outlet_key": "ledger",
    }
    defaults.update(fields)
    return Report(claim_id=claim_id, value_low=value, **defaults)


# --- The corpus: grouping ------------------------------------------------------------------


def test_corpus_groups_into_the_figures_an_editor_would_draw():
    reports, expected = corpus_reports()
    assert partition(reconcile.group_reports(reports, [])) == expected_partition(expected)


@pytest.mark.parametrize("order", ["newest first", "by file name"])
def test_corpus_grouping_does_not_depend_on_import_order(order):
    reports, expected = corpus_reports()
    if order == "newest first":
        reports = sorted(reports, key=lambda r: r.published_at, reverse=True)
    else:
        reports = sorted(reports, key=lambda r: (r.article_id, r.claim_id))
    # group_reports sorts by date itself; feeding it one article at a time (as the import does)
    # must give the same figures.
    figures: list[reconcile.FigureRecord] = []
    members: dict[int, set[int]] = {}
    next_id = 1
    for article_id in dict.fromkeys(r.article_id for r in reports):
        batch = [r for r in reports if r.article_id == article_id]
        result = reconcile.group_reports(batch, figures)
        for claim_id, figure_id in result.assigned.items():
            members[figure_id].add(claim_id)
        for figure_id, (start, end) in result.extended.items():
            figures = [
                f
                if f.id != figure_id
                else reconcile.FigureRecord(
                    f.id, f.kind, f.outcome, f.subject_kind, f.place, start, end
                )
                for f in figures
            ]
        for new in result.new:
            figures.append(
                reconcile.FigureRecord(
                    next_id, new.kind, new.outcome, new.subject_kind, new.place,
                    new.date_start, new.date_end,
                )
            )  # fmt: skip
            members[next_id] = set(new.claim_ids)
            next_id += 1
    assert {frozenset(m) for m in members.values()} == expected_partition(expected)


def test_corpus_places_come_from_sentence_title_or_body():
    reports, _ = corpus_reports()
    places = {r.claim_id: r.place for r in reports}
    assert set(places.values()) == {"Kazakhstan", "Myanmar"}
    # Sentence 1 names Almaty and Kazakhstan; the Myanmar one "Myanmar's Sagaing region".
    assert places[1] == "Kazakhstan"
    assert places[24] == "Myanmar"


def test_new_figures_get_a_readable_label():
    reports, _ = corpus_reports()
    labels = {new.label for new in reconcile.group_reports(reports, []).new}
    assert "People killed — Kazakhstan, from 7 Jan 2022" in labels
    assert "People arrested or detained — Kazakhstan, from 7 Jan 2022" in labels
    assert "Karim Massimov arrested or detained — Kazakhstan, from 7 Jan 2022" in labels
    assert "Security forces killed — Kazakhstan, from 7 Jan 2022" in labels
    assert "Miners killed — Kazakhstan, from 10 Jan 2022" in labels


# --- The corpus: analysis ------------------------------------------------------------------


def corpus_figure(name: str) -> reconcile.FigureAnalysis:
    reports, expected = corpus_reports()
    return reconcile.analyse_figure(r for r in reports if expected[r.claim_id] == name)


def test_evolving_toll_timeline_latest_highest_lowest():
    analysis = corpus_figure("kz-killed")
    assert [e.report.display for e in analysis.timeline] == [
        "26", "26", "164", "more than 200", "164", "225", "225",
    ]  # fmt: skip
    assert analysis.latest.display == "225"
    assert analysis.highest.value_low == 225
    assert analysis.lowest.value_low == 26
    assert analysis.source_count == 6


def test_conflicting_tolls_at_the_same_moment_are_disputed():
    analysis = corpus_figure("kz-killed")
    (conflict,) = analysis.conflicts
    # The health ministry's 164 repeated in the evening against the opposition's "more than
    # 200" that evening: sources that cannot both be right. Its morning 164 is only earlier: a
    # toll that rose by the evening is a timeline.
    assert conflict.claim_ids == (14, 15)
    assert conflict.values == ("164", "more than 200")
    suggested = analysis.suggested
    assert {cid for cid, s in suggested.items() if s.status == "disputed"} == {14, 15}
    assert "Democratic Choice of Kazakhstan" in suggested[15].reason
    # Both reasons name the same moment.
    assert suggested[14].reason[-14:] == suggested[15].reason[-14:]


def test_rising_toll_over_days_is_a_timeline_not_a_conflict():
    analysis = corpus_figure("kz-detained")
    assert [e.report.display for e in analysis.timeline] == [
        "more than 3,800", "5,800", "5,800", "9,900",
    ]  # fmt: skip
    assert analysis.conflicts == ()


def test_same_value_from_independent_sources_is_corroborated():
    analysis = corpus_figure("kz-killed")
    by_value = {c.display: c for c in analysis.corroborations}
    assert by_value["26"].sources == (
        "Kazakhstan Interior Ministry",
        "Doctors at two of Almaty's main hospitals",
    )
    assert by_value["225"].corroborated
    # The health ministry said 164 twice: one source, however many articles repeat it.
    assert by_value["164"].sources == ("Kazakhstan Health Ministry",)
    assert not by_value["164"].corroborated
    assert analysis.suggested[1].status == "verified"
    assert analysis.suggested[21].status == "verified"
    assert "2 independent sources" in analysis.suggested[21].reason


def test_single_source_gets_no_suggestion():
    analysis = corpus_figure("kz-detained")
    entry = analysis.entry_for(19)  # 9,900 from the interior ministry alone
    assert entry.suggestion.status is None
    assert entry.corroborated_by == ()
    # 5,800 from the president's office and from police: corroborated both ways.
    assert analysis.entry_for(11).corroborated_by == (16,)
    assert analysis.entry_for(16).suggestion.status == "verified"


def test_named_person_arrest_repeated_by_one_source_is_not_corroboration():
    analysis = corpus_figure("massimov")
    assert len(analysis.timeline) == 2
    assert analysis.source_count == 1
    assert analysis.suggested == {}


# --- Rules, one at a time ------------------------------------------------------------------


def test_agency_copy_printed_by_two_outlets_is_one_source():
    a = report(
        1,
        40,
        when="2022-01-07T08:00",
        source="",
        speaker_key="",
        outlet_key="agency:7",
        outlet_name="Ledger",
    )
    b = report(
        2,
        40,
        when="2022-01-07T09:00",
        source="",
        speaker_key="",
        outlet_key="agency:7",
        outlet_name="Courier",
    )
    c = report(
        3,
        40,
        when="2022-01-07T10:00",
        source="",
        speaker_key="",
        outlet_key="times",
        outlet_name="Times",
    )
    two = reconcile.analyse_figure([a, b])
    assert two.suggested == {}
    three = reconcile.analyse_figure([a, b, c])
    assert three.suggested[3].status == "verified"


def test_a_source_revising_its_own_count_is_not_a_conflict():
    early = report(1, 26, when="2022-01-07T08:00", source="ministry")
    later = report(2, 40, when="2022-01-07T20:00", source="ministry")
    assert reconcile.analyse_figure([early, later]).conflicts == ()


def test_reports_more_than_a_moment_apart_do_not_conflict():
    a = report(1, 60, when="2022-01-07T08:00", source="ministry")
    b = report(2, 26, when="2022-01-08T08:01", source="opposition")
    assert reconcile.analyse_figure([a, b]).conflicts == ()
    c = report(3, 26, when="2022-01-08T07:59", source="opposition")
    assert reconcile.analyse_figure([a, c]).conflicts[0].claim_ids == (1, 3)


def test_a_higher_count_later_in_a_rising_toll_is_a_timeline():
    # 12 killed on Thursday; "at least 19" and 25 from other sources on Friday.
    thursday = report(1, 12, when="2022-01-06T18:00", source="ministry")
    at_least = report(
        2, 19, value_high=None, qualifier="at_least", when="2022-01-07T09:00", source="hospital"
    )
    friday = report(3, 25, when="2022-01-07T10:00", source="opposition")
    assert reconcile.analyse_figure([thursday, at_least, friday]).conflicts == ()
    # A lower count from another source the same morning does contradict the 25.
    lower = report(4, 14, when="2022-01-07T11:00", source="governor")
    (conflict,) = reconcile.analyse_figure([thursday, at_least, friday, lower]).conflicts
    assert set(conflict.claim_ids) == {2, 3, 4}


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("18 law enforcement officials", "security forces"),
        ("security officers", "security forces"),
        ("police", "security forces"),
        ("soldiers", "security forces"),
        ("prison guards", "security forces"),
        ("local officials", "officials"),
    ],
)
def test_every_name_for_the_forces_is_one_subject(subject, kind):
    assert reconcile.subject_kind(subject) == kind


def test_a_named_arrest_never_takes_a_groups_count():
    named = report(
        1, 1, when="2022-01-07T08:00", source="a", kind="arrest", subject="Karim Massimov"
    )
    crowd = report(2, 3800, when="2022-01-07T09:00", source="b", kind="arrest", subject="")
    later = report(3, 5800, when="2022-01-09T09:00", source="c", kind="arrest", subject="people")
    grouping = reconcile.group_reports([named, crowd, later], [])
    assert sorted(sorted(f.claim_ids) for f in grouping.new) == [[1], [2, 3]]
    assert {f.label.split(" —")[0] for f in grouping.new} == {
        "Karim Massimov arrested or detained", "People arrested or detained",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("first", "second", "conflict"),
    [
        ((164, 164, "exact"), (200, None, "more_than"), True),
        ((225, 225, "exact"), (200, None, "more_than"), False),  # 225 is "more than 200"
        ((200, 200, "exact"), (200, None, "more_than"), True),  # strictly more
        ((200, 200, "exact"), (200, None, "at_least"), False),
        ((170, 170, "exact"), (200, 200, "about"), False),  # "about 200" allows 160..240
        ((150, 150, "exact"), (200, 200, "about"), True),
        ((15, 15, "exact"), (10, 20, "range"), False),
        ((25, 25, "exact"), (10, 20, "range"), True),
        ((30, 30, "exact"), (30, None, "fewer_than"), True),
        ((30, 30, "exact"), (30, None, "up_to"), False),
    ],
)
def test_qualifiers_decide_whether_two_values_can_both_be_true(first, second, conflict):
    a = report(
        1, first[0], value_high=first[1], qualifier=first[2], when="2022-01-09T09:00", source="a"
    )
    b = report(
        2, second[0], value_high=second[1], qualifier=second[2], when="2022-01-09T10:00", source="b"
    )
    assert bool(reconcile.analyse_figure([a, b]).conflicts) is conflict


def test_undated_reports_go_last_and_never_conflict():
    dated = report(1, 10, when="2022-01-07T08:00", source="a")
    undated = Report(claim_id=2, kind="casualty", outcome="killed", value_low=99, speaker_key="b")
    analysis = reconcile.analyse_figure([undated, dated])
    assert [e.report.claim_id for e in analysis.timeline] == [1, 2]
    assert analysis.conflicts == ()
    assert analysis.latest.claim_id == 1
    assert analysis.highest.claim_id == 2


def test_empty_figure_analysis():
    analysis = reconcile.analyse_figure([])
    assert analysis.timeline == () and analysis.latest is None and analysis.conflicts == ()


def test_grouping_window_keeps_a_later_event_apart():
    figure = reconcile.FigureRecord(
        7, "arrest", "arrested", "people", "", date(2022, 1, 7), date(2022, 1, 11)
    )
    inside = report(1, 5800, when="2022-01-09T09:00", source="a", kind="arrest", outcome="detained")
    edge = report(2, 9900, when="2022-01-21T09:00", source="b", kind="arrest", outcome="arrested")
    result = reconcile.group_reports([inside, edge], [figure])
    assert result.assigned == {1: 7, 2: 7}  # arrested and detained are one measure
    assert result.extended == {7: (date(2022, 1, 7), date(2022, 1, 21))}

    beyond = report(3, 30, when="2022-01-22T09:00", source="c", kind="arrest", outcome="detained")
    result = reconcile.group_reports([beyond], [figure])
    assert result.assigned == {}
    assert [n.claim_ids for n in result.new] == [[3]]


def test_grouping_keeps_places_and_outcomes_apart():
    kz = report(1, 26, when="2022-01-07T08:00", source="a", place="Kazakhstan")
    mm = report(2, 14, when="2022-01-07T09:00", source="b", place="Myanmar")
    hurt = report(
        3, 1000, when="2022-01-07T09:00", source="a", place="Kazakhstan", outcome="injured"
    )
    result = reconcile.group_reports([kz, mm, hurt], [])
    assert sorted(n.claim_ids for n in result.new) == [[1], [2], [3]]


def test_a_report_joins_the_nearest_of_two_matching_figures():
    early = reconcile.FigureRecord(
        1, "casualty", "killed", "people", "", date(2022, 1, 1), date(2022, 1, 3)
    )
    late = reconcile.FigureRecord(
        2, "casualty", "killed", "people", "", date(2022, 1, 9), date(2022, 1, 12)
    )
    r = report(5, 50, when="2022-01-07T08:00", source="a")
    assert reconcile.group_reports([r], [early, late]).assigned == {5: 2}
    r = report(6, 50, when="2022-01-02T08:00", source="a")
    assert reconcile.group_reports([r], [early, late]).assigned == {6: 1}
    # An undated report is as near to both: it joins the more recent one.
    undated = Report(claim_id=7, kind="casualty", outcome="killed", value_low=9)
    assert reconcile.group_reports([undated], [early, late]).assigned == {7: 2}
    assert reconcile.group_reports([undated], [late, early]).assigned == {7: 2}


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("protesters", "people"),
        ("26 demonstrators", "people"),
        ("civilians", "people"),
        ("", "people"),
        ("members of the security forces", "security forces"),
        ("police officers", "security forces"),
        ("soldiers", "security forces"),
        ("miners", "miners"),
        ("a journalist", "journalists"),
        ("children", "children"),
        ("Karim Massimov", "Karim Massimov"),
    ],
)
def test_subject_kind(subject, kind):
    assert reconcile.subject_kind(subject) == kind


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("Clashes in Almaty, Kazakhstan's largest city.", ["Kazakhstan", "Kazakhstan"]),
        ("Police said 12 were held.", []),  # "Police" is a town in Poland: too small to count
        ("Fighting in South Sudan and Sudan.", ["South Sudan", "Sudan"]),
        ("Troops in Burma's Sagaing region.", ["Myanmar"]),
        ("Strikes hit Donetsk overnight.", ["Ukraine"]),
        ("Washington said it was concerned.", []),
    ],
)
def test_places_in(text, places):
    assert reconcile.places_in(text) == places


def test_derive_place_prefers_the_sentence_then_the_story_country():
    body = "Kazakhstan unrest. Kazakhstan toll. Russian troops arrived from Russia."
    assert (
        reconcile.derive_place(
            sentence="164 killed in Kazakhstan, Russia said.", title="", body=body
        )
        == "Kazakhstan"
    )
    assert (
        reconcile.derive_place(
            sentence="Six miners were killed.", title="Blast in Myanmar", body=body
        )
        == "Myanmar"
    )
    assert (
        reconcile.derive_place(sentence="Six miners were killed.", title="Blast", body=body)
        == "Kazakhstan"
    )
    assert (
        reconcile.derive_place(sentence="Six were killed.", title="", body="No place named.") == ""
    )


# --- Attributions and roles ----------------------------------------------------------------


def corpus_statements() -> list[Statement]:
    articles, data = corpus()
    return [
        Statement(
            claim_id=n,
            speaker_key=c["speaker"],
            speaker_name=c["speaker"],
            content=c["content"],
            article_id=int(c["article"][1:3]),
            outlet_key=articles[c["article"]]["outlet"],
            outlet_name=articles[c["article"]]["outlet"],
            published_at=articles[c["article"]]["published_at"],
        )
        for n, c in enumerate(data["claims"], start=1)
        if c["kind"] == "attribution"
    ]


def test_same_speaker_saying_the_same_thing_is_grouped_across_articles():
    groups = {
        (g.speaker_name, g.claim_ids): g for g in reconcile.group_statements(corpus_statements())
    }
    # Tokayev's shoot-to-kill order: quoted directly in one article, reported in another.
    tokayev = groups[("Kassym-Jomart Tokayev", (4, 13))]
    assert tokayev.corroboration_count == 2
    assert tokayev.outlets == ("Northern Courier", "Daily Ledger")
    # ... and his withdrawal announcement is a different statement.
    assert groups[("Kassym-Jomart Tokayev", (20,))].corroboration_count == 1
    assert groups[("Jens Stoltenberg", (8, 18))].corroboration_count == 2
    assert groups[("Ursula von der Leyen", (9, 17))].corroboration_count == 2
    assert len(groups) == 4


def test_different_speakers_saying_the_same_thing_are_not_one_group():
    a = Statement(1, "actor:1", "A", "an end to the violence", 1, outlet_key="x")
    b = Statement(2, "actor:2", "B", "an end to the violence", 2, outlet_key="y")
    assert len(reconcile.group_statements([a, b])) == 2


def test_statement_reprinted_from_one_agency_counts_once():
    a = Statement(
        1, "actor:1", "A", "an end to the violence", 1, outlet_key="agency", outlet_name="Ledger"
    )
    b = Statement(
        2, "actor:1", "A", "an end to the violence", 2, outlet_key="agency", outlet_name="Courier"
    )
    (group,) = reconcile.group_statements([a, b])
    assert group.claim_ids == (1, 2)
    assert group.corroboration_count == 1


@pytest.mark.parametrize(
    ("a", "b", "consistent"),
    [
        ("European Council President", "European Commission President", False),
        ("President of the European Commission", "European Commission President", True),
        ("president", "Kazakh President", True),
        ("Kazakh President", "President of Kazakhstan", True),
        ("NATO Secretary General", "Secretary General", True),
        ("interior minister", "foreign minister", False),
        (
            "former head of the National Security Committee",
            "head of the National Security Committee",
            True,
        ),
    ],
)
def test_roles_consistent(a, b, consistent):
    assert reconcile.roles_consistent(a, b) is consistent
    assert reconcile.roles_consistent(b, a) is consistent


def test_corpus_misattributed_role_is_flagged_against_the_known_role():
    _, data = corpus()
    known = {a["name"]: a["known_role"] for a in data["actors"]}
    ids = {a["name"]: n for n, a in enumerate(data["actors"], start=1)}
    uses = [
        reconcile.RoleUse(
            ids[c["speaker"]], c["speaker"], known[c["speaker"]], c["speaker_role"], 1, n
        )
        for n, c in enumerate(data["claims"], start=1)
        if c.get("speaker_role")
    ]
    (flag,) = reconcile.role_flags(uses)
    assert flag.actor_name == "Ursula von der Leyen"
    assert flag.conflicting == ("European Council President",)
    assert flag.example_claim_ids == (9,)
    assert "President of the European Commission" in flag.reason
    # Tokayev is "president", "President" and "President of Kazakhstan": consistent.


def test_roles_that_disagree_with_each_other_are_flagged_without_a_known_role():
    uses = [
        reconcile.RoleUse(1, "Serik Shalabayev", "", "prosecutor", 3, 10),
        reconcile.RoleUse(1, "Serik Shalabayev", "", "interior minister", 1, 11),
        reconcile.RoleUse(2, "Jens Stoltenberg", "", "NATO Secretary General", 2, 12),
        reconcile.RoleUse(2, "Jens Stoltenberg", "", "Secretary General", 1, 13),
    ]
    (flag,) = reconcile.role_flags(uses)
    assert flag.actor_name == "Serik Shalabayev"
    assert flag.roles == (("prosecutor", 3), ("interior minister", 1))
    assert set(flag.conflicting) == {"prosecutor", "interior minister"}
