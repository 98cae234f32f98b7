"""Webhooks: signed POSTs after commit, retried with backoff, in order per claim, logged and
resendable; subscriptions from the command line and the admin."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, Figure, ImportJob, WebhookDelivery, WebhookSubscription
from claims.services import claim_confirm, claim_review, ingest, webhooks
from claims.services.figures import figure_analysis
from tests.conftest import make_claim
from tests.test_reconcile import CORPUS

pytestmark = pytest.mark.django_db
SECRET = "a-long-shared-secret-for-tests"


class Receiver:
    """A loopback webhook receiver: checks each signature, fails the first `failures` signed
    requests with 500, then accepts; records what it accepted, in arrival order."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.seen: list[tuple[str, int]] = []  # (delivery id, answer) for every request
        self.accepted: list[dict] = []
        self.bad_signatures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(expected, self.headers["X-ClaimDesk-Signature"]):
                    receiver.bad_signatures += 1
                    status = 401
                elif receiver.failures > 0:
                    receiver.failures -= 1
                    status = 500
                else:
                    status = 200
                    receiver.accepted.append(json.loads(body))
                receiver.seen.append((self.headers["X-ClaimDesk-Delivery"], status))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/hook"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def receiver(settings):
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = True
    server = Receiver(failures=2)
    yield server
    server.close()


def test_fails_twice_then_delivered_once_each_in_order_per_claim(
    receiver, editor, django_capture_on_commit_callbacks
):
    webhooks.subscription_add(url=receiver.url, secret=SECRET, events=["claim.status"])
    claim = make_claim()

    with django_capture_on_commit_callbacks(execute=True):
        claim_review(claim=claim, status="verified", by=editor, note="Hospital list")
        claim_review(claim=claim, status="false", by=editor, note="Census says otherwise")
    first, second = WebhookDelivery.objects.order_by("id")
    # The first attempt failed; the second delivery waits behind it, unsent.
    assert [d for d, _ in receiver.seen] == [str(first.delivery_id)]
    first.refresh_from_db()
    assert (first.state, first.attempts, first.status_code) == ("pending", 1, 500)
    assert first.next_attempt_at > timezone.now() + timedelta(seconds=5)
    second.refresh_from_db()
    assert (second.state, second.attempts) == ("pending", 0)

    later = timezone.now() + timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.webhooks_send_due(now=later)  # second attempt: 500 again; the second waits
        webhooks.webhooks_send_due(now=later + timedelta(hours=1))  # accepted, then the next

    assert receiver.bad_signatures == 0
    assert receiver.seen == [
        (str(first.delivery_id), 500),
        (str(first.delivery_id), 500),
        (str(first.delivery_id), 200),
        (str(second.delivery_id), 200),
    ]
    assert [(a["data"]["claim_id"], a["data"]["to_status"]) for a in receiver.accepted] == [
        (claim.id, "verified"),
        (claim.id, "false"),
    ]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.attempts, first.status_code) == ("delivered", 3, 200)
    assert (second.state, second.attempts) == ("delivered", 1)


def test_only_confirmed_verdicts_are_sent_under_signoff(
    receiver, settings, editor, second_editor, django_capture_on_commit_callbacks
):
    settings.CLAIMDESK_SIGNOFF = "required"
    receiver.failures = 0
    webhooks.subscription_add(url=receiver.url, secret=SECRET)
    claim = make_claim()
    with django_capture_on_commit_callbacks(execute=True):
        claim_review(claim=claim, status="verified", by=editor, note="n")
        assert receiver.accepted == []
        claim_confirm(claim=claim, by=second_editor)
    (sent,) = receiver.accepted
    assert (sent["event"], sent["data"]["kind"], sent["data"]["to_status"]) == (
        "claim.status",
        "confirmation",
        "verified",
    )


def test_private_receiver_is_refused_without_the_setting(
    settings, editor, django_capture_on_commit_callbacks
):
    settings.CLAIMDESK_FETCH_ALLOW_PRIVATE = False
    webhooks.subscription_add(url="http://127.0.0.1:9/hook", secret=SECRET)
    with django_capture_on_commit_callbacks(execute=True):
        claim_review(claim=make_claim(), status="unverified", by=editor, note="n")
    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.state == "failed" and delivery.attempts == 1
    assert "private, loopback or link-local" in delivery.last_error


def test_a_failed_job_is_an_event(receiver, django_capture_on_commit_callbacks):
    receiver.failures = 0
    webhooks.subscription_add(url=receiver.url, secret=SECRET, events=["job.failed"])
    job = ImportJob.objects.create(source=ImportJob.Source.LINK, url="https://x.example/a")
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING)
    with django_capture_on_commit_callbacks(execute=True):
        ingest._job_finish(job, ImportJob.State.FAILED, error="404 Not Found")
    (sent,) = receiver.accepted
    assert sent["event"] == "job.failed"
    assert (sent["data"]["job_id"], sent["data"]["error"]) == (job.pk, "404 Not Found")


