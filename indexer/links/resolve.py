"""Resolution: which document of the corpus (and which clause) a reference names.

Tried in this order, the first that answers wins:

1. **文号.** The cited 文号's (issuing code, year, number) against every document's own 文号;
   then the document id that 文号 gives (identify.document_id) among the ids and the alias ids
   of folded duplicate copies (Corpus.aliases → the kept document).
2. **Title.** The cited title normalised — NFKC, no spaces, no quotes or 〈〉《》, the
   cover-notice wrapper (…关于印发〈X〉的通知 → X) unwrapped, issuer names mapped to their
   canonical name (中科院 → 中国科学院) — against every document's title; then a looser key
   that also drops the issuer before 关于 and 关于 itself, a leading year (2018年), and
   （暂行）/（试行）/暂行/试行. A title match is refused when both sides print a 文号 and they
   differ (the same title reissued under a new 文号 is another document). When several
   documents share the key, the latest one not issued after the citing document wins.
3. **The citing document itself.** An abbreviation never defined (《意见》 in a press digest of
   the 意见) names the citing document when its own title ends with it.

A pointer (第十条, 第二章, 第十条第三款) resolves to that clause id (art-10, ch-2) when the target
document has it; 前款/本条第N款 to the citing article, 前条 to the one before it. An
unresolved reference keeps its text, title and 文号: it names a document not yet collected.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

from indexer.identify import document_id
from indexer.links.extract import DOC_NUMBER_IN_TEXT
from indexer.links.model import Reference
from indexer.patterns import chinese_number
from indexer.records import Clause, Document


_QUOTES = re.compile(r"[\s“”\"「」『』‘’'〈〉《》<>]")
_WRAPPER = re.compile(r"^.{0,40}?(?:印发|转发|颁布|发布)(?P<inner>.+?)的通知$")
_ISSUER_ABOUT = re.compile(r"^[^关]{0,40}?关于")
_PROVISIONAL = re.compile(r"[(（](?:暂行|试行)[)）]|(?:暂行|试行)(?=[\u4e00-\u9fff]{1,4}$)")
_YEAR_PREFIX = re.compile(r"^\d{4}年度?")
_SHORT_SELF = 6         # longest undefined abbreviation read as the citing document itself



@dataclass(kw_only=True)
class CorpusIndex:
    """Dictionaries over the corpus so each reference resolves in constant time."""
    documents: dict[str, Document]
    aliases: dict[str, str]
    names: list[tuple[str, str]] = field(default_factory=list)     # (name, canonical), longest first
    by_number: dict[tuple[str, int, int], list[str]] = field(default_factory=dict)
    by_title: dict[str, list[str]] = field(default_factory=dict)
    by_loose_title: dict[str, list[str]] = field(default_factory=dict)
    clause_ids: dict[str, set[str]] = field(default_factory=dict)


def build_index(documents: list[Document], aliases: dict[str, str],
                issuer_names: dict[str, list[str]] | None = None) -> CorpusIndex:
    """The lookup tables; issuer_names is aliases.toml's [issuers] (canonical → other names)."""
    index = CorpusIndex(documents={d.id: d for d in documents}, aliases=dict(aliases),
                        names=name_pairs(issuer_names or {}))
    for document in documents:
        key = number_key(document.doc_number)
        if key:
            index.by_number.setdefault(key, []).append(document.id)
        index.by_title.setdefault(title_key(document.title, index.names), []).append(document.id)
        index.by_loose_title.setdefault(loose_title_key(document.title, index.names),
                                        []).append(document.id)
        index.clause_ids[document.id] = {clause.id for clause in document.clauses}
    return index


def name_pairs(issuer_names: dict[str, list[str]]) -> list[tuple[str, str]]:
    pairs = [(name, canonical) for canonical, others in issuer_names.items()
             for name in (canonical, *others)]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def resolve(reference: Reference, citing: Document, index: CorpusIndex) -> Reference:
    """The reference with target_doc, target_clause and resolved_by filled in when found."""
    if reference.internal:
        clause = own_clause(reference.article, citing, reference.clause)
        return replace(reference, target_doc=citing.id, target_clause=clause, resolved_by="本文件")
    target, how = None, ""
    if reference.doc_number:
        target, how = by_number(reference.doc_number, index), "文号"
        if target and target not in index.documents:
            kept = index.aliases.get(target)
            target, how = (kept, "别名") if kept in index.documents else (None, "")
    if not target and reference.title:
        target, how = by_title(reference, citing, index), "标题"
    if not target and _names_itself(reference.title, citing, index):
        target, how = citing.id, "本文件"
    if not target:
        return replace(reference, target_doc=None, target_clause=None, resolved_by="")
    how = "简称" if reference.abbreviated else how
    clause = pointer_clause(reference.article, index.clause_ids.get(target, set()))
    return replace(reference, target_doc=target, target_clause=clause, resolved_by=how)


def by_number(doc_number: str, index: CorpusIndex) -> str | None:
    """A document (or an alias id) with this 文号, else None."""
    key = number_key(doc_number)
    if key is None:
        return None
    found = index.by_number.get(key)
    if found:
        return found[0]
    derived = document_id("", doc_number, "", "")
    return derived if derived in index.documents or derived in index.aliases else None


