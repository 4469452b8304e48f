"""The citation graph out: the public JSON shapes, CSV, GraphML and the `citations` summary.

The JSON helpers give exactly the shapes of the API contract (issue 14) and nothing more:

- `references`: `[{clause, text, title, doc_number, relation, target_doc, target_clause}]`
- `cited_by`:   `[{doc, clause, relation, target_clause}]`
- `validity`:   `{status, basis_doc, basis_clause, basis_text}`

CSV has one row per reference (resolved or not, internal ones included, marked); GraphML has
every document as a node (title, 文号, issuers, date, type, validity) and every resolved
reference between two documents as an edge (relation, citing clause, cited clause), so Gephi or
networkx see the same counts `summarize` reports. All are pure functions returning strings; the
`citations` command that prints the summary is in indexer/cli.py with the other commands.
"""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from indexer.links.model import CitationGraph, CitedBy, Reference, Relation, Status, Validity
from indexer.records import Document

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
NODE_KEYS = ("title", "doc_number", "issuers", "date", "doc_type", "validity")
EDGE_KEYS = ("relation", "clause", "target_clause", "text")
CSV_COLUMNS = ("doc", "doc_title", "clause", "text", "title", "doc_number", "article",
               "relation", "target_doc", "target_title", "target_clause", "resolved_by", "internal")


# --- JSON (the public contract) -----------------------------------------------------------

def reference_json(reference: Reference) -> dict:
    return {"clause": reference.clause, "text": reference.text, "title": reference.title,
            "doc_number": reference.doc_number, "relation": str(reference.relation),
            "target_doc": reference.target_doc, "target_clause": reference.target_clause}


def cited_by_json(entry: CitedBy) -> dict:
    return {"doc": entry.doc, "clause": entry.clause, "relation": str(entry.relation),
            "target_clause": entry.target_clause}


def validity_json(validity: Validity) -> dict:
    return {"status": str(validity.status), "basis_doc": validity.basis_doc,
            "basis_clause": validity.basis_clause, "basis_text": validity.basis_text}


def document_links_json(graph: CitationGraph, doc_id: str) -> dict:
    """The three fields /api/documents/<id> gains, for one document."""
    return {"references": [reference_json(r) for r in graph.references.get(doc_id, [])],
            "cited_by": [cited_by_json(c) for c in graph.cited_by.get(doc_id, [])],
            "validity": validity_json(graph.validity.get(doc_id, Validity(status=Status.UNKNOWN)))}


# --- CSV and GraphML ----------------------------------------------------------------------

def csv_rows(graph: CitationGraph, documents: list[Document]) -> Iterator[list[str]]:
    """The header, then every reference, one row each."""
    titles = {d.id: d.title for d in documents}
    yield list(CSV_COLUMNS)
    for document in documents:
        for ref in graph.references.get(document.id, []):
            yield [ref.doc, titles.get(ref.doc, ""), ref.clause, ref.text, ref.title,
                   ref.doc_number, ref.article, str(ref.relation), ref.target_doc or "",
                   titles.get(ref.target_doc or "", ""), ref.target_clause or "",
                   ref.resolved_by, "1" if ref.internal or ref.is_self else "0"]


def to_csv(graph: CitationGraph, documents: list[Document]) -> str:
    """Every reference, one row each, UTF-8 text (the caller adds a BOM for Excel if wanted)."""
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(graph, documents))
    return out.getvalue()


def to_graphml(graph: CitationGraph, documents: list[Document]) -> str:
    """A directed GraphML graph: documents as nodes, resolved cross-document references as edges."""
    ET.register_namespace("", GRAPHML_NS)
    root = ET.Element(f"{{{GRAPHML_NS}}}graphml")
    for target, names in (("node", NODE_KEYS), ("edge", EDGE_KEYS)):
        for name in names:
            ET.SubElement(root, f"{{{GRAPHML_NS}}}key", id=f"{target[0]}_{name}", attrib={
                "for": target, "attr.name": name, "attr.type": "string"})
    body = ET.SubElement(root, f"{{{GRAPHML_NS}}}graph", id="citations", edgedefault="directed")
    for document in documents:
        node = ET.SubElement(body, f"{{{GRAPHML_NS}}}node", id=document.id)
        validity = graph.validity.get(document.id, Validity(status=Status.UNKNOWN))
        values = (document.title, document.doc_number, "；".join(document.issuers), document.date,
                  document.doc_type, str(validity.status))
        _data(node, "n", zip(NODE_KEYS, values))
    for n, ref in enumerate(graph.edges(), start=1):
        edge = ET.SubElement(body, f"{{{GRAPHML_NS}}}edge", id=f"e{n}", source=ref.doc,
                             target=ref.target_doc)
        _data(edge, "e", zip(EDGE_KEYS, (str(ref.relation), ref.clause, ref.target_clause or "", ref.text)))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _data(element: ET.Element, prefix: str, values) -> None:
    for name, value in values:
        ET.SubElement(element, f"{{{GRAPHML_NS}}}data", key=f"{prefix}_{name}").text = value


# --- summary (printed by `python -m indexer citations`) ---------------------------------------------------

@dataclass(kw_only=True, frozen=True)
class Summary:
    documents: int
    references: int
    resolved: int               # target found (the citing document itself included)
    internal: int               # resolved to the citing document itself
    edges: int                  # resolved between two documents = GraphML edges
    by_relation: dict[str, int]
    by_status: dict[str, int]
    top_unresolved: list[tuple[str, int]]


def summarize(graph: CitationGraph, top: int = 10) -> Summary:
    refs = graph.all_references()
    return Summary(
        documents=len(graph.validity), references=len(refs),
        resolved=sum(1 for r in refs if r.target_doc),
        internal=sum(1 for r in refs if r.target_doc and r.is_self),
        edges=len(graph.edges()),
        by_relation={str(rel): sum(1 for r in refs if r.relation is rel) for rel in Relation},
        by_status=dict(Counter(str(v.status) for v in graph.validity.values())),
        top_unresolved=[(_label(u.title, u.doc_number), u.count) for u in graph.unresolved[:top]])


def _label(title: str, doc_number: str) -> str:
    shown = f"《{title}》" if title else ""
    return f"{shown}（{doc_number}）" if doc_number else shown


def summary_text(summary: Summary) -> str:
    lines = [f"documents: {summary.documents}",
             f"references found: {summary.references}",
             f"resolved: {summary.resolved} ({summary.internal} within the citing document,"
             f" {summary.edges} between documents = graph edges)",
             f"unresolved: {summary.references - summary.resolved}",
             "by relation: " + "  ".join(f"{k} {v}" for k, v in summary.by_relation.items()),
             "validity: " + "  ".join(f"{k} {v}" for k, v in sorted(summary.by_status.items())),
             "most cited documents not in the corpus:"]
    lines += [f"  {count:3d}  {label}" for label, count in summary.top_unresolved] or ["  (none)"]
    return "\n".join(lines)
