"""Word automatic numbering rendered as Word shows it: 第一条, （二）, 3., ①.

A Word file that numbers 第一条…第六条 automatically stores no label text at all; every
library the lab tried (python-docx, mammoth, docx2python, LibreOffice export) loses or
mangles the labels (LibreOffice ignores `lvlRestart=0`, so 第X条 restarts in each 章). Without
them clause ids would differ from those of the same document typed by hand.

Rules (ECMA-376 §17.9), as implemented:
* a paragraph is numbered by its own `w:numPr`, else by its style's, following `basedOn`;
  a level may also be tied to a style by `w:lvl/w:pStyle`;
* `w:num` points to an `w:abstractNum` (directly or through `numStyleLink` → a style's
  numbering); counters are kept per abstractNum, so several nums sharing one continue one
  count, unless the num has a `startOverride`, which restarts that level once;
* a level restarts when a higher level is used — unless `lvlRestart` says otherwise
  (`0`: never, `n`: only when a level above n is used);
* `lvlText` placeholders %1…%9 take each level's current count in that level's `numFmt`
  (decimal for all of them when `isLgl`); `suff` tab/space/nothing follows the label, rendered
  as U+3000, a space or nothing (the text path's label separator);
* numFmts: decimal, decimalZero, roman and letter forms, the Chinese counting forms
  (十一, 二十, 一百零一, 一千零一, 一万零一), 壹拾 legal forms, 甲乙丙 (then decimal),
  子丑寅, ①…⑳ (then decimal), full-width digits; bullets and `none` give no label.
  Any other format is rendered decimal and reported once.
"""
from __future__ import annotations

from dataclasses import dataclass, field

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DIGITS = "零一二三四五六七八九"
LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
STEMS = "甲乙丙丁戊己庚辛壬癸"
BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
SUFFIX = {"tab": "\u3000", "space": " ", "nothing": ""}


def chinese(n: int, digits: str = DIGITS, units: str = "十百千") -> str:
    """1 一, 10 十, 11 十一, 20 二十, 101 一百零一, 110 一百一十, 1001 一千零一, 10001 一万零一."""
    if n < 10:
        return digits[n]
    if n >= 10000:
        high, low = divmod(n, 10000)
        rest = "" if low == 0 else (digits[0] if low < 1000 else "") + _under_10000(low, digits, units)
        return chinese(high, digits, units) + "万" + rest
    text = _under_10000(n, digits, units)
    if 10 <= n < 20 and digits is DIGITS:
        text = text[1:]         # 十一, not 一十一
    return text


def _under_10000(n: int, digits: str, units: str) -> str:
    parts, zero = [], False
    for unit, value in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        unit = {"千": units[2], "百": units[1], "十": units[0]}.get(unit, "")
        digit, n = divmod(n, value)
        if digit:
            if zero and parts:
                parts.append(digits[0])
            parts.append(digits[digit] + unit)
            zero = False
        else:
            zero = True
    return "".join(parts)


def roman(n: int) -> str:
    pairs = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
             (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, letters in pairs:
        while n >= value:
            out, n = out + letters, n - value
    return out


def letter(n: int) -> str:
    """Word's letters: A…Z, then AA…ZZ, AAA…"""
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


FORMATS = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "upperRoman": roman, "lowerRoman": lambda n: roman(n).lower(),
    "upperLetter": letter, "lowerLetter": lambda n: letter(n).lower(),
    "chineseCounting": chinese, "chineseCountingThousand": chinese,
    "ideographDigital": lambda n: "".join("〇一二三四五六七八九"[int(d)] for d in str(n)),
    "japaneseCounting": chinese, "taiwaneseCountingThousand": chinese,
    "chineseLegalSimplified": lambda n: chinese(n, LEGAL_DIGITS, "拾佰仟"),
    "ideographTraditional": lambda n: STEMS[n - 1] if 1 <= n <= 10 else str(n),
    "ideographZodiac": lambda n: BRANCHES[n - 1] if 1 <= n <= 12 else str(n),
    "decimalEnclosedCircle": lambda n: CIRCLED[n - 1] if 1 <= n <= 20 else str(n),
    "decimalEnclosedCircleChinese": lambda n: CIRCLED[n - 1] if 1 <= n <= 20 else str(n),
    "decimalFullWidth": lambda n: "".join(chr(0xFF10 + int(d)) for d in str(n)),
    "decimalFullWidth2": lambda n: "".join(chr(0xFF10 + int(d)) for d in str(n)),
}
NO_LABEL = {"bullet", "none"}


@dataclass
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""
    suffix: str = "tab"
    restart: int | None = None  # lvlRestart: None = after any higher level, 0 = never
    legal: bool = False


@dataclass
class Numbering:
    """The numbering definitions of one document and the running counters."""
    abstract: dict[str, dict[int, Level]] = field(default_factory=dict)
    nums: dict[str, str] = field(default_factory=dict)        # numId → abstractNumId
    overrides: dict[str, dict[int, int]] = field(default_factory=dict)   # numId → ilvl → start
    style_numbering: dict[str, tuple[str | None, int | None]] = field(default_factory=dict)
    style_parent: dict[str, str] = field(default_factory=dict)
    level_styles: dict[str, tuple[str, int]] = field(default_factory=dict)  # style → (abstract, ilvl)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)
    used_overrides: set[tuple[str, int]] = field(default_factory=set)
    unknown_formats: set[str] = field(default_factory=set)


def _val(element, name: str) -> str | None:
    child = element.find(W + name) if element is not None else None
    return child.get(W + "val") if child is not None else None


