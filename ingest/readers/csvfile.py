"""Delimited text: encoding (BOM, UTF-8, else cp1251) and delimiter are detected."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ingest.errors import IngestError, Location
from ingest.readers import Sheet

DELIMITERS = ",;\t|"


def decode(raw: bytes, encoding: str | None, file: str) -> str:
    """Text of the file: the declared encoding, a BOM's, UTF-8, or cp1251 as a last resort."""
    if encoding:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as error:
            raise IngestError(f"cannot decode as {encoding}: {error}", Location(file)) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if b"\x00" in raw[:4096]:
        raise IngestError("binary data where a text (CSV) file was expected", Location(file))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Post-Soviet government files that are not UTF-8 are almost always Windows-1251.
        return raw.decode("cp1251", errors="replace")


def sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the first lines into the most, equal-width columns."""
    lines = [line for line in sample.splitlines()[:20] if line.strip()]
    best, best_score = ",", 0
    for delimiter in DELIMITERS:
        widths = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        if not widths or widths[0] < 2:
            continue
        score = widths[0] * sum(1 for w in widths if w == widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read(path: Path, encoding: str | None) -> Sheet:
    text = decode(path.read_bytes(), encoding, path.name)
    delimiter = sniff_delimiter(text[:65536])
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        rows = [[None if cell == "" else cell for cell in row] for row in reader]
    except csv.Error as error:
        raise IngestError(f"malformed CSV ({error})", Location(path.name)) from None
    return Sheet(path.name, None, rows)
