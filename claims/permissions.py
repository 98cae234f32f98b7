"""API permissions: reading public (or signed-in only), writing for editors."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

REVIEW_PERMISSION = "claims.review_claim"


class ReadPublicWriteEditors(BasePermission):
    """Anyone may read; only users with the review permission may write."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.has_perm(REVIEW_PERMISSION))


class ReadAuthenticatedWriteEditors(ReadPublicWriteEditors):
    """Signed-in users may read (CLAIMDESK_API_PUBLIC=0); only editors may write."""

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return bool(request.user and request.user.is_authenticated)
        return super().has_permission(request, view)
