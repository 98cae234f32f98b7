"""The claim data model: where claims come from, what they say, and what editors decided.

Reviewed fields (`Claim.status`, `status_changed_*`, `version`) change only through
`claims.services.claim_review`, which also writes the `StatusChange` audit row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Lower

from claims.matching.scorer import REPRINT_REASONS


class Outlet(models.Model):
    """A publisher or news agency: who published an article, or who it credits."""

    class Kind(models.TextChoices):
        NEWS = "news", "News outlet"
        AGENCY = "agency", "News agency"
        BROADCASTER = "broadcaster", "Broadcaster"
        NGO = "ngo", "NGO"
        GOVERNMENT = "government", "Government"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NEWS)
    url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ArticleQuerySet(models.QuerySet):
    def with_outlet(self) -> ArticleQuerySet:
        return self.select_related("outlet")


class Article(models.Model):
    """One news report, with its body exactly as imported."""

    class PublishedBasis(models.TextChoices):
        # Where `published_at` came from (claims.importers.dates): editors weigh a publisher's
        # timestamp and a date read from the text differently.
        HEADER = "header", "the article's date field"
        METADATA = "metadata", "the page's metadata"
        DATELINE = "dateline", "the dateline"
        TEXT = "text", "a date in the text"
        IMPORTED = "imported", "the import time (the article gives no date)"

    # The importer's identity for the article: its URL when it has one, otherwise a key derived
    # from title and outlet (see claims.importers). Re-imports match on it.
    source_key = models.CharField(max_length=600, unique=True)
    title = models.CharField(max_length=500)
    url = models.URLField(max_length=2000, null=True, blank=True)
    outlet = models.ForeignKey(
        Outlet, null=True, blank=True, on_delete=models.PROTECT, related_name="articles"
    )
    credited_agencies = models.ManyToManyField(Outlet, blank=True, related_name="credited_articles")
    published_at = models.DateTimeField(null=True, blank=True)
    # Blank for articles imported before the basis was recorded.
    published_basis = models.CharField(max_length=20, choices=PublishedBasis.choices, blank=True)
    body = models.TextField()
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of title and body")
    # Where it was imported from (file name, "file.jsonl:12", "<stdin>"), for editors tracing a row.
    imported_from = models.CharField(max_length=500, blank=True)
    extractor_version = models.CharField(max_length=40, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Repeated claims: the earliest article this one's text nearly repeats (the same wire story
    # under another outlet or headline), found by MinHash over the body; see claims/matching.
    reprint_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reprints"
    )
    # The body's MinHash signature (128 little-endian uint32) and its number of word 3-shingles,
    # kept so that later articles compare with it without re-reading the body.
    body_signature = models.BinaryField(null=True, blank=True, editable=False)
    body_shingles = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    # When its claims were last matched with earlier claims; empty while that waits for a worker
    # (claims/services/matching.py), so a lost job is found and queued again.
    matched_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            # NULL urls never collide; present ones identify the article.
            models.UniqueConstraint(
                fields=["url"], condition=Q(url__isnull=False), name="article_url_unique"
            ),
        ]
        indexes = [
            # The API's and admin's newest-first article lists.
            models.Index(fields=["-published_at", "-id"], name="article_published_idx"),
            # Matching still to do: a handful of rows however many articles there are.
            models.Index(
                fields=["id"],
                condition=Q(matched_at__isnull=True),
                name="article_match_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Actor(models.Model):
    """A person or organisation that claims are attributed to."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"
        GROUP = "group", "Group of people"  # "one woman", "residents", "reports from Almaty"

    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERSON)
    # Other names seen for the same actor ("Tokayev", "the president"), matched on import.
    aliases = models.JSONField(default=list, blank=True)
    # The role an editor has confirmed; roles in articles that differ from it are flagged.
    known_role = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="actor_name_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Figure(models.Model):
    """One measured quantity (a death toll, an arrest count) reported by many claims over time."""

    class Kind(models.TextChoices):
        CASUALTY = "casualty", "Casualty count"
        ARREST = "arrest", "Arrest count"

    label = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    outcome = models.CharField(max_length=20)
    subject_kind = models.CharField(max_length=100, blank=True, help_text='e.g. "protesters"')
    place = models.CharField(max_length=200, blank=True)
    event = models.CharField(max_length=300, blank=True, help_text="An editor-named event")
    date_start = models.DateField(null=True, blank=True)
    date_end = models.DateField(null=True, blank=True)
    # Editors renamed, merged or split this figure: automatic grouping leaves it alone.
    edited_by_editor = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            # Grouping on import looks figures up by what they measure.
            models.Index(fields=["kind", "outcome", "place"], name="figure_lookup_idx"),
        ]

    def __str__(self) -> str:
        return self.label


