"""Typed records passed between the pipeline stages.

load → clean → split → structure → tag → index → search → present.
Each stage takes and returns these small records, never dicts of dicts, so a reader can
follow one document from its raw file to a search hit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


# --- load -----------------------------------------------------------------------------------

@dataclass(kw_only=True)
class DocumentMeta:
    """Metadata a source states outright (front matter, an HTML metadata table).

    Every field is optional; what is set overrides what the parser infers from the text.
    """
    title: str | None = None
    doc_number: str | None = None          # 文号, e.g. 国发〔2017〕35号
    issuers: list[str] | None = None       # normalised issuing bodies, one per entry
    date: str | None = None                # YYYY-MM-DD or YYYY-MM
    doc_type: str | None = None            # 意见 / 方案 / 规划 / 办法 / 纲要 / 通知 / 计划 …
    themes: list[str] | None = None
    source_url: str | None = None          # where the file was downloaded from, when it says so
    attachments: list[Attachment] = field(default_factory=list)   # files linked from a web page


@dataclass
class Attachment:
    """A file a web page links to as part of the document (附件1.pdf …)."""
    title: str
    url: str


@dataclass(kw_only=True)
class SourceFile:
    """One corpus file, decoded to text with its physical lines kept."""
    name: str                   # path relative to the corpus folder, e.g. 科技教育政策文件汇编.txt
    kind: str                   # "txt" | "md" | "html" | "pdf" | "docx"
    encoding: str               # as detected, e.g. utf-8, gb18030; "" for pdf/docx
    text: str                   # decoded text; for md/html the body text, one block per line
    meta: DocumentMeta = field(default_factory=DocumentMeta)
    warnings: list[str] = field(default_factory=list)   # problems that did not stop loading (bad front matter)
    artifacts: list[str] = field(default_factory=list)  # text load dropped (PDF running headers, page numbers)


# --- clean ----------------------------------------------------------------------------------

@dataclass(kw_only=True)
class Paragraph:
    """A real paragraph rebuilt from wrapped physical lines, artifacts removed."""
    text: str                   # cleaned text (normalised punctuation, no wraps)
    line: int                   # first physical line in the source (1-based), for messages only


@dataclass(kw_only=True)
class CleanText:
    """A source file's paragraphs, and every piece of text cleaning dropped as an artifact."""
    source: str
    paragraphs: list[Paragraph]
    artifacts: list[str]        # page numbers, TOC lines, bookmark tags, markup: for the no-text-lost check


# --- split ----------------------------------------------------------------------------------

@dataclass(kw_only=True)
class DraftDocument:
    """One document cut out of a source file, with metadata, before its clause tree is built."""
    source: str
    title: str
    doc_number: str
    issuers: list[str]
    date: str
    doc_type: str
    paragraphs: list[Paragraph]            # body paragraphs of the document proper
    notice: list[Paragraph] = field(default_factory=list)    # cover notice (印发通知) body, if any
    consumed: list[Paragraph] = field(default_factory=list)  # read as metadata: header, title, 文号, signature, date


# --- structure / tag ------------------------------------------------------------------------

class ClauseKind(StrEnum):
    """What a clause is in its document (structure.py decides)."""
    PART = "part"               # 第一编
    CHAPTER = "chapter"         # 第一章
    DIVISION = "division"       # 第一节
    ARTICLE = "article"         # 第一条
    SECTION = "section"         # 一、, a named heading (前言), an unnumbered title over tasks
    ITEM = "item"               # （一）, 1., （1）
    TASK = "task"               # an unnumbered task record with its fields
    BOX = "box"                 # 专栏N
    NOTICE = "notice"           # the body of the cover notice (印发通知)
    PREAMBLE = "preamble"       # an unnumbered paragraph before the first heading
    CLOSING = "closing"         # the unnumbered paragraph after the last item
    PARAGRAPH = "paragraph"     # the whole text of a document without structure


