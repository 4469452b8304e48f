"""Joint issuing network: weights equal the documents' issuer lists; CSV and GraphML."""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from itertools import combinations

import pytest

from analytics_support import clause, document, engine_matches
from indexer.analytics.common import distinct_documents
from indexer.facets import year_of
from indexer.analytics.network import (EDGE_COLUMNS, edges_csv, graphml, issuer_network,
                                       nodes_csv)
from indexer.records import SearchRequest
from indexer.search import Engine

GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"

DOCS = [
    document("a", [clause("1", "x")], issuers=("教育部", "财政部", "教育部"), date="2016-01-01"),
    document("b", [clause("1", "x")], issuers=("财政部", "教育部"), date="2019-05"),
    document("c", [clause("1", "x")], issuers=("国务院",), date=""),
    document("d", [clause("1", "x")], issuers=("教育部", "科技部", "财政部"), date="2018-01-01"),
]


def test_nodes_and_edges_of_a_small_set():
    network = issuer_network(DOCS + DOCS[:1])     # a repeated document counts once
    assert network.to_json() == {
        "nodes": [{"issuer": "教育部", "documents": 3, "first_year": 2016, "last_year": 2019},
                  {"issuer": "财政部", "documents": 3, "first_year": 2016, "last_year": 2019},
                  {"issuer": "国务院", "documents": 1, "first_year": None, "last_year": None},
                  {"issuer": "科技部", "documents": 1, "first_year": 2018, "last_year": 2018}],
        "edges": [{"source": "教育部", "target": "财政部", "documents": 3},
                  {"source": "教育部", "target": "科技部", "documents": 1},
                  {"source": "科技部", "target": "财政部", "documents": 1}]}


def test_csv_and_graphml():
    network = issuer_network(DOCS)
    edges = list(csv.reader(io.StringIO(edges_csv(network))))
    assert edges[0] == [zh for _, zh in EDGE_COLUMNS] and edges[1] == ["教育部", "财政部", "3"]
    nodes = list(csv.reader(io.StringIO(nodes_csv(network))))
    assert nodes[3] == ["国务院", "1", "", ""]
    root = ET.fromstring(graphml(network).encode("utf-8"))
    graph = root.find(f"{GRAPHML}graph")
    assert [n.get("id") for n in graph.iter(f"{GRAPHML}node")] == ["教育部", "财政部", "国务院", "科技部"]
    weights = {(e.get("source"), e.get("target")): int(e.find(f"{GRAPHML}data").text)
               for e in graph.iter(f"{GRAPHML}edge")}
    assert weights == {("教育部", "财政部"): 3, ("教育部", "科技部"): 1, ("科技部", "财政部"): 1}


def test_names_are_escaped_in_graphml():
    network = issuer_network([document("x", [clause("1", "x")], issuers=('<a&"b>', "乙"))])
    root = ET.fromstring(graphml(network).encode("utf-8"))
    assert {n.get("id") for n in root.iter(f"{GRAPHML}node")} == {'<a&"b>', "乙"}


@pytest.fixture(scope="module")
def engine(built_index):
    return Engine(built_index)


def brute_force(documents):
    weights: dict[tuple[str, str], int] = {}
    for d in documents:
        for a, b in combinations(sorted(set(d.issuers)), 2):
            weights[(a, b)] = weights.get((a, b), 0) + 1
    return weights


@pytest.mark.parametrize("q", ["", "基础研究", "双一流"])
def test_edge_weights_match_the_documents_issuer_lists(engine, q):
    documents = engine.documents() if not q else \
        distinct_documents(engine_matches(engine, SearchRequest(q=q))[0])
    network = issuer_network(documents)
    assert {(e.source, e.target): e.documents for e in network.edges} == brute_force(documents)
    assert any(e.documents > 1 for e in network.edges) or q
    for node in network.nodes:
        issued = [d for d in documents if node.issuer in d.issuers]
        years = [year_of(d) for d in issued if year_of(d) is not None]
        assert node.documents == len(issued)
        assert (node.first_year, node.last_year) == (min(years), max(years))
