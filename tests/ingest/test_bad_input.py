"""Bad input: every broken file or recipe is one actionable line, exit status 1, no changes.

Each case builds its broken file in tmp_path, runs `ashyq ingest <recipe> --file <path>` and
checks the single line names the file (and sheet, row, column where they apply) and what was
expected; a dump of every table is the same before and after, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import random
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, MetaData, select

from ingest import pipeline, recipes
from portal import migrate
from portal.cli import main
from portal.config import DATASETS_DIR
from tests.conftest import BACKENDS, drop_postgres, new_engine
from tests.helpers import current_version_id

PAYMENTS_ID = "al-treasury-payments-2014-12"
ALBANIAN = DATASETS_DIR / "raw" / "albania_treasury" / "treasury.csv"
ECO_XLS = DATASETS_DIR / "raw" / "kazakhstan_stat" / "eco.xls"

BUDGET_RECIPE = """\
[dataset]
id = "test-wide-budget"
title = "A small wide budget"
publisher = "Test publisher"
country = "XX"
level = "national"
kind = "budget"
currency = "XXX"

[source]
files = ["budget.csv"]
unit = 1000
{source_extra}

[[classification]]
key = "administrative"
levels = [{{ name = "Item", code = "Code", label = "Name" }}]

[[measure]]
key = "spending"
columns = "re:^20\\\\d\\\\d$"
phase = "approved"
"""

BUDGET_ROWS: list[list[Any]] = [
    ["Code", "Name", "2020", "2021"],
    ["01", "Education", "100", "110"],
    ["02", "Health", "200", "220"],
    ["03", "Roads", "300", "-"],
]


def budget_recipe(folder: Path, source_extra: str = "", name: str = "budget.toml") -> Path:
    path = folder / name
    path.write_text(BUDGET_RECIPE.format(source_extra=source_extra), encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[Any]], title: str = "Data") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def albanian_rows() -> list[list[str]]:
    with ALBANIAN.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def albanian_with(row: int, column: str, value: str) -> list[list[str]]:
    """The Albanian file with one cell (1-based file row, header name) replaced."""
    rows = albanian_rows()
    rows[row - 1][rows[0].index(column)] = value
    return rows


def numeric_budget_xlsx(path: Path) -> Path:
    rows = [r[:2] + [int(v) if v.isdigit() else v for v in r[2:]] for r in BUDGET_ROWS[1:]]
    return write_xlsx(path, [BUDGET_ROWS[0], *rows])


@dataclass(frozen=True)
class Case:
    """A broken input: `build(tmp_path)` gives the CLI arguments; `expect` must be in the line."""

    id: str
    build: Callable[[Path], list[str]]
    expect: tuple[str, ...]


def payments_file(name: str, make: Callable[[Path], Any]) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        path = folder / name
        make(path)
        return [PAYMENTS_ID, "--file", str(path)]

    return build


def budget_file(
    name: str, make: Callable[[Path], Any], source_extra: str = ""
) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        path = folder / name
        make(path)
        return [str(budget_recipe(folder, source_extra)), "--file", str(path)]

    return build


def recipe_only(text: str, name: str = "broken.toml") -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return [str(path)]

    return build


def _truncated_xlsx(path: Path) -> None:
    full = numeric_budget_xlsx(path.with_name("whole.xlsx")).read_bytes()
    path.write_bytes(full[: len(full) // 2])


def _random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(7).randbytes(6000))


def _truncated_xls(path: Path) -> None:
    full = ECO_XLS.read_bytes()
    path.write_bytes(full[:4096])


def _pdf(path: Path) -> None:
    path.write_bytes(
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n"
        b"%%EOF\n"
    )


def _html(path: Path) -> None:
    path.write_text(
        "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"
        "<body><h1>Not Found</h1><p>The requested URL was not found, sorry.</p></body></html>\n",
        encoding="utf-8",
    )


def _xlsx_named_csv(path: Path) -> None:
    numeric_budget_xlsx(path.with_name("real.xlsx"))
    path.write_bytes(path.with_name("real.xlsx").read_bytes())


def _xls_named_xlsx(path: Path) -> None:
    path.write_bytes(ECO_XLS.read_bytes())


def _unterminated_quote(path: Path) -> None:
    rows = albanian_rows()
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows[:5])
    text = buffer.getvalue() + ",".join(rows[5][:8]) + ',"Min.Bujqesise pagese, e pambyllur\n'
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows[6:])
    path.write_text(text + buffer.getvalue(), encoding="utf-8")


def _no_header(path: Path) -> None:
    write_csv(path, albanian_rows()[1:])


def _renamed_column(path: Path) -> None:
    rows = albanian_rows()
    rows[0][rows[0].index("Value")] = "Amount paid"
    write_csv(path, rows)


def _utf16_without_bom(path: Path) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(albanian_rows())
    path.write_bytes(buffer.getvalue().encode("utf-16-le"))


def _cp1251(path: Path) -> None:
    rows = [
        BUDGET_ROWS[0],
        ["01", "Образование", "100", "110"],
        ["02", "Здравоохранение", "2", "3"],
    ]
    write_csv(path, rows, encoding="cp1251")


def _nul_garbage(path: Path) -> None:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(albanian_rows())
    lines = buffer.getvalue().encode("utf-8").split(b"\n")
    # Past the first 4 KB, so that only the CSV parser can notice it.
    lines[30] = lines[30][:40] + b"\x00\x00\xff\xfe\x00garbage\x00" + lines[30][40:]
    path.write_bytes(b"\n".join(lines))


def _uncached_formulas(path: Path) -> None:
    # openpyxl writes formulas without results, like any program that does not calculate.
    rows: list[list[Any]] = [
        BUDGET_ROWS[0],
        ["01", "Education", 100, 110],
        ["02", "Health", "=C2*2", "=D2*2"],
    ]
    write_xlsx(path, rows)


def _ods(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")


def _typo_dataset_key(folder: Path) -> list[str]:
    path = folder / "typo.toml"
    text = budget_recipe(folder).read_text(encoding="utf-8").replace("title =", "titel =")
    path.write_text(text, encoding="utf-8")
    write_csv(folder / "budget.csv", BUDGET_ROWS)
    return [str(path)]


def _typo_payments_key(folder: Path) -> list[str]:
    path = folder / "typo.toml"
    recipe = (DATASETS_DIR / f"{PAYMENTS_ID}.toml").read_text(encoding="utf-8")
    path.write_text(recipe.replace('amount = "Value"', 'ammount = "Value"'), encoding="utf-8")
    return [str(path), "--file", str(ALBANIAN)]


def _missing_recipe_file(folder: Path) -> list[str]:
    path = budget_recipe(folder)
    path.write_text(
        path.read_text(encoding="utf-8").replace("budget.csv", "budget-2031.csv"), encoding="utf-8"
    )
    return [str(path)]


def _missing_sheet(folder: Path) -> list[str]:
    data = numeric_budget_xlsx(folder / "budget.xlsx")
    return [str(budget_recipe(folder, 'sheet = "Budget"')), "--file", str(data)]


CASES = [
    Case(
        "empty file",
        payments_file("empty.csv", lambda p: p.write_bytes(b"")),
        ("empty.csv", "empty"),
    ),
    Case(
        "header only",
        payments_file("header.csv", lambda p: write_csv(p, albanian_rows()[:1])),
        ("header.csv", "no line items or payments"),
    ),
    Case(
        "truncated xlsx",
        budget_file("cut.xlsx", _truncated_xlsx),
        ("cut.xlsx", "not a readable .xlsx"),
    ),
    Case(
        "random bytes xlsx",
        budget_file("noise.xlsx", _random_bytes),
        ("noise.xlsx", "not a readable .xlsx"),
    ),
    Case(
        "random bytes xls",
        budget_file("noise.xls", _random_bytes),
        ("noise.xls", "not a readable .xls"),
    ),
    Case("truncated xls", budget_file("cut.xls", _truncated_xls), ("cut.xls", ".xls")),
    Case("pdf named csv", payments_file("report.csv", _pdf), ("report.csv", "PDF")),
    Case("html named csv", payments_file("page.csv", _html), ("page.csv", "HTML")),
    Case("xlsx named csv", budget_file("book.csv", _xlsx_named_csv), ("book.csv", ".xlsx")),
    Case("xls named xlsx", budget_file("old.xlsx", _xls_named_xlsx), ("old.xlsx", ".xls")),
    Case(
        "unterminated quote",
        payments_file("quote.csv", _unterminated_quote),
        ("quote.csv", "row 6", "quote"),
    ),
    Case("header missing", payments_file("headless.csv", _no_header), ("headless.csv", "header")),
    Case(
        "missing column",
        payments_file("renamed.csv", _renamed_column),
        ("renamed.csv", "'Value'", "Amount paid"),
    ),
    Case("missing sheet", _missing_sheet, ("budget.xlsx", "'Budget'", "'Data'")),
    Case(
        "text amount",
        payments_file("abc.csv", lambda p: write_csv(p, albanian_with(4, "Value", "abc"))),
        ("abc.csv", "row 4", "column D", "'Value'", "abc"),
    ),
    Case(
        "three commas amount",
        payments_file("commas.csv", lambda p: write_csv(p, albanian_with(7, "Value", "12,3,4"))),
        ("commas.csv", "row 7", "column D", "12,3,4"),
    ),
    Case(
        "nan amount",
        payments_file("nan.csv", lambda p: write_csv(p, albanian_with(3, "Value", "NaN"))),
        ("nan.csv", "row 3", "column D", "NaN"),
    ),
    Case(
        "infinite amount",
        budget_file("inf.csv", lambda p: write_csv(p, [*BUDGET_ROWS, ["04", "Debt", "inf", "1"]])),
        ("inf.csv", "row 5", "column C", "inf"),
    ),
    Case(
        "invalid date",
        payments_file(
            "date.csv", lambda p: write_csv(p, albanian_with(9, "Date executed", "2014-13-45"))
        ),
        ("date.csv", "row 9", "column F", "date", "2014-13-45"),
    ),
    Case(
        "utf-16 without bom",
        payments_file("utf16.csv", _utf16_without_bom),
        ("utf16.csv", "UTF-16", "encoding"),
    ),
    Case(
        "cp1251 declared utf-8",
        budget_file("cyrillic.csv", _cp1251, 'encoding = "utf-8"'),
        ("cyrillic.csv", "utf-8", "row 2"),
    ),
    Case("binary garbage in csv", payments_file("nul.csv", _nul_garbage), ("nul.csv", "row 31")),
    Case(
        "huge number",
        payments_file(
            "huge.csv", lambda p: write_csv(p, albanian_with(5, "Value", "1" + "0" * 30))
        ),
        ("huge.csv", "row 5", "column D", "too large"),
    ),
    Case(
        "huge after unit factor",
        budget_file(
            "scaled.csv", lambda p: write_csv(p, [*BUDGET_ROWS, ["04", "Debt", "9" * 16, "1"]])
        ),
        ("scaled.csv", "row 5", "column C", "too large"),
    ),
    Case(
        "formulas without cached values",
        budget_file("formulas.xlsx", _uncached_formulas),
        ("formulas.xlsx", "sheet 'Data'", "row 3", "column C", "formula"),
    ),
    Case("unsupported extension", budget_file("budget.ods", _ods), ("budget.ods", "unsupported")),
    Case(
        "file does not exist",
        lambda folder: [PAYMENTS_ID, "--file", str(folder / "nowhere.csv")],
        ("nowhere.csv", "not found"),
    ),
    Case("recipe names a missing file", _missing_recipe_file, ("budget-2031.csv", "not found")),
    Case("typo in dataset key", _typo_dataset_key, ("typo.toml", "titel")),
    Case("typo in payments key", _typo_payments_key, ("typo.toml", "ammount")),
    Case(
        "invalid toml",
        recipe_only('[dataset]\nid = "x\ntitle = 3\n'),
        ("broken.toml", "not a valid TOML"),
    ),
]


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    meta = MetaData()
    meta.reflect(engine)
    result = {}
    with engine.connect() as connection:
        for name, table in sorted(meta.tables.items()):
            rows = connection.execute(select(table)).all()
            result[name] = sorted((tuple(r) for r in rows), key=repr)
    return result


@pytest.fixture(scope="module", params=BACKENDS)
def base(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A database already holding the Albanian payments and a small wide budget."""
    folder = tmp_path_factory.mktemp("bad_input_base")
    engine = new_engine(request.param, folder, "bad_input")
    migrate.upgrade(engine)
    pipeline.ingest(engine, recipes.load(PAYMENTS_ID))
    write_csv(folder / "budget.csv", BUDGET_ROWS)
    pipeline.ingest(engine, recipes.parse(budget_recipe(folder)))
    yield engine
    drop_postgres(engine)


