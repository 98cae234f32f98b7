"""Article import. (Placeholder: the import work replaces this module.)"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArticleImportResult:
    article_id: int | None
    outcome: str  # created | updated | unchanged


def article_import(*, record, extractor=None) -> ArticleImportResult:
    raise NotImplementedError
