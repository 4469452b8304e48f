"""Validity (时效性) of each document, always with the sentence it is derived from.

In order, the first rule that applies decides:

1. **Editor override** — corpus/config/validity.toml (`[doc-id]` with `status` and `note`): an
   editor knows better (a repeal published outside the corpus). The note is the basis text.
2. **已废止** — a document of the corpus, not dated before this one, repeals it: a reference
   with relation 废止, or 修订 worded 代替/取代 (replaced, not amended), resolved to it. The
   repealing document must itself have taken effect by `today` (同时废止 happens when the new
   one commences). Basis: that document, clause and sentence.
3. **尚未施行** — its own commencement sentence names a date after `today`
   (本办法自2027年1月1日起施行).
4. **已失效** — its own term has ended by `today`: 有效期至2025年12月31日, or 有效期/试行期 N 年
   counted from its commencement (自发布之日起 = its date; no commencement sentence = its date).
5. **现行有效** — it states a commencement or a term and neither rule 3 nor 4 holds.
6. **未知** — nothing in the corpus says; no status is ever given without a sentence.

"Its own" sentences are those whose subject is the document itself: a sentence that starts with
自…起施行 or with 本 + a genre word (本办法/本通知/本规定 …), never one about a cited 《…》 —
except in the cover notice, whose 《…》 is the document it publishes (现将《…》印发给你们，
自印发之日起施行).
`today` is always a parameter, so the same corpus gives the same answer in every test.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from indexer.aliases import config_file
from indexer.links.model import Reference, Relation, Status, Validity
from indexer.links.resolve import not_earlier
from indexer.patterns import chinese_number
from indexer.patterns import DATE, SELF_GENRES as _GENRES
from indexer.records import Clause, Document

CONFIG_NAME = "validity.toml"

_OWN_SUBJECT = re.compile(rf"^(?:本(?:{_GENRES})|此)")
_COMMENCE = re.compile(rf"自(?:(?P<date>{DATE})|(?P<own>发布|印发|公布|下发|颁布|发文)之日)"
                       r"起(?:施行|实施|执行|生效|试行)")
_TERM_YEARS = re.compile(r"(?:有效期|试行期)(?:为|暂定为|暂定)?(?P<n>[0-9一二三四五六七八九十两]+)年")
_TERM_UNTIL = re.compile(rf"(?:有效期(?:至|到|截至)|至)(?P<until>{DATE})(?:止|为止|废止|失效)?")
_SENTENCE = re.compile(r"[^。；;！？!?\n]+[。；;！？!?]?")


class ValidityConfigError(ValueError):
    """validity.toml is malformed; the message names the entry."""


@dataclass(kw_only=True, frozen=True)
class Override:
    status: str
    note: str


@dataclass(kw_only=True, frozen=True)
class Term:
    """What a document says about its own time in force, and the sentence saying it."""
    clause: str
    sentence: str
    start: date | None          # commencement
    end: date | None            # last day in force


def load_overrides(corpus_dir: Path) -> dict[str, Override]:
    """The editor's validity.toml of the corpus (or Cesou's), {} when there is none."""
    path = config_file(corpus_dir, CONFIG_NAME)
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValidityConfigError(f"{path}: {error}") from error
    return parse_overrides(data)


def parse_overrides(data: dict) -> dict[str, Override]:
    overrides = {}
    statuses = {status.value for status in Status}
    for doc_id, entry in data.items():
        if not isinstance(entry, dict) or entry.get("status") not in statuses:
            raise ValidityConfigError(f"{CONFIG_NAME} [{doc_id}]: status must be one of "
                                      f"{', '.join(sorted(statuses))}")
        overrides[doc_id] = Override(status=entry["status"], note=str(entry.get("note", "")))
    return overrides


def document_validity(document: Document, repeals: list[Reference], documents: dict[str, Document],
                      overrides: dict[str, Override], today: date) -> Validity:
    """The status of one document; `repeals` are the references that 废止/代替 it."""
    override = overrides.get(document.id)
    if override:
        return Validity(status=Status(override.status), basis_doc=document.id,
                        basis_text=f"编辑认定：{override.note}" if override.note else "编辑认定")
    for reference in repeals:
        repealer = documents[reference.doc]
        if not_earlier(repealer.date, document.date) and _has_started(repealer, today):
            return Validity(status=Status.REPEALED, basis_doc=repealer.id,
                            basis_clause=reference.clause, basis_text=_sentence_of(repealer, reference))
    term = own_term(document)
    if term is None:
        return Validity(status=Status.UNKNOWN)
    basis = dict(basis_doc=document.id, basis_clause=term.clause, basis_text=term.sentence)
    if term.start and term.start > today:
        return Validity(status=Status.NOT_YET, **basis)
    if term.end and term.end < today:
        return Validity(status=Status.EXPIRED, **basis)
    return Validity(status=Status.IN_FORCE, **basis)


def is_repeal(reference: Reference) -> bool:
    """Does this reference end the cited document's force (废止, or 代替/取代)?"""
    return reference.relation is Relation.REPEAL or (
        reference.relation is Relation.REVISE and reference.cue in ("代替", "取代"))


