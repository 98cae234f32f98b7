"""Readers that turn .txt / .html / .jsonl input into plain article records (no ORM).

`read_paths()` streams `ArticleRecord`s and `RecordError`s; the import service writes the records.
Nothing here imports Django, so a job-queue worker can run it as is.
"""

from claims.importers.credits import canonical_agency, credited_agencies
from claims.importers.records import ArticleRecord, RecordError, RecordInvalid, parse_published
from claims.importers.sources import (
    EXTENSIONS,
    FORMATS,
    STDIN,
    read_bytes,
    read_file,
    read_paths,
    sniff_format,
)

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "STDIN",
    "ArticleRecord",
    "RecordError",
    "RecordInvalid",
    "canonical_agency",
    "credited_agencies",
    "parse_published",
    "read_bytes",
    "read_file",
    "read_paths",
    "sniff_format",
]
