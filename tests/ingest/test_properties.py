"""Properties of the ingest's arithmetic and mappings, over generated inputs (hypothesis).

Expected figures are computed here from the generated values, never by the steps under test.
The table-level properties run `pipeline.build` (read and map, no database): what it returns
is exactly what `load.store` writes.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ingest import pipeline, recipes
from ingest.batch import Batch
from ingest.steps.codes import code_text, split_code_label
from ingest.steps.values import MAX_AMOUNT, NOT_APPLICABLE, NotANumber, parse_amount

# Derandomised: the same examples on every run, so that a failure is reproducible in CI.
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
TABLE_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)

# --- parse_amount -------------------------------------------------------------------------

amounts = st.decimals(
    min_value=Decimal("-999999999999.99"),
    max_value=Decimal("999999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


def render(
    value: Decimal, decimal_mark: str, thousands: str, parentheses: bool, places: int
) -> str:
    """The amount as a publisher would print it."""
    digits = f"{abs(value):.{places}f}"
    whole, _, fraction = digits.partition(".")
    if thousands:
        groups: list[str] = []
        while len(whole) > 3:
            whole, group = whole[:-3], whole[-3:]
            groups.insert(0, group)
        whole = thousands.join([whole, *groups])
    body = whole + (decimal_mark + fraction if fraction else "")
    if value < 0:
        return f"({body})" if parentheses else f"-{body}"
    return body


notations = st.tuples(
    st.sampled_from([".", ","]),
    st.sampled_from(["", "thousands-mark", " ", "\u00a0", "'"]),
    st.booleans(),
    st.integers(min_value=0, max_value=2),
)


@SETTINGS
@given(amounts, notations)
def test_parse_amount_round_trips_any_notation(
    value: Decimal, notation: tuple[str, str, bool, int]
) -> None:
    decimal_mark, thousands, parentheses, places = notation
    if thousands == "thousands-mark":
        thousands = "," if decimal_mark == "." else "."
    value = round(value, places)
    written = render(value, decimal_mark, thousands, parentheses, places)

    # A recipe that declares the file's decimal mark always gets the exact amount back.
    assert parse_amount(written, decimal_mark) == value

    # Undeclared, the mark is inferred; a lone comma or point before exactly three digits is
    # ambiguous ("1,234"), so only the unambiguous spellings must round trip.
    marks = {c for c in written if c in ",."}
    ambiguous = (
        len(marks) == 1
        and written.count(next(iter(marks))) == 1
        and re.search(r"[,.]\d{3}\)?$", written) is not None
    )
    if not ambiguous:
        assert parse_amount(written) == value


@SETTINGS
@given(amounts)
def test_spreadsheet_numbers_are_exact(value: Decimal) -> None:
    """A number cell written from a 2-place amount (up to 15 digits) reads back as that amount:
    0.1 stays 0.1, not 0.1000000000000000055511151231257827."""
    assert parse_amount(float(value)) == value
    assert parse_amount(int(value)) == Decimal(int(value))


garbage_letters = st.text(
    alphabet=st.characters(categories=["Lu", "Ll", "Lo"]), min_size=1, max_size=4
).filter(lambda s: not set(s) <= set("eE"))


@SETTINGS
@given(amounts, garbage_letters, st.integers(min_value=0, max_value=20))
def test_parse_amount_never_silently_accepts_letters(value: Decimal, letters: str, at: int) -> None:
    written = render(value, ".", ",", False, 2)
    at = min(at, len(written))
    spoiled = written[:at] + letters + written[at:]
    assume(spoiled.strip().casefold() not in NOT_APPLICABLE)
    with pytest.raises(NotANumber):
        parse_amount(spoiled)


@SETTINGS
@given(st.text(max_size=12))
def test_parse_amount_accepts_only_number_characters(raw: str) -> None:
    """Anything at all: an error, "not applicable", or a number spelled only with number marks."""
    try:
        result = parse_amount(raw)
    except NotANumber:
        return
    squeezed = re.sub(r"[\s\u00a0\u202f']", "", raw)
    if result is None:
        assert squeezed == "" or squeezed.casefold() in NOT_APPLICABLE
        return
    assert re.fullmatch(r"[\d.,+\-()eE]+", squeezed), raw
    assert result.is_finite() and abs(result) <= MAX_AMOUNT


@pytest.mark.parametrize(
    "raw", ["abc", "12,3,4", "NaN", "inf", "-Infinity", "1_000", "((5))", "5 5.5.5,5", "0x1F"]
)
def test_parse_amount_refuses_known_garbage(raw: str) -> None:
    with pytest.raises(NotANumber):
        parse_amount(raw)


# --- scaling by a unit factor ---------------------------------------------------------------


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


WIDE_RECIPE = """\
[dataset]
id = "test-generated"
title = "Generated table"
publisher = "Test"
country = "XX"
level = "national"
kind = "budget"
currency = "XXX"

