"""The Celery app: `celery -A project worker` runs jobs, `celery -A project beat` the schedule.

Configuration comes from Django's settings (the CELERY_* names in project/settings.py).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

app = Celery("claimdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