# Below this confidence the review UI marks a claim as low confidence (it is still listed): its
# rule's claims were right as shown less than 7 times in 10 (claims/extraction/confidence.py).
LOW_CONFIDENCE = 0.7


class ClaimQuerySet(models.QuerySet):
    def with_related(self) -> ClaimQuerySet:
        return self.select_related("article", "article__outlet", "speaker")

    def current(self) -> ClaimQuerySet:
        """Claims still present in their article's latest text."""
        return self.filter(in_article=True)

    def pending(self) -> ClaimQuerySet:
        return self.filter(status=Claim.Status.UNREVIEWED)

    def reviewed(self) -> ClaimQuerySet:
        return self.exclude(status=Claim.Status.UNREVIEWED)

    def hedged(self) -> ClaimQuerySet:
        return self.filter(is_hedged=True)

    def figures(self) -> ClaimQuerySet:
        return self.filter(kind__in=[Claim.Kind.CASUALTY, Claim.Kind.ARREST])

    def seen_before(self, seen: bool = True) -> ClaimQuerySet:
        """Claims with a match (same or similar) to a claim of another article, either way round."""
        matched = matched_q()
        return self.filter(matched if seen else ~matched)

    def checked_elsewhere(self) -> ClaimQuerySet:
        """Claims matching a claim of another article that has a published verdict."""
        return self.filter(id__in=matched_ids(with_verdict=True))

    def same_as(self, claim_id: int) -> ClaimQuerySet:
        """The claims matched `same` with claim `claim_id`, either way round."""
        same = ClaimMatch.objects.filter(relation=ClaimMatch.Relation.SAME).order_by()
        # One IN over a UNION: PostgreSQL joins the few ids to the primary key, where an OR of
        # two INs would be checked against every claim.
        ids = same.filter(earlier_id=claim_id).values("claim_id")
        return self.filter(id__in=ids.union(same.filter(claim_id=claim_id).values("earlier_id")))

    def with_checked_elsewhere(self) -> ClaimQuerySet:
        """Annotate `checked_elsewhere`: the id of a matched claim with a verdict, or None.

        Two scalar subqueries on the match indexes, run for the page's rows only. (As EXISTS,
        PostgreSQL planned them for the whole table, not the page of 50, and hashed every match
        with a verdict on every page view.)
        """
        later, earlier = _matches_with_verdict()
        return self.annotate(
            checked_elsewhere=Coalesce(
                models.Subquery(later.filter(claim_id=OuterRef("pk")).values("earlier_id")[:1]),
                models.Subquery(earlier.filter(earlier_id=OuterRef("pk")).values("claim_id")[:1]),
            )
        )


def _matches_with_verdict() -> tuple[QuerySet, QuerySet]:
    """Matches whose earlier claim has a published verdict, and those whose later claim has."""
    matches = ClaimMatch.objects.order_by()
    # `status IN (the four verdicts)`, not `status <> unreviewed`: PostgreSQL reads the reviewed
    # claims' ids from the (status, id) index instead of scanning every claim.
    verdicts = [s for s in Claim.Status.values if s != Claim.Status.UNREVIEWED]
    return (
        matches.filter(earlier__status__in=verdicts),
        matches.filter(claim__status__in=verdicts),
    )


def matched_ids(*, with_verdict: bool = False) -> QuerySet:
    """The ids of claims with a match (to a claim with a verdict), as one UNION for `id__in`."""
    matches = ClaimMatch.objects.order_by()
    later, earlier = _matches_with_verdict() if with_verdict else (matches, matches)
    return later.values("claim_id").union(earlier.values("earlier_id"), all=True)


