"""The hex encoding and the SphinxQL compilation, without a cluster: a term's tokens occur
consecutively in a clause's tokens exactly when analysis.contains says it is there, and no user
character ever reaches MATCH."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer import analysis
from indexer.backends.base import FilterSpec, MatchSpec
from indexer.sphinx import cluster, encode

# Letters, digits, CJK, the space normalisation keeps, and the punctuation of the awkward strings.
ALPHABET = st.sampled_from(list("aisdg5 人工智能科技〔〕()\"'\\@!^$|&-+年号"))
texts = st.text(ALPHABET, max_size=30).map(analysis.normalize)
terms = st.text(ALPHABET, min_size=1, max_size=6).map(analysis.normalize).filter(bool)


def occurs(haystack: list[str], needle: list[str]) -> bool:
    return any(haystack[i:i + len(needle)] == needle for i in range(len(haystack) - len(needle) + 1))


def phrase_matches(text: str, term: str) -> bool:
    """What Sphinx does with our phrase: consecutive tokens in the unigram or bigram field."""
    text_codes, term_codes = encode.char_codes(text), encode.char_codes(term)
    if len(term_codes) == 1:
        return term_codes[0] in text_codes
    return occurs(encode.bigram_tokens(text_codes), encode.bigram_tokens(term_codes))


@settings(max_examples=400, deadline=None)
@given(text=texts, term=terms)
def test_phrase_of_tokens_is_exactly_substring_match(text, term):
    assert phrase_matches(text, term) == analysis.contains(text, term)


@pytest.mark.parametrize("text, term, expected", [
    ("he said so", "ai", False),          # a Latin term never continues a longer word
    ("ai 芯片", "ai", True), ("5g网络", "5g", True), ("5gx", "5g", False),
    ("sts network", "sts network", True), ("r&d", "r&d", True), ("a\\b", "a\\b", True),
    ("哈哈哈", "哈哈", True), ("〔2017〕35号", "〔2017〕35号", True), ("科技", "技科", False),
])
def test_awkward_examples(text, term, expected):
    assert phrase_matches(text, term) == analysis.contains(text, term) == expected


def test_letter_tokens_carry_word_edges():
    assert encode.char_codes("said ai") == ["73g", "61", "69", "64h", "20", "61g", "69h"]
    assert encode.char_codes("人") == ["4eba"]


@settings(max_examples=300, deadline=None)
@given(groups=st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=3), max_size=4),
       excluded=st.lists(st.text(max_size=12), max_size=2), partial=st.booleans(),
       in_context=st.booleans(), ranked=st.booleans())
def test_no_user_character_reaches_match(groups, excluded, partial, in_context, ranked):
    spec = MatchSpec(groups=tuple(tuple(analysis.normalize(s) for s in g) for g in groups),
                     excluded=tuple(analysis.normalize(s) for s in excluded),
                     partial=partial, in_context=in_context)
    compiled = encode.compile_match(spec, ranked)
    assert encode._SAFE_MATCH.fullmatch(compiled)
    assert compiled.count('"') % 2 == 0 and compiled.count("(") == compiled.count(")")


@settings(max_examples=400, deadline=None)
@given(text=texts, group=st.lists(terms, min_size=1, max_size=4))
def test_a_group_without_its_subsumed_terms_matches_the_same_clauses(text, group):
    kept = encode._without_subsumed(list(dict.fromkeys(group)))
    assert kept and set(kept) <= set(group)
    assert any(phrase_matches(text, t) for t in kept) == any(phrase_matches(text, t) for t in group)


@pytest.mark.parametrize("group, kept", [
    (["科技成果转化", "成果转化", "科技成果转移转化"], ["成果转化", "科技成果转移转化"]),
    (["人才", "人"], ["人"]),
    (["ai", "said"], ["ai", "said"]),          # `ai` is not a word inside `said`
    (["ai芯片", "ai"], ["ai"]),
    (["高校", "高等学校"], ["高校", "高等学校"]),
])
def test_subsumed_terms_are_told_by_tokens(group, kept):
    assert encode._without_subsumed(group) == kept


def test_unranked_match_drops_what_only_ranks():
    spec = MatchSpec(groups=(("科技成果转化", "成果转化"), ("人",)), partial=True, in_context=True)
    ranked, unranked = encode.compile_match(spec), encode.compile_match(spec, ranked=False)
    # The heading is a field of the ranked phrases (bigram terms only: it holds bigrams).
    assert ranked.count("@(body2,context,heading)") == 2 and "@(body,context1) " in ranked
    assert "@marks" in ranked and "8f6cx5316" in ranked
    assert "heading" not in unranked and "@marks" not in unranked
    assert "79d1x6280" in ranked and "79d1x6280" not in unranked      # 科技… covered by 成果转化
    assert unranked == '(((@(body2,context) "6210x679c 679cx8f6c 8f6cx5316")) | ((@(body,context1) "4eba")))'


def test_pure_not_uses_the_sentinel():
    assert encode.compile_match(MatchSpec(groups=(), excluded=("人",))) == '(@body zz) -(@body "4eba")'
    assert encode.compile_match(MatchSpec(groups=())) == "(@body zz)"


def test_filters_are_integers_and_unknown_names_match_nothing():
    tables = encode.NameTables(issuers=("国务院", "教育部"), themes=("人工智能",), types=("意见",),
                               documents=("gf-2018-4",))
    where = encode.compile_where(FilterSpec(
        issuers=frozenset({"教育部", "无此机关"}), themes=frozenset({"x'); DROP"}),
        doc_types=frozenset({"意见"}), years=frozenset({2017, -5, 10**9}),
        date_lo="2017-01-01", date_hi="2018-12-31", doc_id="gf-2018-4"), tables)
    assert where == ["issuers IN (2)", f"themes IN ({encode.NO_SUCH_ID})", "doctype IN (1)",
                     "year IN (2017)", "docid IN (1)", "date_first >= 1",
                     "date_last >= 20170101", "date_first <= 20181231"]


@pytest.mark.parametrize("value", ["", "mysql://h:1/x", "sphinxql://h/x", "sphinxql://h:1/",
                                   "sphinxql://h:99999/x", "sphinxql://h:1/x;drop"])
def test_bad_backend_urls_are_refused(value):
    with pytest.raises(ValueError):
        cluster.parse_backend_url(value)


def test_backend_url_round_trips_and_env_unset_means_whoosh():
    url = cluster.parse_backend_url("sphinxql://127.0.0.1:9306/cesou")
    assert (url.host, url.port, url.index, str(url)) == ("127.0.0.1", 9306, "cesou",
                                                        "sphinxql://127.0.0.1:9306/cesou")
    assert cluster.backend_from_env({}) is None
    assert cluster.backend_from_env({"CESOU_BACKEND": str(url)}) == url
