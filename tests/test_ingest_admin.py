"""The admin's feeds and import jobs: editors add feeds, poll them, and retry failed jobs."""

from __future__ import annotations

import pytest

from claims.models import Feed, ImportJob, Outlet
from tests.loopback import LoopbackServer, Reply, article_html

State = ImportJob.State


@pytest.fixture
def server(settings):  # type: ignore[no-untyped-def]
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = True
    with LoopbackServer() as running:
        yield running


def test_an_editor_adds_a_feed_and_polls_it(
    editor_client, server, django_capture_on_commit_callbacks
) -> None:
    outlet = Outlet.objects.create(name="Varna Herald")
    server.routes["/feed"] = Reply(b"<html>not a feed</html>")
    response = editor_client.post(
        "/admin/claims/feed/add/",
        {"url": server.url("/feed"), "outlet": outlet.pk, "every_minutes": 10, "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    feed = Feed.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            "/admin/claims/feed/",
            {"action": "poll_now", "_selected_action": [feed.pk]},
            follow=True,
        )
    assert "1 poll(s) queued." in response.content.decode()
    feed.refresh_from_db()
    assert "not an RSS or Atom feed" in feed.last_error
    listing = editor_client.get("/admin/claims/feed/").content.decode()
    assert "not an RSS or Atom feed" in listing


def test_failed_jobs_are_retried_from_the_admin(
    editor_client, viewer_client, server, django_capture_on_commit_callbacks
) -> None:
    failed = ImportJob.objects.create(
        source=ImportJob.Source.LINK,
        origin="link",
        url=server.url("/a"),
        state=State.FAILED,
        last_error="answered 404",
        attempts=1,
    )
    done = ImportJob.objects.create(source=ImportJob.Source.LINK, origin="x", state=State.DONE)
    server.routes["/a"] = Reply(
        article_html(
            "Varna arrests",
            ["Police in Varna said 14 demonstrators were arrested on Tuesday near the port."],
        )
    )
    page = viewer_client.get("/admin/claims/importjob/")
    assert page.status_code == 200 and "Retry selected" not in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            "/admin/claims/importjob/",
            {"action": "retry", "_selected_action": [failed.pk, done.pk]},
            follow=True,
        )
    assert "1 job(s) queued again; 1 were not failed." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.state, failed.outcome) == (State.DONE, "created")
    detail = editor_client.get(f"/admin/claims/importjob/{failed.pk}/change/")
    assert detail.status_code == 200
