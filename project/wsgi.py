"""WSGI entry point for gunicorn and other WSGI servers."""

import gc
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their modules) lives as long as the process: move it
# out of the garbage collector's sight, so that the collections a busy worker runs between
# requests do not walk it every time (a tenth of a claims page's CPU). Worker processes import
# this module themselves (no --preload), so each freezes its own objects.
gc.freeze()

# Fail at start-up, not on the first request that signs a cookie: Django raises
# ImproperlyConfigured here when SECRET_KEY is empty (DEBUG off and no SECRET_KEY set).
settings.SECRET_KEY  # noqa: B018
