"""Readers: encodings, delimiters, quoting, line ends, blank cells, formulas, legacy workbooks."""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlrd

from ingest import readers
from ingest.errors import IngestError
from ingest.pipeline import resolve
from ingest.readers import Uncalculated, csvfile
from portal.config import DATASETS_DIR

ECO_XLS = DATASETS_DIR / "raw" / "kazakhstan_stat" / "eco.xls"


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- CSV ----------------------------------------------------------------------------------


def test_utf8_bom_is_not_part_of_the_first_header(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.csv", "\ufeffКод;Наименование\n01;Образование\n".encode())
    sheet = readers.read(path)
    assert sheet.rows == [["Код", "Наименование"], ["01", "Образование"]]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_with_a_bom_is_read(tmp_path: Path, encoding: str) -> None:
    text = "Code\tName\tAmount\r\n007\tЖетісу\t1 234,5\r\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    sheet = readers.read(write(tmp_path / "unicode.txt", data))
    assert sheet.rows == [["Code", "Name", "Amount"], ["007", "Жетісу", "1 234,5"]]


def test_semicolons_win_over_decimal_commas(tmp_path: Path) -> None:
    data = "Код;План;Факт\n01;1234,5;1000,25\n02;7,5;0,5\n".encode()
    sheet = readers.read(write(tmp_path / "semi.csv", data))
    assert sheet.rows[1] == ["01", "1234,5", "1000,25"]
    assert all(len(row) == 3 for row in sheet.rows)


def test_commas_when_the_semicolon_is_only_in_text(tmp_path: Path) -> None:
    data = b'Code,Name,Amount\n01,"Roads; bridges",10\n02,"Schools; clinics",20\n'
    sheet = readers.read(write(tmp_path / "comma.csv", data))
    assert sheet.rows[1] == ["01", "Roads; bridges", "10"]


def test_tabs_are_sniffed(tmp_path: Path) -> None:
    sheet = readers.read(write(tmp_path / "tabs.tsv", b"a\tb\tc\n1\t2,5\t3\n"))
    assert sheet.rows == [["a", "b", "c"], ["1", "2,5", "3"]]


def test_doubled_quotes_inside_fields(tmp_path: Path) -> None:
    data = b'Supplier,Purpose\n"SHPK ""ALBA"" 2014","repair, ""urgent"""\n'
    sheet = readers.read(write(tmp_path / "quotes.csv", data))
    assert sheet.rows[1] == ['SHPK "ALBA" 2014', 'repair, "urgent"']


def test_crlf_line_ends_and_a_line_break_inside_a_field(tmp_path: Path) -> None:
    data = b'Code,Purpose,Amount\r\n01,"two\r\nlines",5\r\n02,plain,6\r\n'
    sheet = readers.read(write(tmp_path / "crlf.csv", data))
    assert sheet.rows == [
        ["Code", "Purpose", "Amount"],
        ["01", "two\r\nlines", "5"],
        ["02", "plain", "6"],
    ]


def test_cp1251_is_the_fallback_for_text_that_is_not_utf8(tmp_path: Path) -> None:
    text = "Код;Наименование;Сумма\n01;Образование и наука «Ёлка»;100\n"
    sheet = readers.read(write(tmp_path / "cp1251.csv", text.encode("cp1251")))
    assert sheet.rows[1] == ["01", "Образование и наука «Ёлка»", "100"]


def test_a_declared_encoding_is_used(tmp_path: Path) -> None:
    text = "Code;Name\n01;Ψηφιακή\n"
    sheet = readers.read(write(tmp_path / "greek.csv", text.encode("cp1253")), encoding="cp1253")
    assert sheet.rows[1] == ["01", "Ψηφιακή"]


def test_damaged_utf8_is_not_mistaken_for_cp1251(tmp_path: Path) -> None:
    lines = [f"{i:02d};Образование {i};{i}\n".encode() for i in range(1, 40)]
    lines[20] = lines[20].replace("Образование".encode(), b"\xd0\x9e\xff\xfe")
    with pytest.raises(IngestError, match=r"damaged.csv, row 22: byte 0xff is not valid utf-8"):
        readers.read(write(tmp_path / "damaged.csv", b"Code;Name;Amount\n" + b"".join(lines)))


def test_a_lone_space_is_empty(tmp_path: Path) -> None:
    sheet = readers.read(write(tmp_path / "blank.csv", b"a,b,c\n1, ,\n \t,x,  \n"))
    assert sheet.rows == [["a", "b", "c"], ["1", None, None], [None, "x", None]]


def test_text_keeps_its_inner_and_outer_spacing(tmp_path: Path) -> None:
    sheet = readers.read(write(tmp_path / "spacing.csv", b"a,b\n1, SALARY   CONTROL \n"))
    assert sheet.rows[1] == ["1", " SALARY   CONTROL "]


def test_unterminated_quote_names_the_row(tmp_path: Path) -> None:
    data = b'a,b\n1,x\n2,"open\n3,y\n'
    with pytest.raises(IngestError, match=r"open.csv, row 3: malformed CSV"):
        readers.read(write(tmp_path / "open.csv", data))


def test_sniff_delimiter_prefers_consistent_widths() -> None:
    assert csvfile.sniff_delimiter("a;b;c\n1,5;2,5;3\n") == ";"
    assert csvfile.sniff_delimiter('a,b,c\n"x;y",1,2\n') == ","


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"%PDF-1.7\n", "PDF"),
        (b"\n  <!DOCTYPE html><html>", "HTML"),
        (b"\xef\xbb\xbf<html lang='kk'>", "HTML"),
        (b"PK\x03\x04\x14\x00", "zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", ".xls"),
        (b"Code,Name\n", None),
    ],
)
def test_sniff_tells_what_a_file_really_is(head: bytes, kind: str | None) -> None:
    found = readers.sniff(head)
    assert (found is None) if kind is None else (found is not None and kind in found)


