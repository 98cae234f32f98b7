"""Shared test fixtures: the three personas (editor, viewer, outsider) and small factories.

Feature-specific fixtures live in their own test files.
"""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from claims.models import Actor, Article, Claim, Outlet

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


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