[source]
files = ["table.csv"]
unit = {unit}

[[classification]]
key = "items"
levels = [{{ name = "Item", code = "Code", label = "Name" }}]

[[measure]]
key = "spending"
columns = "re:^\\\\d{{4}}$"
phase = "approved"
"""


def build_wide(rows: list[list[str]], unit: int) -> Batch:
    with TemporaryDirectory() as folder:
        recipe = Path(folder) / "recipe.toml"
        recipe.write_text(WIDE_RECIPE.format(unit=unit), encoding="utf-8")
        write_csv(Path(folder) / "table.csv", rows)
        return pipeline.build(recipes.parse(recipe), [Path(folder) / "table.csv"])


codes = st.from_regex(r"0[0-9]{1,5}", fullmatch=True)
# Words in Latin, Cyrillic and Hebrew script, one space apart.
labels = st.from_regex(r"[A-Za-zА-Яа-яЁёא-ת]{1,8}( [A-Za-zА-Яа-яЁёא-ת]{1,8}){0,2}", fullmatch=True)
cells = st.one_of(
    st.none(),
    st.decimals(
        min_value=Decimal("-99999999.999"),
        max_value=Decimal("99999999.999"),
        places=3,
        allow_nan=False,
        allow_infinity=False,
    ),
)


@st.composite
def wide_tables(draw: st.DrawFn) -> tuple[list[int], dict[str, tuple[str, list[Decimal | None]]]]:
    first = draw(st.integers(min_value=1990, max_value=2030))
    years = list(range(first, first + draw(st.integers(min_value=1, max_value=5))))
    items = draw(
        st.dictionaries(
            codes,
            st.tuples(labels, st.lists(cells, min_size=len(years), max_size=len(years))),
            min_size=1,
            max_size=8,
        )
    )
    assume(any(v is not None for _, values in items.values() for v in values))
    return years, items


def wide_rows(
    years: list[int], items: dict[str, tuple[str, list[Decimal | None]]]
) -> list[list[str]]:
    header = ["Code", "Name", *[str(y) for y in years]]
    body = [
        [code, label, *["-" if v is None else str(v) for v in values]]
        for code, (label, values) in items.items()
    ]
    return [header, *body]


@TABLE_SETTINGS
@given(wide_tables(), st.sampled_from([1, 1000, 1000000]))
def test_scaling_never_changes_a_total(
    table: tuple[list[int], dict[str, tuple[str, list[Decimal | None]]]], unit: int
) -> None:
    years, items = table
    batch = build_wide(wide_rows(years, items), unit)

    facts = [f for line in batch.lines for f in line.facts]
    stored_sum = sum((f.amount for f in facts), Decimal(0))
    published = [v for _, values in items.values() for v in values if v is not None]
    # Sum of the scaled amounts == the scaled sum of the published ones, exactly.
    assert stored_sum == sum(published, Decimal(0)) * unit
    assert sorted(f.amount for f in facts) == sorted(v * unit for v in published)


@TABLE_SETTINGS
@given(wide_tables())
def test_wide_to_long_round_trips(
    table: tuple[list[int], dict[str, tuple[str, list[Decimal | None]]]],
) -> None:
    """Years as columns become one fact per cell; pivoting the facts back gives the table."""
    years, items = table
    batch = build_wide(wide_rows(years, items), 1)
    nodes = batch.classifications["items"].nodes

    pivot: dict[str, tuple[str, list[Decimal | None]]] = {}
    for line in batch.lines:
        node = nodes[line.nodes["items"]]
        assert node.code is not None
        _, values = pivot.setdefault(node.code, (node.label, [None] * len(years)))
        for fact in line.facts:
            assert values[fact.year - years[0]] is None  # one fact per cell
            values[fact.year - years[0]] = fact.amount

    expected = {
        code: (label, values)
        for code, (label, values) in items.items()
        if any(v is not None for v in values)  # a row of dashes holds no fact
    }
    assert pivot == expected


# --- subtotal removal by code length ------------------------------------------------------

TREE_RECIPE = """\
[dataset]
id = "test-code-tree"
title = "Generated code tree"
publisher = "Test"
country = "XX"
level = "national"
kind = "budget"
currency = "XXX"

