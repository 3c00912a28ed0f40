"""Delimited text: encoding (BOM, UTF-8, else cp1251) and delimiter are detected."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ingest.errors import IngestError, Location
from ingest.readers import Sheet

DELIMITERS = ",;\t|"
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def decode(raw: bytes, encoding: str | None, file: str) -> str:
    """Text of the file: the declared encoding, a BOM's, UTF-8, or cp1251 as a last resort."""
    if encoding:
        try:
            return raw.decode(encoding)
        except LookupError:
            raise IngestError(
                f"unknown encoding '{encoding}' in the recipe", Location(file)
            ) from None
        except UnicodeDecodeError as error:
            raise IngestError(
                f"the recipe declares encoding '{encoding}', but byte {raw[error.start]:#04x} "
                f"cannot be {encoding}; fix `encoding` in [source] or remove it to detect it",
                Location(file, row=_line_of(raw, error.start)),
            ) from None
    for bom, name in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(name)
            except UnicodeDecodeError as error:
                raise _damaged(raw, error.start + len(bom), name, file) from None
    head, nul = raw[:4096], raw.find(b"\x00")
    if nul >= 0:  # never in text; Python's csv module would keep it as a character
        if _looks_utf16(head):
            raise IngestError(
                "the file looks like UTF-16 text without a byte-order mark; declare "
                'encoding = "utf-16-le" (or "utf-16-be") in [source]',
                Location(file),
            )
        raise IngestError(
            "binary data (NUL bytes) in what should be CSV text: the file is damaged or not a CSV",
            Location(file, row=_line_of(raw, nul)),
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        if _mostly_utf8(raw):
            # Real UTF-8 all over the file: a few bad bytes are damage, not another encoding.
            raise _damaged(raw, error.start, "utf-8", file) from None
        # Post-Soviet government files that are not UTF-8 are almost always Windows-1251.
        return raw.decode("cp1251", errors="replace")


def _mostly_utf8(raw: bytes) -> bool:
    """Many well-formed non-ASCII UTF-8 characters and few bad bytes (cp1251 text has many)."""
    decoded = raw.decode("utf-8", errors="replace")
    bad = decoded.count("\ufffd")
    good = len(decoded) - len(decoded.encode("ascii", errors="ignore")) - bad
    return good >= 20 * bad


def _looks_utf16(head: bytes) -> bool:
    """Mostly ASCII text in UTF-16: every other byte is NUL."""
    even, odd = head[0::2], head[1::2]
    return max(even.count(0), odd.count(0)) > 0.4 * len(odd)


def _damaged(raw: bytes, offset: int, encoding: str, file: str) -> IngestError:
    return IngestError(
        f"byte {raw[offset]:#04x} is not valid {encoding} text though the rest of the file is; "
        "the file is damaged (download it again) or declare its `encoding` in [source]",
        Location(file, row=_line_of(raw, offset)),
    )


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
    """Every record of the file; a malformed one is reported with the row it starts on."""
    text = decode(path.read_bytes(), encoding, path.name)
    delimiter = sniff_delimiter(text[:65536])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[str | None]] = []
    try:
        for row in reader:
            # A cell of spaces looks empty to the person who reads the file: it is empty.
            rows.append([cell if cell.strip() else None for cell in row])
    except csv.Error as error:
        raise IngestError(
            f"malformed CSV ({error}): a double quote opened in this row is not closed, "
            'or a quote inside a field is not doubled ("")',
            Location(path.name, row=len(rows) + 1),
        ) from None
    return Sheet(path.name, None, rows)
