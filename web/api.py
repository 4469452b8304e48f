"""The `api` blueprint: JSON and CSV twins of the pages.

    /api/                  this list for people: a Chinese page with every parameter, field and
                           a working example (templates/api.html)
    /api/search            the search page's results as JSON (same parameters), with the
                           page count and the next/previous pages' URLs (null at the ends)
    /api/search.csv        every result of that search as CSV: a Chinese header row, then
                           the English keys row (CSV_COLUMNS), so pandas reads it with header=1
    /api/documents         all documents
    /api/documents/<id>    one document with its clauses, references, cited_by and validity
    /api/citations.csv     every reference of the corpus, one row each (UTF-8 with BOM)
    /api/citations.graphml the citation graph for Gephi / networkx (documents → nodes,
                           resolved references between documents → edges)
    /api/citations/missing documents cited but not in the collection (the /citations/missing page)
    /api/cite/<doc_id>/<clause_id>.ris|.bib|.json   one clause's citation: RIS, BibTeX, CSL-JSON
    /api/search.ris, /api/search.bib                 every result of a search as citations

Shapes are the records' own (indexer/store.py), so a new field appears everywhere at once.
"""
from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date
from itertools import chain

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for

from indexer import cite, facets, params, store
from indexer.links import export
from indexer.records import Document, DocumentGroup, Hit
from web import links
from web.engine import searcher
from web.responses import csv_response
from web.site import clause_reference, document_or_redirect
from web.urls import page_count, search_url

bp = Blueprint("api", __name__, url_prefix="/api")

CSV_COLUMNS = ["rank", "doc_id", "doc_title", "doc_number", "date", "issuers", "doc_type", "themes",
               "clause_id", "label", "heading", "breadcrumb", "text", "url", "score"]
# The first CSV row, for people (a spreadsheet); the second row is CSV_COLUMNS, for programs.
CSV_HEADINGS = {"rank": "序号", "doc_id": "文件编号", "doc_title": "文件标题", "doc_number": "文号",
                "date": "成文日期", "issuers": "发文机关", "doc_type": "文种", "themes": "主题",
                "clause_id": "条款编号", "label": "条款序号", "heading": "条款标题",
                "breadcrumb": "所在位置", "text": "条款正文", "url": "链接", "score": "相关度得分"}


@bp.get("/")
def help():
    """The API described for people, in Chinese, with examples that run against this server."""
    return render_template("api.html", columns=[(CSV_HEADINGS[c], c) for c in CSV_COLUMNS],
                           sorts=params.SORTS, max_page=params.MAX_PAGE,
                           max_per_page=params.MAX_PER_PAGE)


@bp.get("/search")
def search():
    req = params.request_from_args(request.args.to_dict(flat=False))
    result = searcher().search(req)
    shown = facets.with_urls(result.facets, req, lambda r: search_url(r, "api.search"))
    pages = page_count(req, result)
    return jsonify(
        query=req.q, total=result.total, document_total=result.document_total,
        page=req.page, per_page=req.per_page, pages=pages, **page_links(req, pages),
        documents=[card_json(d) for d in result.documents],
        hits=[hit_json(hit) for hit in result.hits],
        groups=[group_json(g) for g in result.groups],
        facets={name: [asdict(v) for v in values] for name, values in shown.items()},
        notice=result.notice, partial=result.partial or bool(result.missing),
        expansions=result.expansions,
    )


@bp.get("/search.csv")
def search_csv():
    req = params.request_from_args(request.args.to_dict(flat=False))
    hits = searcher().iter_all(req)
    rows = ([rank] + [hit_json(hit)[c] for c in CSV_COLUMNS[1:]] for rank, hit in enumerate(hits, 1))
    headings = [CSV_HEADINGS[c] for c in CSV_COLUMNS]
    return csv_response(chain([headings, CSV_COLUMNS], rows), csv_filename(req.q, date.today()))


def page_links(req, pages: int) -> dict:
    """`next` and `prev`: absolute URLs of the neighbouring pages, None at either end (the end
    is also params.MAX_PAGE, the last page a URL may ask for); a page past the last has no
    next, and its prev is the last page."""
    def at(page: int) -> str:
        return request.host_url.rstrip("/") + search_url(req, "api.search", page=page)
    last = min(pages, params.MAX_PAGE)
    return {"next": at(req.page + 1) if req.page < last else None,
            "prev": at(min(req.page - 1, pages)) if req.page > 1 else None}


