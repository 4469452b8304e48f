"""Query-string parameters of the analytics endpoints and pages, validated once (issue 15).

Same rules as indexer/params.py: every bad value is a QueryError (HTTP 400) whose Chinese
message names the parameter; every limit is a named constant here. A search's own parameters
(q, issuer, year, theme, type, validity, from, to, doc, within, sort) are read by params.request_from_args,
so an analytics URL filters exactly like the search page it was reached from.

    trends        q (repeatable, 1–MAX_TREND_QUERIES), the search filters, by, measure
    cooccurrence  q, the search filters, min_count, limit; the matrix: measure, terms
    kwic          q (required: the keywords), the search filters, width
    search.xlsx   the search's parameters, code (repeatable: the coding columns)
    network       the search's parameters (none: the whole collection); .csv: part=edges|nodes
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from indexer import params
from indexer.analytics import chart, coded, cooccur, kwic, trends
from indexer.records import QueryError, SearchRequest

MAX_TREND_QUERIES = len(chart.COLOURS)   # one colour per line of the chart
MAX_SPLIT_SERIES = len(chart.COLOURS)    # by=…: the largest issuers/types/themes kept
MAX_TERMS = 200                          # co-occurring words returned
MAX_MIN_COUNT = 10_000
MAX_MATRIX_TERMS = 100                   # rows (and columns) of the terms × terms matrix
MATRIX_MEASURES = ("count", "ochiai")
NETWORK_PARTS = ("edges", "nodes")       # /api/issuers/network.csv?part=
DEFAULT_MEASURE = "clauses_per_1000"


@dataclass(frozen=True)
class TrendsQuery:
    requests: list[SearchRequest]     # one per query, each with the same filters
    by: str | None
    measure: str


def _values(args: Mapping[str, list[str]], name: str) -> list[str]:
    return [v.strip() for v in args.get(name, []) if v.strip()]


def _single(args: Mapping[str, list[str]], name: str) -> str | None:
    found = _values(args, name)
    if len(found) > 1:
        raise QueryError(f"参数 {name} 只能给一次（收到 {len(found)} 个值）")
    return found[0] if found else None


def _choice(args, name: str, allowed, default):
    value = _single(args, name)
    if value is None:
        return default
    if value not in allowed:
        raise QueryError(f"参数 {name} 只能是 {' 或 '.join(allowed)}，收到 {value!r}")
    return value


def _bounded(args, name: str, default: int, low: int, high: int) -> int:
    number = params._integer(name, _single(args, name), default)
    params._check_range(name, number, low, high)
    return number


def filters_only(args: Mapping[str, list[str]]) -> SearchRequest:
    """The search filters of the query string, without its q (validated)."""
    return params.request_from_args({k: v for k, v in args.items() if k != "q"})


def search_request(args: Mapping[str, list[str]], required: bool = False) -> SearchRequest:
    """The search of the query string; `required`: q must be given (the keywords of a KWIC)."""
    req = params.request_from_args(args)
    if required and not req.q:
        raise QueryError("参数 q 不能为空：请输入要查看上下文的检索词")
    return req


def trends_query(args: Mapping[str, list[str]], need_query: bool = True) -> TrendsQuery:
    """q repeatable (each a series), the shared filters, by and the chart's measure."""
    queries = list(dict.fromkeys(_values(args, "q")))
    if need_query and not queries:
        raise QueryError("参数 q 至少要给一个检索式（可重复给出多个，如 q=基础研究&q=人工智能）")
    if len(queries) > MAX_TREND_QUERIES:
        raise QueryError(f"参数 q 最多 {MAX_TREND_QUERIES} 个（收到 {len(queries)} 个）")
    base = filters_only(args)
    requests = [replace(base, q=q) for q in queries]
    for req in requests:
        params.validate(req)
    by = _choice(args, "by", trends.BY_VALUES, None)
    return TrendsQuery(requests=requests, by=by,
                       measure=_choice(args, "measure", tuple(chart.MEASURES), DEFAULT_MEASURE))


def cooccurrence_limits(args: Mapping[str, list[str]]) -> tuple[int, int]:
    """(min_count, limit) of /api/cooccurrence."""
    return (_bounded(args, "min_count", cooccur.DEFAULT_MIN_COUNT, 1, MAX_MIN_COUNT),
            _bounded(args, "limit", cooccur.DEFAULT_LIMIT, 1, MAX_TERMS))


def matrix_options(args: Mapping[str, list[str]]) -> tuple[bool, int]:
    """(ochiai?, number of terms) of /api/cooccurrence.csv."""
    measure = _choice(args, "measure", MATRIX_MEASURES, "count")
    return measure == "ochiai", _bounded(args, "terms", cooccur.MATRIX_TERMS, 1, MAX_MATRIX_TERMS)


def kwic_width(args: Mapping[str, list[str]]) -> int:
    return _bounded(args, "width", kwic.DEFAULT_WIDTH, 1, kwic.MAX_WIDTH)


def codes(args: Mapping[str, list[str]]) -> list[str]:
    """The coding columns (code=政策工具&code=力度), checked by the coded export's rules."""
    try:
        return coded.check_codes(_values(args, "code"))
    except QueryError as error:
        chinese = str(error).split("。 ", 1)[0].rstrip("。")      # its English half is for scripts
        raise QueryError(f"参数 code 有误：{chinese}。") from None


def network_part(args: Mapping[str, list[str]]) -> str:
    """Which table /api/issuers/network.csv sends: edges (default) or nodes."""
    return _choice(args, "part", NETWORK_PARTS, "edges")
