"""Find repeated claims among articles already in the database: the backfill.

Imports match each new article's claims as they write it (claims/services/matching.py); this
matches the articles that came in before matching existed, or again after its rules changed.
Articles are matched in id order, each against the ones before it, each in its own transaction,
so it can run beside imports and be run again (it rewrites the same rows).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.models import Article
from claims.services.matching import ArticleMatchResult, articles_match


class Command(BaseCommand):
    help = "Link reprints and match the claims of existing articles (repeated claims backfill)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--article",
            type=int,
            action="append",
            dest="articles",
            metavar="ID",
            help="only this article (repeatable); default: every article",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="match everything, then roll it back"
        )

    def handle(self, *args: object, **options: object) -> None:
        ids = options["articles"]
        if ids:
            missing = sorted(
                set(ids) - set(Article.objects.filter(id__in=ids).values_list("id", flat=True))
            )
            if missing:
                raise CommandError(f"No article with id {', '.join(map(str, missing))}.")
        verbosity = int(options["verbosity"])

        def report(article: Article, result: ArticleMatchResult) -> None:
            if verbosity >= 2:
                reprint = f", reprint of #{result.reprint_of}" if result.reprint_of else ""
                self.stdout.write(
                    f"article #{article.pk}{reprint}: {result.same} same, {result.similar} similar"
                )

        counts = articles_match(article_ids=ids, dry_run=options["dry_run"], on_article=report)
        summary = (
            f"{counts.articles} article{'s' if counts.articles != 1 else ''}, "
            f"{counts.reprints} reprint{'s' if counts.reprints != 1 else ''} linked, "
            f"{counts.same} same, {counts.similar} similar"
        )
        if options["dry_run"]:
            summary += " (dry run: nothing was saved)"
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(summary))
