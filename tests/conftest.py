"""Shared fixtures: the real corpus parsed once per test session."""
from __future__ import annotations

import pytest

from indexer import config, index


@pytest.fixture(scope="session")
def corpus_dir():
    return config.corpus_dir()


@pytest.fixture(scope="session")
def built_index(tmp_path_factory, corpus_dir):
    """The real corpus built and published once per session into a temporary index folder."""
    folder = tmp_path_factory.mktemp("index")
    index.build(corpus_dir, folder, show_progress=False)
    return folder