@dataclass(kw_only=True)
class Clause:
    """A citable unit: 第六条, 三、（二）7., a task record, an unnumbered preamble paragraph.

    label + heading + text is the clause's own content as printed (children excluded).
    """
    id: str                     # stable path from the document's own numbering: art-6, 3.2.7
    label: str                  # as printed: 第六条, （三）, 7. ; "" when unnumbered
    heading: str                # heading sentence, "" when none
    text: str                   # body text; paragraphs joined by "\n"
    parent: str | None          # id of the parent clause, None at top level
    kind: ClauseKind
    fields: dict[str, str] = field(default_factory=dict)   # task records: 牵头院领导 → …
    themes: list[str] = field(default_factory=list)
    theme_terms: dict[str, list[str]] = field(default_factory=dict)  # theme → triggering terms


@dataclass(kw_only=True)
class Document:
    id: str                     # stable, from metadata (文号 / date / title), unique in the corpus
    title: str
    doc_number: str
    issuers: list[str]
    date: str
    doc_type: str
    source: str
    clauses: list[Clause]
    themes: list[str] = field(default_factory=list)
    theme_terms: dict[str, list[str]] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)   # ids of duplicate copies folded into this one
    source_url: str = ""        # the original's web address, when the file carried one
    attachments: list[Attachment] = field(default_factory=list)
    press_summary: bool = False  # the text reports the document (《意见》指出…), not its official text
    validity: str = "未知"      # 时效性 as of the build (indexer.links.Status); the basis is in the citation graph


@dataclass(kw_only=True)
class BuildWarning:
    source: str                 # corpus file name the problem was found in
    message: str


@dataclass(kw_only=True)
class Corpus:
    documents: list[Document]
    aliases: dict[str, str]     # alias document id → canonical document id
    warnings: list[BuildWarning]


# --- search / present -----------------------------------------------------------------------

@dataclass(kw_only=True)
class SearchRequest:
    q: str = ""
    issuers: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    doc_types: list[str] = field(default_factory=list)
    validities: list[str] = field(default_factory=list)     # 现行有效 / 已废止 / 已失效 / 尚未施行 / 未知
    date_from: str | None = None            # YYYY, YYYY-MM or YYYY-MM-DD
    date_to: str | None = None
    doc_id: str | None = None
    sort: str = "relevance"                 # "relevance" | "date" (newest first) | "date_asc"
    page: int = 1
    per_page: int = 20
    within: list[str] = field(default_factory=list)     # 在结果中检索: more terms, ANDed
    group: str = ""                         # "" (clauses) | "document" (one row per document)

    @property
    def full_query(self) -> str:
        """The query with the searches-within-results added (each ANDed)."""
        return " ".join(q for q in (self.q, *self.within) if q)


@dataclass(kw_only=True)
class Hit:
    doc_id: str
    doc_title: str
    clause_id: str
    label: str
    heading: str
    breadcrumb: list[str]       # labels+headings of the parent clauses, outermost first
    text: str
    snippet: str                # HTML-escaped, matches wrapped in <mark>
    date: str
    issuers: list[str]
    themes: list[str]
    doc_type: str
    score: float
    doc_number: str = ""        # the document's 文号
    press_summary: bool = False  # the document's text is a press summary (Document.press_summary)
    validity: str = ""          # the document's 时效性 (现行有效 …), "" when the engine did not say


@dataclass(kw_only=True)
class FacetValue:
    value: str
    count: int
    selected: bool = False
    toggle_url: str = ""        # the search with this value added or removed


@dataclass(kw_only=True)
class SearchResult:
    request: SearchRequest
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]     # "issuer", "year", "theme", "type", "validity"
    terms: list[str] = field(default_factory=list)      # normalised strings that matched, for highlighting
    expansions: list[str] = field(default_factory=list)  # synonyms the query was widened with
    partial: bool = False       # True when nothing matched all terms and best partial matches are shown
    notice: str = ""            # message for the user about how the query was understood
    missing: list[str] = field(default_factory=list)    # backend parts that did not answer
    document_total: int = 0     # distinct documents among all matches
    documents: list[Document] = field(default_factory=list)  # known items the query names (文号, title)
    groups: list[DocumentGroup] = field(default_factory=list)  # group=document: this page's documents


@dataclass(kw_only=True)
class DocumentGroup:
    """One document of a search grouped by document: its matching clauses counted, the best
    of them shown."""
    document: Document
    count: int
    hits: list[Hit]


class QueryError(ValueError):
    """A query or parameter the user must fix; the message is shown to them (HTTP 400)."""
