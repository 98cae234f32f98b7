"""Atom feed of status changes at /feeds/status-changes/: the latest decisions, newest first.

For people and feed readers. Programs that must see every change use the API's change feed
(/api/status-changes/), which pages from a cursor; this feed only ever shows the latest 50.
It is public exactly when the API is (CLAIMDESK_API_PUBLIC).
"""

from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, SyndicationFeed
from django.utils.html import format_html

from claims.models import Claim, StatusChange

FEED_SIZE = 50
STATUS_LABELS: dict[str, str] = dict(Claim.Status.choices)
# What XML 1.0 cannot carry at all. Import strips these, but a row written before it did, or by
# another path, must not take the whole feed down ("Control characters are not supported").
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


class StatusChangeFeed(Feed):
    feed_type = Atom1Feed
    title = "Claim Desk: claim status changes"
    subtitle = "Editors' latest decisions on claims found in news articles."

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # type: ignore[no-untyped-def]
        if not settings.CLAIMDESK_API_PUBLIC and not request.user.is_authenticated:
            raise PermissionDenied("Sign in to read the status feed.")
        return super().__call__(request, *args, **kwargs)

    def get_feed(self, obj: object, request: HttpRequest) -> SyndicationFeed:
        feed = super().get_feed(obj, request)
        # Atom ids must be absolute IRIs; Django makes the links absolute, not the ids.
        for item in feed.items:
            item["unique_id"] = request.build_absolute_uri(item["unique_id"])
        return feed

    def link(self) -> str:
        return reverse("api:status-change-list")

    def items(self) -> QuerySet:
        # One query: the change with its claim (sentence, article) and editor joined.
        return (
            StatusChange.objects.published()
            .select_related("claim", "claim__article", "changed_by")
            .only(
                "id",
                "from_status",
                "to_status",
                "note",
                "created_at",
                "claim_version",
                "claim__id",
                "claim__sentence",
                "claim__article__id",
                "claim__article__title",
                "changed_by__username",
            )
            .order_by("-id")[:FEED_SIZE]
        )

    def item_title(self, change: StatusChange) -> str:
        return (
            f"Claim {change.claim_id}: {STATUS_LABELS[change.from_status]} → "
            f"{STATUS_LABELS[change.to_status]}"
        )

    def item_description(self, change: StatusChange) -> str:
        # Atom's summary is type="html": readers render it, so the untrusted article text and
        # note are HTML-escaped here (format_html), not just XML-escaped by the generator.
        html = format_html(
            "<p>“{}”</p><p>In: {}</p>",
            xml_text(change.claim.sentence),
            xml_text(change.claim.article.title),
        )
        if change.note:
            html += format_html("<p>Note: {}</p>", xml_text(change.note))
        return html

    def item_link(self, change: StatusChange) -> str:
        # The public claim page, which a feed reader's user can open (the API is for programs).
        return reverse("claim-public", args=[change.claim_id])

    def item_guid(self, change: StatusChange) -> str:
        # One entry per change, even when a claim changes twice: the claim link alone repeats.
        return f"{reverse('api:status-change-list')}#change-{change.id}"

    item_guid_is_permalink = False

    def item_author_name(self, change: StatusChange) -> str:
        return xml_text(change.changed_by.username) if change.changed_by else "Claim Desk"

    def item_pubdate(self, change: StatusChange) -> datetime:
        return change.created_at

    def item_updateddate(self, change: StatusChange) -> datetime:
        return change.created_at
