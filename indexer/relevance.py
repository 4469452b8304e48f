"""Relevance evaluation: recall@10 and MRR of the published index on a judged query set.

The judged set (tests/relevance_queries.toml) lists, for each query, the clauses that answer it,
found by reading the corpus — or, for a known-item query (kind "known": a 文号 in some bracket
form, a title, a short title), the document it names, judged on the document cards. recall@10 counts how many of them the first page of 10 shows
(out of at most 10); MRR is the mean of 1 / rank of the first answering clause.
"""
from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass, fields
from pathlib import Path

from indexer import config
from indexer.records import SearchRequest
from indexer.search import Engine

JUDGMENTS = config.REPO / "tests" / "relevance_queries.toml"
TOP = 10
_FILTERS = {f.name for f in fields(SearchRequest)} - {"q", "page", "per_page", "sort"}


class JudgmentError(ValueError):
    """The judged query file cannot be used; the message names the problem."""


@dataclass
class Judgment:
    request: SearchRequest
    kind: str
    relevant: list[tuple[str, str]]        # (document id, clause id); clause "" = the document

    @property
    def known_item(self) -> bool:
        """The answer is a document (a 文号 or title query): judged on the document cards."""
        return all(clause == "" for _, clause in self.relevant)


@dataclass
class QueryScore:
    judgment: Judgment
    found: list[tuple[str, str]]           # the top results, in order
    recall: float
    reciprocal_rank: float


def load_judgments(path: Path = JUDGMENTS) -> list[Judgment]:
    try:
        entries = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("query", [])
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise JudgmentError(f"{path}: {error}") from None
    judgments = []
    for number, entry in enumerate(entries, 1):
        unknown = set(entry) - _FILTERS - {"q", "kind", "relevant"}
        if unknown or not entry.get("q") or not entry.get("relevant"):
            raise JudgmentError(f"{path}: query {number} needs q and relevant"
                                + (f"; unknown keys {sorted(unknown)}" if unknown else ""))
        relevant = [tuple(item.split("#", 1)) if "#" in item else (item, "")
                    for item in entry["relevant"]]
        if any(not doc or (clause == "" and "#" in item)
               for (doc, clause), item in zip(relevant, entry["relevant"])):
            raise JudgmentError(f"{path}: query {number}: write relevant clauses as "
                                f"'document#clause', or a document id for a known item")
        filters = {k: v for k, v in entry.items() if k in _FILTERS}
        judgments.append(Judgment(SearchRequest(q=entry["q"], per_page=TOP, **filters),
                                  entry.get("kind", "other"), relevant))
    return judgments


def score(engine: Engine, judgment: Judgment) -> QueryScore:
    result = engine.search(judgment.request)
    if judgment.known_item:
        found = [(d.id, "") for d in result.documents]
    else:
        found = [(h.doc_id, h.clause_id) for h in result.hits]
    relevant = set(judgment.relevant)
    hits = [rank for rank, pair in enumerate(found, 1) if pair in relevant]
    return QueryScore(judgment, found,
                      recall=len(hits) / min(len(relevant), TOP),
                      reciprocal_rank=1 / hits[0] if hits else 0.0)


def evaluate(engine: Engine, judgments: list[Judgment]) -> list[QueryScore]:
    return [score(engine, j) for j in judgments]


def summary(scores: list[QueryScore]) -> dict[str, tuple[int, float, float]]:
    """kind → (queries, mean recall@10, MRR), plus "all"."""
    groups: dict[str, list[QueryScore]] = defaultdict(list)
    for s in scores:
        groups[s.judgment.kind].append(s)
    groups["all"] = scores
    return {kind: (len(group), sum(s.recall for s in group) / len(group),
                   sum(s.reciprocal_rank for s in group) / len(group))
            for kind, group in groups.items() if group}


def report(scores: list[QueryScore]) -> str:
    lines = [f"{'recall@10':>9} {'RR':>5}  kind         query"]
    for s in scores:
        request = s.judgment.request
        filters = {k: getattr(request, k) for k in sorted(_FILTERS) if getattr(request, k)}
        lines.append(f"{s.recall:9.2f} {s.reciprocal_rank:5.2f}  {s.judgment.kind:<12} {request.q}"
                     + (f"  {filters}" if filters else ""))
    lines.append("")
    lines.append(f"{'kind':<12} {'queries':>7} {'recall@10':>9} {'MRR':>6}")
    for kind, (count, recall, mrr) in summary(scores).items():
        lines.append(f"{kind:<12} {count:>7} {recall:9.3f} {mrr:6.3f}")
    return "\n".join(lines)
