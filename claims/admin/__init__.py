"""Editor admin, split by concern: claims and their sources; figures across articles."""

from claims.admin import assignment, figures, ingest, review, webhooks  # noqa: F401  (importing registers the ModelAdmins)
