"""Turning paths (files, folders, "-" for stdin) into a stream of article records or errors.

Every problem with one input becomes a RecordError naming the file (and line, for JSON Lines), so
a run goes on past it. Records stream one at a time: a large JSON Lines file is never held whole.
"""

from __future__ import annotations

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
_BINARY_SNIFF = 8192

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
    origin = str(path)
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
        yield from _read_jsonl_lines(
            data.splitlines(keepends=True), STDIN_ORIGIN, max_bytes, outlet
        )
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
    problem = _binary_or_empty(data)
    if problem:
        return RecordError(origin, problem)
    try:
        if fmt == "html":
            try:
                html = decode_html(data)
            except UnicodeDecodeError as exc:
                return RecordError(origin, _not_utf8(data, exc, html=True))
            return parse_html(html, origin=origin, default_outlet=default_outlet)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return RecordError(origin, _not_utf8(data, exc))
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return parse_text(text, origin=origin, default_outlet=default_outlet)
    except RecordInvalid as exc:
        return RecordError(origin, str(exc))


def _read_jsonl(
    handle: BinaryIO, origin: str, max_bytes: int, default_outlet: str | None
) -> Iterator[Item]:
    head = handle.peek(_BINARY_SNIFF)[:_BINARY_SNIFF] if hasattr(handle, "peek") else b""
    if b"\x00" in head:
        yield RecordError(origin, "looks like a binary file (it contains NUL bytes), not text")
        return
    yield from _read_jsonl_lines(handle, origin, max_bytes, default_outlet)


def _read_jsonl_lines(
    lines: Iterable[bytes], origin: str, max_bytes: int, default_outlet: str | None
) -> Iterator[Item]:
    seen_any = False
    for number, raw in enumerate(lines, start=1):
        where = f"{origin}:{number}"
        if len(raw) > max_bytes:
            yield RecordError(where, _too_big(len(raw), max_bytes, what="line"))
            continue
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.strip():
            continue
        seen_any = True
        if b"\x00" in raw:
            yield RecordError(where, "contains NUL bytes: binary data, not a JSON line")
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield RecordError(where, f"is not UTF-8 text (bad byte 0x{raw[exc.start]:02X})")
            continue
        try:
            yield parse_jsonl_line(line, origin=where, default_outlet=default_outlet)
        except RecordInvalid as exc:
            yield RecordError(where, str(exc))
    if not seen_any:
        yield RecordError(origin, "the file is empty")


def _binary_or_empty(data: bytes) -> str | None:
    if not data.strip():
        return "the file is empty"
    if b"\x00" in data[:_BINARY_SNIFF]:
        return "looks like a binary file (it contains NUL bytes), not text"
    return None


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
        yield from _read_jsonl_lines(
            data.splitlines(keepends=True), name, max_bytes, default_outlet
        )
        return
    if len(data) > max_bytes:
        yield RecordError(name, _too_big(len(data), max_bytes))
        return
    yield _parse_document(data, fmt, name, default_outlet)
