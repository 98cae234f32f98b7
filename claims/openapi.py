"""The OpenAPI schema's error answers, documented once for every API view.

drf-spectacular documents the success answer of each operation. Clients (and schemathesis) also
need the errors every view can give: 400 for a bad filter or body, 403 without permission, 404
for an unknown id, 429 when an anonymous client goes past its fair-use rate, and 304 for a
conditional GET. Views that document a code themselves (the review's 409) keep their own.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema

ERROR_BODY = {
    "type": "object",
    "description": "`detail` for request-wide errors; otherwise one key per invalid field or "
    "parameter, each with a list of messages.",
    "additionalProperties": {},
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_BODY}}}


class ClaimDeskAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        extra: dict[str, dict[str, Any]] = {
            "400": _error("Invalid parameter or body; the keys name what is wrong."),
            "403": _error("Not allowed: writing needs an editor; reading may need sign-in."),
            "429": _error("Too many requests from this anonymous client (fair use)."),
        }
        # DRF also answers an unknown `?format=` with 404.
        extra["404"] = _error("No such object (unknown id), or an unknown ?format=.")
        if self.method == "GET":
            extra["304"] = {"description": "Not modified: If-None-Match matched the ETag."}
        for code, response in extra.items():
            responses.setdefault(code, response)
        return responses
