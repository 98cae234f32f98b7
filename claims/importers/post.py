"""POSTing a JSON body to a webhook receiver, under the same outbound rules as `fetch` (no Django).

http and https only; the host name is resolved and every address checked with `is_private`
(unless `allow_private`), and the connection goes to the checked address; connect and read
timeouts; no redirects followed (a receiver that moved must be re-subscribed, and following a
redirect would re-send a signed body somewhere nobody chose). Errors are `FetchError`s: `status`
set for an HTTP answer that is not 2xx, `transient` for network trouble.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import urllib3

from claims.importers.fetch import USER_AGENT, FetchError, _checked_address, _connection_problem

# A receiver's answer body is read only for the delivery log; nobody needs more than this.
_ANSWER_BYTES = 2000


def post_json(
    url: str,
    body: bytes,
    *,
    headers: dict[str, str],
    timeout: float = 10.0,
    allow_private: bool = False,
) -> int:
    """POST `body` as application/json; return the 2xx status, or raise FetchError."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"{url}: only http and https receivers are allowed, not {scheme or '?'}:")
    host = parts.hostname
    if not host:
        raise FetchError(f"{url}: the URL has no host name")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise FetchError(f"{url}: the port is not a number") from None
    address = _checked_address(url, host, port, allow_private=allow_private)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    options = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False}
    if scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            address, port, server_hostname=host, assert_hostname=host, **options
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, **options)
    request_headers = {
        "User-Agent": USER_AGENT,
        "Host": host if parts.port is None else f"{host}:{port}",
        "Content-Type": "application/json",
        **headers,
    }
    try:
        response = pool.urlopen(
            "POST", path, body=body, headers=request_headers, redirect=False, preload_content=False
        )
    except urllib3.exceptions.NewConnectionError as exc:
        raise FetchError(f"{url}: {_connection_problem(exc, host)}", transient=True) from None
    except urllib3.exceptions.ConnectTimeoutError:
        raise FetchError(f"{url}: timed out connecting to {host}", transient=True) from None
    except urllib3.exceptions.ReadTimeoutError:
        raise FetchError(
            f"{url}: {host} did not answer within {timeout:g} s", transient=True
        ) from None
    except urllib3.exceptions.SSLError as exc:
        raise FetchError(f"{url}: TLS failed ({exc.__class__.__name__})", transient=True) from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise FetchError(f"{url}: {_connection_problem(exc, host)}", transient=True) from None
    try:
        status = response.status
        answer = response.read(_ANSWER_BYTES, decode_content=False)
    except (urllib3.exceptions.HTTPError, OSError):
        status, answer = response.status, b""
    finally:
        response.release_conn()
    if not 200 <= status < 300:
        text = answer.decode("utf-8", "replace").strip()[:200]
        raise FetchError(
            f"{url}: the receiver answered {status}" + (f": {text}" if text else ""),
            transient=status >= 500 or status in (408, 429),
            status=status,
        )
    return status
