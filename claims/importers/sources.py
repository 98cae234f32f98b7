"""Turning paths (files, folders, "-" for stdin) into a stream of article records or errors.

Every problem with one input becomes a RecordError naming the file (and line, for JSON Lines), so
a run goes on past it. Records stream one at a time: a large JSON Lines file is never held whole.
"""

from __future__ import annotations

import codecs
import io
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from claims.importers.html import decode_html, parse_html
from claims.importers.jsonl import parse_jsonl_line
from claims.importers.records import ArticleRecord, RecordError, RecordInvalid
from claims.importers.text import parse_text

FORMATS = ("txt", "html", "jsonl")
EXTENSIONS = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}
STDIN = "-"
STDIN_ORIGIN = "<stdin>"
_SKIP_CHUNK = 1024 * 1024  # an over-long JSON line is skipped this much at a time, never held
_BINARY = "looks like a binary file (it contains NUL bytes"
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # BOM_UTF32_LE starts like BOM_UTF16_LE
_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)

logger = logging.getLogger(__name__)

Item = ArticleRecord | RecordError


def read_paths(
    paths: Iterable[str],
    *,
    max_bytes: int,
    fmt: str | None = None,
    default_outlet: str | None = None,
    stdin: BinaryIO | None = None,
) -> Iterator[Item]:
    """Records and errors from each path in order; folders are walked recursively.

    `fmt` forces the format of named files and stdin. Inside folders, files are chosen by extension
    (.txt, .text, .html, .htm, .jsonl), so a README beside the articles is left alone.
    `max_bytes` limits a .txt/.html file, and each line of a .jsonl file (those are streamed).
    """
    for raw in paths:
        if raw == STDIN:
            yield from _read_stdin(stdin, fmt=fmt, max_bytes=max_bytes, outlet=default_outlet)
            continue
        path = Path(raw)
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in EXTENSIONS
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not files:
                yield RecordError(raw, "folder holds no .txt, .html, .htm or .jsonl files")
            for file in files:
                yield from read_file(
                    file,
                    fmt=EXTENSIONS[file.suffix.lower()],
                    max_bytes=max_bytes,
                    default_outlet=default_outlet,
                )
        elif not path.exists():
            yield RecordError(raw, "no such file or folder")
        else:
            file_fmt = fmt or EXTENSIONS.get(path.suffix.lower())
            if file_fmt is None:
                yield RecordError(
                    raw,
                    f"unknown file type {path.suffix or '(no extension)'!r}; "
                    "name it .txt, .html or .jsonl, or pass --format",
                )
                continue
            yield from read_file(
                path, fmt=file_fmt, max_bytes=max_bytes, default_outlet=default_outlet
            )


def read_file(
    path: Path, *, fmt: str, max_bytes: int, default_outlet: str | None = None
) -> Iterator[Item]:
    # A file name that is not UTF-8 holds surrogate escapes, which no database or terminal takes.
    origin = str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    try:
        if not path.is_file():
            yield RecordError(origin, "not a regular file")
            return
        size = path.stat().st_size
        if fmt != "jsonl" and size > max_bytes:
            yield RecordError(origin, _too_big(size, max_bytes))
            return
        with path.open("rb") as handle:
            if fmt == "jsonl":
                yield from _read_jsonl(handle, origin, max_bytes, default_outlet)
            else:
                yield _parse_document(handle.read(), fmt, origin, default_outlet)
    except OSError as exc:
        yield RecordError(origin, f"cannot read the file: {exc.strerror or exc}")


def _read_stdin(
    stdin: BinaryIO | None, *, fmt: str | None, max_bytes: int, outlet: str | None
) -> Iterator[Item]:
    if stdin is None:
        yield RecordError(STDIN_ORIGIN, "no standard input to read")
        return
    if fmt == "jsonl":
        yield from _read_jsonl(stdin, STDIN_ORIGIN, max_bytes, outlet)
        return
    data = stdin.read(max_bytes + 1)
    if len(data) > max_bytes:
        yield RecordError(STDIN_ORIGIN, _too_big(None, max_bytes))
        return
    if fmt is None:
        fmt = sniff_format(data)
    if fmt == "jsonl":
        yield from _read_jsonl(io.BytesIO(data), STDIN_ORIGIN, max_bytes, outlet)
        return
    yield _parse_document(data, fmt, STDIN_ORIGIN, outlet)


def sniff_format(data: bytes) -> str:
    """The format of unnamed input (stdin without --format): HTML, JSON Lines, else text."""
    head = data.lstrip()[:512].lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<article")):
        return "html"
    if head.startswith(b"{"):
        return "jsonl"
    return "txt"


def _parse_document(data: bytes, fmt: str, origin: str, default_outlet: str | None) -> Item:
    try:
        text = _decode_document(data, html=fmt == "html")
        if fmt == "html":
            return parse_html(text, origin=origin, default_outlet=default_outlet)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return parse_text(text, origin=origin, default_outlet=default_outlet)
    except RecordInvalid as exc:
        return RecordError(origin, str(exc))
    except Exception as exc:
        return _unexpected(origin, exc)


