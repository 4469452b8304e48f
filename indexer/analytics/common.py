"""Helpers shared by the analytics modules: matches, permalinks, CSV text.

Rules the analytics share with the rest of Cesou are not restated here but used from their one
home: a document's year is `facets.year_of` (the year facet's rule: a document whose date does
not start with a year is *undated*, and each analysis says what it does with those); a clause's
text is `clausetext.clause_text` (label, heading and text, what the index matches on); a CSV
cell and line are `text.csv_lines` (the search CSV's rule: a leading = + - @ quoted for Excel).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import chain
from urllib.parse import quote

from indexer.records import Clause, Document
from indexer.text import csv_lines

Match = tuple[Document, Clause]
UNSET = "（未注明）"     # the split key of a clause whose document has no issuer/type, or no theme


def permalink(doc_id: str, clause_id: str) -> str:
    """The site path of a clause: /d/<doc_id>/<clause_id>."""
    return document_path(doc_id) + clause_segment(clause_id)


# Both cached: an export asks for every row's, and there are far fewer document ids and clause
# ids (2.4, art-6 … recur in every document) than rows.
@lru_cache(maxsize=1 << 16)
def document_path(doc_id: str) -> str:
    """/d/<doc_id>/, the start of its clauses' permalinks."""
    return f"/d/{quote(doc_id, safe='')}/"


@lru_cache(maxsize=1 << 16)
def clause_segment(clause_id: str) -> str:
    """The clause id as the last segment of a permalink."""
    return quote(clause_id, safe=".")


def distinct_documents(matches: Iterable[Match]) -> list[Document]:
    """The documents of the matches, each once, in first-match order."""
    seen: dict[str, Document] = {}
    for document, _ in matches:
        seen.setdefault(document.id, document)
    return list(seen.values())


def csv_table(columns: Sequence[tuple[str, str]], rows: Iterable[Sequence]) -> Iterator[Sequence]:
    """The Chinese header of `columns` ((key, 中文) pairs), then the rows."""
    return chain([[zh for _, zh in columns]], rows)


def csv_text(columns: Sequence[tuple[str, str]], rows: Iterable[Sequence]) -> str:
    """CSV with the Chinese header of `columns` and one line per row (`text.csv_lines`)."""
    return "".join(csv_lines(csv_table(columns, rows)))
