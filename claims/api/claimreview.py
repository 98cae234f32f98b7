"""schema.org ClaimReview: the format fact-checkers publish in, and search engines read.

https://schema.org/ClaimReview. One ClaimReview per reviewed claim (a claim still `unreviewed`
has none). The mapping:

- `claimReviewed`: the article sentence that carries the claim, as published.
- `itemReviewed`: a schema.org `Claim` whose `author` is the speaker (a `Person` for a person,
  an `Organization` for an organisation or a group of people, a `Thing` when the speaker is only
  known by the article's words) and whose `appearance` is the article (url, headline, date,
  publisher).
- `author`: the organisation publishing the review (setting `CLAIMDESK_PUBLISHER_NAME`), not the
  individual editor.
- `datePublished`: when the claim was given its current status.
- `reviewBody`: the note of that decision.
- `reviewRating`: `alternateName` is the status label, the authoritative verdict.
  `ratingValue` places it on a 1-4 scale of how far the evidence supports the claim:

  | status     | ratingValue | why                                      |
  |------------|-------------|------------------------------------------|
  | false      | 1           | evidence contradicts it                  |
  | disputed   | 2           | credible sources conflict                |
  | unverified | 3           | checked, could not be confirmed or refuted |
  | verified   | 4           | confirmed by independent evidence        |

  with `worstRating` 1 and `bestRating` 4.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from claims.api.serializers import iso
from claims.models import Actor, Claim

RATING_VALUES: dict[str, int] = {
    Claim.Status.FALSE: 1,
    Claim.Status.DISPUTED: 2,
    Claim.Status.UNVERIFIED: 3,
    Claim.Status.VERIFIED: 4,
}
WORST_RATING = 1
BEST_RATING = 4

STATUS_LABELS: dict[str, str] = dict(Claim.Status.choices)


def publisher_name() -> str:
    return getattr(settings, "CLAIMDESK_PUBLISHER_NAME", "Claim Desk")


def _speaker(row: dict[str, Any]) -> dict[str, Any] | None:
    name = row["speaker__name"] or row["speaker_text"]
    if not name:
        return None
    kind = row["speaker__kind"]
    if kind == Actor.Kind.PERSON:
        schema_type = "Person"
    elif kind in (Actor.Kind.ORGANISATION, Actor.Kind.GROUP):
        schema_type = "Organization"
    else:
        schema_type = "Thing"
    speaker: dict[str, Any] = {"@type": schema_type, "name": name}
    if row["speaker_role"] and schema_type == "Person":
        speaker["jobTitle"] = row["speaker_role"]
    return speaker


def _appearance(row: dict[str, Any]) -> dict[str, Any]:
    appearance: dict[str, Any] = {"@type": "NewsArticle", "headline": row["article__title"]}
    if row["article__url"]:
        appearance["url"] = row["article__url"]
    if row["article__published_at"]:
        appearance["datePublished"] = iso(row["article__published_at"])
    if row["article__outlet__name"]:
        appearance["publisher"] = {"@type": "Organization", "name": row["article__outlet__name"]}
    return appearance


def claim_review_jsonld(
    row: dict[str, Any], *, url: str, with_context: bool = True
) -> dict[str, Any]:
    """The ClaimReview for one reviewed claim.

    `row` is a claim row (`claims.schema.CLAIM_COLUMNS` plus `review_note`); `url` is where
    the review can be read.
    """
    status = row["status"]
    item: dict[str, Any] = {"@type": "Claim", "appearance": _appearance(row)}
    speaker = _speaker(row)
    if speaker is not None:
        item["author"] = speaker
    if row["article__published_at"]:
        item["datePublished"] = iso(row["article__published_at"])
    review: dict[str, Any] = {}
    if with_context:
        review["@context"] = "https://schema.org"
    review.update(
        {
            "@type": "ClaimReview",
            "url": url,
            "claimReviewed": row["sentence"],
            "itemReviewed": item,
            "author": {"@type": "Organization", "name": publisher_name()},
            "datePublished": iso(row["status_changed_at"]),
            "reviewRating": {
                "@type": "Rating",
                "ratingValue": RATING_VALUES[status],
                "worstRating": WORST_RATING,
                "bestRating": BEST_RATING,
                "alternateName": STATUS_LABELS[status],
                "ratingExplanation": Claim.STATUS_DEFINITIONS[Claim.Status(status)],
            },
        }
    )
    if row.get("review_note"):
        review["reviewBody"] = row["review_note"]
    return review


def data_feed(reviews: list[dict[str, Any]], *, url: str, modified: Any) -> dict[str, Any]:
    """A schema.org DataFeed wrapping ClaimReviews (each already built without its @context)."""
    return {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "name": f"{publisher_name()} claim reviews",
        "url": url,
        "dateModified": iso(modified),
        "dataFeedElement": [
            {"@type": "DataFeedItem", "dateModified": review["datePublished"], "item": review}
            for review in reviews
        ],
    }
