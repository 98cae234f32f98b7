"""Query counts of the admin changelists not covered beside their feature (claims, articles,
the audit trail, figures and webhook deliveries have theirs in test_admin_review.py,
test_figures_admin.py and test_webhooks.py). Three rows each, so a query per row would show.

Read by a superuser: its permission checks need no query, so each count is the changelist's own.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from claims.models import Actor, Evidence, FeedEntry, ImportJob, Outlet
from claims.services import ingest, webhooks
from claims.services.assignment import claims_assign
from tests.conftest import make_article, make_claim

pytestmark = pytest.mark.django_db
ROWS = 3


@pytest.fixture
def root() -> User:
    return User.objects.create_superuser("root", password="x")


@pytest.fixture
def root_client(root) -> Client:
    client = Client()
    client.force_login(root)
    return client


def _outlets(root: User) -> None:
    for n in range(ROWS):
        Outlet.objects.create(name=f"Outlet {n}")


def _actors(root: User) -> None:
    for n in range(ROWS):
        make_claim(speaker=Actor.objects.create(name=f"Speaker {n}"))


def _evidence(root: User) -> None:
    for n in range(ROWS):
        Evidence.objects.create(claim=make_claim(), url=f"https://e.example/{n}", added_by=root)


def _feeds(root: User) -> None:
    for n in range(ROWS):
        ingest.feed_add(url=f"http://wire{n}.example/rss", outlet_name=f"Wire {n}")


def _feed_entries(root: User) -> None:
    feed = ingest.feed_add(url="http://wire.example/rss", outlet_name="Wire")
    for n in range(ROWS):
        FeedEntry.objects.create(
            feed=feed, key=f"k{n}", link=f"http://wire.example/{n}", version="1"
        )


def _jobs(root: User) -> None:
    feed = ingest.feed_add(url="http://wire.example/rss", outlet_name="Wire")
    article = make_article()
    for n in range(ROWS):
        ImportJob.objects.create(
            source=ImportJob.Source.FEED_ENTRY,
            origin=f"http://wire.example/{n}",
            feed=feed,
            article=article,
            state=ImportJob.State.DONE,
            submitted_by=root,
        )


def _assignments(root: User) -> None:
    claims_assign(claim_ids=[make_claim().pk for _ in range(ROWS)], to=root, by=root)


def _subscriptions(root: User) -> None:
    for n in range(ROWS):
        webhooks.subscription_add(url=f"https://hooks{n}.example/", secret="s" * 16)


# Every list: 1 session, 2 user, then the counts: 3 of the filtered rows and 4 of all of them
# (show_full_result_count is on for these small tables), then the page.
CHANGELISTS: list[tuple[str, Callable[[User], None], int]] = [
    ("outlet", _outlets, 5),  # 5 the page of outlets
    ("actor", _actors, 5),  # 5 the page of actors, each with its claim count (a subquery)
    ("evidence", _evidence, 5),  # 5 the page with claim and editor joined
    # 3 the outlets for the outlet filter (before the counts), 6 the page with outlet joined
    ("feed", _feeds, 6),
    ("feedentry", _feed_entries, 5),  # 5 the page with feed joined
    # 3 the feeds for the feed filter, 6 the page with article and feed joined (without the
    # stored record), 7-8 the date hierarchy (first and last day, then the days)
    ("importjob", _jobs, 8),
    ("assignmentchange", _assignments, 5),  # 5 the page with the three users joined
    ("webhooksubscription", _subscriptions, 5),  # 5 the page of subscriptions
]


@pytest.mark.parametrize(("model", "fill", "queries"), CHANGELISTS, ids=[c[0] for c in CHANGELISTS])
def test_changelist_query_count(root, root_client, django_assert_num_queries, model, fill, queries):
    fill(root)
    with django_assert_num_queries(queries):
        response = root_client.get(reverse(f"admin:claims_{model}_changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= ROWS
