"""The review UI, under /review/."""

from django.urls import path

from claims import ingest_views, match_views, views

app_name = "claims"

urlpatterns = [
    # settings.LOGIN_REDIRECT_URL and the "/" redirect point here by this name.
    path("", views.queue, name="queue"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/decide/", views.claim_decide, name="decide"),
    path("claims/<int:pk>/evidence/", views.claim_evidence_add, name="evidence_add"),
    path("claims/<int:pk>/signoff/", views.claim_signoff, name="signoff"),
    path("claims/<int:pk>/assign/", views.claim_assign, name="assign"),
    path("claims/<int:pk>/apply-verdict/", match_views.apply_verdict, name="apply_verdict"),
    path(
        "claims/<int:pk>/apply-to-matches/",
        match_views.apply_to_matches,
        name="apply_to_matches",
    ),
    path("claims/<int:pk>/next/", views.claim_next, name="next"),
    path("claims/<int:pk>/previous/", views.claim_previous, name="previous"),
    path("imports/", ingest_views.imports, name="imports"),
    path("imports/add/", ingest_views.imports_add, name="imports_add"),
    path("imports/<int:pk>/retry/", ingest_views.import_retry, name="import_retry"),
]
