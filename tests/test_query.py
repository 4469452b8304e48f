"""The query language: terms, quotes, exclusion, OR, hostile input."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.query import MAX_QUERY_CHARS, MAX_TERMS, parse, sentence_words
from indexer.records import QueryError


def texts(parsed):
    return [[t.text for t in g] for g in parsed.groups], [t.text for t in parsed.excluded]


def test_terms_are_anded():
    assert texts(parse("基础研究  人才")) == ([["基础研究"], ["人才"]], [])


@pytest.mark.parametrize("q", ['"人工 智能"', "“人工智能”", "「人工智能」"])
def test_quotes_make_one_exact_term(q):
    parsed = parse(q)
    assert texts(parsed) == ([["人工智能"]], [])
    assert parsed.groups[0][0].quoted


def test_exclusion_and_or():
    assert texts(parse("科技 -军民融合")) == ([["科技"]], ["军民融合"])
    assert texts(parse("双一流 OR 一流学科 人才")) == ([["双一流", "一流学科"], ["人才"]], [])
    assert texts(parse("双一流|一流学科")) == ([["双一流", "一流学科"]], [])
    assert texts(parse('-"人工智能"')) == ([], ["人工智能"])


def test_syntax_characters_are_ignored():
    assert texts(parse("(基础研究 OR 应用研究) 人才*")) == ([["基础研究", "应用研究"], ["人才"]], [])


@pytest.mark.parametrize("q", ['"', '"人工', "-", "*", "( )", "OR", "|", "\x00\x1b\u200b",
                               "🙂", "AND NOT", "title:人工", "基础研究~2", "+-+", "“", "」"])
def test_hostile_queries_parse(q):
    parse(q)    # no exception


def test_unbalanced_quote_runs_to_the_end():
    assert texts(parse('科技 "人工智能')) == ([["科技"], ["人工智能"]], [])


def test_control_characters_separate_terms():
    assert texts(parse("基础\x00研究")) == ([["基础"], ["研究"]], [])


def test_limits_raise_query_error():
    with pytest.raises(QueryError, match="200"):
        parse("研" * 10_000)
    with pytest.raises(QueryError, match=str(MAX_TERMS)):
        parse(" ".join(f"词{i}" for i in range(MAX_TERMS + 1)))
    parse("研" * MAX_QUERY_CHARS)


def test_sentence_words_drop_question_words_and_particles():
    words = sentence_words("中央高校建设一流学科的经费由谁支持？")
    assert "经费" in words and "支持" in words
    assert not {"的", "由", "谁", "？", "?"} & set(words)


def test_sentence_is_only_a_single_unquoted_run():
    assert parse("经费由谁支持").sentence() is not None
    assert parse('"经费由谁支持"').sentence() is None
    assert parse("经费 支持").sentence() is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('"“”「」-－|｜()*?:~^ \t\n\x00\u200bOR人工智能AIai🙂')) | st.characters(),
               max_size=250))
def test_any_text_parses_or_raises_query_error(q):
    try:
        parsed = parse(q)
    except QueryError as error:
        assert str(error)
        return
    assert all(t.text for g in parsed.groups for t in g)


def test_full_width_brackets_are_text():
    assert texts(parse("（一）")) == ([["(一)"]], [])


# --- operators, fields and fallback words (issue 11) --------------------------------------------

@pytest.mark.parametrize("q, expected", [
    ("基础研究 AND 人才", ([["基础研究"], ["人才"]], [])),
    ("基础研究 and 人才", ([["基础研究"], ["人才"]], [])),
    ("基础研究 与 人才", ([["基础研究"], ["人才"]], [])),
    ("基础研究 并且 人才", ([["基础研究"], ["人才"]], [])),
    ("双一流 or 一流学科", ([["双一流", "一流学科"]], [])),
    ("双一流 Or 一流学科", ([["双一流", "一流学科"]], [])),
    ("双一流 或 一流学科", ([["双一流", "一流学科"]], [])),
    ("科技 NOT 军民融合", ([["科技"]], ["军民融合"])),
    ("科技 not 军民融合", ([["科技"]], ["军民融合"])),
    ("科技 非 军民融合", ([["科技"]], ["军民融合"])),
    ("科技 不含 军民融合", ([["科技"]], ["军民融合"])),
    ("产学研与产教融合", ([["产学研与产教融合"]], [])),        # 与 inside a word is text
    ("国家或地方", ([["国家或地方"]], [])),
])
def test_operators_in_any_case_and_in_chinese(q, expected):
    assert texts(parse(q)) == expected


@pytest.mark.parametrize("q, field, value", [
    ("标题:人工智能", "标题", "人工智能"), ("标题：人工智能", "标题", "人工智能"),
    ('标题:"人工 智能"', "标题", "人工智能"), ("文号:国发〔2018〕4号", "文号", "国发〔2018〕4号"),
    ("牵头部门:科技促进发展局", "牵头部门", "科技促进发展局"), ("机关: 教育部", "机关", "教育部"),
])
def test_field_prefixes(q, field, value):
    term = parse(q).groups[0][0]
    assert (term.field, term.value) == (field, value)
    assert term.text == field + value.replace(" ", "")      # read as text if no such field


@pytest.mark.parametrize("sentence, words", [
    ("元宇宙", []), ("第16条", []), ("2035年远景目标", ["2035", "远景", "目标"]),
])
def test_fallback_words_are_never_single_characters_or_short_numbers(sentence, words):
    assert set(sentence_words(sentence)) <= set(words)
