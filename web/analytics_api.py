"""The `analytics_api` blueprint: issue 15's JSON and exports (indexer/analytics/).

    /api/trends               {"series": [{"query", "by", "key", "points": [{"year", "clauses",
                              "documents", "clauses_per_1000", "documents_per_100"}]}]}
    /api/trends.csv           the same table, one row per series × year
    /api/cooccurrence         {"query", "clauses", "terms": [{"term", "count", "score"}]}, best first
    /api/cooccurrence.csv     terms × terms matrix of the best co-occurring words (clause as the
                              unit; measure=count|ochiai)
    /api/kwic.csv             one row per occurrence of the query's terms (width = context)
    /api/search.xlsx          the result set as a coded spreadsheet (code= repeatable)
    /api/issuers/network      {"nodes": [{"issuer", "documents", "first_year", "last_year"}],
                              "edges": [{"source", "target", "documents"}]}; .csv, .graphml
    /api/echoes.csv           every near-identical clause pair of the index version

Every parameter is read by indexer/analytics_params.py (a Chinese 400 naming it). Matches come
from `Searcher.matches` (no snippets); per-version data (year totals, word sets, echoes) from
the request's snapshot, so one request never mixes two versions.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, jsonify, request

from indexer import analytics_params as ap
from indexer.analytics import coded, cooccur, echoes, kwic, network, trends
from indexer import xlsx
from indexer.analytics.common import csv_table, distinct_documents
from indexer.records import SearchRequest
from web.api import csv_filename
from web.engine import searcher
from web.responses import content_disposition, csv_response, csv_text_response, download

bp = Blueprint("analytics_api", __name__, url_prefix="/api")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


def text_download(text: str, filename: str, mimetype: str = "text/csv") -> Response:
    """A CSV (UTF-8 with BOM, so Excel reads the Chinese) or other text file as a download."""
    encoding = "utf-8-sig" if mimetype == "text/csv" else "utf-8"
    return Response(text.encode(encoding), mimetype=mimetype,
                    headers={"Content-Disposition": content_disposition(filename)})


def export_name(q: str, extension: str) -> str:
    """cesou-<query>-<YYYY-MM-DD>.<extension>, like the search CSV's name."""
    return csv_filename(q, date.today()).removesuffix(".csv") + "." + extension


def trend_series(query: ap.TrendsQuery) -> list[trends.TrendSeries]:
    s = searcher()
    limit = ap.MAX_SPLIT_SERIES if query.by else None
    return trends.trends(((req.q, s.matches(req, ordered=False)[0]) for req in query.requests),
                         s.year_totals(), by=query.by, limit=limit)


@bp.get("/trends")
def trends_json():
    return jsonify(trends.trends_json(trend_series(ap.trends_query(args()))))


@bp.get("/trends.csv")
def trends_csv():
    query = ap.trends_query(args())
    return text_download(trends.trends_csv(trend_series(query)),
                         export_name("_".join(r.q for r in query.requests) + "-趋势", "csv"))


def cooccurring(req, min_count: int = cooccur.DEFAULT_MIN_COUNT,
                limit: int = cooccur.DEFAULT_LIMIT):
    """(the search's matches, its co-occurring words)."""
    s = searcher()
    matches, terms = s.matches(req, ordered=False)
    return matches, cooccur.cooccurrence(req.q, matches, terms, s.word_stats(), min_count, limit)


@bp.get("/cooccurrence")
def cooccurrence_json():
    min_count, limit = ap.cooccurrence_limits(args())
    return jsonify(cooccurring(ap.search_request(args()), min_count, limit)[1].to_json())


@bp.get("/cooccurrence.csv")
def cooccurrence_csv():
    req = ap.search_request(args())
    ochiai, size = ap.matrix_options(args())
    matches, found = cooccurring(req, limit=size)
    matrix = cooccur.cooccurrence_matrix(matches, [t.term for t in found.terms], searcher().word_stats())
    return text_download(cooccur.matrix_csv(matrix, ochiai), export_name(req.q + "-共现矩阵", "csv"))


@bp.get("/kwic.csv")
def kwic_csv():
    req = ap.search_request(args(), required=True)
    width = ap.kwic_width(args())
    matches, terms, texts = searcher().matches_with_texts(req)
    return csv_text_response(kwic.csv_pieces(matches, terms, width, request.host_url, texts),
                             export_name(req.q + "-KWIC", "csv"))


@bp.get("/search.xlsx")
def search_xlsx():
    req = ap.search_request(args())
    codes = ap.codes(args())
    s = searcher()
    sheets = coded.coded_sheets(s.matches(req)[0], codes, base_url=request.host_url,
                                places=s.clause_places())
    return download(xlsx.stream(sheets), export_name(req.q, "xlsx"), XLSX)


def issuer_network() -> network.IssuerNetwork:
    """The network of the search's matching documents, or of every document without a search."""
    req = ap.search_request(args())
    s = searcher()
    unfiltered = SearchRequest(sort=req.sort, page=req.page, per_page=req.per_page, group=req.group)
    if req == unfiltered:       # no query and no filter of any kind
        return network.issuer_network(s.documents())
    return network.issuer_network(distinct_documents(s.matches(req, ordered=False)[0]))


@bp.get("/issuers/network")
def network_json():
    return jsonify(issuer_network().to_json())


@bp.get("/issuers/network.<any(csv, graphml):fmt>")
def network_file(fmt: str):
    found = issuer_network()
    q = request.args.get("q", "")
    if fmt == "graphml":
        return text_download(network.graphml(found), export_name(q + "-联合发文", "graphml"),
                             "application/graphml+xml")
    part = ap.network_part(args())
    text = network.nodes_csv(found) if part == "nodes" else network.edges_csv(found)
    return text_download(text, export_name(q + f"-联合发文-{'机关' if part == 'nodes' else '联合'}", "csv"))


@bp.get("/echoes.csv")
def echoes_csv():
    s = searcher()
    return csv_response(csv_table(echoes.COLUMNS, echoes.echo_rows(s.echo_pairs(), s.documents())),
                        export_name("相似条款", "csv"))
