"""Manage the webhook subscriptions the desk POSTs events to: add, list, remove, send what is due.

A subscription is a receiver URL, a shared secret (the key of X-ClaimDesk-Signature) and the
events it wants. Deliveries are sent by the job queue; `webhooks send` sends the due ones now
(useful without a broker, where nothing runs retries in the background).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q

from claims.models import WebhookDelivery, WebhookSubscription
from claims.services import webhooks


class Command(BaseCommand):
    help = (
        "Add, list and remove webhook subscriptions (webhooks add URL --secret S [--events E ...])"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="subscribe a receiver URL")
        add.add_argument("url")
        add.add_argument("--secret", required=True, help="shared HMAC key, 16 characters or more")
        add.add_argument(
            "--events",
            nargs="+",
            default=[],
            choices=WebhookSubscription.Event.values,
            help="the events wanted (default: all)",
        )
        actions.add_parser("list", help="the subscriptions, with their deliveries' states")
        remove = actions.add_parser("remove", help="delete a subscription and its delivery log")
        remove.add_argument("id", type=int)
        actions.add_parser("send", help="send the deliveries that are due now")

    def handle(self, *args: object, **options: object) -> None:
        getattr(self, f"_{options['action']}")(**options)

    def _add(self, *, url: str, secret: str, events: list[str], **_: object) -> None:
        try:
            subscription = webhooks.subscription_add(url=url, secret=secret, events=events)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        wanted = ", ".join(subscription.events) or "all events"
        self.stdout.write(self.style.SUCCESS(f"Subscription {subscription.pk}: {url} ({wanted})"))

    def _list(self, **_: object) -> None:
        State = WebhookDelivery.State
        subscriptions = WebhookSubscription.objects.annotate(
            delivered=Count("deliveries", filter=Q(deliveries__state=State.DELIVERED)),
            pending=Count("deliveries", filter=Q(deliveries__state=State.PENDING)),
            failed=Count("deliveries", filter=Q(deliveries__state=State.FAILED)),
        ).order_by("id")
        if not subscriptions:
            self.stdout.write(
                "No subscriptions: add one with `manage.py webhooks add URL --secret S`."
            )
        for s in subscriptions:
            wanted = ", ".join(s.events) or "all events"
            paused = "" if s.active else " (paused)"
            self.stdout.write(
                f"{s.pk:>4}  {s.url}  {wanted}{paused}  "
                f"delivered {s.delivered}, pending {s.pending}, failed {s.failed}"
            )

    def _remove(self, *, id: int, **_: object) -> None:
        if not webhooks.subscription_remove(subscription_id=id):
            raise CommandError(f"No subscription {id}; see `manage.py webhooks list`.")
        self.stdout.write(self.style.SUCCESS(f"Removed subscription {id}"))

    def _send(self, **_: object) -> None:
        self.stdout.write(f"Sent {webhooks.webhooks_send_due()} due deliveries")
