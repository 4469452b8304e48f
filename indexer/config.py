"""Where Cesou finds its corpus and its index (overridable by environment variables)."""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def corpus_dir() -> Path:
    return Path(os.environ.get("CESOU_CORPUS", REPO / "corpus"))


def index_dir() -> Path:
    return Path(os.environ.get("CESOU_INDEX", REPO / "var" / "index"))
