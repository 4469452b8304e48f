"""URLs of searches and the helpers templates use to build them.

A search's whole state is its query string (indexer.params), so a page, its JSON twin and
its CSV export differ only in the path. Defaults are left out, so shared URLs stay short.
"""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import PurePosixPath
from urllib.parse import unquote, urlencode

from flask import Flask, request, url_for

from indexer import facets, params, present, provenance
from indexer.records import SearchRequest
from indexer.text import web_address
from web import links


def query_string(pairs) -> str:
    pairs = list(pairs)
    return "?" + urlencode(pairs) if pairs else ""


def search_url(req: SearchRequest, endpoint: str = "site.search", **changes) -> str:
    """The URL of `req` (with `changes`) at `endpoint`: the page, its JSON or its CSV."""
    return url_for(endpoint) + query_string(params.args_from_request(replace(req, **changes)))


def page_count(req: SearchRequest, result) -> int:
    """Pages of a search (at least 1): of clauses, or of documents when grouped by document."""
    total = result.document_total if req.group else result.total
    return max(1, math.ceil(total / req.per_page))


def toggle_url(req: SearchRequest, facet: str, value: str) -> str:
    return search_url(facets.toggled(req, facet, value))


def same_query(endpoint: str, **values) -> str:
    """`endpoint` with this request's query string (for redirects that keep the parameters)."""
    return url_for(endpoint, **values) + query_string(request.args.items(multi=True))


# Each page and its JSON twin (the <link rel="alternate"> of base.html): page → API endpoint.
JSON_TWINS = {"site.search": "api.search", "site.documents": "api.documents",
              "site.document": "api.document", "site.clause": "api.document"}


def json_twin() -> str | None:
    """The URL of this page's data as JSON: a search's same query at /api/search, a document's
    (or clause's) /api/documents/<id>, the library's /api/documents; None for other pages."""
    endpoint = JSON_TWINS.get(request.endpoint or "")
    if endpoint == "api.search":
        return url_for(endpoint) + query_string(request.args.items(multi=True)) if request.args else None
    if endpoint == "api.document":
        return url_for(endpoint, doc_id=(request.view_args or {})["doc_id"])
    return url_for(endpoint) if endpoint else None


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


def init_app(app: Flask) -> None:
    """Make the helpers available to every template."""
    app.jinja_env.globals.update(
        search_url=search_url, toggle_url=toggle_url, json_twin=json_twin,
        is_selected=facets.is_selected,
        facet_labels=facets.FACET_LABELS, facet_fields=facets.FACET_FIELDS, highlight=present.highlight,
        clause_title=present.clause_title, clause_name=present.clause_name,
        clause_caption=present.clause_caption, provenance_label=provenance.LABEL,
        clause_paragraphs=links.clause_paragraphs, validity_class=links.validity_class,
        web_address=web_address)
    app.jinja_env.filters["file_name"] = lambda name: PurePosixPath(name).name
    app.jinja_env.filters["short"] = short
    app.jinja_env.filters["readable_url"] = unquote     # /api/search?q=基础研究 as people read it
