"""Helpers shared by the analytics modules: years, permalinks, displayed text, CSV cells.

- A document's year is the first four digits of its date (`2017-01-24`, `2017-01`); a document
  whose date does not start with a year is *undated*, and each analysis says what it does with
  undated documents.
- A clause's displayed text is label, heading and text joined by a space (the text the site
  shows and the index matches on: indexer/index.py `clause_text`).
- A CSV cell that starts with `=`, `+`, `-` or `@` gets a leading apostrophe, the same rule as
  the search CSV, so Excel shows corpus text instead of running it as a formula.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from indexer.records import Clause, Document

Match = tuple[Document, Clause]
UNSET = "（未注明）"     # the split key of a clause whose document has no issuer/type, or no theme
LIST_SEPARATOR = "；"


def year_of(document: Document) -> int | None:
    """The document's year, or None when its date does not start with one."""
    head = document.date[:4]
    return int(head) if len(head) == 4 and head.isdigit() else None


def permalink(doc_id: str, clause_id: str) -> str:
    """The site path of a clause: /d/<doc_id>/<clause_id>."""
    return f"/d/{quote(doc_id, safe='')}/{quote(clause_id, safe='.')}"


def displayed_text(clause: Clause) -> str:
    """Label, heading and text as one string, the way the clause is shown and matched."""
    return " ".join(p for p in (clause.label, clause.heading, clause.text) if p)


def distinct_documents(matches: Iterable[Match]) -> list[Document]:
    """The documents of the matches, each once, in first-match order."""
    seen: dict[str, Document] = {}
    for document, _ in matches:
        seen.setdefault(document.id, document)
    return list(seen.values())


def cell(value) -> str:
    """One CSV cell: lists joined with ；, None as empty, formula-like text quoted."""
    if value is None:
        return ""
    text = LIST_SEPARATOR.join(value) if isinstance(value, (list, tuple)) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def csv_text(columns: Sequence[tuple[str, str]], rows: Iterable[Sequence]) -> str:
    """CSV with the Chinese header of `columns` ((key, 中文) pairs) and one line per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([zh for _, zh in columns])
    writer.writerows([cell(v) for v in row] for row in rows)
    return out.getvalue()
