"""The fixed query mix every engine runs, grouped by the kind of work a query causes.

Terms are ones researchers type about this corpus. The word, AND, phrase and filter terms avoid
the words the scaled-corpus generator swaps (bench/generate.py), so their hit counts grow with
the scale; a question (促进) or a synonym (世界一流大学和一流学科 for 双一流) may contain one.
Filter values (issuer, year) exist in the seed corpus and in every scaled copy.
"""
from __future__ import annotations

from dataclasses import dataclass

from indexer.records import SearchRequest

TOP_K = 10


@dataclass(frozen=True)
class BenchQuery:
    kind: str                   # single | and | phrase | question | filter
    q: str
    issuers: tuple[str, ...] = ()
    years: tuple[int, ...] = ()

    def request(self) -> SearchRequest:
        """The search the site would run: first page of the top 10, relevance order."""
        return SearchRequest(q=self.q, issuers=list(self.issuers), years=list(self.years),
                             per_page=TOP_K)

    @property
    def label(self) -> str:
        filters = [*self.issuers, *map(str, self.years)]
        return self.q + (f" [{', '.join(filters)}]" if filters else "")


QUERY_MIX = (
    BenchQuery("single", "人工智能"),
    BenchQuery("single", "基础研究"),
    BenchQuery("single", "知识产权"),
    BenchQuery("single", "人才"),
    BenchQuery("single", "双一流"),
    BenchQuery("and", "人工智能 人才"),
    BenchQuery("and", "科技成果转化 高校"),
    BenchQuery("and", "基础研究 经费"),
    BenchQuery("and", "创新 评价"),
    BenchQuery("phrase", '"科技成果转化"'),
    BenchQuery("phrase", '"国家重点实验室"'),
    BenchQuery("phrase", '"一流学科"'),
    BenchQuery("phrase", '"知识产权保护"'),
    BenchQuery("question", "如何促进科技成果转化"),
    BenchQuery("question", "高校科研人员可以兼职吗"),
    BenchQuery("question", "人工智能人才培养有哪些措施"),
    BenchQuery("question", "怎样建设国家实验室"),
    BenchQuery("filter", "人才", issuers=("教育部",)),
    BenchQuery("filter", "创新", years=(2017,)),
    BenchQuery("filter", "改革", issuers=("国务院",), years=(2017,)),
    BenchQuery("filter", "经费", issuers=("科技部",)),
)

# Run once before timing so one-off costs (jieba's dictionary, first disk reads) are not
# charged to the mix; different terms, so the mix itself is not pre-cached.
WARM_UP = (
    BenchQuery("single", "科学"),
    BenchQuery("and", "教育 改革"),
    BenchQuery("phrase", '"科技创新"'),
    BenchQuery("question", "什么是新型研发机构"),
    BenchQuery("filter", "科技", issuers=("财政部",)),
)

KINDS = ("single", "and", "phrase", "question", "filter")
