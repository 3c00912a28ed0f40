"""Recipes: one small TOML file per source that says what the file is.

A recipe names the dataset, the file(s), the classifications, the measures and the rules that
cannot be detected; the engine finds the rest (header row, unit, years) from the content.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.errors import IngestError, Location
from portal.config import DATASETS_DIR

SECTIONS = {"dataset", "source", "classification", "measure", "rule", "payments", "check"}
# Reports published as a tree of lines by parent links (see ingest/steps/parent_tree.py).
SECTIONS |= {"tree", "section", "labels"}
# Every [source] option the steps read; a misspelt one is an error, not silently ignored.
SOURCE_KEYS = {
    "files",
    "sheet",
    "encoding",
    "header",
    "header_rows",
    "unit",
    "decimal",
    "budget_year_from_filename",
    "year_from_text",
    "period_from_text",
    "versions_from",
    "parent_rows",
    "groups",
    "label_column",
    "quotes_doubled",
    "region_from_filename",
}
DATASET_KEYS = {
    "id",
    "title",
    "publisher",
    "country",
    "level",
    "kind",
    "currency",
    "license",
    "source_url",
    "description",
}
REQUIRED_DATASET_KEYS = {"id", "title", "publisher", "country", "level", "kind", "currency"}


@dataclass
class Recipe:
    """A parsed recipe; sections other than [dataset] are read by the steps that use them."""

    path: Path
    dataset: dict[str, str]
    source: dict[str, Any]
    classifications: list[dict[str, Any]] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    payments: dict[str, Any] | None = None
    checks: list[dict[str, Any]] = field(default_factory=list)
    text: bytes = b""
    tree: dict[str, Any] | None = None
    sections: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)
    # [dataset] as written when it names the region ("{region}", "{region_slug}").
    dataset_template: dict[str, str] | None = None

    @property
    def id(self) -> str:
        return self.dataset["id"]

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text).hexdigest()

    def files(self) -> list[Path]:
        """The bundled files the recipe reads, relative to the recipe's folder."""
        names = self.source.get("files") or []
        return [self.path.parent / name for name in names]

    def error(self, message: str) -> IngestError:
        return IngestError(message, Location(self.path.name))

    def meta_for(self, paths: list[Path], region: str | None = None) -> dict[str, str]:
        """The [dataset] values for these files: a regional recipe names their region."""
        if self.dataset_template is None:
            return dict(self.dataset)
        from ingest.steps import region as regions

        return regions.dataset_meta(self, paths, region)


def parse(path: Path) -> Recipe:
    """Read and check a recipe file; unknown keys are errors so typos do not pass silently."""
    try:
        text = path.read_bytes()
        data = tomllib.loads(text.decode("utf-8"))
    except FileNotFoundError:
        raise IngestError("recipe not found", Location(path.name)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise IngestError(f"not a valid TOML recipe ({error})", Location(path.name)) from None
    where = Location(path.name)
    unknown = set(data) - SECTIONS
    if unknown:
        raise IngestError(
            f"unknown recipe section(s) {sorted(unknown)}; allowed: {sorted(SECTIONS)}", where
        )
    dataset = data.get("dataset", {})
    # Unknown keys first: a typo ("titel") also makes a required key look missing.
    extra = set(dataset) - DATASET_KEYS
    if extra:
        raise IngestError(
            f"[dataset] has unknown key(s) {sorted(extra)}; allowed: {sorted(DATASET_KEYS)}",
            where,
        )
    missing = REQUIRED_DATASET_KEYS - set(dataset)
    if missing:
        raise IngestError(f"[dataset] needs {sorted(missing)}", where)
    source = data.get("source", {})
    unknown_source = set(source) - SOURCE_KEYS
    if unknown_source:
        raise IngestError(
            f"[source] has unknown key(s) {sorted(unknown_source)}; allowed: {sorted(SOURCE_KEYS)}",
            where,
        )
    if not isinstance(source.get("files", []), list):
        raise IngestError("[source] files must be a list of file names", where)
    recipe = Recipe(
        path=path,
        dataset={k: str(v) for k, v in dataset.items()},
        source=source,
        classifications=data.get("classification", []),
        measures=data.get("measure", []),
        rules=data.get("rule", []),
        payments=data.get("payments"),
        checks=data.get("check", []),
        text=text,
        tree=data.get("tree"),
        sections=data.get("section", []),
        labels=data.get("labels", []),
    )
    if any("{region" in v for v in recipe.dataset.values()):
        from ingest.steps import region as regions

        recipe.dataset_template = dict(recipe.dataset)
        recipe.dataset = regions.dataset_meta(recipe, recipe.files(), None)
    return recipe


def bundled(folder: Path = DATASETS_DIR) -> list[Recipe]:
    """Every recipe shipped in datasets/, in name order."""
    return [parse(path) for path in sorted(folder.glob("*.toml"))]


def load(name: str, folder: Path = DATASETS_DIR) -> Recipe:
    """A recipe by path, or by the id of a bundled dataset."""
    path = Path(name)
    if path.suffix == ".toml" or path.exists():
        return parse(path)
    for recipe in bundled(folder):
        if recipe.id == name:
            return recipe
    known = ", ".join(r.id for r in bundled(folder))
    raise IngestError(f"no recipe file or bundled dataset '{name}'; bundled: {known}")
