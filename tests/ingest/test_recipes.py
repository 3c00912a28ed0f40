"""Recipes: misspelt options are errors that name the key, and every bundled recipe parses."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import recipes
from ingest.errors import IngestError

HEAD = """
[dataset]
id = "x"
title = "X"
publisher = "P"
country = "KZ"
level = "national"
kind = "budget"
currency = "KZT"
"""


@pytest.mark.parametrize(
    "source, words",
    [
        (
            '[source]\nfiles = ["a.csv"]\nheader_row = 2\n',
            "[source] has unknown key(s) ['header_row']",
        ),
        ('[source]\nfiles = "a.csv"\n', "[source] files must be a list"),
    ],
)
def test_a_wrong_source_option_is_named(tmp_path: Path, source: str, words: str) -> None:
    path = tmp_path / "x.toml"
    path.write_text(HEAD + source, encoding="utf-8")
    with pytest.raises(IngestError) as raised:
        recipes.parse(path)
    assert words in str(raised.value)
    assert str(raised.value).startswith("x.toml: ")


def test_every_bundled_recipe_parses_and_names_existing_files() -> None:
    bundled = recipes.bundled()
    assert len({r.id for r in bundled}) == len(bundled)
    for recipe in bundled:
        assert recipe.files(), recipe.id
        assert all(path.is_file() for path in recipe.files()), recipe.id
