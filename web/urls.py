"""URLs of searches and the helpers templates use to build them.

A search's whole state is its query string (indexer.params), so a page, its JSON twin and
its CSV export differ only in the path. Defaults are left out, so shared URLs stay short.
"""
from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from flask import Flask, request, url_for

from indexer import facets, params, present, provenance
from indexer.records import SearchRequest
from web import links


def query_string(pairs) -> str:
    pairs = list(pairs)
    return "?" + urlencode(pairs) if pairs else ""


def search_url(req: SearchRequest, endpoint: str = "site.search", **changes) -> str:
    """The URL of `req` (with `changes`) at `endpoint`: the page, its JSON or its CSV."""
    return url_for(endpoint) + query_string(params.args_from_request(replace(req, **changes)))


def toggle_url(req: SearchRequest, facet: str, value: str) -> str:
    return search_url(facets.toggled(req, facet, value))


def same_query(endpoint: str, **values) -> str:
    """`endpoint` with this request's query string (for redirects that keep the parameters)."""
    return url_for(endpoint, **values) + query_string(request.args.items(multi=True))


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
        search_url=search_url, toggle_url=toggle_url, is_selected=facets.is_selected,
        facet_labels=facets.FACET_LABELS, facet_fields=facets.FACET_FIELDS, highlight=present.highlight,
        clause_title=present.clause_title, clause_name=present.clause_name,
        clause_caption=present.clause_caption, provenance_label=provenance.LABEL,
        clause_paragraphs=links.clause_paragraphs, validity_class=links.validity_class)
    app.jinja_env.filters["short"] = short
