"""Highlighting marks the longest match in the original text, HTML-escaped."""
from __future__ import annotations

from indexer.present import highlight, match_spans, snippet


def test_longest_overlapping_match_is_marked_once():
    assert highlight("马克思主义", ["马克", "马克思"]) == "<mark>马克思</mark>主义"


def test_overlapping_terms_merge():
    assert highlight("科技成果转化", ["科技成果", "成果转化"]) == "<mark>科技成果转化</mark>"


def test_match_across_a_wrap_and_full_width_marks_the_original():
    assert highlight("世界一流大学和\n一流学科", ["世界一流大学和一流学科"]) == \
        "<mark>世界一流大学和\n一流学科</mark>"
    assert highlight("发展ＡＩ技术", ["ai"]) == "发展<mark>ＡＩ</mark>技术"
    assert highlight("推進產教融合", ["产教融合"]) == "推進<mark>產教融合</mark>"


def test_text_is_html_escaped():
    assert highlight("<b>人工智能</b> & AI", ["ai"]) == "&lt;b&gt;人工智能&lt;/b&gt; &amp; <mark>AI</mark>"


def test_latin_term_is_not_marked_inside_a_word():
    assert match_spans("said AI", ["ai"]) == [(5, 7)]


def test_snippet_is_a_window_around_the_first_match():
    text = "甲" * 300 + "基础研究" + "乙" * 300
    out = snippet(text, ["基础研究"], width=120)
    assert out.startswith("…") and out.endswith("…")
    assert "<mark>基础研究</mark>" in out
    assert len(out.replace("<mark>", "").replace("</mark>", "")) == 122


def test_snippet_without_match_starts_at_the_beginning():
    assert snippet("短文本", ["无"], width=120) == "短文本"
    assert snippet("长" * 200, [], width=10) == "长" * 10 + "…"


def test_snippet_shows_every_matched_term_in_windows_of_its_own():
    """Two terms 400 characters apart: one window each, joined by …, both marked."""
    text = "甲" * 300 + "基础研究" + "乙" * 400 + "人才评价" + "丙" * 300
    out = snippet(text, ["基础研究", "人才评价"], width=120)
    assert "<mark>基础研究</mark>" in out and "<mark>人才评价</mark>" in out
    assert out.count("…") == 3
    assert len(out.replace("<mark>", "").replace("</mark>", "")) <= 2 * 120


def test_snippet_keeps_one_window_when_the_terms_are_close():
    text = "甲" * 300 + "基础研究和人才评价" + "乙" * 300
    out = snippet(text, ["基础研究", "人才评价"], width=120)
    assert out.count("…") == 2 and "<mark>人才评价</mark>" in out