def _has_started(document: Document, today: date) -> bool:
    term = own_term(document)
    return term is None or term.start is None or term.start <= today


def own_term(document: Document) -> Term | None:
    """The last sentence in which the document states its commencement or term."""
    found = None
    for clause in document.clauses:
        for sentence in _sentences(clause):
            term = sentence_term(sentence, document.date, notice=clause.kind == "notice")
            if term:
                found = Term(clause=clause.id, sentence=sentence, start=term[0], end=term[1])
    return found


def _sentences(clause: Clause) -> list[str]:
    return [s.strip() for part in (clause.heading, clause.text) if part
            for s in _SENTENCE.findall(part) if s.strip()]


def sentence_term(sentence: str, issued: str, *, notice: bool = False
                  ) -> tuple[date | None, date | None] | None:
    """(commencement, last day) a sentence about the document itself states, else None.

    In a cover notice the 《…》 it publishes is the document itself, so there 现将《…》印发给你们，
    自印发之日起施行 counts too."""
    commence = _COMMENCE.search(sentence)
    before = sentence[:commence.start()] if commence else sentence
    if _OWN_SUBJECT.match(sentence):
        own = "《" not in before
    else:
        own = bool(commence) and (commence.start() == 0 or (notice and before.endswith(("，", ","))))
    if not own:
        return None
    start = None
    if commence:
        start = _parse_date(commence, "date") if commence.group("date") else _iso(issued)
    end = _term_end(sentence, start or _iso(issued))
    if start is None and end is None:
        return None
    return start, end


def _term_end(sentence: str, start: date | None) -> date | None:
    until = _TERM_UNTIL.search(sentence)
    if until:
        return _parse_date(until, "until")
    years = _TERM_YEARS.search(sentence)
    if years and start:
        n = chinese_number(years.group("n"))
        return _add_years(start, n) if n else None
    return None


def _add_years(start: date, years: int) -> date:
    """The last day of a term of `years` years beginning on `start`."""
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:                      # 29 February
        anniversary = start.replace(year=start.year + years, day=28)
    return date.fromordinal(anniversary.toordinal() - 1)


def _parse_date(match: re.Match, group: str) -> date | None:
    return _iso(_date_text(re.match(DATE, match.group(group))))


def _date_text(match: re.Match | None) -> str:
    """YYYY-MM-DD from a patterns.DATE match (Arabic or Chinese numerals; day 1 when none)."""
    if match is None:
        return ""
    y = match.group("y")
    year = chinese_number(y) if chinese_number(y) > 999 else int("".join(str(chinese_number(c)) for c in y))
    month, day = chinese_number(match.group("m")), chinese_number(match.group("d") or "1")
    return f"{year:04d}-{month:02d}-{day:02d}"


def _iso(text: str) -> date | None:
    """A date from YYYY-MM-DD or YYYY-MM (first of the month); None when there is none."""
    parts = (text or "").split("-")
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]) if len(parts) > 2 else 1)
    except (ValueError, IndexError):
        return None


def _sentence_of(document: Document, reference: Reference) -> str:
    """The sentence of the citing clause that holds the reference."""
    clause = next((c for c in document.clauses if c.id == reference.clause), None)
    if clause is None:
        return reference.text
    text = getattr(clause, reference.field)
    for match in _SENTENCE.finditer(text):
        if match.start() <= reference.start < match.end():
            return match.group().strip()
    return reference.text
