"""Shapes of 公文 lines that several stages recognise, defined once.

Clean, split, structure and identify each look at the same printed shapes for a different
purpose: clean keeps such lines apart when wrapped lines touch, split reads them as metadata or
as the start of a body, structure opens clauses at them and identify builds ids from them. So
the shapes live here, and a stage that needs a narrower or wider view says so with a named
parameter rather than a copy:

* **dates and 文号** (国发〔2017〕35号);
* **numbering labels** (GB/T 9704): 第X编 > 第X章 > 第X节 > 第X条 for regulations,
  一、 > （一） > 1. > （1） for everything else, 专栏N boxes, and headings printed with a name
  instead of a number (前言, 结束语, 附则, 附件2). `find_label` reads one off a paragraph;
* **sentence ends**: the marks that close a sentence (body text has them, titles and headings
  do not) and the wider set that closes a line of running text (a colon introducing a list too);
* **field lines**: any short name and a colon (总体目标：), of which the task-record fields
  (牵头部门：…) and the colophon's distribution lines (抄送：…) are the named kinds;
* **issuing bodies' names**: how a body the alias table does not list is named (…部, …委员会);
* **document types**: the genre words a title ends with, and the frozen types ids are spelled
  with.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

# --- dates and 文号 ---------------------------------------------------------------------------

# 2017年 1月 24日, 2021 年 8 月 27 日, 二〇一七年十月二十四日; the day is optional.
DATE = (r"(?P<y>[0-9０-９]{4}|[〇零一二三四五六七八九]{4})\s*年"
        r"\s*(?P<m>[0-9０-９]{1,2}|[一二三四五六七八九十]{1,2})\s*月"
        r"(?:\s*(?P<d>[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*日)?")

# 国发〔2017〕35号, 国科发基〔2017〕322 号, 教研[2017]2号: issuing code, year in brackets, serial.
_DOC_NUMBER_HEAD = (r"^(?P<agency>[\u4e00-\u9fff]{1,12})\s*[〔\[［【(（]\s*(?P<year>\d{4})\s*"
                    r"[〕\]］】)）]\s*第?\s*")
DOC_NUMBER = re.compile(_DOC_NUMBER_HEAD + r"(?P<number>\d+)\s*[号號]$")
# The same as typed in a search box, where the closing 号 is often left out (国发[2018]4).
DOC_NUMBER_TYPED = re.compile(_DOC_NUMBER_HEAD + r"(?P<number>\d{1,5})\s*[号號]?$")

# --- numbering labels -------------------------------------------------------------------------


class LabelStyle(StrEnum):
    """Numbering styles of 公文 headings, outermost first."""
    PART = "part"                   # 第一编, 第一部分, 第一篇
    CHAPTER = "chapter"             # 第一章
    DIVISION = "division"           # 第一节
    ARTICLE = "article"             # 第一条
    CN = "cn"                       # 一、
    PAREN_CN = "paren_cn"           # （一）
    ARABIC = "arabic"               # 1. 1．1、
    PAREN_ARABIC = "paren_arabic"   # （1）
    BOX = "box"                     # 专栏1, 专栏一: an illustrative list inside a plan


CN_NUMERAL = "[零〇一二两三四五六七八九十百]+"
# Ordinals (第…) take Chinese or Arabic numbers: 第六条, 第6条. Arabic list numbers have at most
# three digits and no digit after their mark, so amounts (2.5倍, 2013年) are no labels.
_ORDINAL = rf"{CN_NUMERAL}|\d{{1,3}}"
_ARABIC = r"\d{1,3}"

# Each label with its number in the group "number"; the order is the order they are tried in.
LABELS: dict[LabelStyle, str] = {
    LabelStyle.BOX: rf"专栏\s*(?P<number>\d+|{CN_NUMERAL})",
    LabelStyle.PART: rf"第(?P<number>{_ORDINAL})(?:编|篇|部分?)",
    LabelStyle.CHAPTER: rf"第(?P<number>{_ORDINAL})章",
    LabelStyle.DIVISION: rf"第(?P<number>{_ORDINAL})节",
    LabelStyle.ARTICLE: rf"第(?P<number>{_ORDINAL})条",
    LabelStyle.CN: rf"(?P<number>{CN_NUMERAL})、",
    LabelStyle.PAREN_CN: rf"[（(]\s*(?P<number>{CN_NUMERAL})\s*[）)]",
    LabelStyle.ARABIC: rf"(?P<number>{_ARABIC})\s*[.．、](?!\d)",
    LabelStyle.PAREN_ARABIC: rf"[（(]\s*(?P<number>{_ARABIC})\s*[）)]",
}
_LABEL_AT_START = {style: re.compile(rf"^(?P<label>{pattern})\s*(?P<rest>.*)$", re.S)
                   for style, pattern in LABELS.items()}

# Headings printed with a name instead of a number, and the clause id each one gets.
NAMED_HEADINGS = {"前言": "preface", "序言": "preface", "引言": "preface",
                  "结束语": "conclusion", "结语": "conclusion"}
NAMED_HEADING = re.compile(r"^(?:" + "|".join(NAMED_HEADINGS) + ")")
# … and named parts that only head what follows them: 附则 (supplementary provisions), 附件2.
NAMED_PARTS = ("附则", r"附件\s*\d*")
NAMED_LABEL = re.compile(r"^(?:" + "|".join((*NAMED_HEADINGS, *NAMED_PARTS)) + ")")
# "附件" / "附件2：" on a line of its own, above an attached document's title.
ATTACHMENT_LINE = re.compile(r"^附件\s*[0-9一二三四五六七八九十]*\s*[:：]?$")
# A bullet: "——坚持改革创新", "• 要点", "- 要点".
BULLET = re.compile(r"^(?:——|[-•·]\s)")

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(numeral: str) -> int:
    """一 → 1, 十一 → 11, 二十三 → 23, 一百零五 → 105, 两 → 2; Arabic digits (full width too) pass
    through; 0 when the text is no numeral."""
    numeral = unicodedata.normalize("NFKC", numeral)
    if numeral.isdigit():
        return int(numeral)
    total, digit = 0, 0
    for ch in numeral:
        if ch in "十百":
            total += (digit or 1) * (10 if ch == "十" else 100)
            digit = 0
        elif ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            return 0
    return total + digit


def chinese_numeral(number: int) -> str:
    """1 → 一, 10 → 十, 16 → 十六, 21 → 二十一, 105 → 一百零五, as 第十六条 prints them (< 1000)."""
    digits = "零一二三四五六七八九"
    hundreds, tens, ones = number // 100, number // 10 % 10, number % 10
    out = f"{digits[hundreds]}百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else digits[tens]) + "十"
    elif hundreds and ones:
        out += "零"
    return out + (digits[ones] if ones or not out else "")


@dataclass(frozen=True, kw_only=True)
class Label:
    """A numbering label found at the start of a paragraph."""
    style: LabelStyle
    label: str          # as printed: 第六条, （三）, 7.
    number: int
    rest: str           # the paragraph after the label, leading spaces dropped


def find_label(text: str) -> Label | None:
    """The numbering label `text` starts with, or None."""
    for style, pattern in _LABEL_AT_START.items():
        match = pattern.match(text)
        if match:
            return Label(style=style, label=match["label"],
                         number=chinese_number(match["number"]), rest=match["rest"])
    return None


# --- sentence ends ----------------------------------------------------------------------------

# Marks that close a sentence or one of its clauses: body text has them, titles never.
SENTENCE_END_MARKS = "。；！？"
SENTENCE_MARK = re.compile(f"[{SENTENCE_END_MARKS}]")
# Marks that close a line of running text: a sentence end, or a colon introducing what follows
# (总体目标：), an ellipsis, and their half-width forms.
LINE_END_MARKS = SENTENCE_END_MARKS + "：…" + ";:!?"
_CLOSERS = "[”’」』）)》\"']*"
# The line is over: a closing mark, then any closing quotes or brackets.
LINE_END = re.compile(rf"[{LINE_END_MARKS}]{_CLOSERS}$")
# The text ends with a complete sentence (…加强组织领导。, …“三步走”；).
SENTENCE_END = re.compile(rf"[{SENTENCE_END_MARKS}]{_CLOSERS}$")

# --- field lines ------------------------------------------------------------------------------

# A short name and a colon opening a line: a field of a record (牵头院领导：…) or a label line
# (总体目标:, 抄送:…).
FIELD_LINE = re.compile(r"^[\u4e00-\u9fff]{2,6}[：:]")

# The field names of task records (分工方案, 行动计划), all field lines of the shape above.
TASK_FIELDS = ("牵头院领导", "配合院领导", "牵头领导", "配合领导", "责任领导",
               "牵头部门", "协助部门", "配合部门", "参与部门", "牵头单位", "责任单位", "责任部门",
               "配合单位", "参与单位", "具体举措", "主要举措", "工作举措",
               "时间期限", "完成时限", "完成时间", "时间节点")
_TASK_FIELD = "|".join(TASK_FIELDS)
# `牵头部门：办公厅` on a line of its own: (name, value).
TASK_FIELD_LINE = re.compile(rf"^({_TASK_FIELD})[：:](.*)$", re.S)
# `（牵头领导：X；牵头部门：Y）` closing a numbered item: the fields inside the brackets.
TASK_RECORD_LINE = re.compile(rf"^[（(]((?:{_TASK_FIELD})[：:][^（）()]*)[）)]$")
# The measures field introduces sub-measures （1）…（n） when its own value is empty.
MEASURES_FIELDS = ("具体举措", "主要举措", "工作举措")

# The colophon's distribution lines (抄送：…), field lines of the 版记 under a document.
COLOPHON_LINE = re.compile(r"^(?:抄送|主送|分送|报送|抄报)\s*[:：]")

# --- issuing bodies ---------------------------------------------------------------------------

# How Chinese issuing bodies' names end (国家发展改革委, 黑龙江省人民政府, 中国科协, …研究所):
# a body the alias table does not list is recognised by its name's shape.
ISSUER_NAME_ENDINGS = ("政府", "委员会", "委", "部", "局", "院", "厅", "办", "署", "会", "党组",
                       "中央", "银行", "协", "大学", "学院", "学校", "集团", "公司", "中心", "所",
                       "室")
# A whole name of that shape, of 2 to 24 ideographs.
ISSUER_NAME = re.compile(r"^(?=[\u4e00-\u9fff]{2,24}$)[\u4e00-\u9fff]+?(?:"
                         + "|".join(ISSUER_NAME_ENDINGS) + ")$")


# --- document types ---------------------------------------------------------------------------

# A document's type is the genre word its title ends with, the longest one that fits:
# …实施细则 is 实施细则, not 细则; …三年行动计划 is 行动计划, not 计划; 实施方案, 专项规划 and
# 实施办法 are 方案, 规划, 办法. The first line holds the 15 kinds of 公文 (党政机关公文处理工作
# 条例), the rest the genres of policy documents. A title ending in none of them is 其他.
DOC_TYPES = ("决议", "决定", "命令", "公报", "公告", "通告", "意见", "通知", "通报", "报告", "请示",
             "批复", "议案", "函", "纪要",
             "规划", "纲要", "计划", "行动计划", "方案", "要点", "愿景与行动", "办法", "细则",
             "实施细则", "条例", "规定", "规则", "指南", "措施", "标准", "制度")
OTHER_TYPE = "其他"
# The types document ids were first minted with (identify.py), frozen: ids must survive a finer
# reading of the type, so an id spells 行动计划 as 计划 and 实施细则 as 其他, as it always has.
ID_TYPES = ("意见", "方案", "规划", "纲要", "计划", "办法", "条例", "规定", "决定", "通知",
            "决议", "公告", "通告", "通报", "报告", "批复", "纪要", "函")

# Genre words a text uses to name itself or another document (本办法, 本实施细则 …): the types
# above plus the compound and rule genres that are not document types of their own.
SELF_GENRES = "|".join(sorted({*DOC_TYPES, "实施细则", "实施办法", "实施方案", "章程", "准则"},
                              key=len, reverse=True))
