"""Shared test fixtures: the three personas (editor, viewer, outsider) and small factories.

Feature-specific fixtures live in their own test files.
"""

from __future__ import annotations

import importlib
import itertools
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.test import Client
from django.utils import timezone

from claims.models import Actor, Article, Claim, Outlet

PASSWORD = "correct horse battery staple"
CHROMIUM = Path("/usr/bin/chromium")
# Debian's chromium, as the machine allows it: no sandbox (root), no GPU, and none of the
# background connections that a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
_counter = itertools.count(1)

_GROUPS_MIGRATION = importlib.import_module("claims.migrations.0002_editor_viewer_groups")
_INGEST_PERMISSIONS = importlib.import_module("claims.migrations.0005_ingest_permissions")
_DESK_CHIEFS = importlib.import_module("claims.migrations.0009_desk_chiefs_group")


@receiver(post_migrate)
def _recreate_groups_after_flush(sender, **kwargs) -> None:  # type: ignore[no-untyped-def]
    """Put the Editors and Viewers groups back after a `transaction=True` test.

    Such a test ends by emptying every table, and the groups come from a data migration that
    does not run again: every later test in the same worker that asks for an editor would fail
    with Group.DoesNotExist. The flush sends post_migrate (after auth has recreated the
    permissions), so the groups are rebuilt here the way migration 0002 builds them.
    """
    if sender.label != "claims":
        return
    permissions = Permission.objects.filter(content_type__app_label="claims")
    viewers, _ = Group.objects.get_or_create(name="Viewers")
    view = _GROUPS_MIGRATION.VIEW + _INGEST_PERMISSIONS.VIEW
    edit = _GROUPS_MIGRATION.EDIT + _INGEST_PERMISSIONS.EDIT
    viewers.permissions.set(permissions.filter(codename__in=view))
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(
        permissions.filter(codename__in=view + edit + _DESK_CHIEFS.EDITORS_EXTRA)
    )
    chiefs, _ = Group.objects.get_or_create(name="Desk chiefs")
    chief = view + edit + _DESK_CHIEFS.EDITORS_EXTRA + _DESK_CHIEFS.CHIEFS_EXTRA
    chiefs.permissions.set(permissions.filter(codename__in=chief))


def make_user(username: str, *groups: str, is_staff: bool = False) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=is_staff)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def editor(db) -> User:
    """May review claims, in the review UI, the admin and the API."""
    return make_user("eddie", "Editors", is_staff=True)


@pytest.fixture
def second_editor(db) -> User:
    return make_user("erin", "Editors", is_staff=True)


@pytest.fixture
def chief(db) -> User:
    """A desk chief: an editor who also manages webhook subscriptions."""
    return make_user("chris", "Desk chiefs", is_staff=True)


@pytest.fixture
def viewer(db) -> User:
    """May read everything, change nothing."""
    return make_user("vera", "Viewers", is_staff=True)


@pytest.fixture
def outsider(db) -> User:
    """Signed in, but in no group."""
    return make_user("oscar")


@pytest.fixture
def editor_client(editor) -> Client:
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def viewer_client(viewer) -> Client:
    client = Client()
    client.force_login(viewer)
    return client


@pytest.fixture
def outsider_client(outsider) -> Client:
    client = Client()
    client.force_login(outsider)
    return client


def make_article(**fields) -> Article:
    n = next(_counter)
    body = fields.pop("body", f"Police said 12 protesters were arrested in the capital on day {n}.")
    defaults = {
        "source_key": f"test:{n}",
        "title": f"Test article {n}",
        "body": body,
        "content_hash": f"{n:064d}",
        "matched_at": timezone.now(),  # its repeated claims were looked for, as on import
    }
    defaults.update(fields)
    return Article.objects.create(**defaults)


def make_claim(article: Article | None = None, **fields) -> Claim:
    article = article or make_article()
    n = next(_counter)
    sentence = fields.pop("sentence", article.body)
    start = article.body.find(sentence)
    defaults = {
        "article": article,
        "kind": Claim.Kind.ARREST,
        "sentence": sentence,
        "start": max(start, 0),
        "end": max(start, 0) + len(sentence),
        "value_low": 12,
        "value_high": 12,
        "qualifier": Claim.Qualifier.EXACT,
        "outcome": Claim.Outcome.ARRESTED,
        "subject": "protesters",
        "speaker_text": "Police",
        "fingerprint": f"fp-{n}",
    }
    defaults.update(fields)
    return Claim.objects.create(**defaults)


@pytest.fixture
def outlet(db) -> Outlet:
    return Outlet.objects.create(name="Daily Ledger", url="https://ledger.example")


@pytest.fixture
def actor(db) -> Actor:
    return Actor.objects.create(
        name="Maria Okafor", aliases=["Okafor"], known_role="police spokeswoman"
    )


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """Headless Debian chromium driven by Playwright, one per test module; skips without it."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # The sync Playwright API runs an event loop in this thread; Django's ORM (used by the tests
    # to set up data and check results) refuses to run beside one unless told it is safe. Set
    # only while the browser runs, so it never leaks into other tests' subprocesses
    # (`check --deploy` warns about it).
    with pytest.MonkeyPatch.context() as patch, sync_api.sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
