"""The `site` blueprint: the search page, the document library, the reader and clause pages.

Every page reads one index snapshot (`searcher()`), so a rebuild published during a request
cannot mix two versions into one page.
"""
from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from indexer import cite, facets, params, present
from indexer.records import Document, QueryError, SearchRequest
from web import links
from web.engine import searcher
from web.urls import same_query, search_url, year_bars

bp = Blueprint("site", __name__)

DOCUMENT_ORDERS = {"newest": True, "oldest": False}   # documents page ?order= → reverse by date


@bp.get("/")
def search():
    req = params.request_from_args(request.args.to_dict(flat=False))
    s = searcher()
    if not (req.q or _has_filters(req)):
        newest = sorted(s.documents(), key=lambda d: d.date, reverse=True)
        return render_template("search.html", req=req, result=None, error=None, documents=newest)
    result = s.search(req)
    result.facets = facets.with_urls(result.facets, req, search_url)
    return render_template(
        "search.html", req=req, result=result, error=None,
        scope=s.document(req.doc_id) if req.doc_id else None,
        pages=max(1, math.ceil((result.document_total if req.group else result.total) / req.per_page)),
        within_args=params.args_from_request(replace(req, page=1)),
        year_bars=year_bars(result.facets.get("year", [])),
        suggestions=[] if result.hits else params.suggestions(req, s.alias_table()),
        csv_url=search_url(replace(req, page=1), "api.search_csv"),
    )


@bp.get("/search")
def search_alias():
    return redirect(same_query("site.search"), 301)


@bp.get("/d")
def documents():
    order = request.args.get("order", "newest")
    if order not in DOCUMENT_ORDERS:
        abort(400, description=f"参数 order 只能是 {' 或 '.join(DOCUMENT_ORDERS)}")
    issuer, theme = request.args.get("issuer", ""), request.args.get("theme", "")
    everything = searcher().documents()
    shown = [d for d in everything
             if (not issuer or issuer in d.issuers) and (not theme or theme in d.themes)]
    shown.sort(key=lambda d: d.date, reverse=DOCUMENT_ORDERS[order])
    return render_template(
        "documents.html", documents=shown, total=len(everything), order=order,
        issuer=issuer, theme=theme,
        issuers=sorted({i for d in everything for i in d.issuers}),
        themes=sorted({t for d in everything for t in d.themes}),
    )


@bp.get("/documents")
def documents_alias():
    return redirect(same_query("site.documents"), 301)


@bp.get("/d/<doc_id>")
def document(doc_id: str):
    doc = document_or_redirect(doc_id, "site.document")
    q = request.args.get("q", "").strip()
    terms = _terms_for(q, doc.id)
    matched = {hit.clause_id for hit in searcher().iter_all(SearchRequest(q=q, doc_id=doc.id))
               } if terms else set()
    outline = present.outline(doc)
    links.use_document(searcher(), doc)
    return render_template("document.html", doc=doc, outline=outline,
                           readings=present.readings(outline), q=q, terms=terms, matched=matched,
                           links=links.page_links(searcher(), doc))


@bp.get("/d/<doc_id>/<clause_id>")
def clause(doc_id: str, clause_id: str):
    doc = document_or_redirect(doc_id, "site.clause", clause_id=clause_id)
    outline = present.outline(doc)
    position = next((i for i, entry in enumerate(outline) if entry.clause.id == clause_id), None)
    if position is None:
        abort(404, description=f"文件《{doc.title}》中没有编号为 {clause_id} 的条款")
    entry = outline[position]
    q = request.args.get("q", "").strip()
    reading = present.reading_of(outline, clause_id)
    links.use_document(searcher(), doc)
    return render_template(
        "clause.html", doc=doc, entry=entry, reading=reading, q=q, terms=_terms_for(q, doc.id),
        links=links.page_links(searcher(), doc, clause_id),
        previous=outline[position - 1] if position > 0 else None,
        next=outline[position + 1] if position + 1 < len(outline) else None,
        children=[] if reading.measures else [e for e in outline if e.clause.parent == clause_id],
        related=searcher().related(doc.id, clause_id, limit=5),
        permalink=url_for("site.clause", doc_id=doc.id, clause_id=clause_id, _external=True),
        citation=cite.gbt7714(clause_reference(doc, clause_id)),
    )


@bp.get("/citations/missing")
def missing():
    """Documents cited but not in the collection, most cited first: a to-do list for the corpus."""
    return render_template("missing.html", missing=links.missing_json(searcher()))


# --- shared by the views ------------------------------------------------------------------------

def accessed_date() -> str:
    """Today (the 引用日期 of a citation); the CESOU_TODAY setting fixes it for tests."""
    return current_app.config.get("CESOU_TODAY") or date.today().isoformat()


def clause_reference(doc: Document, clause_id: str) -> cite.Reference:
    """The citation record of one clause: cited today, at its permalink unless the document
    has a source URL."""
    permalink = url_for("site.clause", doc_id=doc.id, clause_id=clause_id, _external=True)
    return cite.reference(doc, clause_id, permalink, accessed_date())


def document_or_redirect(doc_id: str, endpoint: str, **values) -> Document:
    """The document with this id; an alias id (a duplicate copy) answers with a 301 to the
    canonical URL, an unknown one with a 404 that says what was looked for."""
    s = searcher()
    canonical = s.canonical_id(doc_id)
    if canonical is None:
        abort(404, description=f"没有编号为 {doc_id} 的文件")
    if canonical != doc_id:
        abort(redirect(same_query(endpoint, doc_id=canonical, **values), 301))
    return s.document(canonical)


def _terms_for(q: str, doc_id: str) -> list[str]:
    """The terms to highlight in a document reached from a search; a query that cannot be
    parsed only means there is nothing to highlight, so it is not an error on this page."""
    if not q:
        return []
    try:
        return searcher().search(SearchRequest(q=q, doc_id=doc_id, per_page=1)).terms
    except QueryError:
        return []


def _has_filters(req: SearchRequest) -> bool:
    return bool(req.issuers or req.years or req.themes or req.doc_types or req.validities
                or req.date_from or req.date_to or req.doc_id)
