"""With REDIS_URL set, the shared state (the API throttle's counts) lives in Redis, so every
gunicorn worker and machine counts against one limit rather than each against its own."""

from __future__ import annotations

import pytest
import redis
from django.core.cache import cache
from django.test import Client, override_settings

from tests.queue import REDIS_URL, redis_or_skip

REDIS_CACHE = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "claimdesk-test-throttle",
    }
}


@pytest.fixture
def redis_cache():  # type: ignore[no-untyped-def]
    redis_or_skip()
    with override_settings(CACHES=REDIS_CACHE):
        cache.clear()
        yield redis.Redis.from_url(REDIS_URL)
        cache.clear()


def test_anonymous_throttle_counts_in_redis(db, redis_cache, monkeypatch) -> None:
    from rest_framework.throttling import AnonRateThrottle

    # DRF reads the rates when the class is defined; set this test's limit on the class.
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    client = Client()
    codes = [client.get("/api/claims/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # Another process (here: a separate connection) sees the same count in Redis.
    keys = [k for k in redis_cache.keys("claimdesk-test-throttle:*") if b"throttle_anon" in k]
    assert len(keys) == 1
    assert cache.get(keys[0].decode().split(":", 2)[2]) is not None


def test_redis_url_selects_the_redis_cache(monkeypatch) -> None:
    import importlib

    import project.settings as module

    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/2")
    try:
        reloaded = importlib.reload(module)
        assert reloaded.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
        assert reloaded.CACHES["default"]["LOCATION"] == "redis://cache.internal:6379/2"
        monkeypatch.setenv("REDIS_URL", "cache.internal:6379")
        from django.core.exceptions import ImproperlyConfigured

        with pytest.raises(ImproperlyConfigured, match="REDIS_URL must be a redis:// URL"):
            importlib.reload(module)
    finally:
        monkeypatch.delenv("REDIS_URL")
        importlib.reload(module)
