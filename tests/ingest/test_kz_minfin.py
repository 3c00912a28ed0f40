"""Kazakhstan, Ministry of Finance execution reports (budget.egov.kz), monthly year to date.

Expected figures are read from the raw CSV files here with the csv module; the report's
figures are in thousand tenge.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ingest import pipeline, recipes
from ingest.errors import IngestError
from ingest.steps import region
from portal.config import DATASETS_DIR
from portal.models import (
    Classification,
    Dataset,
    DatasetVersion,
    Fact,
    LineItemNode,
    Measure,
    Node,
    NodeAncestor,
    Reconciliation,
)
from tests.conftest import loaded
from tests.helpers import current_version_id

RAW = DATASETS_DIR / "raw" / "kazakhstan_minfin"
REPUBLICAN = RAW / "Республиканский бюджет.csv"
ALMATY = RAW / "местный_бюджет_г_Алматы.csv"
ECONOMIC = RAW / "РБ_экон_классификация.csv"
INVESTMENTS = RAW / "РБ_приоритетные_инвестиции.csv"
THOUSAND = Decimal(1000)
MONEY = {"utv", "utch", "plg", "plgp", "plgo", "sumrg", "obz", "obzsumrg"}

db = loaded(
    "kz-minfin-republican-execution",
    "kz-minfin-republican-by-administrator",
    "kz-minfin-republican-by-economic",
    "kz-minfin-republican-investments",
    "kz-minfin-almaty-local-execution",
)


def raw_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def raw_line(path: Path, month: str, label_start: str) -> dict[str, str]:
    """The one row of a month whose label starts with `label_start`."""
    found = [r for r in raw_rows(path) if r["month"] == month and r["name"].startswith(label_start)]
    assert len(found) == 1, found
    return found[0]


def snapshot(engine: Engine, dataset_id: str, period: str, **where: str) -> dict[str, Decimal]:
    """SUM(amount) per measure of ONE period (a year-to-date month); never several."""
    assert re.fullmatch(r"\d{4}-\d{2}", period), period
    version = current_version_id(engine, dataset_id)
    stmt = (
        select(Measure.key, func.sum(Fact.amount), func.count(func.distinct(Fact.period)))
        .join(Measure, Measure.id == Fact.measure_id)
        .where(Fact.version_id == version, Fact.period == period)
        .group_by(Measure.key)
    )
    for column, value in where.items():
        stmt = stmt.where(getattr(Fact, column) == value)
    with Session(engine) as session:
        result = {}
        for key, total, periods in session.execute(stmt):
            assert periods == 1  # one month only: months are snapshots, never added up
            result[key] = Decimal(total)
    return result


def notes(engine: Engine, dataset_id: str) -> dict:
    with Session(engine) as session:
        version = session.get(DatasetVersion, current_version_id(engine, dataset_id))
        assert version is not None
        return dict(version.report["notes"])


def close(stored: Decimal, raw: str) -> bool:
    # Lines print tenge (three decimals of thousands); a section row is the rounded sum of
    # unrounded lines, a few tenge off their printed sum: allow one thousand tenge.
    return abs(stored - Decimal(raw) * THOUSAND) <= THOUSAND


@pytest.mark.parametrize("year", [2023, 2024])
def test_year_end_spending_and_revenue_equal_the_raw_section_rows(db: Engine, year: int) -> None:
    for dataset_id, path in [
        ("kz-minfin-republican-execution", REPUBLICAN),
        ("kz-minfin-almaty-local-execution", ALMATY),
    ]:
        month, period = f"12.{year}", f"{year}-12"
        spending = raw_line(path, month, "II. ЗАТРАТЫ")
        revenue = raw_line(path, month, "I. ДОХОДЫ")
        stored = snapshot(db, dataset_id, period, role="flow", direction="expenditure")
        income = snapshot(db, dataset_id, period, role="flow", direction="revenue")
        for measure, column in [("approved", "utv"), ("amended", "utch"), ("executed", "sumrg")]:
            assert close(stored[measure], spending[column]), (dataset_id, measure)
            assert close(income[measure], revenue[column]), (dataset_id, measure)


def test_2023_spending_is_the_documented_trillions(db: Engine) -> None:
    stored = snapshot(
        db, "kz-minfin-republican-execution", "2023-12", role="flow", direction="expenditure"
    )
    trillions = {k: round(v / Decimal(10) ** 12, 2) for k, v in stored.items()}
    assert trillions["approved"] == Decimal("20.58")
    assert trillions["amended"] == Decimal("21.65")
    assert trillions["executed"] == Decimal("21.55")


def _roles_under_sections(engine: Engine, dataset_id: str) -> dict[str, set[tuple[str, str]]]:
    """Top-level report line -> the (role, direction) pairs of the facts stored under it."""
    version = current_version_id(engine, dataset_id)
    top = Node.__table__.alias("top")
    stmt = (
        select(top.c.label, Fact.role, Fact.direction)
        .join(LineItemNode, LineItemNode.line_item_id == Fact.line_item_id)
        .join(NodeAncestor, NodeAncestor.node_id == LineItemNode.node_id)
        .join(top, top.c.id == NodeAncestor.ancestor_id)
        .where(Fact.version_id == version, NodeAncestor.ancestor_level == 1)
        .distinct()
    )
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    with Session(engine) as session:
        for label, role, direction in session.execute(stmt):
            found[label].add((role, direction))
    return found


@pytest.mark.parametrize(
    "dataset_id", ["kz-minfin-republican-execution", "kz-minfin-almaty-local-execution"]
)
def test_report_sections_have_their_roles(db: Engine, dataset_id: str) -> None:
    found = _roles_under_sections(db, dataset_id)
    by_numeral = {label.split(" ", 1)[0]: pairs for label, pairs in found.items()}
    assert by_numeral["I."] == {("flow", "revenue")}
    assert by_numeral["II."] == {("flow", "expenditure")}
    assert {r for r, _ in by_numeral["III."]} == {"lending"}
    assert {r for r, _ in by_numeral["IV."]} == {"financial_assets"}
    assert {r for r, _ in by_numeral["V."]} == {"balance"}
    assert {r for r, _ in by_numeral["VII."]} == {"financing"}
    memo = [p for label, p in found.items() if not re.match(r"^[IVX]+\.\s", label)]
    assert memo and all(pairs <= {("memo", "expenditure")} for pairs in memo)
    # No spending fact (flow + expenditure) outside section II.
    spending_sections = [lb for lb, p in found.items() if ("flow", "expenditure") in p]
    assert [lb.split(" ", 1)[0] for lb in spending_sections] == ["II."]


def test_no_spending_fact_is_a_balance_financing_or_memo_line(db: Engine) -> None:
    with Session(db) as session:
        roles = set(
            session.scalars(
                select(Fact.role).where(Fact.direction == "expenditure", Fact.role == "flow")
            )
        )
        balances = session.scalar(
            select(func.count(Fact.id)).where(Fact.role.in_(["balance", "financing", "memo"]))
        )
    assert roles == {"flow"}
    assert balances  # they are stored, but never as spending


def test_months_are_snapshots_never_added_up(db: Engine) -> None:
    version = current_version_id(db, "kz-minfin-republican-execution")
    with Session(db) as session:
        pairs = set(
            session.execute(
                select(Fact.year, Fact.period).where(Fact.version_id == version).distinct()
            ).all()
        )
    assert all(re.fullmatch(rf"{y}-\d\d", p) for y, p in pairs)
    assert len(pairs) == 27  # 01.2023-03.2025, each its own period
    # The year-end snapshot equals December's raw row, while all of 2023's months together
    # are many times larger: the helper takes one month only.
    december = snapshot(
        db, "kz-minfin-republican-execution", "2023-12", role="flow", direction="expenditure"
    )
    every_month = sum(
        Decimal(r["sumrg"]) * THOUSAND
        for r in raw_rows(REPUBLICAN)
        if r["name"].startswith("II. ЗАТРАТЫ") and r["month"].endswith(".2023")
    )
    assert every_month > 5 * december["executed"]
    with pytest.raises(AssertionError):
        snapshot(db, "kz-minfin-republican-execution", "2023")


def test_last_published_month_per_year_is_recorded(db: Engine) -> None:
    years = notes(db, "kz-minfin-republican-execution")["periods"]
    assert years["kind"] == "year_to_date"
    assert years["years"]["2023"]["last"] == "2023-12" and years["years"]["2023"]["complete"]
    assert years["years"]["2025"]["last"] == "2025-03"
    assert years["years"]["2025"]["complete"] is False
    local = notes(db, "kz-minfin-almaty-local-execution")["periods"]["years"]
    assert local["2025"] == {"months": [1], "last": "2025-01", "complete": False}


def test_percent_columns_are_never_stored(db: Engine) -> None:
    with REPUBLICAN.open(encoding="utf-8") as handle:
        header = next(csv.reader(handle, delimiter=";"))
    percent_cols = {header.index("plgpsumrg") + 1, header.index("plgsumrg") + 1}
    money_cols = {header.index(name) + 1 for name in MONEY}
    version = current_version_id(db, "kz-minfin-republican-execution")
    with Session(db) as session:
        cols = set(session.scalars(select(Fact.col).where(Fact.version_id == version).distinct()))
        units = set(session.scalars(select(Measure.unit).where(Measure.version_id == version)))
        factors = set(session.scalars(select(Measure.factor).where(Measure.version_id == version)))
    assert cols == money_cols and not cols & percent_cols
    assert units == {"money"} and factors == {1000}


def test_economic_breakdown_plan_not_published_is_not_stored_as_zero(db: Engine) -> None:
    rows = [r for r in raw_rows(ECONOMIC) if r["name"] != "Итого"]
    # In the raw file the approved plan is 0.0 on every line of every month.
    assert all(Decimal(r["utv"]) == 0 for r in rows)
    plan_months: dict[str, bool] = defaultdict(bool)
    for r in rows:
        plan_months[r["month"]] |= Decimal(r["plgp"]) != 0
    published = {f"{m[3:]}-{m[:2]}" for m, any_plan in plan_months.items() if any_plan}
    assert "2023-01" in published and "2023-02" not in published
    version = current_version_id(db, "kz-minfin-republican-by-economic")
    with Session(db) as session:
        measures = set(
            session.scalars(
                select(Measure.key)
                .join(Fact, Fact.measure_id == Measure.id)
                .where(Fact.version_id == version)
                .distinct()
            )
        )
        period_plan = set(
            session.scalars(
                select(Fact.period)
                .join(Measure, Measure.id == Fact.measure_id)
                .where(Fact.version_id == version, Measure.key == "plan_period")
                .distinct()
            )
        )
        zero_approved = session.scalar(
            select(func.count(Fact.id))
            .join(Measure, Measure.id == Fact.measure_id)
            .where(Fact.version_id == version, Measure.key.in_(["approved", "amended"]))
        )
    assert zero_approved == 0
    assert "executed" in measures and "plan_annual" in measures
    assert period_plan == published
    flags = notes(db, "kz-minfin-republican-by-economic")["not_published"]
    assert flags["2023-02"] == ["amended", "approved", "plan_period"]
    assert len(flags) == 27
    with Session(db) as session:
        report = session.get(DatasetVersion, version)
        assert report is not None
        assert report.report["skipped"]["plan not published"] > 0


def test_float_codes_are_text_codes_and_node_keys_are_paths(db: Engine) -> None:
    version = current_version_id(db, "kz-minfin-republican-execution")
    with Session(db) as session:
        nodes = session.execute(
            select(Node.code, Node.key, Node.level)
            .join(Classification, Classification.id == Node.classification_id)
            .where(Classification.version_id == version)
        ).all()
    assert not [c for c, _, _ in nodes if c and not re.fullmatch(r"\d+", c)]
    ones = {(key, level) for code, key, level in nodes if code == "1"}
    assert len({level for _, level in ones}) >= 4  # code 1 at every level, one node each
    raw_codes = {r["code"] for r in raw_rows(REPUBLICAN) if r["code"]}
    assert "4.0" in raw_codes and "4" in {c for c, _, _ in nodes}


def test_labels_are_exact_and_functional_groups_have_official_names(db: Engine) -> None:
    raw_labels = {r["name"].strip() for r in raw_rows(REPUBLICAN)}
    version = current_version_id(db, "kz-minfin-republican-execution")
    with Session(db) as session:
        nodes = session.execute(
            select(Node.code, Node.label, Node.labels)
            .join(Classification, Classification.id == Node.classification_id)
            .where(Classification.version_id == version)
        ).all()
    assert {label for _, label, _ in nodes} == raw_labels
    spaced = {label for label in raw_labels if "  " in label}
    assert spaced and spaced <= {label for _, label, _ in nodes}  # inner spacing kept
    education = [names for code, label, names in nodes if label == "Образование" and names]
    assert education and all(
        n == {"ru": "Образование", "kk": "Білім беру", "en": "Education"} for n in education
    )
    with (DATASETS_DIR / "kz-functional-groups.csv").open(encoding="utf-8") as handle:
        curated = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    assert [r["code"] for r in curated] == [str(i) for i in range(1, 16)]


def test_investment_lines_with_code_0_and_no_name_are_kept(db: Engine) -> None:
    rows = raw_rows(INVESTMENTS)
    parents = {(r["month"], r["parent_id"]) for r in rows if r["parent_id"]}
    leaves = [r for r in rows if (r["month"], f"{r['id']}.0") not in parents]
    unnamed = [r for r in leaves if r["code"] == "0" and not r["name"].strip()]
    assert unnamed
    version = current_version_id(db, "kz-minfin-republican-investments")
    with Session(db) as session:
        kept = session.scalar(
            select(func.count(func.distinct(LineItemNode.line_item_id)))
            .join(Node, Node.id == LineItemNode.node_id)
            .join(Fact, Fact.line_item_id == LineItemNode.line_item_id)
            .where(Fact.version_id == version, Node.code == "0", Node.label == "")
        )
    assert kept == len(unnamed)
    december = snapshot(db, "kz-minfin-republican-investments", "2024-12")
    total = raw_line(INVESTMENTS, "12.2024", "I. Республиканские инвестиционные проекты")
    assert close(december["executed"], total["sumrg"])


def test_reconciliation(db: Engine) -> None:
    def failed(dataset_id: str) -> list[str]:
        version = current_version_id(db, dataset_id)
        with Session(db) as session:
            count = session.scalar(
                select(func.count(Reconciliation.id)).where(Reconciliation.version_id == version)
            )
            assert count
            return list(
                session.scalars(
                    select(Reconciliation.subject).where(
                        Reconciliation.version_id == version, Reconciliation.passed.is_(False)
                    )
                )
            )

    assert failed("kz-minfin-almaty-local-execution") == []
    assert failed("kz-minfin-republican-investments") == []
    assert failed("kz-minfin-republican-by-administrator") == []
    # The economic breakdown's Итого exceeds the sum of the categories it prints.
    economic = failed("kz-minfin-republican-by-economic")
    assert economic and all(" Итого [" in s for s in economic)
    # 06.2023 prints net lending and financing as the sum of inflows and outflows.
    bad = failed("kz-minfin-republican-execution")
    assert bad and all(s.startswith(("2023-06 III.", "2023-06 VII.")) for s in bad)


def test_dataset_metadata(db: Engine) -> None:
    with Session(db) as session:
        almaty = session.get(Dataset, "kz-minfin-almaty-local-execution")
        republican = session.get(Dataset, "kz-minfin-republican-execution")
    assert almaty is not None and republican is not None
    assert (almaty.country, almaty.level, almaty.kind, almaty.currency) == (
        "KZ",
        "municipal",
        "budget",
        "KZT",
    )
    assert "г. Алматы" in almaty.title
    assert republican.level == "national"
    assert (
        republican.publisher == "Ministry of Finance of the Republic of Kazakhstan (budget.egov.kz)"
    )
    assert republican.license == "MIT (opengov.kz extraction; see LICENSE-opengov-kz.txt)"


def test_region_from_the_file_name(tmp_path: Path) -> None:
    copy = tmp_path / "местный_бюджет_Акмолинская_область.csv"
    shutil.copy(ALMATY, copy)
    recipe = recipes.load("kz-minfin-almaty-local-execution")
    meta = recipe.meta_for([copy])
    assert meta["id"] == "kz-minfin-akmolinskaya-oblast-local-execution"
    assert "Акмолинская область" in meta["title"]
    assert recipe.meta_for([copy], "г. Шымкент")["id"] == "kz-minfin-shymkent-local-execution"
    assert region.slug("Жетісу облысы") == "zhetisu-oblysy"
    with pytest.raises(IngestError):
        recipe.meta_for([tmp_path / "report.csv"])


@pytest.mark.parametrize("bad", ["../etc", "<script>", "北京", "", "a/b"])
def test_unsafe_region_is_a_clear_error(bad: str) -> None:
    with pytest.raises(IngestError, match="region"):
        region.slug(bad)


def test_cli_region_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from portal.cli import main

    # One month of the Almaty report, under a name that does not give the region.
    small = tmp_path / "report.csv"
    with ALMATY.open(encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source, delimiter=";"))
    with small.open("w", encoding="utf-8", newline="") as target:
        csv.writer(target, delimiter=";").writerows(
            [rows[0], *(r for r in rows[1:] if r[-1] == "12.2024")]
        )
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    recipe = str(DATASETS_DIR / "kz-minfin-local-execution.toml")
    args = ["ingest", recipe, "--file", str(small), "--quiet"]
    result = CliRunner().invoke(main, [*args, "--region", "Жетісу облысы"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("kz-minfin-zhetisu-oblysy-local-execution: new version v1")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and "region" in result.output


def test_build_reads_a_renamed_copy(tmp_path: Path) -> None:
    copy = tmp_path / "местный_бюджет_Акмолинская_область.csv"
    shutil.copy(ALMATY, copy)
    batch = pipeline.build(recipes.load("kz-minfin-almaty-local-execution"), [copy])
    assert batch.lines and all(c.passed for c in batch.checks)
