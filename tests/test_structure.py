"""Guards for the "one place for each thing" rules: names stated once still name real things."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from claims import permissions
from claims.extraction import ExtractedClaim
from claims.management.commands.api_bench_fill import _claim_columns
from claims.models import Claim
from claims.schema import CLAIM_EXTRACTED_FIELDS, CLAIM_REVIEW_FIELDS
from claims.services.imports import _claim_values


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
