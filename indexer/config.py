"""Where Cesou finds its corpus, its index and its search backend (environment variables).

    CESOU_CORPUS    corpus folder (default: corpus/)
    CESOU_INDEX     index folder (default: var/index/)
    CESOU_BACKEND   search backend: unset for the embedded Whoosh index, or a backend URL
"""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def corpus_dir() -> Path:
    return Path(os.environ.get("CESOU_CORPUS", REPO / "corpus"))


def index_dir() -> Path:
    return Path(os.environ.get("CESOU_INDEX", REPO / "var" / "index"))


def backend() -> str | None:
    return os.environ.get("CESOU_BACKEND") or None
