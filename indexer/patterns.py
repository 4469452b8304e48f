"""Shapes of 公文 lines that several stages recognise: dates and 文号.

Clean keeps such lines apart when wrapped lines touch, split reads them as metadata and
identify builds document ids from the 文号, so all three must agree on what one looks like.
"""
from __future__ import annotations

import re

# 2017年 1月 24日, 2021 年 8 月 27 日, 二〇一七年十月二十四日; the day is optional.
DATE = (r"(?P<y>[0-9０-９]{4}|[〇零一二三四五六七八九]{4})\s*年"
        r"\s*(?P<m>[0-9０-９]{1,2}|[一二三四五六七八九十]{1,2})\s*月"
        r"(?:\s*(?P<d>[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*日)?")

# 国发〔2017〕35号, 国科发基〔2017〕322 号, 教研[2017]2号: issuing code, year in brackets, serial.
DOC_NUMBER = re.compile(
    r"^(?P<agency>[\u4e00-\u9fff]{1,12})\s*[〔\[［【(（]\s*(?P<year>\d{4})\s*[〕\]］】)）]"
    r"\s*第?\s*(?P<number>\d+)\s*[号號]$")

# The canonical document types (公文 kinds) a title's genre word is read as; 实施方案, 专项规划,
# 行动计划, 实施办法 … end with one of these. The second line holds the other kinds of 公文
# (党政机关公文处理工作条例).
DOC_TYPES = ("意见", "方案", "规划", "纲要", "计划", "办法", "条例", "规定", "决定", "通知",
             "决议", "公告", "通告", "通报", "报告", "批复", "纪要", "函")
# Every word a title may end with: the types above, and genre words of type 其他.
GENRE_WORDS = DOC_TYPES + ("细则", "规则", "要点", "指南", "愿景与行动")
