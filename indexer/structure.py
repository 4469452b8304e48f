"""Structure stage: a document's paragraphs → its clause tree, with stable clause ids.

Chinese official documents number their parts in a fixed order of styles (GB/T 9704):
第X编 > 第X章 > 第X节 > 第X条 for regulations, 一、 > （一） > 1. > （1） for everything else (the
label shapes are patterns.LABELS). A paragraph that starts with such a label opens a clause;
unnumbered paragraphs belong to the clause opened last.
A label only counts as a heading when its number continues the sequence of its level — that is
what tells a real 二、 from a wrap fragment that happens to start with 一、.

Ids are paths of the printed numbers (三、（二）7. → 3.2.7, 第六条 → art-6, 第二编第一章 →
part-2.ch-1), so they survive re-parsing, renamed files and documents added elsewhere in the
corpus.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from indexer.patterns import (LINE_END, MEASURES_FIELDS, NAMED_HEADINGS, SENTENCE_END,
                              TASK_FIELD_LINE, TASK_RECORD_LINE, Label, LabelStyle, find_label)
from indexer.records import Clause, ClauseKind, DraftDocument, Paragraph


class Level(StrEnum):
    """Levels of the tree that no numbering label opens."""
    ROOT = "root"           # the document itself
    NAMED = "named"         # 前言, 结束语 (patterns.NAMED_HEADINGS)
    SECTION = "section"     # an unnumbered title over task records
    TASK = "task"           # an unnumbered task record, told by the field lines under it


# Depth of each level; a clause can only contain levels of greater depth, so levels may be
# skipped (1. directly under 一、) but never inverted.
DEPTH: dict[str, int] = {
    Level.ROOT: -1, LabelStyle.PART: 0, LabelStyle.CHAPTER: 1, LabelStyle.DIVISION: 2,
    LabelStyle.ARTICLE: 3, LabelStyle.CN: 4, Level.NAMED: 4, Level.SECTION: 4, Level.TASK: 5,
    LabelStyle.PAREN_CN: 5, LabelStyle.ARABIC: 6, LabelStyle.PAREN_ARABIC: 7, LabelStyle.BOX: 8}
KIND = {LabelStyle.PART: ClauseKind.PART, LabelStyle.CHAPTER: ClauseKind.CHAPTER,
        LabelStyle.DIVISION: ClauseKind.DIVISION, LabelStyle.ARTICLE: ClauseKind.ARTICLE,
        LabelStyle.BOX: ClauseKind.BOX, LabelStyle.CN: ClauseKind.SECTION,
        LabelStyle.PAREN_CN: ClauseKind.ITEM, LabelStyle.ARABIC: ClauseKind.ITEM,
        LabelStyle.PAREN_ARABIC: ClauseKind.ITEM}
# Styles whose label is followed by a heading and no body (第二章 遴选条件), and the list styles
# a 专栏 box may hold.
HEADING_ONLY = (LabelStyle.PART, LabelStyle.CHAPTER, LabelStyle.DIVISION, LabelStyle.BOX)
LIST_STYLES = (LabelStyle.CN, LabelStyle.PAREN_CN, LabelStyle.ARABIC, LabelStyle.PAREN_ARABIC)
# Levels a list's ids start from afresh: 一、 under 第二章 is 1, not ch-2.1.
OUTLINE_ROOTS = (LabelStyle.PART, LabelStyle.CHAPTER, LabelStyle.DIVISION)

# Run-in headings in the corpus run to 45 characters; numbered items whose first sentence is
# longer (54-156) are plain provisions without a heading.
HEADING_MAX = 50


def field_line(text: str) -> tuple[str, str] | None:
    """`牵头部门：办公厅` → (牵头部门, 办公厅); None for any other paragraph."""
    match = TASK_FIELD_LINE.match(text)
    return (match.group(1), match.group(2).strip()) if match else None


def record_fields(text: str) -> dict[str, str]:
    """`（牵头领导：X；牵头部门：Y）` → {牵头领导: X, 牵头部门: Y}; {} for any other paragraph."""
    match = TASK_RECORD_LINE.match(text)
    if not match:
        return {}
    parts = [field_line(part.strip()) for part in re.split("[；;]", match.group(1))]
    return dict(parts) if all(parts) else {}


def split_run_in(rest: str) -> tuple[str, str]:
    """A numbered paragraph's heading and body: the heading is its first sentence.

    `（三）改革…机制。深入推进…` → (改革…机制。, 深入推进…); `（一）指导思想` → (指导思想, "").
    A first sentence longer than any printed heading is body text: the item has no heading.
    """
    end = rest.find("。")
    heading_length = len(rest) if end < 0 else end + 1
    if heading_length > HEADING_MAX:
        return "", rest
    return rest[:heading_length], rest[heading_length:].lstrip()


# --- task records ---------------------------------------------------------------------------

def task_roles(texts: list[str]) -> list[str]:
    """Role of each paragraph in a task list whose headings carry no numbers.

    Titles are unnumbered paragraphs that are no field line and do not end a sentence. A task
    title is directly followed by a field line, a section title by a task title. Everything
    else is "" (body text, field lines, numbered paragraphs).
    """
    def title_like(text: str) -> bool:
        return not field_line(text) and not find_label(text) and not LINE_END.search(text)

    roles: list[str] = [""] * len(texts)
    for i in range(len(texts) - 1):
        if title_like(texts[i]) and field_line(texts[i + 1]):
            roles[i] = Level.TASK
    for i in range(len(texts) - 1):
        if not roles[i] and roles[i + 1] == Level.TASK and title_like(texts[i]):
            roles[i] = Level.SECTION
    return roles


# --- the tree builder -----------------------------------------------------------------------

@dataclass
class _Open:
    """A clause that can still receive text and children."""
    clause: Clause | None           # None for the document root
    style: str                      # a LabelStyle or a Level
    last_child: dict[str, int] = field(default_factory=dict)   # style → last child number
    box: str | None = None          # id of the 专栏 box this clause is in


class _Tree:
    def __init__(self, plain_lists: frozenset[tuple[str | None, str]] = frozenset()) -> None:
        # Lists (parent id, numbering style) whose items are plain provisions: no run-in heading.
        self.plain_lists = plain_lists
        self.found_plain_lists: set[tuple[str | None, str]] = set()
        self.clauses: list[Clause] = []
        self.ids: set[str] = set()
        self.stack: list[_Open] = [_Open(None, Level.ROOT)]
        # Last number per (style, box): numbering may run on across parents (1.…27. over six 一、).
        self.last_global: dict[tuple[str, str | None], int] = {}
        self.preamble = 0
        self.sections = 0
        self.paragraphs: dict[str, int] = {}    # clause id → paragraphs it holds

    @property
    def top(self) -> _Open:
        return self.stack[-1]

    def add(self, clause: Clause) -> Clause:
        base, n = clause.id, 1
        while clause.id in self.ids:    # an unavoidable clash (e.g. 前言 printed twice): -2, -3 …
            n += 1
            clause.id = f"{base}-{n}"
        self.ids.add(clause.id)
        self.clauses.append(clause)
        self.paragraphs[clause.id] = 1
        return clause

    def open(self, clause: Clause, style: str, number: int, parent: _Open) -> None:
        while self.stack[-1] is not parent:
            self.stack.pop()
        parent.last_child[style] = number
        box = clause.id if style == LabelStyle.BOX else parent.box
        self.stack.append(_Open(self.add(clause), style, box=box))

    def append_text(self, text: str) -> None:
        """Unnumbered paragraph: body of the clause opened last, or a preamble paragraph."""
        target = self.top.clause
        if target is None:
            self.preamble += 1
            # Preamble paragraphs carry no numbers; their position in the preamble is their id.
            self.add(Clause(id=f"p{self.preamble}", label="", heading="", text=text, parent=None,
                            kind=ClauseKind.PREAMBLE))
            return
        target.text = f"{target.text}\n{text}" if target.text else text
        self.paragraphs[target.id] += 1

    def split_closing(self) -> None:
        """Move a document-level closing paragraph out of the last item into a `closing` clause.

        A closing (各地区各部门要…) follows the last item unnumbered, so it reads as more of its
        body. It is told apart structurally: when the other items of its list (or, for a list
        too short to tell, all items of its style) are leaves that hold the same number of
        paragraphs, what the last item holds beyond that is the closing.
        """
        last = self.clauses[-1]
        if not last.label:
            return
        style = find_label(last.label).style
        same_style = [c for c in self.clauses[:-1]
                      if c.label and find_label(c.label).style == style]
        siblings = [c for c in same_style if c.parent == last.parent]
        reference = siblings if len(siblings) >= 2 else same_style
        parents = {c.parent for c in self.clauses}
        sizes = {self.paragraphs[c.id] for c in reference}
        if len(reference) < 2 or len(sizes) != 1 or any(c.id in parents for c in reference):
            return
        surplus = self.paragraphs[last.id] - sizes.pop()
        if surplus <= 0:
            return
        lines = last.text.split("\n")
        last.text = "\n".join(lines[:-surplus])
        self.paragraphs[last.id] -= surplus
        self.add(Clause(id="closing", label="", heading="", text="\n".join(lines[-surplus:]),
                        parent=None, kind=ClauseKind.CLOSING))

    # numbered headings

    def fits(self, parent: _Open, style: str, number: int) -> bool:
        """Does `number` continue the `style` sequence under `parent`?"""
        if not self.can_contain(parent, style):
            return False
        if style in parent.last_child:
            return number == parent.last_child[style] + 1
        return number in (1, self.last_global.get((style, parent.box), 0) + 1)

    @staticmethod
    def can_contain(parent: _Open, style: str) -> bool:
        if style == LabelStyle.BOX:
            return parent.box is None
        if parent.style == LabelStyle.BOX:     # a box holds a list, never chapters or articles
            return style in LIST_STYLES
        return DEPTH[parent.style] < DEPTH[style]

    def heading(self, found: Label) -> bool:
        """Open a clause for a numbered paragraph; False when its number fits no sequence."""
        parent = next((o for o in reversed(self.stack) if self.fits(o, found.style, found.number)),
                      None)
        if parent is None:
            return False
        parent_id = parent.clause.id if parent.clause else None
        heading, text = self.heading_and_text(found, (parent_id, found.style))
        clause = Clause(id=self.child_id(parent, found), label=found.label, heading=heading,
                        text=text, parent=parent_id, kind=KIND[found.style])
        self.open(clause, found.style, found.number, parent)
        self.last_global[(found.style, parent.box)] = found.number
        return True

    def heading_and_text(self, found: Label, siblings: tuple[str | None, str]) -> tuple[str, str]:
        # 第六条 starts its body: articles have no heading.
        if found.style == LabelStyle.ARTICLE or siblings in self.plain_lists:
            return "", found.rest
        if found.style in HEADING_ONLY:
            return found.rest, ""
        heading, text = split_run_in(found.rest)
        if not heading:
            self.found_plain_lists.add(siblings)
        return heading, text

    @staticmethod
    def child_id(parent: _Open, found: Label) -> str:
        within = f"{parent.clause.id}." if parent.clause else ""
        if found.style == LabelStyle.PART:
            return f"part-{found.number}"
        if found.style == LabelStyle.CHAPTER:   # chapters start again in each 编: part-2.ch-1
            return f"{within if parent.style == LabelStyle.PART else ''}ch-{found.number}"
        if found.style == LabelStyle.DIVISION:  # 第一节 of 第二章 → ch-2.sec-1
            return f"{within}sec-{found.number}"
        if found.style == LabelStyle.ARTICLE:   # articles are numbered across chapters: art-6
            return f"art-{found.number}"
        if found.style == LabelStyle.BOX:
            return f"box-{found.number}"
        if parent.clause is None or parent.style in OUTLINE_ROOTS:
            return str(found.number)
        return f"{parent.clause.id}.{found.number}"

    # unnumbered headings

    def named(self, text: str, clause_id: str) -> None:
        clause = Clause(id=clause_id, label="", heading=text, text="", parent=None,
                        kind=ClauseKind.SECTION)
        self.open(clause, Level.NAMED, 0, self.stack[0])

    def section(self, text: str) -> None:
        self.sections += 1
        # Task lists print no numbers; a section's position in the list is its id (s1, s2 …).
        clause = Clause(id=f"s{self.sections}", label="", heading=text, text="", parent=None,
                        kind=ClauseKind.SECTION)
        self.open(clause, Level.SECTION, self.sections, self.stack[0])

    def task(self, text: str) -> None:
        parent = next(o for o in reversed(self.stack) if DEPTH[o.style] < DEPTH[Level.TASK])
        number = parent.last_child.get(Level.TASK, 0) + 1
        prefix = f"{parent.clause.id}." if parent.clause else ""
        clause = Clause(id=f"{prefix}t{number}", label="", heading=text, text="",
                        parent=parent.clause.id if parent.clause else None, kind=ClauseKind.TASK)
        self.open(clause, Level.TASK, number, parent)

    def field(self, name: str, value: str, text: str) -> None:
        self.append_text(text)
        if self.top.clause is not None:
            self.top.clause.fields.setdefault(name, value)

    def body(self, text: str) -> None:
        """A body paragraph; a record line `（牵头领导：X；…）` also fills its clause's fields."""
        self.append_text(text)
        if self.top.clause is not None:
            for name, value in record_fields(text).items():
                self.top.clause.fields.setdefault(name, value)


