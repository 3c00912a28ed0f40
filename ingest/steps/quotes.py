"""Text whose quotes were escaped twice: a published quote still reads `""` after CSV."""

from __future__ import annotations

from ingest.readers import Sheet


def undouble(sheet: Sheet) -> int:
    """Turn every doubled quote left after CSV unquoting into one; the number of cells fixed.

    Some exports escape quotes once more than CSV needs, so after the CSV reader has done its
    work a published `"` still reads `""`.
    """
    fixed = 0
    for row in sheet.rows:
        for i, value in enumerate(row):
            if isinstance(value, str) and '""' in value:
                row[i] = value.replace('""', '"')
                fixed += 1
    return fixed
