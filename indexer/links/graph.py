"""The build-time entry point: the whole citation graph of a corpus, from its documents.

`link_corpus` extracts every clause's references, resolves them through dictionaries keyed by
文号 and normalised title (so the cost grows with the number of references, never with
documents × references), inverts them into 被引用 lists, derives each document's validity, and
counts the titles cited but not held. It is a pure function of its arguments: rebuilding after
a document is added recomputes everything, so no 被引用 list is ever stale.

A reference to the citing document itself (本办法第五条, its cover notice naming it) stays in
its `references` but is neither a 被引用 entry nor a graph edge.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date

from indexer.links.extract import extract_document
from indexer.links.model import CitationGraph, CitedBy, Reference, UnresolvedTitle
from indexer.links.resolve import build_index, loose_title_key, number_key, resolve
from indexer.links.validity import Override, document_validity, is_repeal
from indexer.records import Document


def link_corpus(documents: list[Document], aliases: dict[str, str],
                overrides: dict[str, Override] | None = None, *, today: date,
                issuer_names: dict[str, list[str]] | None = None,
                extract: Callable[[Document], list[Reference]] = extract_document) -> CitationGraph:
    """References, 被引用, validity and unresolved titles of every document.

    aliases: Corpus.aliases (alias document id → kept id); overrides: load_overrides(corpus);
    issuer_names: aliases.toml's [issuers] (canonical → other names), so 中科院 in a cited title
    matches 中国科学院 in a document's own; extract: a document's references (extract_document,
    or the lists the parse extracted and cached per file: indexer/pipeline.py FileResult).
    """
    index = build_index(documents, aliases, issuer_names)
    graph = CitationGraph()
    for document in documents:
        graph.references[document.id] = [resolve(ref, document, index)
                                          for ref in extract(document)]
        graph.cited_by[document.id] = []
    repeals: dict[str, list[Reference]] = defaultdict(list)
    for reference in graph.all_references():
        if reference.target_doc and not reference.is_self:
            graph.cited_by[reference.target_doc].append(
                CitedBy(doc=reference.doc, clause=reference.clause, relation=reference.relation,
                        target_clause=reference.target_clause))
            if is_repeal(reference):
                repeals[reference.target_doc].append(reference)
    for document in documents:
        graph.validity[document.id] = document_validity(
            document, repeals.get(document.id, []), index.documents, overrides or {}, today)
    graph.unresolved = unresolved_titles(graph.all_references())
    return graph


def unresolved_titles(references: list[Reference]) -> list[UnresolvedTitle]:
    """Documents cited but not in the corpus, one entry per title (or 文号), most cited first."""
    groups: dict[object, list[Reference]] = defaultdict(list)
    for reference in references:
        if reference.target_doc is None and not reference.internal:
            key = loose_title_key(reference.title) if reference.title else number_key(reference.doc_number)
            groups[key or reference.text].append(reference)
    found = []
    for refs in groups.values():
        title = next((r.title for r in refs if r.title), "")
        number = next((r.doc_number for r in refs if r.doc_number), "")
        citing = tuple(dict.fromkeys((r.doc, r.clause) for r in refs))
        found.append(UnresolvedTitle(title=title, doc_number=number, count=len(refs), citing=citing))
    return sorted(found, key=lambda u: (-u.count, u.title, u.doc_number))
