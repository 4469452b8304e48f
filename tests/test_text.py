"""indexer/text.py: the one rule for web addresses (原文网址, attachments, saved-page sources)."""
from __future__ import annotations

import pytest

from indexer.text import web_address


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
