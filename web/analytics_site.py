"""Issue 15's pages: trends (/trends), concordance (/kwic), joint issuing (/issuers), and what
the search and clause pages show of it (相关词, echoes), each without JavaScript.

Rules:
- every number on a page is a link to the search that produced it (a trend cell: the query
  with that year, and that issuer/type/theme for a split series; a node: the query with that
  issuer; an edge: the query with both issuers as 机关: terms, i.e. their joint documents);
- each page offers its CSV/JSON twin (web/analytics_api.py) with the same query string;
- the search and clause pages get their part through template globals (`related_terms`,
  `clause_echoes`) and one include line each, so the views of web/site.py stay as they are.
Parameters are read by indexer/analytics_params.py, as the API reads them.
"""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Flask, render_template, request, url_for
from markupsafe import Markup

from indexer import analytics_params as ap
from indexer.analytics import chart, cooccur, echoes, kwic
from indexer.analytics.common import UNSET
from indexer.records import Clause, Document, QueryError, SearchRequest
from web.analytics_api import args, issuer_network, trend_series
from web.engine import searcher
from web.urls import query_string, search_url

bp = Blueprint("analytics_site", __name__)

RELATED_SHOWN = 12       # 相关词 on the search page
ECHOES_SHOWN = 5         # near-identical clauses on the clause page
COMMON_PHRASE_CHARS = 16  # opening characters searched for when a wording is too common to pair
KWIC_SHOWN = 500         # concordance rows on the page (the CSV has all)
NETWORK_SHOWN = 100      # nodes and edges listed on the page (the CSV has all)
SPLIT_FILTER = {"issuer": "issuers", "type": "doc_types", "theme": "themes"}
BY_LABELS = {"": "不拆分", "issuer": "按发文机关", "type": "按文种", "theme": "按主题"}


def point_request(req: SearchRequest, year: int, by: str | None, key: str | None) -> SearchRequest:
    """The search behind one point: the series' query and filters, that year, that key."""
    found = replace(req, years=[year], page=1)
    if by and key and key != UNSET:
        found = replace(found, **{SPLIT_FILTER[by]: [key]})
    return found


@bp.get("/trends")
def trends_page():
    query = ap.trends_query(args(), need_query=False)
    series = trend_series(query) if query.requests else []
    by_query = {r.q: r for r in query.requests}

    def link_for(q: str, year: int, key: str | None) -> str:
        return search_url(point_request(by_query[q], year, query.by, key))

    svg = chart.trends_svg(series, link_for, query.measure) if series else ""
    years = [p.year for p in series[0].points] if series else []
    return render_template(
        "trends.html", query=query, series=series, years=years, svg=Markup(svg),
        link_for=link_for, measures=chart.MEASURES, by_labels=BY_LABELS, max_queries=ap.MAX_TREND_QUERIES,
        slots=[r.q for r in query.requests] + [""] * max(1, 3 - len(query.requests)),
        filters=ap.filters_only(args()), unset=UNSET,
        csv_url=url_for("analytics_api.trends_csv") + query_string(request.args.items(multi=True)),
        json_url=url_for("analytics_api.trends_json") + query_string(request.args.items(multi=True)))


@bp.get("/kwic")
def kwic_page():
    req = ap.search_request(args())
    width = ap.kwic_width(args())
    rows = []
    if req.q:
        matches, terms, texts = searcher().matches_with_texts(req)
        rows = kwic.concordance(matches, terms, width, normalized=texts)
    same = query_string(request.args.items(multi=True))
    return render_template("kwic.html", req=req, width=width, rows=rows[:KWIC_SHOWN],
                           total=len(rows), max_width=kwic.MAX_WIDTH,
                           csv_url=url_for("analytics_api.kwic_csv") + same)


def edge_query(q: str, source: str, target: str) -> str:
    """The query of an edge's documents: the search's own, and both issuers as 机关: terms."""
    return " ".join(p for p in (q, f"机关:{source}", f"机关:{target}") if p)


@bp.get("/issuers")
def issuers_page():
    req = ap.search_request(args())
    found = issuer_network()
    same = query_string(request.args.items(multi=True))
    documents = replace(req, group="document", page=1)     # the landing page counts documents
    return render_template(
        "issuers.html", req=req, nodes=found.nodes[:NETWORK_SHOWN], edges=found.edges[:NETWORK_SHOWN],
        node_total=len(found.nodes), edge_total=len(found.edges),
        node_url=lambda issuer: search_url(replace(documents, issuers=[issuer])),
        edge_url=lambda a, b: search_url(replace(documents, q=edge_query(req.q, a, b))),
        json_url=url_for("analytics_api.network_json") + same,
        csv_url=url_for("analytics_api.network_file", fmt="csv") + same,
        graphml_url=url_for("analytics_api.network_file", fmt="graphml") + same,
        same=same)


def related_terms(req: SearchRequest, result) -> list[tuple[str, int, str]]:
    """(word, clauses, the search with the word added) for the search page's 相关词."""
    if result is None or not result.total or not req.q:
        return []
    s = searcher()
    try:
        matches, terms = s.matches(replace(req, page=1), ordered=False)
    except QueryError:
        return []
    found = cooccur.cooccurrence(req.q, matches, terms, s.word_stats(), limit=RELATED_SHOWN)
    return [(t.term, t.count, search_url(replace(req, q=f"{req.q} {t.term}", page=1)))
            for t in found.terms]


def clause_echoes(doc: Document, clause: Clause) -> list[dict]:
    """The clause's near-identical clauses in other documents, with the aligned diff."""
    s = searcher()
    shown = []
    for doc_id, clause_id, similarity in s.echoes_of(doc.id, clause.id)[:ECHOES_SHOWN]:
        other, other_clause = s.document(doc_id), s.clause(doc_id, clause_id)
        if other is None or other_clause is None:
            continue
        mine = " ".join(p for p in (clause.heading, clause.text) if p)
        theirs = " ".join(p for p in (other_clause.heading, other_clause.text) if p)
        shown.append({"document": other, "clause": other_clause, "similarity": similarity,
                      "diff": Markup(echoes.diff_html(mine, theirs))})
    return shown


def common_wording(doc: Document, clause: Clause) -> dict | None:
    """When the clause's wording is too common for its echoes to be listed: about how many
    clauses share it, and a search for its opening words (a phrase) that finds them."""
    holders = searcher().common_wording(doc.id, clause.id)
    if not holders:
        return None
    opening = "".join(ch for ch in clause.text if not ch.isspace() and ch not in '"“”')[:COMMON_PHRASE_CHARS]
    return {"holders": holders, "limit": echoes.MAX_BUCKET,
            "search": search_url(SearchRequest(q=f'"{opening}"')) if opening else None}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(related_terms=related_terms, clause_echoes=clause_echoes,
                                 common_wording=common_wording)
