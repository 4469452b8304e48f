"""Cesou's website: the search page, clause permalinks, the document reader and the JSON/CSV API.

Views stay thin: URL parameters are parsed by indexer.params, searching is indexer.search's
Engine, text presentation (highlighting, citations) is indexer.present. This module only wires
them to URLs, templates and HTTP status codes.

    flask --app app run                      # development
    python app.py [--host 127.0.0.1] [--port 8000]   # production (waitress), builds the index if missing
"""
from __future__ import annotations

import argparse
import csv
import io
import math
import sys
import threading
from dataclasses import asdict, replace
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, Response, abort, jsonify, redirect, render_template, request, url_for
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from indexer import config, index, params, present
from indexer.index import published_version
from indexer.records import Document, QueryError, SearchRequest
from indexer.search import Engine, IndexNotFound

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}

CSV_COLUMNS = ["rank", "doc_id", "doc_title", "date", "issuers", "doc_type", "themes",
               "clause_id", "label", "heading", "breadcrumb", "text", "url", "score"]

DOCUMENT_ORDERS = {"newest": True, "oldest": False}   # documents page ?order= → reverse by date


class SafeJSONProvider(DefaultJSONProvider):
    """Readable Chinese JSON in which corpus text can never form markup (`<` → \\u003c).

    The decoded data is unchanged; only the bytes on the wire avoid `<`, `>` and `&`, so a
    document containing `<script>` stays inert even if a client mis-sniffs the response.
    """
    ensure_ascii = False

    def dumps(self, obj, **kwargs):
        text = super().dumps(obj, **kwargs)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class EngineHolder:
    """One search Engine per app, opened on first use so that the app can be imported, and can
    answer with a clear "no index yet" page, before any index is published."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._engine = None
        self._lock = threading.Lock()

    def get(self) -> Engine:
        with self._lock:
            try:
                if self._engine is None:
                    self._engine = Engine(self.index_dir)
                self._engine.refresh()
            except IndexNotFound as missing:
                abort(503, description=str(missing))
            return self._engine


def create_app(index_dir: str | Path | None = None) -> Flask:
    app = Flask(__name__)
    app.json = SafeJSONProvider(app)
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    app.config["CESOU_INDEX"] = Path(index_dir or config.index_dir())
    engines = EngineHolder(app.config["CESOU_INDEX"])
    app.jinja_env.globals.update(
        search_url=search_url, toggle_url=toggle_url, is_selected=params.is_selected,
        facet_labels=params.FACET_LABELS, highlight=present.highlight,
        clause_title=present.clause_title)
    app.jinja_env.filters["short"] = short

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            return jsonify(error=error.description), error.code
        return render_template("error.html", error=error), error.code

    @app.errorhandler(QueryError)
    def query_error(error: QueryError):
        if request.path.startswith("/api/"):
            return jsonify(error=str(error)), 400
        return render_template("search.html", req=SearchRequest(q=request.args.get("q", "")),
                               result=None, error=str(error)), 400

    # --- search -------------------------------------------------------------------------------

    @app.get("/")
    def search():
        req = params.request_from_args(request.args.to_dict(flat=False))
        engine = engines.get()
        if not (req.q or _has_filters(req)):
            newest = sorted(engine.documents(), key=lambda d: d.date, reverse=True)
            return render_template("search.html", req=req, result=None, error=None,
                                   documents=newest)
        result = engine.search(req)
        return render_template(
            "search.html", req=req, result=result, error=None,
            scope=engine.document(req.doc_id) if req.doc_id else None,
            pages=_page_count(result.total, req.per_page),
            year_bars=year_bars(result.facets.get("year", [])),
            suggestions=[] if result.hits else params.suggestions(req, engine.alias_table()),
            csv_url=url_for("search_csv") + _query(params.args_from_request(replace(req, page=1))),
        )

    @app.get("/search")
    def search_alias():
        return redirect(url_for("search") + _query(request.args.items(multi=True)), 301)

    # --- documents and clauses ------------------------------------------------------------------

    @app.get("/d")
    def documents():
        order = request.args.get("order", "newest")
        if order not in DOCUMENT_ORDERS:
            abort(400, description=f"order 只能是 {' 或 '.join(DOCUMENT_ORDERS)}")
        issuer, theme = request.args.get("issuer", ""), request.args.get("theme", "")
        everything = engines.get().documents()
        shown = [d for d in everything
                 if (not issuer or issuer in d.issuers) and (not theme or theme in d.themes)]
        shown.sort(key=lambda d: d.date, reverse=DOCUMENT_ORDERS[order])
        return render_template(
            "documents.html", documents=shown, total=len(everything), order=order,
            issuer=issuer, theme=theme,
            issuers=sorted({i for d in everything for i in d.issuers}),
            themes=sorted({t for d in everything for t in d.themes}),
        )

    @app.get("/documents")
    def documents_alias():
        return redirect(url_for("documents") + _query(request.args.items(multi=True)), 301)

    @app.get("/d/<doc_id>")
    def document(doc_id: str):
        engine = engines.get()
        doc = _document_or_redirect(engine, doc_id, "document")
        q = request.args.get("q", "").strip()
        terms = _terms_for(engine, q, doc.id)
        matched = {hit.clause_id for hit in engine.iter_all(SearchRequest(q=q, doc_id=doc.id))
                   } if terms else set()
        return render_template("document.html", doc=doc, outline=present.outline(doc),
                               q=q, terms=terms, matched=matched)

    @app.get("/d/<doc_id>/<clause_id>")
    def clause(doc_id: str, clause_id: str):
        engine = engines.get()
        doc = _document_or_redirect(engine, doc_id, "clause", clause_id=clause_id)
        outline = present.outline(doc)
        position = next((i for i, entry in enumerate(outline) if entry.clause.id == clause_id), None)
        if position is None:
            abort(404, description=f"文件《{doc.title}》中没有编号为 {clause_id} 的条款")
        entry = outline[position]
        q = request.args.get("q", "").strip()
        terms = _terms_for(engine, q, doc.id)
        return render_template(
            "clause.html", doc=doc, entry=entry, q=q, terms=terms,
            previous=outline[position - 1] if position > 0 else None,
            next=outline[position + 1] if position + 1 < len(outline) else None,
            children=[e for e in outline if e.clause.parent == clause_id],
            related=engine.related(doc.id, clause_id, limit=5),
            permalink=url_for("clause", doc_id=doc.id, clause_id=clause_id, _external=True),
            citation=present.citation(doc, entry.clause),
        )

    # --- JSON / CSV API ---------------------------------------------------------------------------

    @app.get("/api/search")
    def api_search():
        req = params.request_from_args(request.args.to_dict(flat=False))
        result = engines.get().search(req)
        return jsonify(
            query=req.q, total=result.total, page=req.page, per_page=req.per_page,
            hits=[_hit_json(hit) for hit in result.hits],
            facets={name: [asdict(v) for v in values] for name, values in result.facets.items()},
            notice=result.notice, partial=result.partial, expansions=result.expansions,
        )

    @app.get("/api/search.csv")
    def search_csv():
        req = params.request_from_args(request.args.to_dict(flat=False))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for rank, hit in enumerate(engines.get().iter_all(req), start=1):
            row = _hit_json(hit)
            writer.writerow([rank] + [_csv_cell(row[c]) for c in CSV_COLUMNS[1:]])
        name = "cesou-search.csv"
        return Response(out.getvalue().encode("utf-8-sig"), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.get("/api/documents")
    def api_documents():
        return jsonify(documents=[_document_json(d) for d in engines.get().documents()])

    @app.get("/api/documents/<doc_id>")
    def api_document(doc_id: str):
        doc = _document_or_redirect(engines.get(), doc_id, "api_document")
        data = _document_json(doc)
        data["clauses"] = [
            {**asdict(c), "url": url_for("clause", doc_id=doc.id, clause_id=c.id, _external=True)}
            for c in doc.clauses
        ]
        return jsonify(data)

    return app


# --- helpers shared by the views ------------------------------------------------------------------

def _document_or_redirect(engine, doc_id: str, endpoint: str, **values) -> Document:
    """The document with this id; an alias id (a duplicate copy) answers with a 301 to the
    canonical URL, an unknown one with a 404 that says what was looked for."""
    canonical = engine.canonical_id(doc_id)
    if canonical is None:
        abort(404, description=f"没有编号为 {doc_id} 的文件")
    if canonical != doc_id:
        target = url_for(endpoint, doc_id=canonical, **values)
        abort(redirect(target + _query(request.args.items(multi=True)), 301))
    return engine.document(canonical)


def _terms_for(engine, q: str, doc_id: str) -> list[str]:
    """The terms to highlight in a document reached from a search; a query that cannot be
    parsed only means there is nothing to highlight, so it is not an error on this page."""
    if not q:
        return []
    try:
        return engine.search(SearchRequest(q=q, doc_id=doc_id, per_page=1)).terms
    except QueryError:
        return []


def _hit_json(hit) -> dict:
    return {
        "doc_id": hit.doc_id, "doc_title": hit.doc_title, "clause_id": hit.clause_id,
        "label": hit.label, "heading": hit.heading, "breadcrumb": hit.breadcrumb,
        "text": hit.text, "snippet": hit.snippet,
        "url": url_for("clause", doc_id=hit.doc_id, clause_id=hit.clause_id, _external=True),
        "date": hit.date, "issuers": hit.issuers, "themes": hit.themes,
        "doc_type": hit.doc_type, "score": round(hit.score, 4),
    }


def _document_json(doc: Document) -> dict:
    return {
        "id": doc.id, "title": doc.title, "doc_number": doc.doc_number, "issuers": doc.issuers,
        "date": doc.date, "doc_type": doc.doc_type, "themes": doc.themes,
        "theme_terms": doc.theme_terms, "aliases": doc.aliases, "source": doc.source,
        "clause_count": len(doc.clauses),
        "url": url_for("document", doc_id=doc.id, _external=True),
    }


def _csv_cell(value) -> str:
    """One CSV cell; lists joined with the Chinese enumeration comma. A leading = + - @ is
    quoted with an apostrophe so that Excel shows corpus text instead of running it as a formula."""
    text = "；".join(value) if isinstance(value, list) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _has_filters(req: SearchRequest) -> bool:
    return bool(req.issuers or req.years or req.themes or req.doc_types
                or req.date_from or req.date_to or req.doc_id)


def _page_count(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


def _query(pairs) -> str:
    pairs = list(pairs)
    return "?" + urlencode(pairs) if pairs else ""


def search_url(req: SearchRequest, **changes) -> str:
    return url_for("search") + _query(params.args_from_request(replace(req, **changes)))


def toggle_url(req: SearchRequest, facet: str, value: str) -> str:
    return url_for("search") + _query(params.args_from_request(params.toggled(req, facet, value)))


def short(text: str, limit: int = 24) -> str:
    """A breadcrumb crumb cut to `limit` characters: headings of run-in items can be long."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def year_bars(values) -> list[tuple[str, int, float]]:
    """(year, count, height 0–1) for every year from the first to the last with matches, gaps
    included, so the histogram's x axis is time and not just the years that happen to match."""
    counts = {int(v.value): v.count for v in values if str(v.value).isdigit()}
    if not counts:
        return []
    highest = max(counts.values())
    return [(str(y), counts.get(y, 0), counts.get(y, 0) / highest)
            for y in range(min(counts), max(counts) + 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve Cesou with waitress.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--index", default=str(config.index_dir()), help="index folder")
    parser.add_argument("--corpus", default=str(config.corpus_dir()), help="corpus folder, built when no index is published")
    args = parser.parse_args(argv)
    if published_version(Path(args.index)) is None:
        print(f"No index in {args.index} yet: building it from {args.corpus} …", file=sys.stderr)
        index.build(Path(args.corpus), Path(args.index), show_progress=True)
    from waitress import serve
    print(f"Cesou (策搜) on http://{args.host}:{args.port}/", file=sys.stderr)
    serve(create_app(args.index), host=args.host, port=args.port, threads=8)
    return 0


app = create_app()

if __name__ == "__main__":
    sys.exit(main())
