"""The OpenAPI schema's error answers, documented once for every API view.

drf-spectacular documents the success answer of each operation. Clients (and schemathesis) also
need the errors every view can give: 400 for a bad filter or body, 403 without permission, 404
for an unknown id, 429 when an anonymous client goes past its fair-use rate, and 304 for a
conditional GET. Views that document a code themselves (the review's 409) keep their own.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import SAFE_METHODS

ERROR_BODY = {
    "type": "object",
    "description": "`detail` for request-wide errors; otherwise one key per invalid field or "
    "parameter, each with a list of messages.",
    "additionalProperties": {},
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_BODY}}}


class ClaimDeskAutoSchema(AutoSchema):
    def get_auth(self) -> list[dict[str, Any]]:
        auths = super().get_auth()
        # drf-spectacular only knows DRF's own permission classes; ours say whether anonymous
        # reading is allowed ({} in OpenAPI: "no authentication also works").
        permissions = self.view.get_permissions()
        if (
            self.method in SAFE_METHODS
            and permissions
            and all(getattr(p, "allows_anonymous_reads", lambda: False)() for p in permissions)
            and {} not in auths
        ):
            auths.append({})
        return auths

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            # `?status=&kind=` (what the browsable API's filter form sends) means no filter,
            # as in django-filter; a cursor must be the one the server gave.
            if parameter["in"] == "query" and parameter["name"] != "cursor":
                parameter["allowEmptyValue"] = True
        return operation

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
