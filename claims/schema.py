"""A claim's fields, stated once (STYLE.md rule 13).

Adding a column to `Claim` means adding it to one of these tuples; the readers and writers that
take their columns from here then follow:

- `CLAIM_EXTRACTED_FIELDS`: what extraction decides. The import sets and compares exactly these
  (claims.services.claim_sync), and the API benchmark fill writes them (api_bench_fill).
- `CLAIM_REVIEW_FIELDS`: what a review, proposal, confirmation or return writes
  (claims.services.review); the admin shows them read-only (claims.admin.review).
- `CLAIM_COLUMNS` / `CLAIM_DETAIL_EXTRA`: the API's claim row as `.values()` columns, its article,
  outlet and speaker joined in (read by claims.selectors, shaped by claims.api.serializers and
  claims.api.claimreview); the detail's evidence and history and the change feed have theirs below.

Names are attnames where a foreign key's id is what is written or compared ("speaker_id"): reading
`claim.speaker` to compare it would cost a query per claim.
"""

from __future__ import annotations

CLAIM_EXTRACTED_FIELDS: tuple[str, ...] = (
    "kind",
    "sentence",
    "start",
    "end",
    "value_low",
    "value_high",
    "qualifier",
    "outcome",
    "subject",
    "agent",
    "speaker_id",
    "speaker_text",
    "speaker_role",
    "content",
    "direct",
    "hedges",
    "is_hedged",
    "extractor_version",
    "rule",
    "confidence",
    "in_article",  # False once a re-import no longer finds the claim
)

CLAIM_REVIEW_FIELDS: tuple[str, ...] = (
    "status",
    "status_changed_by",
    "status_changed_at",
    "proposed_status",
    "proposed_by",
    "proposed_at",
    "version",
)

# Extracted fields that only the claim's detail shows (with `created_at`), not its list row.
CLAIM_DETAIL_EXTRA: tuple[str, ...] = ("start", "end", "extractor_version", "created_at")

# The list row: the claim's public columns, then what is joined in (one query per page).
CLAIM_COLUMNS: tuple[str, ...] = (
    "id",
    *(name for name in CLAIM_EXTRACTED_FIELDS if name not in CLAIM_DETAIL_EXTRA),
    "figure_id",
    "status",
    "status_changed_at",
    "proposed_status",
    "version",
    "updated_at",
    "article_id",
    "speaker__name",
    "speaker__kind",
    "proposed_by__username",
    "assigned_to__username",
    "article__title",
    "article__url",
    "article__published_at",
    "article__published_basis",
    "article__outlet_id",
    "article__outlet__name",
)

# Columns for the detail's evidence and history lists (one query each).
EVIDENCE_COLUMNS = ("id", "url", "title", "stance", "note", "added_by__username", "created_at")
HISTORY_COLUMNS = (
    "id",
    "kind",
    "from_status",
    "to_status",
    "note",
    "changed_by__username",
    "claim_version",
    "created_at",
)
STATUS_CHANGE_COLUMNS = (*HISTORY_COLUMNS, "claim_id")
