"""Regions: one recipe reads every region's edition of a report and names the dataset after it.

A regional recipe writes `{region}` (the name as written) and `{region_slug}` (a Latin slug
for ids and URLs) in its [dataset] values. The region is given (`ashyq ingest --region`) or
read from the file name by `[source] region_from_filename = "<regex with one group>"`.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.errors import IngestError, Location

if TYPE_CHECKING:
    from ingest.recipes import Recipe

# Russian and Kazakh Cyrillic to plain ASCII Latin (a common Russian romanisation; Kazakh
# letters to their nearest Latin letter): for slugs of region names, not for display.
_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u",
    "һ": "h", "і": "i",
}  # fmt: skip

# A region name: letters (any script), digits, spaces and the punctuation of place names.
_SAFE = re.compile(r"^[^\W_][\w .\-()']{0,79}$")
# "г_Алматы", "г. Алматы", "г Алматы": the city marker is not part of the name's slug.
_CITY = re.compile(r"^г(?:\.\s*|_|\s+)", re.IGNORECASE)


def display_name(raw: str) -> str:
    """The region as written: file names write spaces as underscores."""
    name = " ".join(raw.replace("_", " ").split())
    return _CITY.sub("г. ", name) if _CITY.match(raw) else name


def slug(name: str) -> str:
    """A Latin slug: 'г_Алматы' -> 'almaty', 'Акмолинская область' -> 'akmolinskaya-oblast'."""
    if not _SAFE.match(name.strip()):
        raise IngestError(
            f"region {name!r} is not a place name (letters, digits, spaces, '.', '-', '()' only)"
        )
    bare = _CITY.sub("", name.strip())
    out = []
    for char in bare.casefold():
        if char in _LATIN:
            out.append(_LATIN[char])
        elif char.isascii() and char.isalnum():
            out.append(char)
        elif char in " _-.()'":
            out.append("-")
        else:
            raise IngestError(
                f"region {name!r}: no Latin spelling for {char!r}; give --region in Latin "
                "or Russian/Kazakh Cyrillic"
            )
    result = re.sub(r"-+", "-", "".join(out)).strip("-")
    if not result:
        raise IngestError(f"region {name!r} gives an empty slug")
    return result


def region_of(recipe: Recipe, paths: list[Path], given: str | None) -> str:
    """The region given on the command line, else the one every file name names."""
    if given:
        return given.strip()
    pattern = recipe.source.get("region_from_filename")
    if not pattern:
        raise recipe.error(
            "this recipe names its dataset after a region: give --region, or declare "
            "[source] region_from_filename"
        )
    found = set()
    for path in paths:
        # File systems differ in Unicode normal form (й may arrive decomposed).
        match = re.search(pattern, unicodedata.normalize("NFC", path.stem))
        if not match:
            raise IngestError(
                f"the file name does not match {pattern!r}, which gives the region; give --region",
                Location(path.name),
            )
        found.add(match[1])
    if len(found) != 1:
        raise recipe.error(f"the files name different regions {sorted(found)}; ingest each alone")
    return found.pop()


def dataset_meta(recipe: Recipe, paths: list[Path], given: str | None) -> dict[str, str]:
    """[dataset] with {region} and {region_slug} filled in for these files."""
    template = recipe.dataset_template or recipe.dataset
    raw = region_of(recipe, paths, given)
    values = {"region": display_name(raw), "region_slug": slug(raw)}
    meta = {}
    for key, value in template.items():
        try:
            meta[key] = value.format(**values)
        except (KeyError, IndexError, ValueError) as error:
            raise recipe.error(
                f"[dataset] {key}: only {{region}} and {{region_slug}} can be filled ({error})"
            ) from None
    return meta