@pytest.fixture
def cli(base: Engine, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", base.url.render_as_string(hide_password=False))
    return CliRunner()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_line_and_changes_nothing(
    case: Case, base: Engine, cli: CliRunner, tmp_path: Path
) -> None:
    before = dump(base)
    versions = {d: current_version_id(base, d) for d in (PAYMENTS_ID, "test-wide-budget")}
    args = case.build(tmp_path)

    result = cli.invoke(main, ["ingest", *args, "--quiet"])

    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # handled, no traceback
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: "), lines[0]
    assert "Traceback" not in lines[0]
    for expected in case.expect:
        assert expected in lines[0], f"{expected!r} not in {lines[0]!r}"
    assert {d: current_version_id(base, d) for d in versions} == versions
    assert dump(base) == before


def test_bad_input_corpus_is_large_enough() -> None:
    assert len(CASES) >= 20


def test_name_stored_nfd_asked_nfc_is_found(base: Engine, cli: CliRunner, tmp_path: Path) -> None:
    """macOS stores names decomposed; a recipe or a shell types them composed."""
    name = "Pagesat e Ministrisë – dhjetor.csv"
    stored = tmp_path / unicodedata.normalize("NFD", name)
    stored.write_bytes(ALBANIAN.read_bytes().replace(b"1308049", b"1308050"))
    asked = tmp_path / unicodedata.normalize("NFC", name)
    assert not asked.exists()  # the two spellings really are different names here
    before = current_version_id(base, PAYMENTS_ID)

    result = cli.invoke(main, ["ingest", PAYMENTS_ID, "--file", str(asked), "--quiet"])

    assert result.exit_code == 0, result.output
    assert "new version" in result.output
    assert current_version_id(base, PAYMENTS_ID) != before
    # Put the bundled file back as current, so that other tests see the original figures.
    result = cli.invoke(main, ["ingest", PAYMENTS_ID, "--file", str(ALBANIAN), "--quiet"])
    assert result.exit_code == 0, result.output
