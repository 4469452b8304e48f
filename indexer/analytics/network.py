"""Joint issuing network: which bodies issue documents together.

Over any set of documents (the whole collection, or a search's matching documents):

- a node per issuer (the normalised names of Document.issuers): `documents` it issued or
  co-issued, `first_year` and `last_year` of those documents (None when all are undated);
- an edge per pair of issuers that co-signed at least one document, weighted by the number of
  such documents. A document signed by k issuers adds 1 to each of its k(k−1)/2 pairs; an issuer
  named twice on one document counts once. Edges are undirected: `source` < `target` by name.

Nodes come by documents issued (most first), edges by weight.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from indexer.analytics.common import csv_text
from indexer.facets import year_of
from indexer.records import Document

NODE_COLUMNS = [("issuer", "发文机关"), ("documents", "发文数"), ("first_year", "最早年份"),
                ("last_year", "最晚年份")]
EDGE_COLUMNS = [("source", "机关甲"), ("target", "机关乙"), ("documents", "联合发文数")]


@dataclass(kw_only=True)
class IssuerNode:
    issuer: str
    documents: int
    first_year: int | None
    last_year: int | None


@dataclass(kw_only=True)
class IssuerEdge:
    source: str
    target: str
    documents: int


@dataclass(kw_only=True)
class IssuerNetwork:
    nodes: list[IssuerNode]
    edges: list[IssuerEdge]

    def to_json(self) -> dict:
        return {"nodes": [vars(n).copy() for n in self.nodes],
                "edges": [vars(e).copy() for e in self.edges]}


def issuer_network(documents: Iterable[Document]) -> IssuerNetwork:
    """The network of `documents` (each document once, by id)."""
    issued: Counter = Counter()
    pairs: Counter = Counter()
    years: dict[str, list[int]] = {}
    seen: set[str] = set()
    for document in documents:
        if document.id in seen:
            continue
        seen.add(document.id)
        issuers = sorted(set(document.issuers))
        year = year_of(document)
        for issuer in issuers:
            issued[issuer] += 1
            span = years.setdefault(issuer, [])
            if year is not None:
                span[:] = [min([year, *span]), max([year, *span])]
        pairs.update(combinations(issuers, 2))
    nodes = [IssuerNode(issuer=i, documents=n, first_year=(years[i] or [None])[0],
                        last_year=(years[i] or [None])[-1])
             for i, n in sorted(issued.items(), key=lambda item: (-item[1], item[0]))]
    edges = [IssuerEdge(source=a, target=b, documents=n)
             for (a, b), n in sorted(pairs.items(), key=lambda item: (-item[1], item[0]))]
    return IssuerNetwork(nodes=nodes, edges=edges)


def nodes_csv(network: IssuerNetwork) -> str:
    return csv_text(NODE_COLUMNS, ([n.issuer, n.documents, n.first_year, n.last_year]
                                   for n in network.nodes))


def edges_csv(network: IssuerNetwork) -> str:
    """The edge list (Gephi/UCINET import: source, target, weight)."""
    return csv_text(EDGE_COLUMNS, ([e.source, e.target, e.documents] for e in network.edges))


def graphml(network: IssuerNetwork) -> str:
    """GraphML (Gephi, Cytoscape, networkx): node attributes documents/first_year/last_year
    (-1 when unknown: GraphML ints have no null), edge attribute documents (the weight)."""
    root = ET.Element("graphml", xmlns="http://graphml.graphdrawing.org/xmlns")
    for key, target, kind in (("documents", "node", "int"), ("first_year", "node", "int"),
                              ("last_year", "node", "int"), ("weight", "edge", "int"),
                              ("label", "node", "string")):
        ET.SubElement(root, "key", {"id": f"{target[0]}_{key}", "for": target,
                                    "attr.name": key, "attr.type": kind})
    graph = ET.SubElement(root, "graph", id="joint-issuing", edgedefault="undirected")
    for n in network.nodes:
        node = ET.SubElement(graph, "node", id=n.issuer)
        for key, value in (("label", n.issuer), ("documents", n.documents),
                           ("first_year", n.first_year), ("last_year", n.last_year)):
            ET.SubElement(node, "data", key=f"n_{key}").text = str(-1 if value is None else value)
    for e in network.edges:
        edge = ET.SubElement(graph, "edge", source=e.source, target=e.target)
        ET.SubElement(edge, "data", key="e_weight").text = str(e.documents)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
