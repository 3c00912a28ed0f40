"""The ashyq command: help everywhere, one clear line and a non-zero exit on errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.cli import main


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    return CliRunner()


@pytest.mark.parametrize(
    "command", [[], ["db"], ["db", "upgrade"], ["ingest"], ["serve"], ["demo"]]
)
def test_every_command_has_help(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_db_upgrade_creates_the_schema(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cli.sqlite").exists()


def test_unknown_recipe_is_one_line_and_exit_1(runner: CliRunner) -> None:
    result = runner.invoke(main, ["ingest", "no-such-dataset"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: no recipe file or bundled dataset 'no-such-dataset'")
    assert "Traceback" not in result.output
