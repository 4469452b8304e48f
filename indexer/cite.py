"""Citations of one clause: a GB/T 7714-2015 string for the page, RIS, BibTeX and CSL-JSON for
reference managers.

Rules, and why:

- Type. A policy document online is an electronic resource: `[EB/OL]` (电子公告/联机网络),
  never `[S/OL]` (that marks a standard). Without a URL it is `[Z]` (其他), with no access date.
- Elements (GB/T 7714-2015 §4.7 / 8.8, electronic resources): 主要责任者. 题名: 其他题名信息
  [标志]. (发布或成文日期)[引用日期]: 位置. 获取和访问路径. The issuing bodies are the
  authors (more than three: the first three, then 等); the 文号 is the 其他题名信息; the clause's
  position takes the place a page number takes in a book (“出版年: 引文页码”).
- Locator. Every clause gets one that a reader can find in the printed text:
  the printed labels from the outermost numbered level down (三、（二）7.); an article alone
  (第六条, since articles are numbered across chapters); a 专栏 item as 专栏1 第8项; a task
  record by its position, which is all the document prints (任务 6.1, sub-measure 任务 6.1 （2）);
  unnumbered clauses by their name (印发通知, 引言第1段, 结语). A whole-document clause (全文)
  has no locator.
- URL. The document's source URL when the record has one (`source_url`), else the clause's
  permalink on this site. The access date (引用日期) is passed in, so tests fix it.
- Escaping. RIS values are one line each (`XX  - value`), so line breaks become spaces; BibTeX
  values are wrapped in braces with `\\ { } % & $ # _ ~ ^` escaped, and corporate authors get an
  extra pair of braces so they are not split into first and last names.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from indexer.present import OutlineEntry, clause_name, outline
from indexer.records import Document

MAX_AUTHORS = 3
TASK_ID = re.compile(r"^s(\d+)(?:\.t(\d+))?")


@dataclass
class Reference:
    """Everything a citation of one clause says, in every format."""
    key: str                    # ASCII citation key: doc id and clause id
    authors: list[str]          # issuing bodies, corporate names
    title: str
    doc_number: str             # 文号, "" when none
    date: str                   # 成文/发布日期: YYYY-MM-DD or YYYY-MM, "" unknown
    locator: str                # 三、（二）7. ; 第六条 ; 专栏1 第8项 ; "" for the whole text
    url: str                    # source URL, else permalink; "" when none
    accessed: str               # 引用日期 YYYY-MM-DD
    note: str = ""              # e.g. that the text is a press summary


def reference(doc: Document, clause_id: str, permalink: str, accessed: str) -> Reference:
    """The Reference of clause `clause_id` of `doc`, reached at `permalink` on `accessed`."""
    entry = next(e for e in outline(doc) if e.clause.id == clause_id)
    summary = getattr(doc, "press_summary", False)
    return Reference(
        key=re.sub(r"[^A-Za-z0-9._:-]", "-", f"{doc.id}:{clause_id}"),
        authors=list(doc.issuers), title=doc.title, doc_number=doc.doc_number, date=doc.date,
        locator=locator(entry), url=getattr(doc, "source_url", "") or permalink,
        accessed=accessed, note="据新闻报道摘要，非文件正式文本" if summary else "")


def locator(entry: OutlineEntry) -> str:
    """Where the clause is in its document, as a reader writes it (rules in the docstring)."""
    chain = [*entry.ancestors, entry.clause]
    task = TASK_ID.match(entry.clause.id)     # s6, s6.t1, s6.t1.2: only task lists have them
    if task:
        return _task_locator(task, chain)
    articles = [i for i, c in enumerate(chain) if c.kind == "article"]
    if articles:
        chain = chain[articles[0]:]
    boxes = [i for i, c in enumerate(chain) if c.kind == "box"]
    if boxes:
        return _box_locator(chain[boxes[0]:])
    labels = "".join(c.label for c in chain if c.label)
    if labels:
        return labels
    return "" if entry.clause.id == "full" else clause_name(entry.clause)


def _task_locator(task: re.Match, chain) -> str:
    section, number = task.group(1), task.group(2)
    where = f"任务 {section}.{number}" if number else f"第{section}部分"
    below = "".join(c.label for c in chain if c.label)
    return f"{where} {below}" if below else where


def _box_locator(chain) -> str:
    box, *items = chain
    if not items:
        return box.label
    first = re.sub(r"[.．、]$", "", items[0].label)
    numbered = f"第{first}项" if first.isdigit() else items[0].label
    return f"{box.label} {numbered}" + "".join(c.label for c in items[1:])


# --- GB/T 7714-2015 ---------------------------------------------------------------------------

def gbt7714(ref: Reference) -> str:
    """`国务院. 题名: 国发〔2018〕4号[EB/OL]. (2018-01-19)[2026-12-01]: 三、（二）7. URL.`"""
    authors = ref.authors[:MAX_AUTHORS] + (["等"] if len(ref.authors) > MAX_AUTHORS else [])
    title = f"{ref.title}: {ref.doc_number}" if ref.doc_number else ref.title
    mark = "[EB/OL]" if ref.url else "[Z]"
    when = (f"({ref.date})" if ref.date else "") + (f"[{ref.accessed}]" if ref.url else "")
    if not ref.url and ref.date:
        when = ref.date
    if ref.locator:
        when = f"{when}: {ref.locator}" if when else ref.locator
    parts = [", ".join(authors) or "佚名", title + mark, when, ref.url]
    # Elements end with ". "; a locator that ends in its own full stop (7.) is not doubled.
    return " ".join(p if p.endswith(".") else p + "." for p in parts if p)


# --- RIS ---------------------------------------------------------------------------------------

def ris(refs: list[Reference]) -> str:
    """RIS records (TY … ER), CRLF line ends as the format asks; one line per value."""
    lines = []
    for ref in refs:
        pairs = [("TY", "GOVDOC"), *[("AU", a) for a in ref.authors], ("TI", ref.title),
                 ("SN", ref.doc_number), ("PY", ref.date[:4]), ("DA", _ris_date(ref.date)),
                 ("SE", ref.locator), ("UR", ref.url), ("Y2", _ris_date(ref.accessed)),
                 ("LA", "zh"), ("N1", ref.note), ("ID", ref.key), ("ER", "")]
        lines += [f"{tag}  - {_one_line(value)}" for tag, value in pairs if value or tag == "ER"]
    return "\r\n".join(lines) + "\r\n"


def _ris_date(date: str) -> str:
    """2018-01-19 → 2018/01/19/, 2018-03 → 2018/03//."""
    parts = (date.split("-") + ["", ""])[:3] if date else []
    return "/".join(parts) + "/" if parts else ""