def build_clauses(draft: DraftDocument) -> list[Clause]:
    """The document's clauses in document order: cover notice, preamble, numbered tree."""
    clauses = []
    if draft.notice:
        clauses.append(Clause(id="notice", label="", heading="", text=_joined(draft.notice),
                              parent=None, kind=ClauseKind.NOTICE))
    texts = [p.text.strip() for p in draft.paragraphs if p.text.strip()]
    tree = _build_tree(texts, frozenset())
    if tree.found_plain_lists:
        # One provision too long to be a heading makes its whole list plain provisions, so its
        # siblings' short first sentences are not taken for headings either.
        tree = _build_tree(texts, frozenset(tree.found_plain_lists))
    if all(c.kind == ClauseKind.PREAMBLE for c in tree.clauses):
        # No recognisable structure: the whole document is one citable unit.
        if texts:
            clauses.append(Clause(id="full", label="", heading="", text="\n".join(texts),
                                  parent=None, kind=ClauseKind.PARAGRAPH))
        return clauses
    tree.split_closing()
    _sentence_items_are_text(tree.clauses)
    _settle_record_fields(tree.clauses)
    return clauses + tree.clauses


def _build_tree(texts: list[str], plain_lists: frozenset[tuple[str | None, str]]) -> _Tree:
    tree = _Tree(plain_lists)
    for text, role in zip(texts, task_roles(texts)):
        found = find_label(text)
        named = field_line(text)
        if role == Level.SECTION:
            tree.section(text)
        elif role == Level.TASK:
            tree.task(text)
        elif named:
            tree.field(*named, text)
        elif re.sub(r"\s", "", text) in NAMED_HEADINGS:
            tree.named(text, NAMED_HEADINGS[re.sub(r"\s", "", text)])
        elif not (found and tree.heading(found)):
            tree.body(text)
    return tree


