"""The Claim Desk project: settings, URLs, WSGI and the Celery app."""

# Loaded with Django, so @shared_task binds to this app and `.delay()` reaches the broker.
from project.celery import app as celery_app

__all__ = ["celery_app"]