def test_no_subscription_no_delivery(editor):
    claim_review(claim=make_claim(), status="unverified", by=editor, note="n")
    assert not WebhookDelivery.objects.exists()


def test_command_adds_lists_and_removes():
    out = StringIO()
    call_command(
        "webhooks", "add", "https://cms.example/hook", "--secret", SECRET, "--events",
        "claim.status", "job.failed", stdout=out,
    )  # fmt: skip
    subscription = WebhookSubscription.objects.get()
    assert subscription.events == ["claim.status", "job.failed"]
    assert f"Subscription {subscription.pk}" in out.getvalue()
    out = StringIO()
    call_command("webhooks", "list", stdout=out)
    assert "https://cms.example/hook  claim.status, job.failed" in out.getvalue()
    with pytest.raises(CommandError, match="at least 16"):
        call_command("webhooks", "add", "https://cms.example/hook", "--secret", "short")
    with pytest.raises(CommandError, match="http:// or https://"):
        call_command("webhooks", "add", "ftp://cms.example/hook", "--secret", SECRET)
    call_command("webhooks", "remove", str(subscription.pk), stdout=StringIO())
    assert not WebhookSubscription.objects.exists()
    with pytest.raises(CommandError, match="No subscription"):
        call_command("webhooks", "remove", str(subscription.pk))


def test_admin_lists_deliveries_and_resends(
    receiver, editor, editor_client, viewer_client, django_capture_on_commit_callbacks,
    django_assert_num_queries,
):  # fmt: skip
    receiver.failures = 0
    webhooks.subscription_add(url=receiver.url, secret=SECRET)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            claim_review(claim=make_claim(), status="unverified", by=editor, note="n")
    changelist = reverse("admin:claims_webhookdelivery_changelist")
    # 1 session   2 user   3-4 the user's own and group permissions   5 COUNT of the filtered
    # deliveries (the page's count; the full count is off)   6 the page of deliveries with
    # their subscription joined (no query per row)
    with django_assert_num_queries(6):
        response = editor_client.get(changelist)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 3
    assert viewer_client.get(changelist).status_code == 403

    delivery = WebhookDelivery.objects.order_by("id").first()
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(changelist, {"action": "resend", ACTION_CHECKBOX_NAME: [delivery.pk]})
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("delivered", 2)
    # A resend carries the same delivery id, so a receiver can tell it is a repeat.
    assert [d for d, _ in receiver.seen].count(str(delivery.delivery_id)) == 2


def test_an_import_that_brings_a_conflict_into_a_figure_sends_it_once(
    receiver, django_capture_on_commit_callbacks
):
    # The real extractor over the reconcile corpus: the health ministry's article (a03) reports
    # 164 dead beside an earlier 103 in the Kazakhstan toll, a conflict the first two lack.
    receiver.failures = 0
    webhooks.subscription_add(url=receiver.url, secret=SECRET, events=["figure.conflict"])

    def run_import(*names: str) -> None:
        paths = [str(CORPUS / f"{name}.txt") for name in names]
        with django_capture_on_commit_callbacks(execute=True):
            call_command("import_articles", *paths, stdout=StringIO(), stderr=StringIO())

    run_import("a01_almaty_overnight_clashes", "a02_agency_toll_detentions")
    assert receiver.accepted == []
    run_import("a03_health_ministry_164")
    (sent,) = receiver.accepted
    figure = Figure.objects.get(pk=sent["data"]["figure_id"])
    assert sent["event"] == "figure.conflict" and receiver.bad_signatures == 0
    assert (
        sent["data"]["figure_label"]
        == figure.label
        == "People killed — Kazakhstan, from 7 Jan 2022"
    )
    assert sorted(r["value"] for r in sent["data"]["reports"]) == ["103", "164"]
    conflict = figure_analysis(figure).conflicts[0]
    assert sorted(sent["data"]["claim_ids"]) == sorted(conflict.claim_ids)

    # Importing the same articles again, or one that adds no disagreement, sends nothing new.
    run_import(
        "a01_almaty_overnight_clashes", "a03_health_ministry_164", "a05_detentions_near_10000"
    )
    assert len(receiver.accepted) == 1
    assert WebhookDelivery.objects.filter(event="figure.conflict").count() == 1

    # The prosecutor's 225 (a06) disagrees with earlier reports: new pairs, each with one of its
    # claims, and none repeating the first.
    run_import("a06_prosecutor_225")
    later = receiver.accepted[1:]
    assert later, "the prosecutor's toll brings new conflicts"
    new_claims = set(
        Claim.objects.filter(article__source_key__endswith="kazakhstan-225-killed").values_list(
            "id", flat=True
        )
    )
    pairs = [frozenset(s["data"]["claim_ids"]) for s in receiver.accepted]
    assert len(set(pairs)) == len(pairs)
    assert all(set(s["data"]["claim_ids"]) & new_claims for s in later)
