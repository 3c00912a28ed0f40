"""The bundled government files are byte-for-byte the published ones."""

from __future__ import annotations

import hashlib
import re

from portal.config import DATASETS_DIR


def test_every_bundled_file_matches_its_published_sha256() -> None:
    listed = dict(
        (path, digest)
        for digest, path in re.findall(
            r"^([0-9a-f]{64})  (raw/\S.*)$", (DATASETS_DIR / "SOURCES.md").read_text(), re.M
        )
    )
    on_disk = {
        str(p.relative_to(DATASETS_DIR)) for p in (DATASETS_DIR / "raw").rglob("*") if p.is_file()
    }
    assert set(listed) == on_disk
    for path, digest in listed.items():
        assert hashlib.sha256((DATASETS_DIR / path).read_bytes()).hexdigest() == digest, path
