"""The write paths. Every change to stored data goes through a function here; each owns its
transaction. Views, admin actions, API views and commands call these and nothing else to write.
"""

from claims.services.figures import (
    FigureError,
    claim_move_to_figure,
    figure_accept_suggestions,
    figure_merge,
    figure_rename,
    figure_split,
    figures_refresh_for_article,
)
from claims.services.imports import ArticleImportResult, article_import, articles_import
from claims.services.review import (
    ReviewConflict,
    ReviewError,
    claim_confirm,
    claim_return,
    claim_review,
    evidence_add,
)

__all__ = [
    "ArticleImportResult",
    "FigureError",
    "ReviewConflict",
    "ReviewError",
    "article_import",
    "articles_import",
    "claim_confirm",
    "claim_move_to_figure",
    "claim_return",
    "claim_review",
    "evidence_add",
    "figure_accept_suggestions",
    "figure_merge",
    "figure_rename",
    "figure_split",
    "figures_refresh_for_article",
]