def _level(lvl) -> Level:
    restart = _val(lvl, "lvlRestart")
    legal = lvl.find(W + "isLgl")
    return Level(start=int(_val(lvl, "start") or 1), fmt=_val(lvl, "numFmt") or "decimal",
                 text=_val(lvl, "lvlText") or "", suffix=_val(lvl, "suff") or "tab",
                 restart=int(restart) if restart is not None else None,
                 legal=legal is not None and legal.get(W + "val", "true") not in ("0", "false"))


def read_numbering(numbering_xml, styles_xml) -> Numbering:
    """Definitions from numbering.xml and styles.xml (either may be None)."""
    found = Numbering()
    links: dict[str, str] = {}        # abstractNumId → style it defers to (numStyleLink)
    if numbering_xml is not None:
        for abstract in numbering_xml.iter(W + "abstractNum"):
            key = abstract.get(W + "abstractNumId")
            found.abstract[key] = {int(lvl.get(W + "ilvl")): _level(lvl)
                                   for lvl in abstract.iter(W + "lvl")}
            for lvl in abstract.iter(W + "lvl"):
                style = _val(lvl, "pStyle")
                if style:
                    found.level_styles[style] = (key, int(lvl.get(W + "ilvl")))
            link = _val(abstract, "numStyleLink")
            if link:
                links[key] = link
        for num in numbering_xml.iter(W + "num"):
            num_id = num.get(W + "numId")
            found.nums[num_id] = _val(num, "abstractNumId")
            found.overrides[num_id] = {
                int(override.get(W + "ilvl")): int(_val(override, "startOverride"))
                for override in num.iter(W + "lvlOverride") if _val(override, "startOverride")}
    if styles_xml is not None:
        _read_styles(found, styles_xml)
    for key, style in links.items():      # a numStyleLink borrows the style's list definition
        num_id, _ = found.style_numbering.get(style, (None, None))
        if num_id in found.nums and found.nums[num_id] in found.abstract:
            found.abstract[key] = found.abstract[found.nums[num_id]]
    return found


def _read_styles(found: Numbering, styles_xml) -> None:
    for style in styles_xml.iter(W + "style"):
        style_id = style.get(W + "styleId")
        parent = _val(style, "basedOn")
        if parent:
            found.style_parent[style_id] = parent
        num_pr = style.find(f"{W}pPr/{W}numPr")
        if num_pr is not None:
            ilvl = _val(num_pr, "ilvl")
            found.style_numbering[style_id] = (_val(num_pr, "numId"),
                                               int(ilvl) if ilvl is not None else None)


def paragraph_number(found: Numbering, paragraph) -> tuple[str, int] | None:
    """(numId, ilvl) numbering the paragraph, from its own numPr or its style chain."""
    p_pr = paragraph.find(W + "pPr")
    num_pr = p_pr.find(W + "numPr") if p_pr is not None else None
    num_id, ilvl = (_val(num_pr, "numId"), _val(num_pr, "ilvl")) if num_pr is not None else (None, None)
    style = _val(p_pr, "pStyle") if p_pr is not None else None
    seen = set()
    while style and style not in seen and (num_id is None or ilvl is None):
        seen.add(style)
        style_num, style_ilvl = found.style_numbering.get(style, (None, None))
        num_id = num_id or style_num
        if ilvl is None:
            ilvl = style_ilvl if style_ilvl is not None else found.level_styles.get(style, (None, None))[1]
        style = found.style_parent.get(style)
    if num_id is None or num_id == "0" or num_id not in found.nums:
        return None     # numId 0 switches numbering off
    return num_id, int(ilvl or 0)


def label(found: Numbering, paragraph) -> str:
    """The label Word shows before this paragraph, with its suffix; "" when unnumbered.

    Advances the counters: call once per paragraph, in document order."""
    number = paragraph_number(found, paragraph)
    if number is None:
        return ""
    num_id, ilvl = number
    key = found.nums[num_id]
    levels = found.abstract.get(key, {})
    if ilvl not in levels:
        return ""
    counts = _advance(found, num_id, key, ilvl, levels)
    level = levels[ilvl]
    if level.fmt in NO_LABEL or not level.text:
        return ""
    text = level.text
    for k in range(9):
        if f"%{k + 1}" in text:
            shown = levels.get(k, Level())
            fmt = "decimal" if level.legal and k != ilvl else shown.fmt
            text = text.replace(f"%{k + 1}", _format(found, fmt, counts.get(k, shown.start)))
    return text + SUFFIX.get(level.suffix, "\u3000")


def _advance(found: Numbering, num_id: str, key: str, ilvl: int,
             levels: dict[int, Level]) -> dict[int, int]:
    counts = found.counters.setdefault(key, {})
    override = found.overrides.get(num_id, {}).get(ilvl)
    if override is not None and (num_id, ilvl) not in found.used_overrides:
        found.used_overrides.add((num_id, ilvl))
        counts[ilvl] = override
    else:
        counts[ilvl] = counts[ilvl] + 1 if ilvl in counts else levels[ilvl].start
    for deeper, level in levels.items():
        if deeper > ilvl and deeper in counts and _restarts(level, ilvl):
            del counts[deeper]
    return counts


def _restarts(level: Level, used: int) -> bool:
    """True when using level `used` (0-based) restarts `level`."""
    if level.restart is None:
        return True
    return level.restart != 0 and used < level.restart


def _format(found: Numbering, fmt: str, n: int) -> str:
    render = FORMATS.get(fmt)
    if render is None:
        found.unknown_formats.add(fmt)
        render = str
    return render(n)
