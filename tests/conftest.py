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


@pytest.fixture(scope="session")
def sphinx_cluster(tmp_path_factory):
    """A real 2-shard Sphinx cluster on free loopback ports (fails under CI without Sphinx)."""
    from sphinx_support import running_cluster

    with running_cluster(tmp_path_factory.mktemp("cluster")) as layout:
        yield layout


@pytest.fixture(scope="session")
def sphinx_store(tmp_path_factory, built_index, sphinx_cluster):
    """The session's store version, copied, and published into the cluster: (folder, version)."""
    from indexer.sphinx.build import publish_sphinx
    from sphinx_support import private_store, store_data

    folder = tmp_path_factory.mktemp("sphinx-store")
    version = private_store(built_index, folder)
    documents, normalized = store_data(version)
    publish_sphinx(str(sphinx_cluster.url()), version, documents, normalized,
                   cluster_dir=sphinx_cluster.root)
    return folder, version
