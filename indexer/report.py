"""The `python -m indexer inspect` report: the parsed corpus for a reader.

One row per document, the duplicates folded away and every warning by file. (The export,
JSON Lines for a program, is indexer/store.py's `export_dict` per document.)
"""
from __future__ import annotations

from indexer.records import Corpus, Document
from indexer.text import display_width

COLUMNS = ("id", "date", "type", "issuers", "文号", "clauses", "title")
ISSUERS_SHOWN = 3


def inspect_report(corpus: Corpus) -> str:
    """The documents table, the aliases and the warnings, as printed by `inspect`."""
    rows = [COLUMNS] + [_row(d) for d in corpus.documents]
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    lines = ["  ".join(_pad(cell, width) for cell, width in zip(row, widths)) + "  " + row[-1]
             for row in rows]
    lines.append(f"\n{len(corpus.documents)} documents")
    if corpus.aliases:
        lines.append("\nduplicates (alias → kept copy):")
        lines.extend(f"  {alias} → {kept}" for alias, kept in sorted(corpus.aliases.items()))
    if corpus.warnings:
        lines.append("\nwarnings:")
        lines.extend(f"  {w.source}: {w.message}" for w in corpus.warnings)
    return "\n".join(lines)


def _row(document: Document) -> tuple[str, ...]:
    return (document.id, document.date or "-", document.doc_type, _issuers(document.issuers),
            document.doc_number or "-", str(len(document.clauses)), document.title)


def _issuers(issuers: list[str]) -> str:
    """At most three names, so that nine co-issuers do not push the title off the screen."""
    if len(issuers) <= ISSUERS_SHOWN:
        return " ".join(issuers) or "-"
    return " ".join(issuers[:ISSUERS_SHOWN]) + f" 等{len(issuers)}家"


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))
