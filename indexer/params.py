"""Query-string parameters ↔ SearchRequest, and the one place a request is validated.

All of a search's state lives in its URL, so the same parsing serves a bookmarked page, a
researcher's script and the export; every bad value becomes a QueryError (HTTP 400) that names
the parameter, never a traceback. Flask-free: the views pass `request.args.to_dict(flat=False)`.

`validate` holds every limit of a SearchRequest (page, per_page, sort, dates, from ≤ to, query
length) with its message; the API, the HTML pages, the CLI and the engine all call it, so they
say the same thing. The term count is checked by the query parser, which counts terms.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from indexer.aliases import AliasTable
from indexer.facets import FACET_FIELDS, FACET_LABELS, period, toggled
from indexer.links.model import Status
from indexer.query import check_length
from indexer.records import QueryError, SearchRequest

MAX_PAGE = 1000
MAX_PER_PAGE = 100
SORTS = ("relevance", "date", "date_asc")   # date: newest first; date_asc: oldest first
GROUPS = ("", "document")           # group= : clauses (default) or one row per document
MAX_SUGGESTIONS = 8
VALIDITIES = tuple(status.value for status in Status)     # 现行有效 已废止 已失效 尚未施行 未知

_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
# How people write dates (2018年3月5日, 2018.03, 2018/3/5): separators that become "-".
_DATE_SEPARATORS = re.compile(r"\s*[年月./／\-]\s*")
DATE_FORMAT_HINT = "YYYY、YYYY-MM 或 YYYY-MM-DD（也可写 2018年3月、2018.03、2018/3/5）"
_YEAR = re.compile(r"\d{4}")


def request_from_args(args: Mapping[str, list[str]]) -> SearchRequest:
    """The SearchRequest a query string asks for; raises QueryError naming the bad parameter.

    Empty values count as absent, because an HTML form submits its empty fields too.
    """
    def values(name: str) -> list[str]:
        return [v.strip() for v in args.get(name, []) if v.strip()]

    def single(name: str) -> str | None:
        found = values(name)
        if len(found) > 1:
            raise QueryError(f"参数 {name} 只能给一次（收到 {len(found)} 个值）")
        return found[0] if found else None

    req = SearchRequest(
        q=single("q") or "",
        issuers=_unique(values("issuer")),
        years=_unique([_checked_year(v) for v in values("year")]),
        themes=_unique(values("theme")),
        doc_types=_unique(values("type")),
        validities=_unique([_checked_validity(v) for v in values("validity")]),
        date_from=_padded_date("from", single("from")),
        date_to=_padded_date("to", single("to")),
        doc_id=single("doc"),
        sort=single("sort") or "relevance",
        page=_integer("page", single("page"), 1),
        per_page=_integer("per_page", single("per_page"), SearchRequest.per_page),
        within=_unique(values("within")),
        group=single("group") or "",
    )
    validate(req)
    return req


def validate(req: SearchRequest) -> None:
    """Raise QueryError, naming the parameter, when `req` breaks a limit."""
    for q in (req.q, *req.within):
        check_length(q)
    _check_range("page", req.page, 1, MAX_PAGE)
    _check_range("per_page", req.per_page, 1, MAX_PER_PAGE)
    if req.sort not in SORTS:
        raise QueryError(f"参数 sort 只能是 {' 或 '.join(SORTS)}，收到 {req.sort!r}")
    if req.group not in GROUPS:
        raise QueryError(f"参数 group 只能是 document（按文件归并）或不填，收到 {req.group!r}")
    lo, hi = _padded_date("from", req.date_from), _padded_date("to", req.date_to)
    if lo and hi and period(lo)[0] > period(hi)[1]:
        raise QueryError(f"起始日期 from={req.date_from} 晚于截止日期 to={req.date_to}")


def args_from_request(req: SearchRequest) -> list[tuple[str, str]]:
    """The query-string pairs that reproduce `req`, defaults left out so URLs stay short."""
    pairs: list[tuple[str, str]] = []
    if req.q:
        pairs.append(("q", req.q))
    for name, attr in FACET_FIELDS.items():
        pairs.extend((name, str(v)) for v in getattr(req, attr))
    for name, value in (("from", req.date_from), ("to", req.date_to), ("doc", req.doc_id)):
        if value:
            pairs.append((name, value))
    pairs.extend(("within", w) for w in req.within)
    if req.sort != "relevance":
        pairs.append(("sort", req.sort))
    if req.group:
        pairs.append(("group", req.group))
    if req.per_page != SearchRequest.per_page:
        pairs.append(("per_page", str(req.per_page)))
    if req.page != 1:
        pairs.append(("page", str(req.page)))
    return pairs


def suggestions(req: SearchRequest, aliases: AliasTable) -> list[tuple[str, SearchRequest]]:
    """Other searches worth trying when `req` found nothing, each with the words to show:
    without one of its filters, with another name of a term it contains, one word at a time."""
    found = [(f"去掉筛选 {FACET_LABELS[name]}：{value}", toggled(req, name, str(value)))
             for name, attr in FACET_FIELDS.items() for value in getattr(req, attr)]
    if req.date_from or req.date_to:
        found.append(("去掉日期范围", replace(req, date_from=None, date_to=None, page=1)))
    if req.doc_id:
        found.append(("在全部文件中搜索", replace(req, doc_id=None, page=1)))
    groups = [[c, *others] for table in (aliases.issuers, aliases.synonyms)
              for c, others in table.items()]
    for group in groups:
        for name in (n for n in group if n in req.q):
            found.extend((f"换成同义词：{other}", replace(req, q=req.q.replace(name, other), page=1))
                         for other in group if other != name and other not in req.q)
    words = req.q.split()
    if len(words) > 1:
        found.extend((f"只搜「{word}」", replace(req, q=word, page=1)) for word in words)
    return found[:MAX_SUGGESTIONS]


def _unique(items: list) -> list:
    return list(dict.fromkeys(items))


def _integer(name: str, raw: str | None, default: int) -> int:
    if raw is None:
        return default
    if not re.fullmatch(r"[+-]?\d{1,9}", raw):
        raise QueryError(f"参数 {name} 必须是整数，收到 {raw!r}")
    return int(raw)


def _check_range(name: str, number, low: int, high: int) -> None:
    if not isinstance(number, int) or isinstance(number, bool) or not low <= number <= high:
        raise QueryError(f"参数 {name} 必须在 {low} 到 {high} 之间，收到 {number}")


def _checked_year(raw: str) -> int:
    if not _YEAR.fullmatch(raw):
        raise QueryError(f"参数 year 必须是四位年份，如 2017，收到 {raw!r}")
    return int(raw)


def _checked_validity(raw: str) -> str:
    if raw not in VALIDITIES:
        raise QueryError(f"参数 validity 只能是 {'、'.join(VALIDITIES)} 之一，收到 {raw!r}")
    return raw


def _padded_date(name: str, raw: str | None) -> str | None:
    """A YYYY, YYYY-MM or YYYY-MM-DD that names a real period, written with zero padding.

    Written forms are accepted as people type them: 2018年, 2018年3月5日, 2018-3, 2018.03,
    2018/3/5, full-width digits; each separator becomes "-" and a final 年/月/日 is dropped.
    """
    if raw is None:
        return None
    text = unicodedata.normalize("NFKC", raw).strip().removesuffix("日")   # full-width digits too
    match = _PARTIAL_DATE.fullmatch(_DATE_SEPARATORS.sub("-", text).rstrip("-"))
    if not match:
        raise QueryError(f"参数 {name} 的格式应为 {DATE_FORMAT_HINT}，收到 {raw!r}")
    year, month, day = (int(p) if p else None for p in match.groups())
    try:
        date(year, month or 1, day or 1)
    except ValueError:
        raise QueryError(f"参数 {name} 不是有效日期：{raw!r}") from None
    return "-".join([f"{year:04d}"] + [f"{p:02d}" for p in (month, day) if p])
