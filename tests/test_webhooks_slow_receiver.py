"""A slow or dead receiver never slows a review: with a broker and without one.

Causal, not timed: the receiver holds every POST until the test sets `release`, and the test
sets it only once the review's HTTP response has arrived. If the review waited for the
receiver, the response could not arrive first: the request would time out and the test fail.
The receiver records whether it had been released when it answered.

These tests commit (transaction=True): the live server's thread and the worker process read
the deliveries through their own database connections.
"""

from __future__ import annotations

import json
import threading
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rest_framework.authtoken.models import Token

from claims.models import WebhookDelivery
from claims.services import webhooks
from project.celery import app
from tests.conftest import make_claim
from tests.queue import Worker, redis_or_skip, restore_broker, use_broker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "a-long-shared-secret-for-tests"
# Long enough that a review blocked on the receiver would certainly still be blocked.
HOLD_SECONDS = 30


class HeldReceiver:
    """Answers 200 to each POST, but only once `release` is set (or HOLD_SECONDS passed)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.arrived = threading.Event()
        self.answered: list[tuple[dict, bool]] = []  # (body, released when answered)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.arrived.set()
                released = receiver.release.wait(HOLD_SECONDS)
                receiver.answered.append((body, released))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/hook"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def receiver(settings):  # type: ignore[no-untyped-def]
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = True
    settings.CLAIMDESK_WEBHOOK_TIMEOUT = HOLD_SECONDS * 2  # the sender waits for the receiver
    server = HeldReceiver()
    webhooks.subscription_add(url=server.url, secret=SECRET, events=["claim.status"])
    yield server
    server.close()


def review_over_http(base_url: str, token: Token, claim_id: int) -> dict:
    """POST a review as a real HTTP client would, with a time-out shorter than the hold."""
    request = urllib.request.Request(
        f"{base_url}/api/claims/{claim_id}/review/",
        data=json.dumps(
            {"status": "unverified", "note": "No second source", "version": 1}
        ).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token.key}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=HOLD_SECONDS / 2) as response:
        assert response.status == 200
        return json.loads(response.read())


def test_without_a_broker_the_review_answers_before_the_receiver_does(
    settings, live_server, receiver, editor
):
    # Eager mode (no CELERY_BROKER_URL, as in `make demo`): the delivery is sent in the web
    # process, but after the response has been written.
    assert settings.CELERY_TASK_ALWAYS_EAGER
    claim = make_claim()
    token = Token.objects.create(user=editor)

    answer = review_over_http(live_server.url, token, claim.pk)
    assert answer["status"] == "unverified"
    receiver.release.set()  # only now may the receiver answer

    (delivery,) = WebhookDelivery.objects.all()
    wait_for(
        lambda: WebhookDelivery.objects.filter(pk=delivery.pk, state="delivered").exists(),
        timeout=HOLD_SECONDS,
        what="the delivery to be logged as delivered",
    )
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.status_code) == (1, 200)
    ((body, released),) = receiver.answered
    assert released, "the receiver answered before the review's response arrived"
    assert (body["data"]["claim_id"], body["data"]["to_status"]) == (claim.pk, "unverified")


@pytest.mark.slow
def test_with_a_broker_a_worker_sends_while_the_review_has_long_answered(
    settings, live_server, receiver, editor
):
    redis_or_skip()
    queue = f"claimdesk-test-{uuid.uuid4().hex[:10]}"
    saved = use_broker(app, queue)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    worker = Worker(queue).wait_ready()
    try:
        claim = make_claim()
        token = Token.objects.create(user=editor)
        answer = review_over_http(live_server.url, token, claim.pk)
        assert answer["status"] == "unverified"
        # The worker's POST is being held right now, not the review.
        assert receiver.arrived.wait(60), "the worker never sent the delivery"
        receiver.release.set()
        wait_for(
            lambda: WebhookDelivery.objects.filter(state="delivered").exists(),
            timeout=HOLD_SECONDS,
            what="the delivery to be logged as delivered",
        )
    finally:
        worker.stop()
        restore_broker(app, saved, queue)
    (delivery,) = WebhookDelivery.objects.all()
    assert (delivery.attempts, delivery.status_code) == (1, 200)
    ((body, released),) = receiver.answered
    assert released
    assert body["data"]["claim_id"] == claim.pk
