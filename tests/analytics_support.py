"""Test-only glue for the analytics tests: small synthetic records, and a search's matches from
the engine (`Engine.matches`) with the search's own total to check them against."""
from __future__ import annotations

from dataclasses import replace

from indexer.records import Clause, Document, SearchRequest
from indexer.search import Engine


def clause(id: str, text: str, label: str = "", heading: str = "", parent: str | None = None,
           themes: tuple[str, ...] = (), kind: str = "item", fields: dict | None = None) -> Clause:
    return Clause(id=id, label=label, heading=heading, text=text, parent=parent, kind=kind,
                  themes=list(themes), fields=dict(fields or {}))


def document(id: str, clauses: list[Clause], issuers: tuple[str, ...] = ("国务院",),
             date: str = "2017-01-01", doc_type: str = "意见", title: str = "",
             doc_number: str = "", themes: tuple[str, ...] = ()) -> Document:
    return Document(id=id, title=title or f"关于{id}的{doc_type}", doc_number=doc_number,
                    issuers=list(issuers), date=date, doc_type=doc_type, source=f"{id}.txt",
                    clauses=clauses, themes=list(themes))


def engine_matches(engine: Engine, req: SearchRequest):
    """(every matching (Document, Clause) in result order, the matched terms, the total)."""
    pairs, terms = engine.matches(req)
    return pairs, terms, engine.search(replace(req, page=1, per_page=1)).total
