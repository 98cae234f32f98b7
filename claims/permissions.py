"""API permissions: reading public (or signed-in only), writing for editors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS, BasePermission

if TYPE_CHECKING:  # rest_framework.views imports this module through settings: no cycle
    from rest_framework.request import Request
    from rest_framework.views import APIView

# The permission names, stated once; views, admin, services and the API import them from here.
REVIEW_PERMISSION = "claims.review_claim"  # change a claim's status (the Editors group)
VIEW_PERMISSION = "claims.view_claim"
EVIDENCE_PERMISSION = "claims.add_evidence"
CHANGE_CLAIM_PERMISSION = "claims.change_claim"
CHANGE_FIGURE_PERMISSION = "claims.change_figure"


class ReadPublicWriteEditors(BasePermission):
    """Anyone may read while CLAIMDESK_API_PUBLIC is on; only users with the review permission
    may write.

    The setting is read per request (not only when settings pick this class) so that the Atom
    feed, the API and tests that switch it agree.
    """

    def allows_anonymous_reads(self) -> bool:
        """What the OpenAPI schema says about signing in to read."""
        return settings.CLAIMDESK_API_PUBLIC

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return settings.CLAIMDESK_API_PUBLIC or bool(
                request.user and request.user.is_authenticated
            )
        return bool(request.user and request.user.has_perm(REVIEW_PERMISSION))


class ReadAuthenticatedWriteEditors(ReadPublicWriteEditors):
    """Signed-in users may read (CLAIMDESK_API_PUBLIC=0); only editors may write."""

    def allows_anonymous_reads(self) -> bool:
        return False

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return super().has_permission(request, view)
