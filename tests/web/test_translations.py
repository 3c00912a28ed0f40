"""The committed message catalogues: compiled .mo files match their .po sources, and every
message of the pages is translated into Kazakh and Russian."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "portal" / "translations"
LANGS = ("kk", "ru")


def catalogue(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES"


def source_messages() -> set[str | tuple[str, ...]]:
    """Every message the templates and views mark for translation."""
    found: set[str | tuple[str, ...]] = set()
    method_map = [("portal/views/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords=keywords
    ):
        found.add(message)
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_the_compiled_catalogue_is_up_to_date_with_its_source(lang: str) -> None:
    with (catalogue(lang) / "messages.po").open("rb") as handle:
        po = read_po(handle, locale=lang)
    with (catalogue(lang) / "messages.mo").open("rb") as handle:
        mo = gettext.GNUTranslations(handle)
    checked = 0
    for message in po:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, str):
            assert mo.gettext(message.id) == message.string, message.id
        else:
            forms = tuple(message.string or ())
            for n in (1, 2, 5, 21):
                assert mo.ngettext(message.id[0], message.id[1], n) in forms, message.id
            assert mo.ngettext(message.id[0], message.id[1], 1) == forms[0]
        checked += 1
    assert checked > 100
    # And nothing in the .mo that the .po no longer has.
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in po if m.id}
    assert set(k if isinstance(k, str) else k[0] for k in mo._catalog if k) <= ids  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_of_the_pages_is_translated(lang: str) -> None:
    with (catalogue(lang) / "messages.po").open("rb") as handle:
        po = read_po(handle, locale=lang)
    translated = {
        m.id
        for m in po
        if m.id
        and not m.fuzzy
        and (m.string if isinstance(m.string, str) else all(tuple(m.string or ())))
    }
    missing = sorted(map(str, source_messages() - translated))
    assert missing == [], f"untranslated in {lang}: {missing[:10]}"
