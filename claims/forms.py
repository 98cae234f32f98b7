"""Forms for the review UI: the queue's filters, the decision, and evidence."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.template.defaultfilters import filesizeformat

from claims.models import Claim, Evidence, Outlet, matched_ids

ANY = "any"


class QueueFilterForm(forms.Form):
    """The queue's filters and ordering, read from the query string.

    Invalid values are dropped rather than failing the page: a stale bookmark should still open
    the queue. `params()` gives back only the non-default values, which every link on the
    queue and claim pages carries so the editor's queue survives navigation and decisions.
    """

    ORDERS = {
        # name: (label, ordering, the fields of that ordering used for "next"/"previous")
        "newest": ("Newest first", ("-id",)),
        "oldest": ("Oldest first", ("id",)),
        # One article at a time, newest import first, claims in reading order.
        "article": ("By article", ("-article_id", "start", "id")),
        # The claims extraction is least sure of first (claim_status_conf_idx).
        "confidence": ("Least confident first", ("confidence", "-id")),
    }
    DEFAULTS = {
        "status": Claim.Status.UNREVIEWED,
        "order": "newest",
        "hedged": ANY,
        "holder": ANY,
        "seen": ANY,
    }

    status = forms.ChoiceField(choices=[(ANY, "Any status"), *Claim.Status.choices], required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Claim.Kind.choices], required=False)
    # An IntegerField with a Select widget rather than a ModelChoiceField: validating a choice
    # would cost a query on every claim page, which only carries the value through its links.
    outlet = forms.IntegerField(required=False, min_value=1, widget=forms.Select)
    article = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    hedged = forms.ChoiceField(
        choices=[(ANY, "Hedged or not"), ("yes", "Hedged only"), ("no", "Not hedged")],
        required=False,
    )
    order = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in ORDERS.items()], required=False
    )
    # Assignment: "mine" is the signed-in editor's claims (the view passes `user`).
    holder = forms.ChoiceField(
        choices=[(ANY, "Anyone’s"), ("mine", "Mine"), ("unassigned", "Unassigned")],
        required=False,
    )

    # Repeated claims: "checked" is a claim matching a claim of another article that has a
    # published verdict, so its check may be one click ("Apply this verdict").
    seen = forms.ChoiceField(
        choices=[
            (ANY, "Seen before or not"),
            ("checked", "Already checked elsewhere"),
            ("seen", "Seen before"),
        ],
        required=False,
    )

    def __init__(self, data, *, outlets: list[Outlet] = (), user=None) -> None:  # type: ignore[no-untyped-def]
        self.user = user
        given = {key: data.get(key) for key in self.base_fields if data.get(key)}
        self._setup({**self.DEFAULTS, **given}, outlets)
        if not self.is_valid():
            # Drop the invalid values (see the class docstring) and validate what is left.
            bad = set(self.errors)
            self._setup({k: v for k, v in self.data.items() if k not in bad}, outlets)
            self.is_valid()

    def _setup(self, data: dict, outlets: list[Outlet]) -> None:
        super().__init__({**self.DEFAULTS, **data})
        self.fields["outlet"].widget.choices = [("", "Any outlet")] + [
            (o.pk, o.name) for o in outlets
        ]

    @property
    def values(self) -> dict:
        return {**self.DEFAULTS, **{k: v for k, v in self.cleaned_data.items() if v}}

    def params(self) -> dict[str, str]:
        """The non-default filter values, for query strings."""
        values = self.values
        return {
            name: str(values[name])
            for name in self.fields
            if values.get(name) not in (None, "") and self.DEFAULTS.get(name) != values[name]
        }

    def querystring(self) -> str:
        params = self.params()
        return f"?{urlencode(params)}" if params else ""

    @property
    def ordering(self) -> tuple[str, ...]:
        return self.ORDERS[self.values["order"]][1]

    def filter(self, queryset):  # type: ignore[no-untyped-def]
        v = self.values
        if v["status"] != ANY:
            queryset = queryset.filter(status=v["status"])
        if v.get("kind"):
            queryset = queryset.filter(kind=v["kind"])
        if v.get("outlet"):
            queryset = queryset.filter(article__outlet_id=v["outlet"])
        if v.get("article"):
            queryset = queryset.filter(article_id=v["article"])
        if v["hedged"] == "yes":
            queryset = queryset.filter(is_hedged=True)
        elif v["hedged"] == "no":
            queryset = queryset.filter(is_hedged=False)
        if v["holder"] == "mine":
            # On the assigned_to foreign key's index.
            queryset = queryset.filter(assigned_to_id=getattr(self.user, "pk", None))
        elif v["holder"] == "unassigned":
            queryset = queryset.filter(assigned_to__isnull=True)
        if v["seen"] in ("checked", "seen"):
            queryset = queryset.filter(id__in=matched_ids(with_verdict=v["seen"] == "checked"))
        return queryset.order_by(*self.ordering)

    def after(self, claim: Claim, *, backwards: bool = False) -> Q:
        """Claims that come after `claim` in this ordering (before it, `backwards`): a keyset
        condition, so finding the neighbour is one indexed query however long the queue is."""
        condition = Q()
        equal = Q()
        for field in self.ordering:
            name = field.lstrip("-")
            descending = field.startswith("-") != backwards
            value = getattr(claim, name)
            lookup = "lt" if descending else "gt"
            condition |= equal & Q(**{f"{name}__{lookup}": value})
            equal &= Q(**{name: value})
        return condition

    def reversed_ordering(self) -> tuple[str, ...]:
        return tuple(f[1:] if f.startswith("-") else f"-{f}" for f in self.ordering)


class DecisionForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s, label) for s, label in Claim.Status.choices if s != Claim.Status.UNREVIEWED],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a status: verified, unverified, disputed or false."},
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What is this decision based on?"}),
        help_text="Verified and False need a note or an evidence link.",
    )
    evidence_url = forms.URLField(
        required=False,
        max_length=2000,
        label="Evidence link",
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://…"}),
    )
    evidence_stance = forms.ChoiceField(
        choices=Evidence.Stance.choices,
        initial=Evidence.Stance.SUPPORTS,
        required=False,
        label="Stance",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def evidence(self) -> list[dict[str, str]]:
        url = self.cleaned_data.get("evidence_url")
        if not url:
            return []
        stance = self.cleaned_data.get("evidence_stance") or Evidence.Stance.SUPPORTS
        return [{"url": url, "stance": stance}]


class EvidenceForm(forms.Form):
    url = forms.URLField(
        max_length=2000,
        label="Link",
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://…"}),
    )
    title = forms.CharField(max_length=500, required=False)
    stance = forms.ChoiceField(choices=Evidence.Stance.choices, initial=Evidence.Stance.SUPPORTS)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        # Its own ids: the decision form on the same page also has a "note".
        kwargs.setdefault("auto_id", "evidence_%s")
        super().__init__(*args, **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input type=file multiple> (Django's documented pattern)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".txt,.text,.html,.htm,.jsonl"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class AddArticlesForm(forms.Form):
    """Links, one pasted article, or files: any mix, each becomes an import job."""

    links = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://… (one link a line)"}),
        help_text="One link a line; each page is fetched and read by a worker.",
    )
    title = forms.CharField(required=False, max_length=500)
    body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 8}), label="Text")
    url = forms.URLField(
        required=False, max_length=2000, label="Link of the pasted article", assume_scheme="https"
    )
    published = forms.CharField(required=False, max_length=60, help_text="e.g. 2024-03-05")
    files = MultipleFileField(required=False, help_text=".txt, .html or .jsonl; several at once")
    outlet = forms.CharField(required=False, max_length=200, help_text="Credited to this outlet")

    MAX_LINKS = 50
    # A .jsonl upload may hold many articles; past this size it belongs to `import_articles`.
    MAX_UPLOAD_BYTES = 50 * 1024 * 1024

    def clean_files(self) -> list:
        files = self.cleaned_data["files"]
        for upload in files:
            if upload.size > self.MAX_UPLOAD_BYTES:
                raise forms.ValidationError(
                    f"{upload.name} is {filesizeformat(upload.size)}, over the upload limit of "
                    f"{filesizeformat(self.MAX_UPLOAD_BYTES)}; import it with manage.py "
                    "import_articles."
                )
        return files

    def clean_links(self) -> list[str]:
        links = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        if len(links) > self.MAX_LINKS:
            raise forms.ValidationError(f"At most {self.MAX_LINKS} links at a time.")
        return links

    def clean(self) -> dict:
        data = super().clean()
        if data.get("body") and not (data.get("title") or "").strip():
            self.add_error("title", "A pasted article needs its headline.")
        if data.get("title") and not (data.get("body") or "").strip():
            self.add_error("body", "Paste the article's text under its headline.")
        if not (data.get("links") or data.get("body") or data.get("files") or self.errors):
            raise forms.ValidationError("Give a link, paste an article, or choose files.")
        return data


class SignoffForm(forms.Form):
    """Confirm or return a proposed verdict (CLAIMDESK_SIGNOFF=required)."""

    action = forms.ChoiceField(choices=[("confirm", "Confirm"), ("return", "Return")])
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Why (needed to return it)"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ApplyVerdictForm(forms.Form):
    """ "Apply this verdict": the matching claim whose verdict to copy, and the version seen."""

    source = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ApplyToMatchesForm(forms.Form):
    """ "Apply to N matching claims": the claim's version and each match as "id:version" seen."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    match = forms.CharField(required=False)

    def __init__(self, data, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(data, *args, **kwargs)
        self.matches = [item for item in data.getlist("match") if item] if data else []

    def clean(self) -> dict:
        data = super().clean()
        versions: dict[int, int] = {}
        for item in self.matches:
            # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
            if not re.fullmatch(r"[0-9]{1,19}:[0-9]{1,19}", item):
                raise forms.ValidationError("The list of matching claims was garbled; reload.")
            claim_id, version = item.split(":")
            versions[int(claim_id)] = int(version)
        if not versions:
            raise forms.ValidationError("No matching claims were chosen.")
        data["versions"] = versions
        return data
