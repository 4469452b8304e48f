"""Shared fixtures: the real corpus parsed once per test session."""
from __future__ import annotations

import pytest

from indexer import config


@pytest.fixture(scope="session")
def corpus_dir():
    return config.corpus_dir()
