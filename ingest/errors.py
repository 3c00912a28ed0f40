"""Ingest errors and problems: data a person can act on, never a bare traceback."""

from __future__ import annotations

import re
from dataclasses import dataclass


def column_letter(col: int) -> str:
    """1 -> A, 27 -> AA: how spreadsheet users name a column."""
    letters = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class Location:
    """Where in a source file something is: file, sheet, 1-based row and column."""

    file: str
    sheet: str | None = None
    row: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.col is not None:
            parts.append(f"column {column_letter(self.col)}")
        return ", ".join(parts)


class IngestError(Exception):
    """A file or recipe the ingest cannot use; the message says where and what was expected."""

    def __init__(self, message: str, where: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        # One line: messages quote library errors and cells, which may hold line breaks.
        message = re.sub(r"\s*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+\s*", " ", self.message)
        return f"{self.where}: {message}" if self.where else message


@dataclass(frozen=True)
class Problem:
    """A row the ingest skipped or doubted, kept in the report."""

    where: Location
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"