def csv_filename(q: str, day: date) -> str:
    """cesou-<query>-<YYYY-MM-DD>.csv: what was searched and when, safe in any file system."""
    words = re.sub(r'[\\/:*?"<>|\s\x00-\x1f]+', "_", q).strip("_.")[:40]
    return f"cesou-{words + '-' if words else ''}{day.isoformat()}.csv"


@bp.get("/documents")
def documents():
    return jsonify(documents=[document_json(d) for d in searcher().documents()])


@bp.get("/documents/<doc_id>")
def document(doc_id: str):
    doc = document_or_redirect(doc_id, "api.document")
    data = document_json(doc)
    data["clauses"] = [
        {**clause, "url": url_for("site.clause", doc_id=doc.id, clause_id=clause["id"], _external=True)}
        for clause in store.document_to_dict(doc)["clauses"]]
    return jsonify({**data, **export.document_links_json(searcher().citations(), doc.id)})


@bp.get("/citations.csv")
def citations_csv():
    s = searcher()
    return csv_response(export.csv_rows(s.citations(), s.documents()), "cesou-citations.csv")


@bp.get("/citations.graphml")
def citations_graphml():
    s = searcher()
    return Response(export.to_graphml(s.citations(), s.documents()),
                    mimetype="application/graphml+xml",
                    headers={"Content-Disposition": 'attachment; filename="cesou-citations.graphml"'})


@bp.get("/citations/missing")
def citations_missing():
    return jsonify(missing=links.missing_json(searcher(), external=True))


def hit_json(hit: Hit) -> dict:
    return store.hit_to_dict(
        hit, url_for("site.clause", doc_id=hit.doc_id, clause_id=hit.clause_id, _external=True))


def card_json(doc: Document) -> dict:
    """A document named by the query (文号, title): what its card shows."""
    return {"id": doc.id, "title": doc.title, "doc_number": doc.doc_number, "issuers": doc.issuers,
            "date": doc.date, "url": url_for("site.document", doc_id=doc.id, _external=True)}


def group_json(group: DocumentGroup) -> dict:
    """One row of a search grouped by document: the document, its matching clause count, its
    best clauses."""
    return {**card_json(group.document), "clauses": group.count,
            "hits": [hit_json(hit) for hit in group.hits]}


def document_json(doc: Document) -> dict:
    """A document's metadata (clauses left out, counted), its validity with the basis (the
    record's status string becomes the contract's object) and its page's URL."""
    data = store.document_to_dict(doc)
    del data["clauses"]
    return {**data, "validity": links.validity_of(searcher(), doc.id), "clause_count": len(doc.clauses),
            "url": url_for("site.document", doc_id=doc.id, _external=True)}


# --- citations for reference managers (RIS, BibTeX, CSL-JSON) ----------------------------------

CITATION_FORMATS = {   # extension → (formatter, media type)
    "ris": (cite.ris, "application/x-research-info-systems"),
    "bib": (cite.bibtex, "application/x-bibtex"),
    "json": (cite.csl_json, "application/vnd.citationstyles.csl+json"),
}


@bp.get("/cite/<doc_id>/<clause_id>.<any(ris, bib, json):fmt>")
def cite_clause(doc_id: str, clause_id: str, fmt: str):
    doc = document_or_redirect(doc_id, "api.cite_clause", clause_id=clause_id, fmt=fmt)
    if not any(c.id == clause_id for c in doc.clauses):
        abort(404, description=f"文件《{doc.title}》中没有编号为 {clause_id} 的条款")
    return citation_response([clause_reference(doc, clause_id)], fmt, f"{doc.id}-{clause_id}")


@bp.get("/search.ris")
def search_ris():
    return search_citations("ris")


@bp.get("/search.bib")
def search_bib():
    return search_citations("bib")


def search_citations(fmt: str) -> Response:
    """Every result of the search in the query string (the page's parameters), in order."""
    req = params.request_from_args(request.args.to_dict(flat=False))
    s = searcher()
    refs = [clause_reference(s.document(hit.doc_id), hit.clause_id) for hit in s.iter_all(req)]
    return citation_response(refs, fmt, "cesou-search")


def citation_response(refs: list[cite.Reference], fmt: str, name: str) -> Response:
    formatter, media_type = CITATION_FORMATS[fmt]
    return Response(formatter(refs), content_type=f"{media_type}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})
