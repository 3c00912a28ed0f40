"""Configuration from the environment, with defaults that run on one laptop."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATASETS_DIR = PROJECT_ROOT / "datasets"


def default_database_url(instance_path: str) -> str:
    return "sqlite:///" + os.path.join(instance_path, "ashyq.sqlite")


def from_environment(instance_path: str) -> dict[str, Any]:
    """Settings read from ASHYQ_* and the usual DATABASE_URL / SECRET_KEY variables."""
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or default_database_url(instance_path),
        "SECRET_KEY": os.environ.get("SECRET_KEY", "dev-only-not-secret"),
        # No request may hold the database longer than this.
        "STATEMENT_TIMEOUT_MS": int(os.environ.get("ASHYQ_STATEMENT_TIMEOUT_MS", "15000")),
    }
