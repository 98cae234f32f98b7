"""Figures: grouping numeric claims across articles. (Placeholder: the reconcile work fills this in.)"""

from __future__ import annotations

from claims.models import Article


def figures_refresh_for_article(*, article: Article) -> None:
    """Assign the article's figure claims to figures, creating figures as needed."""
    return None
