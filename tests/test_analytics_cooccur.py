"""Co-occurrence: G² against the collection, query terms excluded, stored word sets, matrix."""
from __future__ import annotations

import csv
import io
import json
import math

import pytest

from analytics_support import clause, document, engine_matches
from indexer import config
from indexer.analysis import configure_jieba
from indexer.analytics.cooccur import (WordStats, cooccurrence, cooccurrence_csv,
                                       cooccurrence_matrix, g2, load_stopwords, matrix_csv,
                                       word_set)
from indexer.records import SearchRequest
from indexer.search import Engine


@pytest.fixture(scope="module", autouse=True)
def jieba_dictionary(tmp_path_factory):
    configure_jieba(config.REPO / "corpus" / "config" / "userdict.txt",
                    tmp_path_factory.mktemp("jieba"))


def stats_of(sets: dict[str, set[str]]) -> WordStats:
    return WordStats.assemble(((("d", k), " ".join(sorted(v))) for k, v in sets.items()), frozenset())


def pairs(keys):
    d = document("d", [clause(k, "") for k in keys])
    return [(d, c) for c in d.clauses]


def test_g2_matches_the_textbook_formula():
    a, matched, with_word, total = 8, 10, 20, 100
    cells = [(8, 10 * 20 / 100), (2, 10 * 80 / 100), (12, 90 * 20 / 100), (78, 90 * 80 / 100)]
    assert g2(a, matched, with_word, total) == pytest.approx(2 * sum(o * math.log(o / e) for o, e in cells))
    assert g2(2, 10, 20, 100) == 0.0          # under-represented: not a co-occurring word


def test_scores_rank_specific_words_and_skip_query_terms():
    sets = {f"m{i}": {"基础研究", "基础", "前沿", "工作"} for i in range(5)}
    sets.update({f"o{i}": {"工作", "其他"} for i in range(20)})
    sets["o0"] |= {"前沿"}
    stats = stats_of(sets)
    result = cooccurrence("基础研究", pairs([f"m{i}" for i in range(5)]), ["基础研究"], stats,
                          min_count=3)
    assert result.clauses == 5
    assert [t.term for t in result.terms] == ["前沿"]     # 工作 is everywhere; 基础 is the query
    assert result.terms[0].count == 5
    assert result.terms[0].score == round(g2(5, 5, 6, 25), 3)
    assert list(result.to_json()) == ["query", "clauses", "terms"]
    assert list(result.to_json()["terms"][0]) == ["term", "count", "score"]
    assert cooccurrence("x", pairs(["m0", "m1"]), [], stats, min_count=3).terms == []
    rows = list(csv.reader(io.StringIO(cooccurrence_csv(result))))
    assert rows[0] == ["词", "共现条款数", "对数似然比G²"] and rows[1][0] == "前沿"


def test_word_sets_drop_stopwords_short_words_and_numbers():
    words = word_set("进一步加强基础研究，2035年实现1个目标", frozenset({"进一步"}))
    assert "基础研究" in words and "进一步" not in words
    assert not any(len(w) < 2 or w.isdigit() for w in words)


@pytest.mark.parametrize("chunk", [1, 2, 3, 20_000])
def test_json_parts_are_json_dumps_of_the_stats_byte_for_byte(chunk):
    stats = stats_of({f"{k}\n\"": {"人才", "评价", f"词{k}"} for k in range(7)})
    assert "".join(stats.json_parts(chunk)) == json.dumps(stats.to_json(), ensure_ascii=False)
    empty = stats_of({})
    assert "".join(empty.json_parts(chunk)) == json.dumps(empty.to_json(), ensure_ascii=False)


def test_stopwords_come_from_the_corpus_config(tmp_path):
    assert "进一步" in load_stopwords(tmp_path)          # no own file: the shipped list
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "stopwords.txt").write_text("# 注释\n工作  # 太泛\n\n", encoding="utf-8")
    assert load_stopwords(tmp_path) == frozenset({"工作"})


def test_stats_survive_json_and_segment_unknown_clauses():
    stats = stats_of({"1": {"人才", "评价"}, "2": {"人才"}})
    again = WordStats.from_json(json.loads(json.dumps(stats.to_json())))
    assert again.vocabulary == stats.vocabulary and again.clause_words == stats.clause_words
    assert dict(zip(again.vocabulary, again.frequency)) == {"人才": 2, "评价": 1}
    d = document("new", [clause("1", "人才评价制度改革")])
    assert "制度" in again.words_of(d, d.clauses[0])


def test_matrix_counts_and_ochiai():
    stats = stats_of({"1": {"甲", "乙"}, "2": {"甲"}, "3": {"甲", "乙", "丙"}, "4": {"丙"}})
    matrix = cooccurrence_matrix(pairs(["1", "2", "3", "4"]), ["甲", "乙", "丙"], stats)
    assert matrix.counts == [[3, 2, 1], [2, 2, 1], [1, 1, 2]]
    assert matrix.ochiai()[0][1] == round(2 / math.sqrt(3 * 2), 4) and matrix.ochiai()[2][2] == 1.0
    rows = list(csv.reader(io.StringIO(matrix_csv(matrix, ochiai=True))))
    assert rows[0] == ["词", "甲", "乙", "丙"] and rows[1] == ["甲", "1.0", "0.8165", "0.4082"]


@pytest.fixture(scope="module")
def real(built_index):
    engine = Engine(built_index)
    return engine, WordStats.build(engine.documents(), load_stopwords())


def test_real_corpus_terms_and_matrix_agree_with_the_word_sets(real):
    engine, stats = real
    matches, terms, total = engine_matches(engine, SearchRequest(q="基础研究"))
    result = cooccurrence("基础研究", matches, terms, stats)
    assert result.clauses == total and result.terms
    assert all(not ("基础研究" in t.term or t.term in "基础研究") for t in result.terms)
    scores = [t.score for t in result.terms]
    assert scores == sorted(scores, reverse=True)
    sets = [set(stats.words_of(d, c)) for d, c in matches]
    for t in result.terms[:10]:
        assert t.count == sum(t.term in s for s in sets) >= 3
    chosen = [t.term for t in result.terms[:8]]
    matrix = cooccurrence_matrix(matches, chosen, stats)
    for i, x in enumerate(chosen):
        for j, y in enumerate(chosen):
            assert matrix.counts[i][j] == sum(x in s and y in s for s in sets)


def test_parallel_build_gives_the_same_stats(real):
    from indexer.pipeline import parallel_map
    engine, stats = real
    with parallel_map(2) as map_each:
        again = WordStats.build(engine.documents(), load_stopwords(), map_each=map_each)
    assert again.to_json() == stats.to_json()
