"""The query language researchers type, parsed into normalised terms.

    基础研究 人才                    both terms (AND; also 基础研究 AND 人才, 与, 并且)
    "人工智能" / “…” / 「…」          exact string after normalisation, no synonym expansion
    -军民融合, NOT 军民融合, 非/不含 军民融合   exclude clauses containing the term
    双一流 OR 一流学科 (or, |, 或)      either term
    标题:人工智能, 文号:国发〔2018〕4号, 机关:教育部, 正文:…, 牵头部门:…   a term in one field
    ( )  * and other search-engine syntax characters are tolerated and ignored.

Operators are whole tokens, in any letter case, as in CNKI and pkulaw; 与 or 或 inside a word
is text. A field prefix is a 2–6 character name and a colon; which names are fields (document
fields, task-record fields) is the engine's to decide, and an unknown name is read as text.

Every term is a string matched as a substring of normalised clause text (see analysis.py);
unquoted terms are later widened with their synonyms. Nothing here raises except QueryError.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import jieba

from indexer.analysis import normalize
from indexer.records import QueryError

MAX_QUERY_CHARS = 200
MAX_TERMS = 12

# Words that carry no content in a question typed as a sentence: question words, particles,
# prepositions, auxiliaries. Used only when a sentence does not match as a string.
STOPWORDS = frozenset("""
谁 什么 如何 怎么 怎样 怎么样 哪些 哪个 哪里 哪儿 哪 为什么 为何 何时 多少 几 是否 是不是 有没有 能否 可否 请问
吗 呢 吧 啊 呀 么 的 地 得 了 着 过 之 所 由 被 把 将 对 对于 关于 在 于 从 向 和 与 及 以及 或 或者 跟 同
是 有 要 会 能 可以 应 应该 需要 该 这 那 这些 那些 其 哪方面 一些 一个 有关 相关 方面 问题 规定 怎么办
""".split())

_QUOTES = {'"': '"', "“": "”", "「": "」", "”": "”"}
# Operator words (compared case-folded): AND is the default between terms.
OR_WORDS = frozenset({"or", "|", "｜", "或"})
AND_WORDS = frozenset({"and", "与", "并且", "&", "＆"})
NOT_WORDS = frozenset({"not", "非", "不含"})
# 标题:…, 牵头部门：… — a field name, then the term (possibly quoted, possibly after a space).
_FIELD = re.compile(r"^(?P<name>[\u4e00-\u9fff]{2,6})[:：](?P<value>.*)$")
# Fallback words of a question shorter than this match inside unrelated words (元 in 亿元).
MIN_FALLBACK_CHARS = 2
# A bare number shorter than a year (16 of 第16条) matches inside dates and other numbers.
MIN_FALLBACK_DIGITS = 4
# Characters that are query syntax elsewhere; here they only decorate terms. Full-width
# brackets stay: （一） is text.
_SYNTAX = re.compile(r"[()*?？!！+＋~^:：\[\]{}]+")
_PUNCT_ONLY = re.compile(r"^[\W_]+$")


@dataclass
class Term:
    text: str                  # normalised, as matched
    typed: str                 # as the user typed it (for messages)
    quoted: bool = False
    field: str | None = None   # the field prefix typed (标题, 牵头部门 …), None for the clause
    value: str = ""            # with a field: the normalised term after the prefix


@dataclass
class ParsedQuery:
    groups: list[list[Term]] = field(default_factory=list)   # AND of groups, OR inside a group
    excluded: list[Term] = field(default_factory=list)

    def sentence(self) -> Term | None:
        """The single unquoted term when the query is one unspaced run (maybe a question)."""
        if len(self.groups) == 1 and len(self.groups[0]) == 1 and not self.excluded:
            term = self.groups[0][0]
            return None if term.quoted else term
        return None


def _clean(q: str) -> str:
    # Control and format characters (including zero-width ones) and lone surrogates act as spaces.
    return "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") else c
                   for c in q)


def _raw_tokens(q: str) -> list[tuple[str, bool, bool]]:
    """(text, quoted, negated) tokens; an unclosed quote runs to the end of the query."""
    tokens = []
    i = 0
    while i < len(q):
        c = q[i]
        if c.isspace():
            i += 1
            continue
        if c in "|｜":
            tokens.append(("|", False, False))
            i += 1
            continue
        negated = c in "-－" and i + 1 < len(q) and not q[i + 1].isspace()
        if negated:
            i += 1
            c = q[i]
        if c in _QUOTES:
            close = q.find(_QUOTES[c], i + 1)
            end = len(q) if close == -1 else close
            tokens.append((q[i + 1:end], True, negated))
            i = end + 1
            continue
        j = i
        while j < len(q) and not q[j].isspace() and q[j] not in "|｜" \
                and not (j > i and q[j] in _QUOTES):
            j += 1
        tokens.append((q[i:j], False, negated))
        i = j
    return tokens


def parse(q: str) -> ParsedQuery:
    """Parse a typed query; raises QueryError when it is too long or has too many terms."""
    q = _clean(q or "").strip()
    check_length(q)
    parsed = ParsedQuery()
    join_next = negate_next = False
    field_name: str | None = None
    for text, quoted, negated in _raw_tokens(q):
        word = text.casefold()
        if not quoted and word in OR_WORDS | AND_WORDS | NOT_WORDS:
            join_next = word in OR_WORDS and bool(parsed.groups)
            negate_next = word in NOT_WORDS
            continue
        prefix = None if quoted else _FIELD.match(text)
        if prefix and not prefix["value"]:
            field_name = prefix["name"]         # 标题: "…" — the term follows
            continue
        term = _term(quoted, prefix["name"] if prefix else field_name,
                     prefix["value"] if prefix else text)
        field_name = None
        if term is None:
            continue
        if negated or negate_next:
            parsed.excluded.append(term)
        elif join_next:
            parsed.groups[-1].append(term)
        else:
            parsed.groups.append([term])
        join_next = negate_next = False
    count = sum(len(g) for g in parsed.groups) + len(parsed.excluded)
    if count > MAX_TERMS:
        raise QueryError(f"查询词过多：最多 {MAX_TERMS} 个，收到 {count} 个")
    return parsed


def _term(quoted: bool, field_name: str | None, value: str) -> Term | None:
    """One term, or None when nothing searchable is left of it (lone syntax, emoji). A field
    term keeps, as its text, the prefix and value run together: what it means when the
    engine does not know the field (意见：加强… typed as text)."""
    typed = value.strip() if quoted else _SYNTAX.sub("", value).lstrip("-－")
    norm = normalize(typed)
    if not norm or (not quoted and _PUNCT_ONLY.match(norm)):
        return None
    if field_name is None:
        return Term(text=norm, typed=typed, quoted=quoted)
    return Term(text=normalize(field_name + typed), typed=f"{field_name}:{typed}", quoted=quoted,
                field=field_name, value=norm)


def check_length(q: str) -> None:
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"查询词过长：最多 {MAX_QUERY_CHARS} 个字符，收到 {len(q)} 个")


def sentence_words(sentence: str) -> list[str]:
    """Content words of a query typed as a sentence: jieba words minus STOPWORDS and
    punctuation, normalised, in order, without repeats. A run that is not a sentence — no
    question or function word, fewer than two content words (元宇宙: 元 + 宇宙) — is one
    unknown word, and searching a piece of it would answer another question: no words."""
    pieces = [normalize(word) for word in jieba.cut(sentence)]
    found = list(dict.fromkeys(p for p in pieces if _content_word(p)))
    asked = any(p in STOPWORDS or _PUNCT_ONLY.match(p) for p in pieces if p)
    return found if asked or len(found) >= 2 else []


def _content_word(norm: str) -> bool:
    """A word worth searching alone: not a question word, not punctuation, not one character
    (元 of 元宇宙 is in 亿元), not a short bare number (16 of 第16条 is in 2016年)."""
    return (len(norm) >= MIN_FALLBACK_CHARS and norm not in STOPWORDS
            and not _PUNCT_ONLY.match(norm)
            and not (norm.isdigit() and len(norm) < MIN_FALLBACK_DIGITS))
