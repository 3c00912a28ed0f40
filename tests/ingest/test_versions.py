"""Versions and atomicity: unchanged inputs change nothing, a changed file is a new current
version beside the old one, and a failed, interrupted or killed ingest leaves the previous
version served with no partial rows. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, MetaData, func, select, text
from sqlalchemy.orm import Session

from ingest import load, pipeline, recipes
from ingest.errors import IngestError
from portal import migrate
from portal.cli import main
from portal.config import DATASETS_DIR, PROJECT_ROOT
from portal.models import Dataset, DatasetVersion, Fact, Payment
from tests.conftest import BACKENDS, drop_postgres, new_engine

PAYMENTS_ID = "al-treasury-payments-2014-12"
ALBANIAN = DATASETS_DIR / "raw" / "albania_treasury" / "treasury.csv"
OMB_ID = "us-omb-outlays-fy2022"
OMB = DATASETS_DIR / "raw" / "us_omb" / "BUDGET-2022-DB-2.xlsx"


# --- reading the raw files plainly, for the expected figures -------------------------------


def albanian_rows() -> list[list[str]]:
    with ALBANIAN.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def payments_of(rows: list[list[str]]) -> tuple[int, Decimal]:
    """(count, total) of the Value column, read with the csv module."""
    value = rows[0].index("Value")
    amounts = [Decimal(r[value]) for r in rows[1:] if any(c.strip() for c in r)]
    return len(amounts), sum(amounts, Decimal(0))


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


# --- what the database holds ----------------------------------------------------------------


def table_counts(engine: Engine) -> dict[str, int]:
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in sorted(meta.tables.items())
        }


def versions_of(engine: Engine, dataset_id: str) -> tuple[int | None, list[int]]:
    """(current version number, every stored version number)."""
    with Session(engine) as session:
        numbers = list(
            session.scalars(
                select(DatasetVersion.number)
                .where(DatasetVersion.dataset_id == dataset_id)
                .order_by(DatasetVersion.number)
            )
        )
        current = session.scalar(
            select(DatasetVersion.number)
            .join(Dataset, Dataset.current_version_id == DatasetVersion.id)
            .where(Dataset.id == dataset_id)
        )
    return current, numbers


def version_id(engine: Engine, dataset_id: str, number: int) -> int:
    with Session(engine) as session:
        found = session.scalar(
            select(DatasetVersion.id).where(
                DatasetVersion.dataset_id == dataset_id, DatasetVersion.number == number
            )
        )
    assert found is not None
    return found


def stored_payments(engine: Engine, dataset_id: str, number: int) -> tuple[int, Decimal]:
    with Session(engine) as session:
        count, total = session.execute(
            select(func.count(Payment.id), func.sum(Payment.amount)).where(
                Payment.version_id == version_id(engine, dataset_id, number)
            )
        ).one()
    return int(count), Decimal(total or 0)


def stored_facts(engine: Engine, dataset_id: str, number: int) -> tuple[int, Decimal]:
    with Session(engine) as session:
        count, total = session.execute(
            select(func.count(Fact.id), func.sum(Fact.amount)).where(
                Fact.version_id == version_id(engine, dataset_id, number)
            )
        ).one()
    return int(count), Decimal(total or 0)


# --- the same file, a changed file ----------------------------------------------------------


def test_the_same_file_again_changes_nothing(engine: Engine) -> None:
    recipe = recipes.load(PAYMENTS_ID)
    first = pipeline.ingest(engine, recipe)
    counts = table_counts(engine)

    again = pipeline.ingest(engine, recipe)

    assert first.status == "new version" and again.status == "unchanged"
    assert versions_of(engine, PAYMENTS_ID) == (1, [1])
    assert table_counts(engine) == counts


def test_a_changed_file_is_a_new_current_version_beside_the_old(
    engine: Engine, tmp_path: Path
) -> None:
    rows = albanian_rows()
    changed = [list(r) for r in rows[:-1]]  # the last payment withdrawn...
    value = rows[0].index("Value")
    changed[1][value] = str(int(changed[1][value]) + 1000)  # ...and one corrected
    copy = write_csv(tmp_path / "treasury.csv", changed)
    recipe = recipes.load(PAYMENTS_ID)

    pipeline.ingest(engine, recipe)
    report = pipeline.ingest(engine, recipe, files=[copy])

    assert report.status == "new version" and report.version == 2
    assert versions_of(engine, PAYMENTS_ID) == (2, [1, 2])
    assert stored_payments(engine, PAYMENTS_ID, 1) == payments_of(rows)
    assert stored_payments(engine, PAYMENTS_ID, 2) == payments_of(changed)
    assert payments_of(changed) != payments_of(rows)
    # The original file again is a third version with the first one's figures.
    pipeline.ingest(engine, recipe)
    assert versions_of(engine, PAYMENTS_ID) == (3, [1, 2, 3])
    assert stored_payments(engine, PAYMENTS_ID, 3) == payments_of(rows)


# --- failures part of the way -----------------------------------------------------------------


def two_file_recipe(folder: Path) -> Path:
    """The Albanian recipe reading its payments from two files."""
    text_ = (DATASETS_DIR / f"{PAYMENTS_ID}.toml").read_text(encoding="utf-8")
    text_ = re.sub(r"(?m)^files = .*$", 'files = ["first.csv", "second.csv"]', text_)
    path = folder / "two.toml"
    path.write_text(text_, encoding="utf-8")
    return path


def test_a_broken_second_file_leaves_the_previous_version(engine: Engine, tmp_path: Path) -> None:
    rows = albanian_rows()
    write_csv(tmp_path / "first.csv", rows[:21])
    write_csv(tmp_path / "second.csv", [rows[0], *rows[21:]])
    recipe = recipes.parse(two_file_recipe(tmp_path))
    pipeline.ingest(engine, recipe)
    counts = table_counts(engine)
    broken = [list(r) for r in [rows[0], *rows[21:]]]
    broken[5][rows[0].index("Date executed")] = "31.02.2014"
    write_csv(tmp_path / "second.csv", broken)

    with pytest.raises(IngestError, match=r"second\.csv, row 6, column F"):
        pipeline.ingest(engine, recipe)

    assert versions_of(engine, PAYMENTS_ID) == (1, [1])
    assert table_counts(engine) == counts
    assert stored_payments(engine, PAYMENTS_ID, 1) == payments_of(rows)


def test_a_failure_while_storing_leaves_no_partial_rows(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = albanian_rows()
    recipe = recipes.load(PAYMENTS_ID)
    pipeline.ingest(engine, recipe)
    counts = table_counts(engine)
    value = rows[0].index("Value")
    changed = [list(r) for r in rows]
    changed[3][value] = "17"
    copy = write_csv(tmp_path / "treasury.csv", changed)
    store_payments = load._store_payments

    def payments_then_fail(*args: Any, **kwargs: Any) -> None:
        store_payments(*args, **kwargs)  # the version, its files and payments are inserted
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(load, "_store_payments", payments_then_fail)

    with pytest.raises(RuntimeError, match="disk is full"):
        pipeline.ingest(engine, recipe, files=[copy])

    assert versions_of(engine, PAYMENTS_ID) == (1, [1])
    assert table_counts(engine) == counts
    assert stored_payments(engine, PAYMENTS_ID, 1) == payments_of(rows)
    monkeypatch.undo()
    # Nothing was half-stored that would make the same file look unchanged next time.
    assert pipeline.ingest(engine, recipe, files=[copy]).status == "new version"
    assert stored_payments(engine, PAYMENTS_ID, 2) == payments_of(changed)


# --- a killed process -------------------------------------------------------------------------


def small_omb(path: Path, data_rows: int = 6) -> tuple[int, Decimal]:
    """The first rows of the OMB workbook as a small edition; (amount cells, total in dollars)."""
    book = openpyxl.load_workbook(OMB, read_only=True)
    try:
        rows = []
        for row in book.active.iter_rows(values_only=True):  # type: ignore[union-attr]
            rows.append(list(row))
            if len(rows) > data_rows:
                break
    finally:
        book.close()
    amount_columns = [i for i, h in enumerate(rows[0]) if isinstance(h, int) or h == "TQ"]
    cells = [r[i] for r in rows[1:] for i in amount_columns if isinstance(r[i], int | float)]
    out = openpyxl.Workbook()
    sheet = out.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out.save(path)
    # The workbook states amounts in thousands of dollars.
    return len(cells), sum((Decimal(str(c)) for c in cells), Decimal(0)) * 1000


def writing(engine: Engine) -> bool:
    """True while another connection holds an open write transaction."""
    if engine.dialect.name == "sqlite":
        probe = sqlite3.connect(str(engine.url.database), timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.rollback()
            return False
        except sqlite3.OperationalError as error:
            assert "locked" in str(error) or "busy" in str(error), error
            return True
        finally:
            probe.close()
    with engine.connect() as connection:
        busy = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    return bool(busy)


@pytest.fixture(params=BACKENDS)
def omb_v1(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, Any]]:
    """A database whose OMB dataset is a small first edition; the expected cells and total."""
    engine = new_engine(request.param, tmp_path, "killed")
    migrate.upgrade(engine)
    expected = small_omb(tmp_path / "BUDGET-2022-small.xlsx")
    pipeline.ingest(engine, recipes.load(OMB_ID), files=[tmp_path / "BUDGET-2022-small.xlsx"])
    yield engine, expected
    drop_postgres(engine)


def test_a_killed_ingest_leaves_the_previous_version_served(
    omb_v1: tuple[Engine, tuple[int, Decimal]], tmp_path: Path
) -> None:
    engine, expected = omb_v1
    assert stored_facts(engine, OMB_ID, 1) == expected
    counts = table_counts(engine)
    env = {**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    log = tmp_path / "child.log"
    with log.open("wb") as output:
        child = subprocess.Popen(
            [sys.executable, "-m", "portal.cli", "ingest", OMB_ID, "--file", str(OMB), "--quiet"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 240
        while not writing(engine):
            assert child.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "the ingest never began to store"
            time.sleep(0.05)
        time.sleep(0.3)  # well inside the transaction: the full file takes seconds to store
        assert child.poll() is None, "the ingest finished before it could be killed"
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL

    engine.dispose()
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    else:
        deadline = time.monotonic() + 30
        while writing(engine):  # the server rolls back once it sees the client gone
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert versions_of(engine, OMB_ID) == (1, [1])
    assert stored_facts(engine, OMB_ID, 1) == expected
    assert table_counts(engine) == counts


# --- every bundled recipe ---------------------------------------------------------------------


def test_ingest_all_runs_every_bundled_recipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'all.sqlite'}")
    bundled = recipes.bundled()  # whatever recipes exist now
    runner = CliRunner()

    first = runner.invoke(main, ["ingest", "--all", "--quiet"])
    again = runner.invoke(main, ["ingest", "--all", "--quiet"])

    assert first.exit_code == 0, first.output
    assert again.exit_code == 0, again.output
    assert len(re.findall(r"(?m)^\S+: new version v1 ", first.output)) == len(bundled)
    assert len(re.findall(r"(?m)^\S+: unchanged ", again.output)) == len(bundled)
    assert "Traceback" not in first.output


# --- the progress bar -----------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("shown", "terminal"), [(True, True), (True, False), (False, True)])
def test_progress_bar_only_when_asked_and_on_a_terminal(
    shown: bool, terminal: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest import progress

    stderr = Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    monkeypatch.setattr(progress, "DELAY", 0)
    with progress.shown(shown):
        seen = list(progress.over(list(range(5000)), "treasury.csv"))

    assert seen == list(range(5000))
    bar = stderr.getvalue()
    if shown and terminal:
        assert "treasury.csv:" in bar and "/5000" in bar and "rows" in bar
    else:
        assert bar == ""


def test_the_cli_ingest_passes_progress_to_the_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    ingest = pipeline.ingest

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["progress"])
        return ingest(*args, **kwargs)

    monkeypatch.setattr(pipeline, "ingest", spy)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'progress.sqlite'}")
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", PAYMENTS_ID]).exit_code == 0
    assert runner.invoke(main, ["ingest", PAYMENTS_ID, "--quiet"]).exit_code == 0
    assert seen == [True, False]
