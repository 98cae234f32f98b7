"""Celery tasks: thin wrappers that call a service with ids, safe to run twice.

The services keep each job's state in the database (claims.models.ImportJob), so a task holds
nothing between runs and any worker on any machine can take any message.
"""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_process_init

from claims.services import ingest, matching, webhooks


@worker_process_init.connect
def _load_the_model(**_: object) -> None:
    # Each worker process loads spaCy as it starts, not inside its first job (about 1.5 s), so
    # the first article off a feed is as quick as the rest.
    from claims.extraction.model import get_nlp

    get_nlp()


@shared_task(name="claims.tasks.import_job_run")
def import_job_run(job_id: int) -> str:
    """Import one article (or poll one feed) for its ImportJob row."""
    return ingest.import_job_run(job_id=job_id)


@shared_task(name="claims.tasks.feeds_poll_due")
def feeds_poll_due() -> int:
    """Beat, every 30 s: queue a poll of each feed whose interval has passed."""
    return len(ingest.feeds_poll_due())


@shared_task(name="claims.tasks.jobs_reclaim")
def jobs_reclaim() -> int:
    """Beat, every 15 s: hand on jobs whose worker died and re-send lost messages."""
    return ingest.jobs_reclaim()


@shared_task(name="claims.tasks.webhook_delivery_send")
def webhook_delivery_send(delivery_id: int) -> str:
    """POST one webhook delivery, if it is due and first in line for its claim."""
    return webhooks.delivery_send(delivery_id=delivery_id)


@shared_task(name="claims.tasks.webhooks_send_due")
def webhooks_send_due() -> int:
    """Beat, every 30 s: send webhook deliveries whose retry is due."""
    return webhooks.webhooks_send_due()


@shared_task(name="claims.tasks.article_claims_match")
def article_claims_match(article_id: int) -> bool:
    """Match one imported article's claims with earlier claims (repeated claims)."""
    return matching.article_claims_match(article_id=article_id) is not None


@shared_task(name="claims.tasks.articles_match_pending")
def articles_match_pending() -> int:
    """Beat, every 60 s: queue again matching that was queued but never ran."""
    return matching.articles_match_pending()
