"""Normalisation, matching and tokenizers shared by the index and the query side."""
from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opencc import OpenCC

from indexer import analysis, config
from indexer.aliases import config_file


@pytest.mark.parametrize("raw, expected", [
    ("ＡＩ与５Ｇ", "ai与5g"),                      # full width → half width, casefold
    ("產教融合", "产教融合"),                       # traditional → simplified
    ("国发〔2015〕 64 号", "国发〔2015〕64号"),      # a wrap space inside a 文号
    ("世界一流大学和\n一流学科", "世界一流大学和一流学科"),
    ("2017年 1月 24日", "2017年1月24日"),
    ("STS  Network", "sts network"),              # Latin words stay apart
    ("Science for\nPolicy", "science for policy"),
    ("\u3000基础研究 ", "基础研究"),               # ideographic space
])
def test_normalize(raw, expected):
    assert analysis.normalize(raw) == expected


def test_offsets_point_at_original_characters():
    raw = "ＡＩ 和\n產教融合"
    norm, offsets = analysis.normalize_with_offsets(raw)
    assert norm == "ai和产教融合"
    assert [raw[i] for i in offsets] == list("ＡＩ和產教融合")


def test_latin_term_does_not_match_inside_a_longer_word():
    assert not analysis.contains("he said so", "ai")
    assert analysis.contains("ai技术", "ai")
    assert analysis.contains("发展ai", "ai")
    assert analysis.find_all("ai and said ai", "ai") == [(0, 2), (12, 14)]


def test_cjk_and_digit_terms_match_anywhere():
    assert analysis.contains("到2030年", "2030")
    assert analysis.contains("世界一流学科", "一流学科")
    assert analysis.find_all("基础基础", "基础") == [(0, 2), (2, 4)]


def test_bigrams_overlap_and_skip_punctuation():
    assert analysis.bigrams("基础研究") == ["基础", "础研", "研究"]
    assert analysis.bigrams("国发〔2015〕") == ["国发", "20", "01", "15"]
    assert analysis.bigrams("sts network") == ["st", "ts", "ne", "et", "tw", "wo", "or", "rk"]
    assert analysis.bigrams("研") == [] and analysis.bigrams("") == []


def test_words_use_the_policy_dictionary(tmp_path):
    analysis.configure_jieba(config_file(config.corpus_dir(), "userdict.txt"), tmp_path)
    assert "双一流" in analysis.words("统筹推进双一流建设")
    assert "科创中国" in analysis.words("实施科创中国行动")
    assert "，" not in analysis.words("科技，教育")


def test_tokenizers_emit_positions():
    tokens = [(t.text, t.pos) for t in analysis.BigramTokenizer()("研究所", positions=True)]
    assert tokens == [("研究", 0), ("究所", 1)]


def test_lone_surrogates_are_dropped():
    assert analysis.normalize("基础\ud800研究") == "基础研究"


def reference_normalize(text: str) -> tuple[str, list[int]]:
    """The normaliser's definition, one character at a time (slow, obviously right)."""
    chars, offsets, pending_space = [], [], False
    for i, original in enumerate(text):
        folded = "" if "\ud800" <= original <= "\udfff" else \
            unicodedata.normalize("NFKC", original).casefold()
        if not folded.strip():
            pending_space = True
            continue
        if pending_space and chars and re.match("[0-9a-z]", chars[-1]) and re.match("[0-9a-z]", folded[0]):
            chars.append(" ")
            offsets.append(i - 1)
        pending_space = False
        for c in folded:
            if not c.isspace():
                chars.append(c)
                offsets.append(i)
    return OpenCC("t2s").convert("".join(chars)), offsets


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("AIai5G 　\n\t產教融合基础研究ＡＩ（）ﬁé\u0301\ud800¨")) | st.characters(),
               max_size=40))
def test_normalize_matches_its_definition(text):
    assert analysis.normalize_with_offsets(text) == reference_normalize(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ9 \n\t\u3000Ａ１產教融合，、ﬁ㈠\u00a0x·")) | st.characters()))
def test_fast_normalisation_path_equals_the_per_character_one(text):
    """normalize_with_offsets translates whitespace-free runs in C; the result must be exactly
    what folding character by character gives, offsets included."""
    assert analysis.normalize_with_offsets(text) == analysis._normalize_per_character(text)


def test_only_whitespace_and_lone_surrogates_fold_to_nothing():
    """original_spans relies on it: with surrogates ruled out, equal lengths mean that every
    character outside whitespace folded to exactly one."""
    empty = [c for c in map(chr, range(0x110000)) if not analysis._FOLD[c]]
    assert all(c.isspace() or "\ud800" <= c <= "\udfff" for c in empty)


def check_original_spans(text: str) -> bool:
    normalized, offsets = analysis.normalize_with_offsets(text)
    spans = [(i, j) for i in range(len(normalized)) for j in range(i + 1, min(len(normalized), i + 4) + 1)]
    mapped = analysis.original_spans(text, normalized, spans)
    if mapped is not None:
        assert mapped == [(offsets[i], offsets[j - 1] + 1) for i, j in spans]
    assert analysis.original_spans(text, normalized + "x", spans) is None
    return mapped is not None


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ9 \n\r\t\u3000Ａ１產教融合，、“”（）é\u00a0x·…ﬁ㈠\ud800")) | st.characters(),
               max_size=30))
def test_original_spans_map_as_the_normaliser_offsets_do(text):
    check_original_spans(text)


def test_original_spans_map_typical_clause_text_without_normalising():
    for text in ["第一条 为了加强基础研究，制定本办法。\n第二段  AI 与 5G", "一、 总体要求\r\n  ＡＩ\n\nB",
                 " 前后空白 ", "產教融合", ""]:
        assert check_original_spans(text), text
    for text in ["省略……号", "基础\ud800研究", "ﬁ AI"]:     # folds to several or to nothing: None
        assert not check_original_spans(text), text
