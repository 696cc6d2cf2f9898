"""Bytes -> text the way Python reads a source file (PEP 263 cookie, BOM), and ``# noqa`` comments."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from lstmlint.lines import dominant_newline, line_of, split_lines

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)


class DecodeError(Exception):
    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Source:
    path: str
    text: str
    newline: str = "\n"
    encoding: str = "utf-8"
    bom: bool = False

    def encode(self, text: str) -> bytes:
        """Text back to bytes in the file's own encoding (and BOM), for fixes."""
        data = text.encode(self.encoding)
        return (b"\xef\xbb\xbf" + data) if self.bom and not data.startswith(b"\xef\xbb\xbf") else data


def decode(data: bytes, path: str) -> Source:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise DecodeError(f"cannot decode: {error.msg}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        before = data[: getattr(error, "start", 0)].decode("latin-1")  # counts the line breaks of the bytes
        line = line_of(before, len(before))
        raise DecodeError(f"cannot decode as {encoding}: {error}", line) from None
    bom = data.startswith(b"\xef\xbb\xbf")
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        raise DecodeError("source contains a NUL byte", line_of(text, text.index("\x00")))
    newline = dominant_newline(text)
    # utf-8-sig decodes the BOM away; write back plain utf-8 plus the BOM we saw
    return Source(path, text, newline, "utf-8" if encoding == "utf-8-sig" else encoding, bom)


def noqa_lines(text: str) -> dict[int, list[str] | None]:
    """line -> codes suppressed on it (None means a bare ``# noqa``: everything)."""
    found: dict[int, list[str] | None] = {}
    if "noqa" not in text and "NOQA" not in text:
        return found
    for number, line in enumerate(split_lines(text), start=1):
        if "#" not in line:
            continue
        match = _NOQA.search(line)
        if match:
            codes = match.group("codes")
            found[number] = [c.upper() for c in re.split(r"[\s,]+", codes) if c] if codes else None
    return found
