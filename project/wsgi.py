"""WSGI entry point for gunicorn and other WSGI servers."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

application = get_wsgi_application()

# Fail at start-up, not on the first request that signs a cookie: Django raises
# ImproperlyConfigured here when SECRET_KEY is empty (DEBUG off and no SECRET_KEY set).
settings.SECRET_KEY  # noqa: B018