def test_a_name_stored_decomposed_is_found_when_asked_composed(tmp_path: Path) -> None:
    name = "Республиканский бюджет – йод.csv"  # й decomposes into и + combining breve
    stored = write(tmp_path / unicodedata.normalize("NFD", name), b"a,b\n1,2\n")
    asked = tmp_path / unicodedata.normalize("NFC", name)
    assert str(asked) != str(stored)
    assert resolve(asked).read_bytes() == b"a,b\n1,2\n"


# --- .xlsx ----------------------------------------------------------------------------------


def xlsx_with_cached_results(path: Path) -> Path:
    """A workbook as Excel saves it: formulas with their results, and one without."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Бюджет"
    sheet.append(["Code", "Amount", "Label"])
    sheet.append(["001", 42, "Roads"])
    sheet.append(["002", "=B2*2", '=IF(B2>0,"","x")'])
    sheet.append(["003", "=B2+B3", " "])
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    xml = members["xl/worksheets/sheet1.xml"]
    # Excel stores a number result after the formula, and an empty text result as t="str".
    xml = xml.replace(b"<f>B2*2</f><v />", b"<f>B2*2</f><v>84</v>")
    xml = xml.replace(b'<c r="C3">', b'<c r="C3" t="str">')
    assert b"<v>84</v>" in xml and b't="str"' in xml
    members["xl/worksheets/sheet1.xml"] = xml
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_xlsx_gives_cached_formula_results(tmp_path: Path) -> None:
    sheet = readers.read(xlsx_with_cached_results(tmp_path / "cached.xlsx"))
    assert sheet.name == "Бюджет"
    assert sheet.rows[0] == ["Code", "Amount", "Label"]
    assert sheet.rows[1] == ["001", 42, "Roads"]
    # The cached result, not the formula; an empty text result is an empty cell.
    assert sheet.rows[2] == ["002", 84, None]
    # No result saved: not empty, not a number, but a formula the ingest refuses to guess.
    assert isinstance(sheet.rows[3][1], Uncalculated) and sheet.rows[3][1] == "=B2+B3"
    assert sheet.rows[3][2] is None  # a lone space is empty


def test_xlsx_sheet_by_name(tmp_path: Path) -> None:
    path = xlsx_with_cached_results(tmp_path / "named.xlsx")
    assert readers.read(path, sheet="Бюджет").rows[1][0] == "001"
    with pytest.raises(IngestError, match=r"no sheet named 'Budget'; the file has: 'Бюджет'"):
        readers.read(path, sheet="Budget")


def test_bundled_xlsx_with_formulas_has_every_result_cached() -> None:
    """Philadelphia's workbook holds formulas; Excel saved all their results."""
    path = DATASETS_DIR / "raw" / "us_philadelphia" / "Obligation History.xlsx"
    sheet = readers.read(path)
    formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        formula_cells = [
            (r, c)
            for r, row in enumerate(formulas.active.iter_rows(values_only=True))  # type: ignore[union-attr]
            for c, value in enumerate(row)
            if isinstance(value, str) and value.startswith("=")
        ]
    finally:
        formulas.close()
    assert len(formula_cells) > 100
    assert not any(isinstance(v, Uncalculated) for row in sheet.rows for v in row)
    assert all(isinstance(sheet.rows[r][c], int | float) for r, c in formula_cells[:200])


# --- .xls -----------------------------------------------------------------------------------


def test_xls_cp1251_text() -> None:
    before = ECO_XLS.read_bytes()
    sheet = readers.read(ECO_XLS)
    assert ECO_XLS.read_bytes() == before  # read-only
    assert sheet.name == "ООС"
    cells = [v for row in sheet.rows for v in row if isinstance(v, str)]
    assert "тыс. тенге" in " ".join(cells)
    assert any(v.startswith("Республика Казахстан") for v in cells)
    assert any("Ұлытау" in v for v in cells) and any("Жетісу" in v for v in cells)
    # The same cells through xlrd directly: our reader adds and loses nothing.
    book = xlrd.open_workbook(ECO_XLS)
    grid = book.sheet_by_index(0)
    assert len(sheet.rows) == grid.nrows
    for r in range(grid.nrows):
        for c, cell in enumerate(grid.row(r)):
            value = sheet.rows[r][c]
            if cell.ctype == xlrd.XL_CELL_NUMBER:
                assert value == cell.value
            elif cell.ctype == xlrd.XL_CELL_TEXT and cell.value.strip():
                assert value == cell.value
            else:
                assert value is None
    years = [v for v in sheet.rows[2] if isinstance(v, float)]
    assert years[:2] == [2005.0, 2006.0] and years[-1] == 2022.0
