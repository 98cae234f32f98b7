"""Guards for the "one place for each thing" rules: names stated once still name real things."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from claims import permissions


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [n for n in dir(permissions) if n.endswith("_PERMISSION")],
)
def test_each_permission_constant_names_a_permission_that_exists(name):
    # A typo in the one constant would silently refuse everybody; here it fails.
    app_label, codename = getattr(permissions, name).split(".")
    assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists()
