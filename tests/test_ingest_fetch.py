"""Outbound fetching (claims.importers.fetch): the rules a link or feed import obeys."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.importers.fetch import MAX_REDIRECTS, FetchError, fetch
from tests.loopback import LoopbackServer, Reply


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    with LoopbackServer() as running:
        yield running


def get(url: str, **options: object):  # type: ignore[no-untyped-def]
    options.setdefault("max_bytes", 100_000)
    options.setdefault("timeout", 2)
    options.setdefault("allow_private", True)
    return fetch(url, **options)  # type: ignore[arg-type]


def test_page_is_fetched_with_its_type(server: LoopbackServer) -> None:
    server.routes["/a"] = Reply(b"<html>hi</html>", headers={"ETag": '"v1"'})
    page = get(server.url("/a"))
    assert (page.status, page.body, page.content_type) == (200, b"<html>hi</html>", "text/html")
    assert page.headers["etag"] == '"v1"'


def test_loopback_is_refused_unless_allowed(server: LoopbackServer) -> None:
    server.routes["/a"] = Reply(b"x")
    with pytest.raises(FetchError, match="private, loopback or link-local") as caught:
        get(server.url("/a"), allow_private=False)
    assert not caught.value.transient
    assert server.hits("/a") == 0  # refused before connecting


@pytest.mark.parametrize(
    "url", ["http://10.0.0.8/x", "http://169.254.169.254/latest/meta-data/", "http://[::1]/"]
)
def test_private_and_link_local_addresses_are_refused(url: str) -> None:
    with pytest.raises(FetchError, match="private, loopback or link-local"):
        fetch(url, max_bytes=1000, timeout=1, allow_private=False)


def test_every_redirect_hop_is_checked(server: LoopbackServer, monkeypatch) -> None:
    # Treat this loopback server as a public host, so only the redirect's target is private.
    from claims.importers import fetch as module

    real = module.is_private
    monkeypatch.setattr(module, "is_private", lambda a: a != "127.0.0.1" and real(a))
    server.routes["/r"] = Reply(status=302, headers={"Location": "http://10.1.2.3/inside"})
    server.routes["/ok"] = Reply(b"public")
    assert get(server.url("/ok"), allow_private=False).body == b"public"
    with pytest.raises(FetchError, match=r"10\.1\.2\.3 is a private"):
        get(server.url("/r"), allow_private=False)


@pytest.mark.parametrize("url", ["ftp://example.org/feed", "file:///etc/passwd", "javascript:x"])
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        fetch(url, max_bytes=1000)


def test_redirects_are_followed_up_to_the_limit(server: LoopbackServer) -> None:
    for n in range(MAX_REDIRECTS):
        server.routes[f"/hop{n}"] = Reply(status=301, headers={"Location": f"/hop{n + 1}"})
    server.routes[f"/hop{MAX_REDIRECTS}"] = Reply(b"arrived")
    assert get(server.url("/hop0")).body == b"arrived"
    server.routes[f"/hop{MAX_REDIRECTS}"] = Reply(status=302, headers={"Location": "/more"})
    with pytest.raises(FetchError, match=f"more than {MAX_REDIRECTS} redirects"):
        get(server.url("/hop0"))


def test_a_redirect_loop_is_named(server: LoopbackServer) -> None:
    server.routes["/a"] = Reply(status=302, headers={"Location": "/b"})
    server.routes["/b"] = Reply(status=302, headers={"Location": "/a"})
    with pytest.raises(FetchError, match="redirects in a loop"):
        get(server.url("/a"))


def test_too_big_by_content_length_or_by_streaming(server: LoopbackServer) -> None:
    server.routes["/declared"] = Reply(b"x" * 5000)
    with pytest.raises(FetchError, match="over the import limit") as caught:
        get(server.url("/declared"), max_bytes=1000)
    assert not caught.value.transient
    # No Content-Length: 200 MB would follow; the download stops just past the limit.
    server.routes["/streamed"] = Reply(b"y" * 65536, repeat=3200)
    with pytest.raises(FetchError, match="over the import limit"):
        get(server.url("/streamed"), max_bytes=100_000)


def test_http_errors_say_whether_to_retry(server: LoopbackServer) -> None:
    server.routes["/gone"] = Reply(b"no", status=404)
    server.routes["/down"] = Reply(b"no", status=503)
    with pytest.raises(FetchError, match="answered 404") as gone:
        get(server.url("/gone"))
    with pytest.raises(FetchError, match="answered 503") as down:
        get(server.url("/down"))
    assert (gone.value.transient, gone.value.status) == (False, 404)
    assert (down.value.transient, down.value.status) == (True, 503)


def test_timeout_is_transient(server: LoopbackServer) -> None:
    server.routes["/slow"] = Reply(b"late", delay=1.5)
    with pytest.raises(FetchError, match="did not answer within") as caught:
        get(server.url("/slow"), timeout=0.3)
    assert caught.value.transient


def test_refused_connection_and_unknown_host_are_named() -> None:
    with LoopbackServer() as gone:
        port = gone.port
    with pytest.raises(FetchError, match="refused the connection") as refused:
        fetch(f"http://127.0.0.1:{port}/", max_bytes=10, allow_private=True, timeout=1)
    assert refused.value.transient
    with pytest.raises(FetchError, match="does not resolve"):
        fetch("http://no-such-host.invalid/", max_bytes=10, timeout=1)


def test_conditional_get_returns_not_modified(server: LoopbackServer) -> None:
    def answer(headers: dict[str, str]) -> Reply:
        if headers.get("if-none-match") == '"v1"':
            return Reply(status=304)
        return Reply(b"feed", headers={"ETag": '"v1"'})

    server.routes["/feed"] = answer
    assert get(server.url("/feed")).status == 200
    again = get(server.url("/feed"), headers={"If-None-Match": '"v1"'})
    assert again.not_modified and again.body == b""


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=500).map(
            lambda t: f"<rss version='2.0'><channel>{t}</channel></rss>".encode()
        ),
        st.text(max_size=300).map(
            lambda t: (
                f"<feed xmlns='http://www.w3.org/2005/Atom'><entry><id>{t}</id></entry></feed>".encode()
            )
        ),
    )
)
def test_any_bytes_give_entries_or_a_named_feed_error(data: bytes) -> None:
    from claims.importers.feeds import FeedInvalid, parse_feed

    try:
        entries = parse_feed(data, origin="http://wire.example/rss")
    except FeedInvalid as exc:
        assert str(exc).startswith("http://wire.example/rss: not an RSS or Atom feed")
    else:
        assert all(entry.key and len(entry.key) <= 600 for entry in entries)
        assert len({entry.key for entry in entries}) == len(entries)
