"""What every backend matches and ranks a clause on, worked out from its document alone.

A clause is matched on its own label, heading and text (children excluded) and ranked also
on its context (the document's title and its ancestors' titles), all normalised
(`analysis.normalize`). Nothing here looks beyond one document, which is why the pipeline
computes it per file, in its workers, and the parse cache keeps it with the file's documents.
"""
from __future__ import annotations

from typing import NamedTuple

from indexer import analysis, present
from indexer.records import Clause, Document


class DocumentTexts(NamedTuple):
    """Per clause of one document, in clause order: normalised text, heading and context."""
    texts: list[str]
    headings: list[str]
    contexts: list[str]


def clause_text(clause: Clause) -> str:
    """What a clause is matched on: its own label, heading and text (children excluded)."""
    return " ".join(p for p in (clause.label, clause.heading, clause.text) if p)


def clause_context(document: Document, ancestors: list[Clause]) -> str:
    """Where a clause stands: its document's title and its ancestors' titles."""
    return " ".join([document.title, *map(present.clause_title, ancestors)])


def document_texts(document: Document) -> DocumentTexts:
    """Sibling clauses share their context: it is normalised once and held once (one string
    in memory and in the parse cache, whose pickling keeps one object once)."""
    out, contexts = DocumentTexts([], [], []), {}
    for entry in present.outline(document):
        clause = entry.clause
        out.texts.append(analysis.normalize(clause_text(clause)))
        out.headings.append(analysis.normalize(f"{clause.label} {clause.heading}"))
        context = clause_context(document, entry.ancestors)
        if context not in contexts:
            contexts[context] = analysis.normalize(context)
        out.contexts.append(contexts[context])
    return out


def concatenated(per_document: list[DocumentTexts]) -> dict[str, list[str]]:
    """The per-document texts joined in document order: the version's normalized.json."""
    joined: dict[str, list[str]] = {"texts": [], "headings": [], "contexts": []}
    for texts in per_document:
        joined["texts"].extend(texts.texts)
        joined["headings"].extend(texts.headings)
        joined["contexts"].extend(texts.contexts)
    return joined
