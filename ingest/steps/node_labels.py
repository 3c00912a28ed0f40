"""Official names per language for classification nodes, from a curated CSV beside the recipes.

`[[labels]] file = "<csv>"` (columns `code`, then one per language, e.g. `ru`, `kk`, `en`;
lines starting with `#` are comments) and `under = "<regex>"`: nodes whose parent's label
matches get the names of their code. The published label is kept as the node's label; a
published label that differs from the curated one is reported as a problem.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from ingest.batch import Batch
from ingest.errors import IngestError, Location, Problem
from ingest.recipes import Recipe

KEYS = {"file", "under", "classification", "language"}


def read(recipe: Recipe, name: str) -> dict[str, dict[str, str]]:
    """code -> {language: name} from the curated file (empty names are left out)."""
    path = recipe.path.parent / name
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise recipe.error(f"[[labels]] file '{name}' not found beside the recipe") from None
    lines = [line for line in content.splitlines() if line.strip() and not line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    if not rows or "code" not in rows[0]:
        raise IngestError("expected a header with a `code` column", Location(name))
    return {
        row["code"].strip(): {
            k: v.strip() for k, v in row.items() if k != "code" and v and v.strip()
        }
        for row in rows
    }


def apply(recipe: Recipe, spec: dict[str, Any], batch: Batch) -> None:
    """Attach the curated names to the nodes the spec points at."""
    if set(spec) - KEYS or "file" not in spec or "under" not in spec:
        raise recipe.error(f"[[labels]] needs `file` and `under`, may have {sorted(KEYS)}")
    names = read(recipe, spec["file"])
    under = re.compile(spec["under"])
    language = spec.get("language", "ru")  # the language the file itself is published in
    key = spec.get("classification") or next(iter(batch.classifications), None)
    record = batch.classifications.get(key or "")
    if record is None:
        raise recipe.error(f"[[labels]] classification '{key}' is not in the batch")
    for node in record.nodes.values():
        parent = record.nodes.get(node.parent_key) if node.parent_key else None
        if parent is None or node.code not in names or not under.search(parent.label):
            continue
        node.labels = names[node.code]
        official = names[node.code].get(language)
        if official and official != node.label:
            batch.problems.append(
                Problem(
                    Location(spec["file"]),
                    f"code {node.code}: published name '{node.label}' differs from the "
                    f"curated '{official}'",
                )
            )