def matched_q() -> Q:
    """Claims with a match, either way round: two EXISTS on the match indexes (the API's
    `seen_before`: a page walks the claims newest first and stops when it is full)."""
    later = ClaimMatch.objects.filter(claim_id=OuterRef("pk"))
    earlier = ClaimMatch.objects.filter(earlier_id=OuterRef("pk"))
    return Q(Exists(later)) | Q(Exists(earlier))


class Claim(models.Model):
    """A checkable statement found in an article: a figure or an attribution."""

    class Kind(models.TextChoices):
        CASUALTY = "casualty", "Casualty figure"
        ARREST = "arrest", "Arrest figure"
        ATTRIBUTION = "attribution", "Attribution"

    class Qualifier(models.TextChoices):
        EXACT = "exact", "exactly"
        MORE_THAN = "more_than", "more than"
        AT_LEAST = "at_least", "at least"
        ABOUT = "about", "about"
        UP_TO = "up_to", "up to"
        FEWER_THAN = "fewer_than", "fewer than"
        RANGE = "range", "between"

    class Outcome(models.TextChoices):
        KILLED = "killed", "killed"
        INJURED = "injured", "injured"
        MISSING = "missing", "missing"
        ARRESTED = "arrested", "arrested"
        DETAINED = "detained", "detained"

    class Status(models.TextChoices):
        UNREVIEWED = "unreviewed", "Unreviewed"
        VERIFIED = "verified", "Verified"
        UNVERIFIED = "unverified", "Unverified"
        DISPUTED = "disputed", "Disputed"
        FALSE = "false", "False"

    # One-line definitions shown in the review UI, the API docs and the README.
    STATUS_DEFINITIONS = {
        Status.UNREVIEWED: "No editor has looked at this claim yet.",
        Status.VERIFIED: "Checked and confirmed by independent evidence.",
        Status.UNVERIFIED: "Checked, but it could not be confirmed either way.",
        Status.DISPUTED: "Credible sources conflict about it.",
        Status.FALSE: "Evidence contradicts it.",
    }

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="claims")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sentence = models.TextField()
    # Character span of the sentence in article.body, for highlighting.
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    # Figures (casualty, arrest). value_high NULL means open-ended ("more than 3,800").
    value_low = models.BigIntegerField(null=True, blank=True)
    value_high = models.BigIntegerField(null=True, blank=True)
    qualifier = models.CharField(max_length=20, choices=Qualifier.choices, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    subject = models.CharField(max_length=300, blank=True, help_text="Who the figure is about")
    agent = models.CharField(max_length=300, blank=True, help_text="Who did it")

    # Every kind: who says so, as resolved to an actor and as the text words it.
    speaker = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="claims"
    )
    speaker_text = models.CharField(max_length=300, blank=True)
    speaker_role = models.CharField(max_length=300, blank=True)

    # Attributions: what was said, and whether it was a direct quotation.
    content = models.TextField(blank=True)
    direct = models.BooleanField(null=True, blank=True)

    hedges = models.JSONField(default=list, blank=True)
    # Kept beside `hedges` because "hedged" is a filter on every list and JSON emptiness cannot
    # use an index on both SQLite and PostgreSQL. Written together with `hedges`.
    is_hedged = models.BooleanField(default=False)

    extractor_version = models.CharField(max_length=40, blank=True)
    # Which extraction rule found the claim ("report", "verb-object", ...) and how often that
    # rule's claims were right on annotated articles (claims/extraction/confidence.py). Editors
    # sort and flag by it; it never hides a claim. Claims extracted before there were rules
    # have no rule and their kind's share (migration 0006). The database defaults serve bulk
    # loaders that leave the columns out.
    rule = models.CharField(max_length=40, blank=True, default="", db_default="")
    confidence = models.FloatField(default=1.0, db_default=1.0)
    # Stable identity within the article so re-imports update rather than duplicate.
    fingerprint = models.CharField(max_length=64)
    # False once a re-imported version of the article no longer contains the claim. Reviewed
    # claims are kept that way instead of being deleted.
    in_article = models.BooleanField(default=True)

    figure = models.ForeignKey(
        Figure, null=True, blank=True, on_delete=models.SET_NULL, related_name="claims"
    )

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNREVIEWED)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every review; a review carrying an older version is refused (lost-update guard).
    version = models.PositiveIntegerField(default=1)
    # Sign-off (CLAIMDESK_SIGNOFF=required): a proposed verdict waits here, with `status` still the
    # last confirmed one, until a second editor confirms or returns it (claims.services.review).
    # Blank means nothing awaits sign-off.
    # db_default too: rows written with COPY (api_bench_fill) name only the columns they fill.
    proposed_status = models.CharField(
        max_length=20, choices=Status.choices, blank=True, default="", db_default=""
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    # The editor who holds the claim (assignment); null is unassigned.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_claims",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        permissions = [("review_claim", "Can review claims (change their status)")]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "fingerprint"], name="claim_fingerprint_unique_in_article"
            ),
            models.CheckConstraint(
                condition=Q(value_low__isnull=True)
                | Q(value_high__isnull=True)
                | Q(value_low__lte=models.F("value_high")),
                name="claim_value_low_lte_high",
            ),
            models.CheckConstraint(
                condition=Q(value_low__isnull=True) | Q(value_low__gte=0),
                name="claim_value_low_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="claim_span_order"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["casualty", "arrest", "attribution"]), name="claim_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["unreviewed", "verified", "unverified", "disputed", "false"]
                ),
                name="claim_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind="attribution") | Q(value_low__isnull=False),
                name="claim_figure_has_value",
            ),
        ]
        indexes = [
            # The review queue and the API filtered by status, newest first / by cursor on id.
            models.Index(fields=["status", "-id"], name="claim_status_id_idx"),
            # Filter by kind (queue, API) with the same ordering.
            models.Index(fields=["kind", "-id"], name="claim_kind_id_idx"),
            # The API's updated_since filter and the admin's date hierarchy.
            models.Index(fields=["updated_at"], name="claim_updated_at_idx"),
            # Hedged filter in the queue and API.
            models.Index(fields=["is_hedged", "-id"], name="claim_hedged_id_idx"),
            # The queue filtered by kind (and hedged) within a status, and its capped count:
            # without it SQLite walks every claim of the status (70% of them) to find a few.
            models.Index(
                fields=["status", "kind", "is_hedged", "-id"], name="claim_queue_kind_idx"
            ),
            # The queue sorted least confident first within a status.
            models.Index(fields=["status", "confidence", "-id"], name="claim_status_conf_idx"),
            # Repeated figures: earlier claims with the same kind, outcome and value.
            models.Index(fields=["kind", "outcome", "value_low"], name="claim_figure_value_idx"),
            # Repeated claims: a speaker's and a value's latest claims, newest first, as one
            # index range each (claims/services/matching.py).
            models.Index(fields=["speaker", "-id"], name="claim_speaker_id_idx"),
            models.Index(
                fields=["value_low", "-id"],
                name="claim_value_id_idx",
                condition=Q(value_low__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.sentence[:80]}"

    @property
    def figure_display(self) -> str:
        """The figure as an editor reads it: "more than 3,800", "10–20", "26"."""
        if self.value_low is None:
            return ""
        low = f"{self.value_low:,}"
        if self.qualifier == self.Qualifier.RANGE and self.value_high is not None:
            return f"{low}–{self.value_high:,}"
        if self.qualifier and self.qualifier != self.Qualifier.EXACT:
            return f"{self.get_qualifier_display()} {low}"
        return low

    @property
    def low_confidence(self) -> bool:
        """Whether the review UI marks the claim (see LOW_CONFIDENCE)."""
        return self.confidence < LOW_CONFIDENCE

    @property
    def status_definition(self) -> str:
        return self.STATUS_DEFINITIONS[self.Status(self.status)]


class Evidence(models.Model):
    """A source an editor cites for or against a claim."""

    class Stance(models.TextChoices):
        SUPPORTS = "supports", "Supports"
        REFUTES = "refutes", "Refutes"
        CONTEXT = "context", "Context"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    url = models.URLField(max_length=2000)
    title = models.CharField(max_length=500, blank=True)
    stance = models.CharField(max_length=20, choices=Stance.choices, default=Stance.SUPPORTS)
    note = models.TextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "evidence"

    def __str__(self) -> str:
        return self.title or self.url


class AppendOnlyError(Exception):
    """Raised on any attempt to update or delete an audit row."""


class StatusChangeQuerySet(models.QuerySet):
    def published(self) -> StatusChangeQuerySet:
        """Changes of the published status: not proposals or returns awaiting sign-off."""
        return self.filter(kind__in=StatusChange.PUBLISHED_KINDS)

    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("Status changes are append-only; they cannot be updated.")

    def delete(self):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("Status changes are append-only; they cannot be deleted.")


class StatusChange(models.Model):
    """Append-only audit trail: one row per status change, written by claim_review."""

    class Kind(models.TextChoices):
        CHANGE = "change", "Changed"
        PROPOSAL = "proposal", "Proposed"
        CONFIRMATION = "confirmation", "Confirmed"
        RETURN = "return", "Returned"

    # The kinds that changed the published status (the change feed, Atom, ClaimReview).
    PUBLISHED_KINDS = (Kind.CHANGE, Kind.CONFIRMATION)

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Claim.Status.choices)
    to_status = models.CharField(max_length=20, choices=Claim.Status.choices)
    note = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The claim's version after this change.
    claim_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    # What the row records (sign-off, CLAIMDESK_SIGNOFF=required): a change applied at once, a
    # proposed verdict (`to_status` is the proposal, the claim's status is unchanged), its
    # confirmation by a second editor (the status changes), or its return with a note.
    kind = models.CharField(
        max_length=20, choices=Kind.choices, default=Kind.CHANGE, db_default=Kind.CHANGE
    )

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            # The claim page's history, oldest first.
            models.Index(fields=["claim", "id"], name="statuschange_claim_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.from_status} → {self.to_status}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Status changes are append-only; they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("Status changes are append-only; they cannot be deleted.")


# --- ingest: feeds and import jobs ---------------------------------------------------------------


class Feed(models.Model):
    """An outlet's RSS or Atom feed, polled on a schedule; each new entry becomes an import job."""

    url = models.URLField(max_length=2000, unique=True)
    outlet = models.ForeignKey(Outlet, on_delete=models.PROTECT, related_name="feeds")
    every_minutes = models.PositiveIntegerField(default=15, help_text="Polling interval")
    active = models.BooleanField(default=True)
    # Conditional GET: the validators of the last answer, sent back on the next poll.
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True, help_text="HTTP status")
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["outlet__name", "url"]
        constraints = [
            models.CheckConstraint(condition=Q(every_minutes__gte=1), name="feed_every_positive")
        ]
        indexes = [
            # The beat's "which feeds are due" query.
            models.Index(fields=["active", "next_poll_at"], name="feed_due_idx"),
        ]

    def __str__(self) -> str:
        return self.url


class FeedEntry(models.Model):
    """An entry seen in a feed: what makes a repeated entry be imported once."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="entries")
    key = models.CharField(max_length=600, help_text="The entry's id, else its link")
    link = models.URLField(max_length=2000, blank=True)
    # Changes when the entry is updated (its date or content): that version is imported again.
    version = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    # When the entry's page was last fetched, for entries whose text is only on the page: a page
    # can change (a toll updated) behind an entry that stays the same, so young entries' pages are
    # fetched again (CLAIMDESK_FEED_RECHECK_*). Null when the feed carries the text.
    page_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "feed entries"
        constraints = [
            models.UniqueConstraint(fields=["feed", "key"], name="feedentry_key_unique_in_feed")
        ]

    def __str__(self) -> str:
        return self.link or self.key


class ImportJobQuerySet(models.QuerySet):
    def active(self) -> ImportJobQuerySet:
        return self.filter(state__in=ImportJob.ACTIVE_STATES)

    def for_list(self) -> ImportJobQuerySet:
        return self.select_related("feed", "article", "submitted_by").defer(
            "record", "article__body"
        )


class ImportJob(models.Model):
    """One article (or one feed poll) on its way in, with its state on the job queue.

    The database, not the broker, is the record: a worker claims a job by moving it to running with
    a lease, and `jobs_reclaim` hands a job whose lease ran out (its worker died) to another.
    """

    class Source(models.TextChoices):
        LINK = "link", "Link"
        TEXT = "text", "Pasted text"
        UPLOAD = "upload", "Upload"
        FEED_ENTRY = "feed_entry", "Feed entry"
        FEED_POLL = "feed_poll", "Feed poll"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        RETRYING = "retrying", "Retrying"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    ACTIVE_STATES = (State.QUEUED, State.RUNNING, State.RETRYING)

    source = models.CharField(max_length=20, choices=Source.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    # What an editor recognises: "report.jsonl:3", a link, a feed's URL.
    origin = models.CharField(max_length=500)
    # Links and feed entries: the page to fetch.
    url = models.URLField(max_length=2000, blank=True)
    # Pasted text, uploads and feed entries with full content: the article record itself, stored
    # here so that a worker on any machine can run the job.
    record = models.JSONField(null=True, blank=True)
    feed = models.ForeignKey(
        Feed, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    outlet_name = models.CharField(max_length=200, blank=True, help_text="Outlet to credit")
    # Jobs submitted together (one form, one `feeds poll`): the page that follows them.
    batch = models.CharField(max_length=32, blank=True)

    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_jobs"
    )
    outcome = models.CharField(max_length=20, blank=True, help_text="created, updated, unchanged")
    claims_added = models.PositiveIntegerField(default=0)
    # Feed polls: how many new or updated entries they queued.
    entries_queued = models.PositiveIntegerField(default=0)

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["queued", "running", "retrying", "done", "failed"]),
                name="importjob_state_valid",
            ),
        ]
        indexes = [
            # jobs_reclaim: running jobs whose lease ran out, queued ones nobody took.
            models.Index(fields=["state", "lease_expires_at"], name="importjob_state_lease_idx"),
            # The Imports page of one submission.
            models.Index(fields=["batch", "-id"], name="importjob_batch_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.origin}"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def can_retry(self) -> bool:
        """Failed with something to run again: input refused at submission has nothing."""
        return self.state == self.State.FAILED and bool(self.record or self.url or self.feed_id)

    @property
    def duration(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


# --- the desk: assignment ------------------------------------------------------------------------


class AssignmentChange(models.Model):
    """Append-only audit trail of who holds a claim: one row per change, written by claim_assign."""

    # CASCADE, unlike StatusChange: a re-import deletes only unreviewed claims without evidence
    # or history, and an assignment alone must not make such a claim undeletable.
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="assignment_changes")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            # The claim page's assignment history, oldest first.
            models.Index(fields=["claim", "id"], name="assignchange_claim_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.from_user_id} → {self.to_user_id}"


# --- webhooks ------------------------------------------------------------------------------------


class WebhookSubscription(models.Model):
    """A newsroom system (a CMS, a chat bot, a partner) that wants some events POSTed to it."""

    class Event(models.TextChoices):
        STATUS = "claim.status", "A published status changed (applied, or confirmed at sign-off)"
        CLAIM_NEW = "claim.new", "A new claim was found in an article"
        FIGURE_CONFLICT = "figure.conflict", "A figure has a new conflicting report"
        JOB_FAILED = "job.failed", "An import job failed"

    url = models.URLField(max_length=2000)
    # The HMAC-SHA256 key of X-ClaimDesk-Signature, shared with the receiver; in the admin only
    # for those who manage subscriptions (Desk chiefs).
    secret = models.CharField(max_length=200)
    # The Event values wanted; empty means every event.
    events = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events


class WebhookDelivery(models.Model):
    """One event POSTed (or to be POSTed) to one subscription: the record editors see and resend."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40, choices=WebhookSubscription.Event.choices)
    # Deliveries about one claim go out in order, per subscription (claims.services.webhooks).
    # A plain id, not a foreign key: the log outlives a claim a re-import deletes, and deleting
    # claims costs no extra query.
    claim_id = models.PositiveBigIntegerField(null=True, blank=True)
    delivery_id = models.UUIDField(unique=True, editable=False)
    # The exact body sent (and signed) on every attempt, resends included.
    body = models.TextField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # While `sending`: when another worker may take it over (its sender died).
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # How long the last attempt took, in milliseconds.
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            # webhooks_send_due: pending deliveries whose next attempt is due.
            models.Index(fields=["state", "next_attempt_at"], name="webhookdelivery_due_idx"),
            # The in-order check: an earlier undelivered delivery for the same claim.
            models.Index(
                fields=["subscription", "claim_id", "id"], name="webhookdelivery_order_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.state})"


# --- repeated claims ---------------------------------------------------------------------------


class ArticleBand(models.Model):
    """One LSH band of an article body's MinHash: articles sharing a band are reprint candidates."""

    # No index of its own: the unique constraint's (article, key) serves "an article's bands".
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="bands", db_index=False
    )
    key = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="articleband_unique"),
        ]
        indexes = [
            # Reprint candidates: the earliest articles with each of a new body's 32 band keys,
            # a LIMITed range per key however many copies of a story share it.
            models.Index(fields=["key", "article"], name="articleband_key_article_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}:{self.key}"


class ClaimMatchQuerySet(models.QuerySet):
    def involving(self, claim_id: int) -> ClaimMatchQuerySet:
        """Matches in either direction: a claim matches earlier claims and is matched by later."""
        return self.filter(Q(claim_id=claim_id) | Q(earlier_id=claim_id))

    def of_claim(self, claim_id: int) -> QuerySet:
        """A claim's matches as rows naming the other claim (`other_id`, `other_status`: its
        published status), in one query joining both sides."""
        mine = Q(claim_id=claim_id)
        return (
            self.involving(claim_id)
            .annotate(
                other_id=models.Case(
                    models.When(mine, then=models.F("earlier_id")), default=models.F("claim_id")
                ),
                other_status=models.Case(
                    models.When(mine, then=models.F("earlier__status")),
                    default=models.F("claim__status"),
                ),
            )
            .order_by("-score", "id")
            .values("other_id", "relation", "score", "other_status")
        )


class ClaimMatch(models.Model):
    """A claim that repeats (`same`) or resembles (`similar`) one imported before it."""

    class Relation(models.TextChoices):
        SAME = "same", "Same claim"
        SIMILAR = "similar", "Similar claim"

    # No index of their own: the unique constraint (claim, earlier) serves the claim side and
    # claimmatch_earlier_idx the earlier side. A plain earlier index made the planner read
    # all of a much-matched claim's rows and sort them for its latest 30, and each one costs
    # every insert.
    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="matches", db_index=False
    )
    earlier = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="later_matches", db_index=False
    )
    relation = models.CharField(max_length=10, choices=Relation.choices)
    score = models.FloatField()
    reason = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClaimMatchQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "id"]
        verbose_name_plural = "claim matches"
        constraints = [
            models.UniqueConstraint(fields=["claim", "earlier"], name="claimmatch_unique"),
            models.CheckConstraint(
                condition=~Q(claim=models.F("earlier")), name="claimmatch_not_itself"
            ),
            models.CheckConstraint(
                condition=Q(relation__in=["same", "similar"]), name="claimmatch_relation_valid"
            ),
        ]
        indexes = [
            # A claim's matches in either direction (claim page, API detail, seen_before filter);
            # the unique constraint serves the claim side, this one the earlier side.
            models.Index(fields=["earlier", "relation"], name="claimmatch_earlier_idx"),
            # A claim's latest matches from later claims outside its story, newest first (the
            # repeated-claims lookup of a reprint's original). Partial: the story's own copies
            # are found through the story, and with them in it, an original printed a thousand
            # times had only copies among its latest matches. Copies' rows skip it (cheaper).
            models.Index(
                fields=["earlier", "-id"],
                condition=~Q(reason__in=REPRINT_REASONS),
                name="claimmatch_earlier_outside_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.relation} {self.earlier_id}"