def _decode_document(data: bytes, *, html: bool) -> str:
    """The text of a whole .txt or .html file; RecordInvalid says what is wrong with its bytes."""
    if not data.strip():
        raise RecordInvalid("the file is empty")
    if data.startswith(_UTF32_BOMS):
        raise RecordInvalid(
            "is UTF-32 text (it starts with a UTF-32 byte order mark); save it as UTF-8"
        )
    if data.startswith(_UTF16_BOMS):
        if html:
            return decode_html(data)
        try:
            return data.decode("utf-16")  # the BOM says which byte order
        except UnicodeDecodeError as exc:
            raise RecordInvalid(
                f"is not valid UTF-16 text as its byte order mark says (bad bytes at byte "
                f"{exc.start + 2}); save it as UTF-8"
            ) from None
    nul = data.find(b"\x00")
    if nul >= 0:
        # Anywhere in the file, not just its start: PostgreSQL cannot store a NUL character.
        raise RecordInvalid(
            f"{_BINARY}, the first at {_where(data, nul)}), not UTF-8 text; if it is UTF-16 "
            "text, save it as UTF-8"
        )
    if html:
        try:
            return decode_html(data)
        except UnicodeDecodeError as exc:
            raise RecordInvalid(_not_utf8(data, exc, html=True)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordInvalid(_not_utf8(data, exc)) from None


def _read_jsonl(
    handle: BinaryIO, origin: str, max_bytes: int, default_outlet: str | None
) -> Iterator[Item]:
    """One record or error per line; a line over `max_bytes` is reported, skipped, never read whole."""
    seen_any = False
    for number, (raw, size) in enumerate(_lines(handle, max_bytes), start=1):
        where = f"{origin}:{number}"
        first = not seen_any
        if number == 1:
            if raw.startswith(_UTF16_BOMS):  # also the UTF-32 ones
                yield RecordError(
                    origin,
                    "is UTF-16 or UTF-32 text (it starts with a byte order mark); JSON Lines "
                    "must be UTF-8: save it as UTF-8",
                )
                return
            if raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
        if size > max_bytes:
            seen_any = True
            yield RecordError(where, _too_big(size, max_bytes, what="line"))
            continue
        if not raw.strip():
            continue
        seen_any = True
        if b"\x00" in raw:
            if first:
                # A binary file named .jsonl: one error, not one per "line" of binary data.
                yield RecordError(
                    where, f"{_BINARY}), not JSON Lines; the rest of the file was not read"
                )
                return
            yield RecordError(where, "contains NUL bytes: binary data, not a JSON line")
            continue
        yield _parse_jsonl(raw, where, default_outlet)
    if not seen_any:
        yield RecordError(origin, "the file is empty")


def _parse_jsonl(raw: bytes, where: str, default_outlet: str | None) -> Item:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return RecordError(where, f"is not UTF-8 text (bad byte 0x{raw[exc.start]:02X})")
    try:
        return parse_jsonl_line(line, origin=where, default_outlet=default_outlet)
    except RecordInvalid as exc:
        return RecordError(where, str(exc))
    except Exception as exc:
        return _unexpected(where, exc)


def _lines(handle: BinaryIO, limit: int) -> Iterator[tuple[bytes, int]]:
    """(line, size) for each line; a line longer than `limit` comes as (its first bytes, size)."""
    while line := handle.readline(limit + 1):
        size = len(line)
        if size > limit:
            head = line
            while not line.endswith(b"\n") and (line := handle.readline(_SKIP_CHUNK)):
                size += len(line)
            yield head[:16], size
        else:
            yield line, size


def _unexpected(origin: str, exc: Exception) -> RecordError:
    # A reader bug on one input must not end the run: the import writes as it reads, and the
    # inputs after this one would be lost. The traceback goes to the log for whoever fixes it.
    logger.error("reading %s failed", origin, exc_info=exc)
    return RecordError(origin, f"could not be read (a bug in Claim Desk: {type(exc).__name__})")


def _where(data: bytes, index: int) -> str:
    line = data.count(b"\n", 0, index) + 1
    column = index - (data.rfind(b"\n", 0, index) + 1) + 1
    return f"line {line}, column {column}"


def _not_utf8(data: bytes, exc: UnicodeDecodeError, *, html: bool = False) -> str:
    line = data.count(b"\n", 0, exc.start) + 1
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    advice = (
        "declare its charset with <meta charset=...> or save it as UTF-8"
        if html
        else ("save it as UTF-8")
    )
    return (
        f"is not UTF-8 text (bad byte 0x{data[exc.start]:02X} at line {line}, column {column}); "
        f"{advice}"
    )


def _too_big(size: int | None, limit: int, *, what: str = "file") -> str:
    actual = f"is {_mb(size)}, " if size is not None else "is "
    return f"the {what} {actual}over the import limit of {_mb(limit)} (CLAIMDESK_MAX_IMPORT_BYTES)"


def _mb(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} bytes"


def read_bytes(
    data: bytes, *, name: str, max_bytes: int, default_outlet: str | None = None
) -> Iterator[Item]:
    """Records and errors from one uploaded file, chosen by its name as a file on disk would be.

    The review UI's uploads: the same formats, limits and named errors as `read_paths`.
    """
    fmt = EXTENSIONS.get(Path(name).suffix.lower())
    if fmt is None:
        yield RecordError(
            name,
            f"unknown file type {Path(name).suffix or '(no extension)'!r}; use .txt, .html or .jsonl",
        )
        return
    if fmt == "jsonl":
        yield from _read_jsonl(io.BytesIO(data), name, max_bytes, default_outlet)
        return
    if len(data) > max_bytes:
        yield RecordError(name, _too_big(len(data), max_bytes))
        return
    yield _parse_document(data, fmt, name, default_outlet)