def _sentence_items_are_text(clauses: list[Clause]) -> None:
    """A numbered item that is only complete sentences is a provision, not a heading.

    Its first sentence was read as a run-in heading (（二）规范提名程序。), but nothing follows it:
    no body paragraph and no sub-item. A heading announces what comes after it, so an item whose
    heading ends a sentence (。；！？) and that holds nothing else is text under its label.
    Headings without a sentence end (（一）指导思想) and headings with a body stay headings.
    """
    parents = {clause.parent for clause in clauses}
    for clause in clauses:
        if (clause.kind in (ClauseKind.SECTION, ClauseKind.ITEM) and clause.label
                and clause.heading and not clause.text and clause.id not in parents
                and SENTENCE_END.search(clause.heading)):
            clause.heading, clause.text = "", clause.heading


def _settle_record_fields(clauses: list[Clause]) -> None:
    """Give task records the fields their sub-measures hide.

    A record's trailing field (its 时间期限 after sub-measures （1）（2）) is printed after the last
    sub-measure and so lands in it; when only the last sub-measure has fields, they are the
    record's. An empty 具体举措 introduces the sub-measures: its value is their text.
    """
    children: dict[str, list[Clause]] = {}
    for clause in clauses:
        if clause.parent is not None:
            children.setdefault(clause.parent, []).append(clause)
    for clause in clauses:
        kids = children.get(clause.id, [])
        if not clause.fields or not kids:
            continue
        if len(kids) > 1 and kids[-1].fields and not any(k.fields for k in kids[:-1]):
            for name, value in kids[-1].fields.items():
                clause.fields.setdefault(name, value)
            kids[-1].fields = {}
        for name in MEASURES_FIELDS:
            if clause.fields.get(name) == "":
                clause.fields[name] = "\n".join(_without_field_lines(k) for k in kids)


def _without_field_lines(clause: Clause) -> str:
    lines = (clause.label + clause.heading + "\n" + clause.text).split("\n")
    return "".join(line for line in lines if not field_line(line))


def _joined(paragraphs: list[Paragraph]) -> str:
    return "\n".join(p.text.strip() for p in paragraphs if p.text.strip())
