"""The `site` blueprint: the search page, the document library, the reader and clause pages.

Every page reads one index snapshot (`searcher()`), so a rebuild published during a request
cannot mix two versions into one page.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import PurePosixPath

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from indexer import cite, facets, params, present
from indexer.records import Document, QueryError, SearchRequest
from web import links
from web.engine import searcher
from web.responses import original_file
from web.urls import page_count, query_string, same_query, search_url, year_bars

bp = Blueprint("site", __name__)

DOCUMENT_ORDERS = {"newest": True, "oldest": False}   # documents page ?order= → reverse by date
# The documents page's filters: parameter → the values a document has for it.
DOCUMENT_FILTERS = {
    "issuer": lambda d: d.issuers,
    "year": lambda d: [d.date[:4]] if d.date else [],
    "type": lambda d: [d.doc_type] if d.doc_type else [],
    "theme": lambda d: d.themes,
}


@bp.before_request
def clean_shared_urls():
    """A page URL with empty parameters (a form's unused `from=&to=`, a "全部" select) answers
    with a redirect to the same URL without them, so the address people share stays clean.
    (site.js leaves empty fields out on submit; this catches forms without JavaScript.)"""
    pairs = list(request.args.items(multi=True))
    kept = [(name, value) for name, value in pairs if value.strip()]
    if len(kept) < len(pairs):
        return redirect(request.path + query_string(kept), 302)
    return None


@bp.get("/")
def search():
    req = params.request_from_args(request.args.to_dict(flat=False))
    s = searcher()
    if not (req.q or _has_filters(req)):
        newest = sorted(s.documents(), key=lambda d: d.date, reverse=True)
        return render_template("search.html", req=req, result=None, error=None, documents=newest)
    result = s.search(req)
    pages = page_count(req, result)
    if req.page > pages:     # "第 99/6 页": the last page is where such a link meant to go
        return redirect(search_url(req, page=pages), 302)
    result.facets = facets.with_urls(result.facets, req, search_url)
    return render_template(
        "search.html", req=req, result=result, error=None,
        scope=s.document(req.doc_id) if req.doc_id else None,
        pages=pages,
        within_args=params.args_from_request(replace(req, page=1)),
        year_bars=year_bars(result.facets.get("year", [])),
        suggestions=[] if result.hits else params.suggestions(req, s.alias_table()),
        csv_url=search_url(replace(req, page=1), "api.search_csv"),
    )


@bp.get("/search")
def search_alias():
    return redirect(same_query("site.search"), 301)


@bp.get("/help")
def syntax_help():
    """What can be typed in the search box, with examples that run."""
    return render_template("help.html")


@bp.get("/d")
def documents():
    order = request.args.get("order", "newest")
    if order not in DOCUMENT_ORDERS:
        abort(400, description=f"参数 order 只能是 {' 或 '.join(DOCUMENT_ORDERS)}")
    chosen = {name: request.args.get(name, "") for name in DOCUMENT_FILTERS}
    everything = searcher().documents()
    shown = [d for d in everything
             if all(not value or value in DOCUMENT_FILTERS[name](d) for name, value in chosen.items())]
    shown.sort(key=lambda d: d.date, reverse=DOCUMENT_ORDERS[order])
    return render_template(
        "documents.html", documents=shown, total=len(everything), order=order, chosen=chosen,
        options={name: _counted(everything, values, by_count=name != "year")
                 for name, values in DOCUMENT_FILTERS.items()},
    )


@bp.get("/favicon.ico")
def favicon():
    """Browsers and feed readers ask for /favicon.ico whatever the page links to."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


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


@bp.get("/d/<doc_id>/source")
def original(doc_id: str):
    """The file the document was parsed from, as received (indexer/originals.py)."""
    doc = document_or_redirect(doc_id, "site.original")
    path = searcher().original(doc.id)
    if path is None:
        abort(404, description=f"本索引版本没有保存《{doc.title}》的原始文件（{doc.source}）："
                               "请管理员重新运行 python -m indexer build")
    return original_file(path, PurePosixPath(doc.source).name)


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


def _counted(documents, values_of, by_count: bool = True) -> list[tuple[str, int]]:
    """(value, number of documents) for a filter's select: most documents first, then by name,
    so the bodies that issue most are at the top; or by value, last first (years)."""
    counts = Counter(v for d in documents for v in values_of(d))
    if not by_count:
        return sorted(counts.items(), reverse=True)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _has_filters(req: SearchRequest) -> bool:
    return bool(req.issuers or req.years or req.themes or req.doc_types or req.validities
                or req.date_from or req.date_to or req.doc_id)
