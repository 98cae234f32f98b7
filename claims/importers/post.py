"""POSTing a JSON body to a webhook receiver, under the same outbound rules as `fetch` (no Django).

http and https only; the host name is resolved and every address checked with `is_private`
(unless `allow_private`), and the connection goes to the checked address; connect and read
timeouts; no redirects followed (a receiver that moved must be re-subscribed, and following a
redirect would re-send a signed body somewhere nobody chose). Errors are `FetchError`s: `status`
set for an HTTP answer that is not 2xx, `transient` for network trouble.
"""

from __future__ import annotations

import urllib3

from claims.importers.fetch import FetchError, request_checked

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
    # A receiver that moved must be re-subscribed: no redirects (request_checked follows none).
    response = request_checked(
        "POST",
        url,
        body=body,
        headers={"Content-Type": "application/json", **headers},
        timeout=timeout,
        allow_private=allow_private,
        tls_transient=True,  # a receiver's certificate is often renewed late: try again
    )
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