[source]
files = ["tree.csv"]
unit = 1

[[classification]]
key = "administrative"
code_column = "Item"
levels = [
  { name = "Section", length = 2 },
  { name = "Program", length = 4 },
  { name = "Line", length = 6 },
]
totals = [1]

[[measure]]
key = "net"
column = "Amount"
year = 2020
phase = "executed"
"""

leaf_codes = st.from_regex(r"[0-9]{6}", fullmatch=True).map(lambda c: "1" + c[1:])


@TABLE_SETTINGS
@given(
    st.dictionaries(leaf_codes, amounts, min_size=1, max_size=12),
    st.randoms(use_true_random=False),
    st.booleans(),
)
def test_subtotal_rows_are_never_double_counted(
    leaves: dict[str, Decimal], order: object, subtotals_first: bool
) -> None:
    rows: list[tuple[str, Decimal]] = list(leaves.items())
    for length in (1, 2, 4):  # every published subtotal and the grand total, correct
        prefixes = {code[:length] for code in leaves}
        rows += [
            (p, sum((v for c, v in leaves.items() if c.startswith(p)), Decimal(0)))
            for p in prefixes
        ]
    order.shuffle(rows)  # type: ignore[attr-defined]
    if subtotals_first:
        rows.sort(key=lambda r: len(r[0]))
    csv_rows = [["Item", "Amount"], *[[f"{c} - Item {c}", str(v)] for c, v in rows]]

    with TemporaryDirectory() as folder:
        recipe = Path(folder) / "recipe.toml"
        recipe.write_text(TREE_RECIPE, encoding="utf-8")
        write_csv(Path(folder) / "tree.csv", csv_rows)
        batch = pipeline.build(recipes.parse(recipe), [Path(folder) / "tree.csv"])

    stored = sum((f.amount for line in batch.lines for f in line.facts), Decimal(0))
    assert stored == sum(leaves.values(), Decimal(0))
    assert len(batch.lines) == len(leaves)
    nodes = batch.classifications["administrative"].nodes
    assert sorted(nodes[line.nodes["administrative"]].code or "" for line in batch.lines) == sorted(
        leaves
    )
    assert batch.checks and all(check.passed for check in batch.checks)


# --- codes ----------------------------------------------------------------------------------


@SETTINGS
@given(
    st.from_regex(r"0[0-9]{0,9}", fullmatch=True),
    labels,
    st.sampled_from([" - ", " – ", " ", ": "]),
)
def test_split_code_label_keeps_zero_padding(code: str, label: str, joint: str) -> None:
    assert split_code_label(f"{code}{joint}{label}") == (code, label)
    assert split_code_label(code) == (code, "")
    assert code_text(code) == code
