"""Guards for the "one place for each thing" rules: names stated once still name real things."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import django
import pytest
from django.contrib.auth.models import Permission
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, LessThan
from rest_framework import serializers

from claims import permissions
from claims.api import pagination
from claims.api.pagination import PageQuerySet
from claims.api.serializers import ClaimDetailSerializer, ClaimSerializer
from claims.extraction import ExtractedClaim
from claims.management.commands.api_bench_fill import _claim_columns
from claims.models import Claim
from claims.schema import CLAIM_EXTRACTED_FIELDS, CLAIM_REVIEW_FIELDS
from claims.services import claim_review
from claims.services.claim_sync import _claim_values
from tests.conftest import make_article, make_claim

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [n for n in dir(permissions) if n.endswith("_PERMISSION")],
)
def test_each_permission_constant_names_a_permission_that_exists(name):
    # A typo in the one constant would silently refuse everybody; here it fails.
    app_label, codename = getattr(permissions, name).split(".")
    assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists()


# Claim columns that are neither extracted nor reviewed: identity, grouping, assignment, times.
_CLAIM_BOOKKEEPING = {
    "id",
    "article",
    "fingerprint",
    "figure",
    "assigned_to",
    "created_at",
    "updated_at",
}


def test_every_claim_column_is_declared_in_the_schema():
    # A new Claim field must be classified in claims.schema, or the import, the API row and
    # the benchmark fill silently leave it out.
    declared = {Claim._meta.get_field(name).name for name in CLAIM_EXTRACTED_FIELDS}
    declared |= set(CLAIM_REVIEW_FIELDS) | _CLAIM_BOOKKEEPING
    assert {f.name for f in Claim._meta.concrete_fields} == declared


def test_the_import_writes_exactly_the_extracted_fields_in_schema_order():
    values = _claim_values(
        ExtractedClaim(kind="casualty", sentence="Two died.", start=0, end=9), None
    )
    assert tuple(values) == CLAIM_EXTRACTED_FIELDS


def test_the_benchmark_fill_writes_every_claim_column_but_the_id():
    assert set(_claim_columns()) == {f.column for f in Claim._meta.concrete_fields} - {
        "id",
        "figure_id",
        "assigned_to_id",
    }


# --- layering: the pure packages import nothing from Django ---------------------------------------

# Every module of the package is imported, so a module added later is checked without a list here.
_LOADED_BY_PACKAGE = """
import importlib, pkgutil, sys
package = importlib.import_module({package!r})
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(info.name)
print(" ".join(sorted({{name.split(".")[0] for name in sys.modules}})))
"""


def _top_level_modules_loaded_by(package: str) -> set[str]:
    code = _LOADED_BY_PACKAGE.format(package=package)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    return set(out.stdout.split())


# claims.extraction has its own test (test_extraction.py).
@pytest.mark.parametrize("package", ["claims.reconcile", "claims.matching", "claims.importers"])
def test_a_pure_package_imports_nothing_from_django(package: str) -> None:
    assert "django" not in _top_level_modules_loaded_by(package)


def test_reconciliation_does_not_load_spacy() -> None:
    # The API and the figure panel analyse figures at read time; they must not pay for the model.
    assert "spacy" not in _top_level_modules_loaded_by("claims.reconcile")


# --- functions fit on a screen (STYLE.md rule 14), or say why they do not ----------------------

LONG_FUNCTION_LINES = 80


def _long_functions_without_a_reason() -> list[str]:
    found = []
    for path in sorted((REPO / "claims").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if (node.end_lineno or node.lineno) - node.lineno + 1 <= LONG_FUNCTION_LINES:
                continue
            # The reason is a comment starting "# Long" right above the def (or its decorators).
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            above = []
            for line in reversed(lines[: first - 1]):
                if not line.strip().startswith("#"):
                    break
                above.append(line.strip())
            if not any(line.startswith("# Long") for line in above):
                found.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name}")
    return found


def test_every_long_function_says_why_it_is_long() -> None:
    assert _long_functions_without_a_reason() == []


# --- claims.api.pagination.PageQuerySet: what it relies on in Django -----------------------------


def test_the_page_cache_is_checked_against_this_django_minor_version():
    # PageQuerySet overrides QuerySet._fetch_all and reads Query internals (see its docstring).
    # A new Django minor version may change either: re-read claims/api/pagination.py, run
    # tests/test_api_claims.py, then raise this along with the pin in pyproject.toml.
    assert django.VERSION[:2] == (5, 2), (
        "re-check claims.api.pagination.PageQuerySet for this Django"
    )


@pytest.mark.django_db
def test_every_evaluation_of_a_values_page_goes_through_fetch_all(monkeypatch):
    seen = []
    monkeypatch.setattr(pagination, "_cached_page", lambda queryset: seen.append(1))
    page = PageQuerySet(Claim).values("id").order_by("-id")
    list(page[:2])
    len(page[:2])
    bool(page[:2])
    # If Django stopped filling _result_cache through _fetch_all, the cache would silently
    # stop serving pages (only the equality test in test_api_claims would notice, by luck).
    assert len(seen) == 3


@pytest.mark.django_db
def test_a_cursor_page_still_has_the_shape_the_cache_reads(monkeypatch):
    claims = [make_claim(status=Claim.Status.VERIFIED) for _ in range(4)]
    page = (
        PageQuerySet(Claim)
        .filter(id__lt=claims[-1].id, status="verified")
        .values("id", "status", "is_hedged")
        .order_by("-id")[:2]
    )
    query = page.query
    for name in ("selected", "values_select", "annotation_select", "low_mark", "high_mark"):
        assert hasattr(query, name), f"Query.{name} is gone"
    assert [isinstance(child, LessThan | Exact) for child in query.where.children] == [True, True]
    assert all(isinstance(child.lhs, Col) for child in query.where.children)
    pagination._PAGE_SQL.clear()
    cached = list(page.all())
    assert len(pagination._PAGE_SQL) == 1
    assert None not in pagination._PAGE_SQL.values()
    monkeypatch.setattr(pagination, "_cached_page", lambda queryset: None)
    assert cached == list(page.all())  # the ORM's rows, converters (SQLite booleans) included
    assert [row["id"] for row in cached] == [claims[2].id, claims[1].id]
    assert {type(row["is_hedged"]) for row in cached} == {bool}


# --- ClaimSerializer.to_representation builds rows by hand: they match the declared fields -------

_TYPES = {
    serializers.IntegerField: int,
    serializers.FloatField: float,
    serializers.BooleanField: bool,
    serializers.CharField: str,
    serializers.DateTimeField: str,
    serializers.ChoiceField: str,
}


def _assert_declared(field: serializers.Field, value: object, where: str) -> None:
    """`value` is what `field` (a declared serializer field) documents, nested fields included."""
    if value is None:
        assert field.allow_null, f"{where} is null but not declared allow_null"
    elif isinstance(field, serializers.ListSerializer):
        assert isinstance(value, list), where
        for n, item in enumerate(value):
            _assert_declared(field.child, item, f"{where}[{n}]")
    elif isinstance(field, serializers.ListField):
        assert isinstance(value, list), where
        assert all(isinstance(item, _TYPES[type(field.child)]) for item in value), where
    elif isinstance(field, serializers.Serializer):
        assert isinstance(value, dict) and set(value) == set(field.fields), where
        for name, child in field.fields.items():
            _assert_declared(child, value[name], f"{where}.{name}")
    else:
        assert isinstance(value, _TYPES[type(field)]), f"{where}: {value!r}"
        if isinstance(field, serializers.ChoiceField):
            blank_ok = field.allow_blank and value == ""
            assert blank_ok or value in field.choices, f"{where}: {value!r}"


@pytest.mark.django_db
def test_the_hand_built_claim_rows_are_what_the_serializers_declare(client, editor, outlet, actor):
    article = make_article(outlet=outlet, url="https://ledger.example/a")
    reviewed = make_claim(article, speaker=actor, hedges=["reportedly"], is_hedged=True)
    claim_review(claim=reviewed, status="verified", by=editor, note="Hospital list")
    make_claim(make_article(), kind=Claim.Kind.ATTRIBUTION, value_low=None, value_high=None)

    listed = client.get("/api/claims/").json()["results"]
    detail = client.get(f"/api/claims/{reviewed.id}/").json()

    assert len(listed) == 2
    for item in listed:
        _assert_declared(ClaimSerializer(), item, f"claim {item['id']}")
    _assert_declared(ClaimDetailSerializer(), detail, "detail")
