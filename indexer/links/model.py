"""The records of the citation graph: a reference found in a clause, a 被引用 entry, a
document's validity, a title cited but not held, and the graph that holds them all.

All are frozen keyword-only dataclasses, like `indexer.records`, so stages can share them
without one changing what another computed. Relation and status are StrEnums whose values are
the Chinese words the public JSON contract uses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Relation(StrEnum):
    """What the citing text does with what it cites, read from its wording."""
    BASIS = "依据"       # 根据/依据/按照/(为)贯彻落实《…》
    REPEAL = "废止"      # 《…》同时废止 / 停止执行 / 不再执行 / 予以废止
    REVISE = "修订"      # 修订/修改/代替/取代《…》
    SUPPORT = "配套"     # 《…》的配套…, 根据《…》制定本实施细则/实施办法
    MENTION = "提及"     # anything else


class Status(StrEnum):
    """时效性 of a document, always with the sentence that supports it (see validity.py)."""
    IN_FORCE = "现行有效"
    REPEALED = "已废止"
    EXPIRED = "已失效"
    NOT_YET = "尚未施行"
    UNKNOWN = "未知"


@dataclass(kw_only=True, frozen=True)
class Reference:
    """One mention of another document (or of a clause of the citing document itself).

    `text` is the mention as printed: 《…》, its attached （文号，以下简称…） and a following
    pointer (第十条第三款); `start`/`end` are offsets of `text` in the clause's `field`
    ("heading" or "text"), so a page can turn exactly that span into a link.
    """
    doc: str                    # citing document id
    clause: str                 # citing clause id
    field: str                  # "heading" | "text": which string of the clause start/end index
    start: int
    end: int
    text: str
    title: str = ""             # full title cited (an abbreviation expanded), "" for a bare 文号/pointer
    doc_number: str = ""        # 文号 as printed, spaces removed
    article: str = ""           # 第十条, 第十条第三款, 前款 … ; "" when the whole document is cited
    relation: Relation = Relation.MENTION
    cue: str = ""               # the wording the relation was read from (根据, 同时废止 …)
    internal: bool = False      # 本办法第五条, 前款: a pointer into the citing document
    abbreviated: bool = False   # 《总体方案》 after （以下简称《总体方案》）: title/文号 copied from there
    target_doc: str | None = None       # resolved document id, None when not in the corpus
    target_clause: str | None = None    # resolved clause id (art-10), None when none or unknown
    resolved_by: str = ""       # 文号 | 标题 | 别名 | 简称 | 本文件 | "" (unresolved)

    @property
    def is_self(self) -> bool:
        """A reference to the citing document itself (never an edge of the graph)."""
        return self.target_doc == self.doc


@dataclass(kw_only=True, frozen=True)
class CitedBy:
    """A 被引用 entry of a document: which document and clause cite it, and how."""
    doc: str
    clause: str
    relation: Relation
    target_clause: str | None = None


@dataclass(kw_only=True, frozen=True)
class Validity:
    """A document's status and the sentence it is derived from; basis_* are None for 未知."""
    status: Status
    basis_doc: str | None = None
    basis_clause: str | None = None
    basis_text: str | None = None


@dataclass(kw_only=True, frozen=True)
class UnresolvedTitle:
    """A document cited but not in the collection: a to-do item for building the corpus."""
    title: str                  # full title as first printed ("" when only a 文号 was given)
    doc_number: str
    count: int
    citing: tuple[tuple[str, str], ...]     # (doc id, clause id) of every citing clause


@dataclass(kw_only=True)
class CitationGraph:
    """Everything link_corpus derives, keyed by canonical document id."""
    references: dict[str, list[Reference]] = field(default_factory=dict)   # per citing doc
    cited_by: dict[str, list[CitedBy]] = field(default_factory=dict)       # per cited doc
    validity: dict[str, Validity] = field(default_factory=dict)
    unresolved: list[UnresolvedTitle] = field(default_factory=list)        # most cited first

    def all_references(self) -> list[Reference]:
        return [ref for refs in self.references.values() for ref in refs]

    def edges(self) -> list[Reference]:
        """Resolved references between two different documents: the graph's edges."""
        return [ref for ref in self.all_references() if ref.target_doc and not ref.is_self]