def by_title(reference: Reference, citing: Document, index: CorpusIndex) -> str | None:
    for table, key in ((index.by_title, title_key(reference.title, index.names)),
                       (index.by_loose_title, loose_title_key(reference.title, index.names))):
        candidates = [doc_id for doc_id in table.get(key, ())
                      if _numbers_agree(reference.doc_number, index.documents[doc_id].doc_number)]
        if candidates:
            return _latest_before(candidates, citing, index)
    return None


def _numbers_agree(cited: str, own: str) -> bool:
    cited_key, own_key = number_key(cited), number_key(own)
    return cited_key is None or own_key is None or cited_key == own_key


def _latest_before(candidates: list[str], citing: Document, index: CorpusIndex) -> str:
    """Of several documents with one title, the latest issued no later than the citing one."""
    dated = sorted(candidates, key=lambda doc_id: (index.documents[doc_id].date, doc_id))
    earlier = [d for d in dated if not_earlier(citing.date, index.documents[d].date)]
    return (earlier or dated)[-1]


def not_earlier(one: str, other: str) -> bool:
    """Is date `one` not before `other`, compared at the precision both print (2017-12 vs
    2017-12-05 compare as equal months); an undated side never decides."""
    n = min(len(one), len(other))
    return not n or one[:n] >= other[:n]


def _names_itself(title: str, citing: Document, index: CorpusIndex) -> bool:
    key = title_key(title, index.names)
    return bool(key) and len(key) <= _SHORT_SELF and title_key(citing.title, index.names).endswith(key)


def number_key(doc_number: str) -> tuple[str, int, int] | None:
    """(issuing code, year, number) of a 文号, None when it is not one."""
    match = DOC_NUMBER_IN_TEXT.search(unicodedata.normalize("NFKC", doc_number or ""))
    if not match:
        return None
    return match.group("agency"), int(match.group("year")), int(match.group("number"))


def title_key(title: str, names: list[tuple[str, str]] = ()) -> str:
    """A title compared without spacing, quotes, bracket styles, wrapper or issuer aliases."""
    key = _QUOTES.sub("", unicodedata.normalize("NFKC", title or "")).replace("(", "（").replace(")", "）")
    while (wrapped := _WRAPPER.match(key)) and wrapped.group("inner"):
        key = wrapped.group("inner")
    return canonical_names(key, names)


def loose_title_key(title: str, names: list[tuple[str, str]] = ()) -> str:
    key = title_key(title, names)
    key = _ISSUER_ABOUT.sub("", key)
    key = _YEAR_PREFIX.sub("", key)
    return _PROVISIONAL.sub("", key)


def canonical_names(text: str, names: list[tuple[str, str]]) -> str:
    """Every issuer name (longest first) replaced by its canonical name. When the text before an
    alias already spells the canonical name's beginning (中共 + 中科院党组 for 中共中国科学院党组),
    that beginning is not repeated."""
    if not names:
        return text
    canonical = dict(names)
    out, position = [], 0
    for match in _names_pattern(tuple(names)).finditer(text):
        out.append(text[position:match.start()])
        name = canonical[match.group()]
        done = "".join(out)
        overlap = next((k for k in range(len(name) - 1, 0, -1) if done.endswith(name[:k])), 0)
        out.append(name[overlap:])
        position = match.end()
    out.append(text[position:])
    return "".join(out)


_PATTERNS: dict[tuple, re.Pattern] = {}


def _names_pattern(names: tuple[tuple[str, str], ...]) -> re.Pattern:
    if names not in _PATTERNS:
        _PATTERNS[names] = re.compile("|".join(re.escape(name) for name, _ in names))
    return _PATTERNS[names]


def pointer_clause(article: str, clause_ids: set[str]) -> str | None:
    """第十条 → art-10, 第二章 → ch-2 (first pointer only), when the document has that clause."""
    match = re.match(r"第(?P<n>[^章条]+)(?P<kind>[章条])", article or "")
    if not match:
        return None
    number = chinese_number(match.group("n"))
    clause_id = f"{'art' if match.group('kind') == '条' else 'ch'}-{number}"
    return clause_id if clause_id in clause_ids else None


def own_clause(article: str, citing: Document, clause_id: str) -> str | None:
    """The clause an internal pointer names: 第N条 of the citing document, 前款/本条第N款 its
    own article, 前条 the article before it."""
    ids = {clause.id for clause in citing.clauses}
    if article.startswith("第"):
        return pointer_clause(article, ids)
    own = _own_article(citing, clause_id)
    if own and article == "前条":
        previous = f"art-{int(own.removeprefix('art-')) - 1}"
        return previous if previous in ids else None
    return own


def _own_article(citing: Document, clause_id: str) -> str | None:
    by_id: dict[str, Clause] = {clause.id: clause for clause in citing.clauses}
    current = by_id.get(clause_id)
    while current is not None and not current.id.startswith("art-"):
        current = by_id.get(current.parent) if current.parent else None
    return current.id if current else None
