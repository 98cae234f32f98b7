from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from claims.api.feeds import StatusChangeFeed
from claims.public_views import claim_public

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="claims:queue", permanent=False)),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("review/", include("claims.urls")),
    path("api/", include("claims.api.views")),
    path("feeds/status-changes/", StatusChangeFeed(), name="status-changes-feed"),
    # The public page of a claim: what ClaimReview `url` and Atom entries link to.
    path("claims/<int:pk>/", claim_public, name="claim-public"),
]