def _one_line(value: str) -> str:
    return re.sub(r"\s*[\r\n]+\s*", " ", value).strip()


# --- BibTeX ----------------------------------------------------------------------------------------

BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&",
                  "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                  "^": r"\textasciicircum{}"}


def bibtex(refs: list[Reference]) -> str:
    """@misc entries (biblatex and the gbt7714 styles render them [EB/OL] with their url)."""
    return "\n".join(_bibtex_entry(ref) for ref in refs)


def _bibtex_entry(ref: Reference) -> str:
    fields = [("author", " and ".join("{" + _bib(a) + "}" for a in ref.authors)),
              ("title", _bib(ref.title)), ("number", _bib(ref.doc_number)),
              ("date", ref.date), ("year", ref.date[:4]), ("note", _bib(_note(ref))),
              ("url", _bib(ref.url)), ("urldate", ref.accessed), ("langid", "chinese")]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{ref.key},\n{body}\n}}\n"


def _bib(value: str) -> str:
    return "".join(BIBTEX_SPECIAL.get(ch, ch) for ch in _one_line(value))


def _note(ref: Reference) -> str:
    return "；".join(p for p in (ref.locator, ref.note) if p)


# --- CSL-JSON ------------------------------------------------------------------------------------

def csl_json(refs: list[Reference]) -> str:
    """CSL-JSON items (Zotero, Mendeley and pandoc read them)."""
    return json.dumps([csl_item(ref) for ref in refs], ensure_ascii=False, indent=2)


def csl_item(ref: Reference) -> dict:
    item = {"id": ref.key, "type": "document", "title": ref.title,
            "author": [{"literal": a} for a in ref.authors], "number": ref.doc_number,
            "issued": _csl_date(ref.date), "section": ref.locator, "URL": ref.url,
            "accessed": _csl_date(ref.accessed), "note": ref.note, "language": "zh-CN"}
    return {k: v for k, v in item.items() if v}


def _csl_date(date: str) -> dict:
    return {"date-parts": [[int(p) for p in date.split("-")]]} if date else {}
