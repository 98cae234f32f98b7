"""The write paths. Every change to stored data goes through a function here; each owns its
transaction. Views, admin actions, API views and commands call these and nothing else to write.
"""

from claims.services.imports import ArticleImportResult, article_import
from claims.services.review import ReviewConflict, ReviewError, claim_review, evidence_add

__all__ = [
    "ArticleImportResult",
    "ReviewConflict",
    "ReviewError",
    "article_import",
    "claim_review",
    "evidence_add",
]
