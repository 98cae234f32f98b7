"""Fetching a page or feed over HTTP, safely: what a link or feed import reads (no Django).

The rules, each with a named error (`FetchError`):
- only http and https, on any port;
- every address a host name resolves to is checked, on every redirect hop, and the connection goes
  to the address that was checked (so a DNS answer that changes between check and connect, "DNS
  rebinding", cannot reach a private address). Loopback, private, link-local, multicast and
  reserved addresses are refused unless `allow_private`;
- at most `MAX_REDIRECTS` redirects; a connect and a read timeout, and a deadline for the whole
  download (a server that drips one byte a second is cut off);
- the body is streamed and cut off past `max_bytes`, whatever Content-Length says.

`FetchError.transient` tells the job queue whether trying again later can help (timeouts, refused
connections, 5xx, 429) or not (4xx, a refused address, a page that is too big).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import urllib3

MAX_REDIRECTS = 5
USER_AGENT = "ClaimDesk/1.0 (+fact-claim tracking; feed and link import)"
_CHUNK = 64 * 1024
_REDIRECTS = {301, 302, 303, 307, 308}


class FetchError(Exception):
    """A fetch that failed; the message names the URL's problem in words an editor can act on."""

    def __init__(self, message: str, *, transient: bool = False, status: int | None = None):
        super().__init__(message)
        self.transient = transient
        self.status = status


@dataclass(frozen=True)
class FetchResult:
    url: str  # the final URL, after redirects
    status: int  # 200, or 304 for a conditional GET whose page has not changed
    body: bytes
    content_type: str = ""  # "text/html", without parameters
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def fetch(
    url: str,
    *,
    max_bytes: int,
    timeout: float = 20.0,
    allow_private: bool = False,
    headers: dict[str, str] | None = None,
) -> FetchResult:
    """GET `url`, following up to MAX_REDIRECTS redirects, each hop checked as the first."""
    deadline = time.monotonic() + timeout * 3
    seen: list[str] = []
    current = url
    while True:
        response = request_checked(
            "GET", current, headers=headers or {}, timeout=timeout, allow_private=allow_private
        )
        try:
            if response.status in _REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    raise FetchError(f"{current}: redirect ({response.status}) with no Location")
                seen.append(current)
                current = urljoin(current, location)
                if current in seen:
                    raise FetchError(f"{url}: redirects in a loop (back to {current})")
                if len(seen) > MAX_REDIRECTS:
                    raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")
                continue
            return _read(response, current, max_bytes=max_bytes, deadline=deadline)
        finally:
            response.release_conn()


def request_checked(
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    timeout: float,
    allow_private: bool,
    body: bytes | None = None,
    tls_transient: bool = False,
) -> urllib3.BaseHTTPResponse:
    """One request under the outbound rules (scheme, checked address, time-outs), no redirects.

    The response is not read: the caller streams it and releases the connection.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"{url}: only http and https URLs are allowed, not {scheme or '?'}:")
    host = parts.hostname
    if not host:
        raise FetchError(f"{url}: the URL has no host name")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise FetchError(f"{url}: the port is not a number") from None
    address = _checked_address(url, host, port, allow_private=allow_private)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    pool_options = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False}
    if scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            address, port, server_hostname=host, assert_hostname=host, **pool_options
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, **pool_options)
    host_header = host if parts.port is None else f"{host}:{port}"
    request_headers = {"User-Agent": USER_AGENT, "Host": host_header, **headers}
    try:
        return pool.urlopen(
            method, path, body=body, headers=request_headers, redirect=False, preload_content=False
        )
    except urllib3.exceptions.NewConnectionError as exc:  # a subclass of ConnectTimeoutError
        raise FetchError(f"{url}: {_connection_problem(exc, host)}", transient=True) from None
    except urllib3.exceptions.ConnectTimeoutError:
        raise FetchError(f"{url}: timed out connecting to {host}", transient=True) from None
    except urllib3.exceptions.ReadTimeoutError:
        raise FetchError(
            f"{url}: {host} did not answer within {timeout:g} s", transient=True
        ) from None
    except urllib3.exceptions.SSLError as exc:
        raise FetchError(
            f"{url}: TLS failed ({exc.__class__.__name__})", transient=tls_transient
        ) from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise FetchError(f"{url}: {_connection_problem(exc, host)}", transient=True) from None


def _checked_address(url: str, host: str, port: int, *, allow_private: bool) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError(
            f"{url}: the host name {host!r} does not resolve (DNS)", transient=True
        ) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not allow_private:
        for address in addresses:
            if is_private(address):
                raise FetchError(
                    f"{url}: {host} is a private, loopback or link-local address ({address}); "
                    "such links are refused unless CLAIMDESK_FETCH_ALLOW_PRIVATE=1"
                )
    return addresses[0]


def is_private(address: str) -> bool:
    """Whether an address is one a link must not reach: loopback, private, link-local, ..."""
    ip = ipaddress.ip_address(address.split("%")[0])
    return not ip.is_global or ip.is_multicast


def _connection_problem(exc: BaseException, host: str) -> str:
    text = str(exc).lower()
    if "refused" in text:
        return f"{host} refused the connection"
    if "reset" in text:
        return f"{host} closed the connection"
    return f"could not reach {host} ({exc.__class__.__name__})"


def _read(
    response: urllib3.BaseHTTPResponse, url: str, *, max_bytes: int, deadline: float
) -> FetchResult:
    status = response.status
    if status == 304:
        return FetchResult(url, status, b"", headers=_lower(response.headers))
    if status >= 400:
        transient = status >= 500 or status in (408, 429)
        raise FetchError(
            f"{url}: the server answered {status} {response.reason or ''}".rstrip(),
            transient=transient,
            status=status,
        )
    if status != 200:
        raise FetchError(
            f"{url}: unexpected answer {status} {response.reason or ''}".rstrip(), status=status
        )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(
            f"{url}: the page is {_mb(int(declared))}, over the import limit of {_mb(max_bytes)}"
        )
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.stream(_CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(f"{url}: the page is over the import limit of {_mb(max_bytes)}")
            if time.monotonic() > deadline:
                raise FetchError(f"{url}: the download took too long", transient=True)
            chunks.append(chunk)
    except urllib3.exceptions.ReadTimeoutError:
        raise FetchError(f"{url}: the server stopped sending", transient=True) from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise FetchError(
            f"{url}: the download broke off ({exc.__class__.__name__})", transient=True
        ) from None
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return FetchResult(url, status, b"".join(chunks), content_type, _lower(response.headers))


def _lower(headers: object) -> dict[str, str]:
    return {name.lower(): value for name, value in dict(headers).items()}  # type: ignore[call-overload]


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"
