"""`python -m indexer inspect` and `export`: the parsed corpus for a reader and for a program.

inspect prints one row per document, the duplicates folded away and every warning by file;
export writes JSON Lines (one document per line) that pandas.read_json(…, lines=True) loads.
"""
from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

from indexer.pipeline import build_corpus
from indexer.records import Clause, Corpus, Document

COLUMNS = ("id", "date", "type", "issuers", "文号", "clauses", "title")
ISSUERS_SHOWN = 3


def inspect_command(args) -> int:
    corpus = _build(args)
    if corpus is None:
        return 2
    print(inspect_report(corpus))
    return 0


def export_command(args) -> int:
    corpus = _build(args)
    if corpus is None:
        return 2
    lines = "".join(json.dumps(document_to_json(d), ensure_ascii=False) + "\n"
                    for d in corpus.documents)
    if args.out == "-":
        sys.stdout.write(lines)
    else:
        try:
            Path(args.out).write_text(lines, encoding="utf-8")
        except OSError as error:
            print(f"error: cannot write {args.out}: {error.strerror}", file=sys.stderr)
            return 2
    for warning in corpus.warnings:
        print(f"warning: {warning.source}: {warning.message}", file=sys.stderr)
    return 0


def inspect_report(corpus: Corpus) -> str:
    """The documents table, the aliases and the warnings, as printed by `inspect`."""
    rows = [COLUMNS] + [_row(d) for d in corpus.documents]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
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


def document_to_json(document: Document) -> dict:
    """A document as the export's JSON object (the index build stores the same shape)."""
    return {
        "id": document.id,
        "title": document.title,
        "doc_number": document.doc_number,
        "issuers": document.issuers,
        "date": document.date,
        "doc_type": document.doc_type,
        "themes": document.themes,
        "source": document.source,
        "source_url": document.source_url,
        "attachments": [{"title": a.title, "url": a.url} for a in document.attachments],
        "aliases": document.aliases,
        "clauses": [_clause_to_json(c) for c in document.clauses],
    }


def _clause_to_json(clause: Clause) -> dict:
    return {"id": clause.id, "label": clause.label, "heading": clause.heading,
            "text": clause.text, "parent": clause.parent, "fields": clause.fields}


def _build(args) -> Corpus | None:
    corpus_dir = Path(args.corpus)
    if not corpus_dir.is_dir():
        print(f"error: corpus folder not found: {corpus_dir}", file=sys.stderr)
        return None
    try:
        return build_corpus(corpus_dir)
    except ValueError as error:     # a broken config file (themes.toml, aliases.toml)
        print(f"error: {error}", file=sys.stderr)
        return None


def _row(document: Document) -> tuple[str, ...]:
    return (document.id, document.date or "-", document.doc_type, _issuers(document.issuers),
            document.doc_number or "-", str(len(document.clauses)), document.title)


def _issuers(issuers: list[str]) -> str:
    """At most three names, so that nine co-issuers do not push the title off the screen."""
    if len(issuers) <= ISSUERS_SHOWN:
        return " ".join(issuers) or "-"
    return " ".join(issuers[:ISSUERS_SHOWN]) + f" 等{len(issuers)}家"


def _width(text: str) -> int:
    """Columns the text takes in a terminal: CJK characters are two wide."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
