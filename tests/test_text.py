"""indexer/text.py: the one rule for web addresses (原文网址, attachments, saved-page sources),
and display widths."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.text import display_width, web_address


@pytest.mark.parametrize("given, kept", [
    ("https://www.gov.cn/zhengce/content/2017-07/20/content_5211996.htm",
     "https://www.gov.cn/zhengce/content/2017-07/20/content_5211996.htm"),
    ("  HTTP://www.most.gov.cn/a.pdf \n", "HTTP://www.most.gov.cn/a.pdf"),   # stripped, any case
    ("javascript:alert(1)", ""),
    ("file:///C:/Users/a/通知.html", ""),
    ("about:blank", ""),
    ("/zhengce/a.pdf", ""),                 # page-relative: would point into this site
    ("//www.gov.cn/a.pdf", ""),             # no scheme
    ("https://", ""),                       # no host
    ("http://[bad", ""),                    # urlsplit refuses it (was a 500 on the page)
    ("https://www.gov.cn/a b.pdf", ""),     # whitespace inside
    ("httpfoo://x", ""),
    ("", ""),
    (None, ""),
])
def test_web_address(given, kept):
    assert web_address(given) == kept


@pytest.mark.parametrize("text, width", [
    ("", 0), ("abc", 3), ("中文", 4), ("一、总体要求", 12), ("（一）", 6), ("ＡＢ", 4),
    ("2017年", 6), ("ｱ", 1),                 # half-width katakana is narrow
])
def test_display_width(text, width):
    assert display_width(text) == width


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_display_width_counts_wide_characters_twice(text):
    assert display_width(text) == sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
