"""The search API on a small hand-made corpus (each pattern) and on the real corpus."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer import index, pipeline
from indexer.analysis import normalize
from indexer.index import clause_text
from indexer.records import (BuildWarning, Clause, Corpus, Document, QueryError,
                             SearchRequest)
from indexer.search import Engine, IndexNotFound


def clause(id, label, text, parent=None, heading="", themes=()):
    return Clause(id=id, label=label, heading=heading, text=text, parent=parent,
                  kind="article", themes=list(themes))


SMALL = Corpus(documents=[
    Document(id="banfa", title="统筹推进世界一流大学和一流学科建设实施办法", doc_number="教研〔2017〕2号",
             issuers=["教育部", "财政部", "国家发展改革委"], date="2017-01-24", doc_type="办法",
             source="a.txt", clauses=[
                 clause("ch-1", "第一章", "", heading="总则"),
                 clause("art-1", "第一条", "为加快建设世界一流大学和一流学科，加强基础研究。",
                        parent="ch-1", themes=["高校"]),
                 clause("art-16", "第十六条", "中央高校建设世界一流大学和一流学科所需经费由中央财政支持。",
                        parent="ch-1", themes=["经费"]),
                 clause("art-17", "第十七条", "地方高校由地方政府统筹支持。AI 芯片。", parent="ch-1"),
             ]),
    Document(id="guihua", title="新一代人工智能发展规划", doc_number="国发〔2017〕35号",
             issuers=["国务院"], date="2017-07", doc_type="规划", source="b.txt", clauses=[
                 clause("1", "一、", "推动人工智能与基础研究融合，深化产教融合。", heading="总体要求",
                        themes=["人工智能"]),
                 clause("1.1", "（一）", "中国科学院牵头，TWAS 参与，5G 网络到2030年覆盖。", parent="1",
                        themes=["人工智能", "国际合作"]),
                 clause("1.2", "（二）", "he said the plan was done; 知识产权保护。", parent="1"),
             ]),
    Document(id="yijian", title="关于深化科技体制改革的意见", doc_number="",
             issuers=["中共中央", "国务院"], date="2015-03-13", doc_type="意见", source="c.txt",
             clauses=[clause("1", "一、", "科技成果转移转化，军民融合，基础研究。", themes=["成果转化"])]),
], aliases={"yijian-copy": "yijian"}, warnings=[BuildWarning(source="c.txt", message="example warning")])


@pytest.fixture(scope="module")
def small(tmp_path_factory, corpus_dir):
    folder = tmp_path_factory.mktemp("small-index")
    with index.build_lock(folder):
        index.publish(SMALL, corpus_dir, folder)
    return Engine(folder)


def ids(result):
    return [(h.doc_id, h.clause_id) for h in result.hits]


def run(engine, q="", **filters):
    return engine.search(SearchRequest(q=q, **filters))


def test_word_finds_exactly_the_clauses_containing_it(small):
    assert sorted(ids(run(small, "基础研究"))) == [("banfa", "art-1"), ("guihua", "1"), ("yijian", "1")]


def test_word_jieba_splits_differently_still_matches(small):
    assert run(small, "一流学科").total == 2


def test_single_character_matches_last_character_too(small):
    assert ("banfa", "art-16") in ids(run(small, "持"))


def test_exclusion(small):
    assert sorted(ids(run(small, "基础研究 -人工智能"))) == [("banfa", "art-1"), ("yijian", "1")]


def test_or(small):
    assert sorted(ids(run(small, "经费 OR 知识产权"))) == [("banfa", "art-16"), ("guihua", "1.2")]


def test_synonyms_expand_and_are_reported(small):
    result = run(small, "双一流")
    assert result.total == 2 and "世界一流大学和一流学科" in result.expansions
    assert run(small, "中科院").total == 1
    assert ("yijian", "1") in ids(run(small, "成果转化"))


def test_quoted_phrase_is_not_expanded(small):
    assert run(small, '"双一流"').total == 0


def test_traditional_query_finds_simplified_text(small):
    assert ids(run(small, "產教融合")) == [("guihua", "1")]


def test_latin_and_numbers(small):
    assert ids(run(small, "TWAS")) == [("guihua", "1.1")]
    assert ids(run(small, "5g")) == [("guihua", "1.1")]
    assert ids(run(small, "2030年")) == [("guihua", "1.1")]
    # AI expands to 人工智能 but never matches inside "said"
    assert ("guihua", "1.2") not in ids(run(small, "AI"))
    assert ("banfa", "art-17") in ids(run(small, "AI"))


def test_question_falls_back_to_its_words(small):
    result = run(small, "中央高校建设一流学科的经费由谁支持？")
    assert ids(result)[0] == ("banfa", "art-16")
    assert result.notice


def test_partial_matches_when_nothing_has_all_terms(small):
    result = run(small, "经费 TWAS 中央财政")
    assert result.partial and result.notice
    assert ids(result)[0] == ("banfa", "art-16")     # has two of the three terms


def test_filters_or_inside_and_across(small):
    assert run(small, issuers=["国务院"]).total == 4
    assert run(small, issuers=["国务院"], years=[2015]).total == 1
    assert run(small, years=[2015, 2017]).total == 8
    assert run(small, issuers=["发改委"]).total == 4        # alias of an issuer
    assert run(small, themes=["人工智能"]).total == 2
    assert run(small, doc_types=["规划", "意见"]).total == 4
    assert run(small, doc_id="yijian-copy").total == 1


def test_date_range(small):
    assert run(small, date_from="2017").total == 7
    assert run(small, date_from="2017-02", date_to="2017-07").total == 3
    assert run(small, date_to="2017-07-01").total == 8    # a month-only date overlaps the range
    with pytest.raises(QueryError):
        run(small, date_from="2018", date_to="2017")
    with pytest.raises(QueryError):
        run(small, date_from="2017-13")


@pytest.mark.parametrize("paging", [{"page": 0}, {"per_page": 0}, {"per_page": 101}, {"sort": "x"}])
def test_bad_paging_raises_query_error(small, paging):
    with pytest.raises(QueryError):
        run(small, "基础", **paging)


def test_paging_and_date_sort(small):
    everything = run(small, per_page=100)
    pages = [h for p in (1, 2, 3) for h in run(small, page=p, per_page=3).hits]
    assert [h.clause_id for h in pages] == [h.clause_id for h in everything.hits]
    dates = [h.date for h in run(small, "基础研究", sort="date").hits]
    assert dates == sorted(dates, reverse=True)


def test_facets_count_all_matches(small):
    result = run(small, "基础研究", per_page=1)
    assert result.total == 3 and len(result.hits) == 1
    facets = {name: {f.value: f.count for f in values} for name, values in result.facets.items()}
    assert facets["issuer"] == {"国务院": 2, "教育部": 1, "财政部": 1, "国家发展改革委": 1, "中共中央": 1}
    assert facets["year"] == {"2015": 1, "2017": 2}
    assert [f.value for f in result.facets["year"]] == ["2015", "2017"]
    assert facets["theme"] == {"高校": 1, "人工智能": 1, "成果转化": 1}


def test_hit_has_breadcrumb_and_highlighted_snippet(small):
    hit = run(small, "经费").hits[0]
    assert hit.breadcrumb == ["第一章 总则"]
    assert "<mark>经费</mark>" in hit.snippet
    assert hit.doc_title and hit.date == "2017-01-24" and hit.score > 0


def test_documents_and_aliases(small):
    assert [d.id for d in small.documents()] == ["banfa", "guihua", "yijian"]
    assert small.canonical_id("yijian-copy") == "yijian"
    assert small.canonical_id("yijian") == "yijian"
    assert small.canonical_id("nope") is None
    assert small.document("yijian-copy").id == "yijian"
    assert small.clause("banfa", "art-16").label == "第十六条"
    assert small.clause("banfa", "art-99") is None


def test_related_prefers_other_documents(small):
    related = small.related("banfa", "art-1", limit=3)
    assert related and ("banfa", "art-1") not in [(h.doc_id, h.clause_id) for h in related]
    other = [h.doc_id != "banfa" for h in related]
    assert other == sorted(other, reverse=True)


def test_iter_all_yields_every_hit(small):
    assert len(list(small.iter_all(SearchRequest(q="基础研究", per_page=1)))) == 3


@pytest.mark.parametrize("q", ['"人工', "title:x", "-基础研究", "基础研究 AND"])
def test_hostile_queries_return_a_result(small, q):
    assert run(small, q).total >= 0


@pytest.mark.parametrize("q", ['"', "-", "*", "(", "OR", "or", "或", "\x00\x07", "🙂🙂", "“",
                               "AND OR NOT", "与 非", "标题:"])
def test_a_query_with_nothing_searchable_says_so(small, q):
    """Not the whole corpus: a message that there is nothing to search for."""
    with pytest.raises(QueryError, match="没有可检索的词语"):
        run(small, q)


@settings(max_examples=150, deadline=None)
@given(q=st.text(alphabet=st.sampled_from(list('"“-|()*人工智能基础研究AI 🙂\x00')) | st.characters(),
                 max_size=60))
def test_any_query_returns_a_result_or_a_query_error(small, q):
    try:
        result = run(small, q)
    except QueryError:
        return
    assert result.total == len(list(small.iter_all(SearchRequest(q=q))))


def test_overlong_query_is_a_query_error(small):
    with pytest.raises(QueryError):
        run(small, "研" * 10_000)


def test_missing_index_is_a_clear_error(tmp_path):
    with pytest.raises(IndexNotFound, match="make build"):
        Engine(tmp_path)


# --- the real corpus ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def engine(built_index):
    return Engine(built_index)


@pytest.fixture(scope="module")
def clause_texts(corpus_dir):
    """(document id, clause id, normalised label+heading+text) straight from the pipeline: the
    truth the engine's answers are checked against."""
    corpus = pipeline.build_corpus(corpus_dir)
    return [(d.id, c.id, normalize(clause_text(c))) for d in corpus.documents for c in d.clauses]


WORDS = ["基础研究", "一流学科", "人工智能", "科技成果转化", "知识产权", "国家重点实验室", "创新",
         "人才", "科普", "经费", "评价", "党组", "军民融合", "产教融合", "国际合作", "科协",
         "实验室", "平台", "院士", "研究生"]
PHRASES = ['"世界一流大学和一流学科"', '"国发〔2015〕64号"', '"新一代人工智能发展规划"',
           '"科技成果转移转化"', '"国家技术转移体系"', '"大众创业、万众创新"',
           '"牵头院领导"', '"中国科学院"', '"重大科技基础设施"', '"以国际同行评价为主要评价方式"',
           '"2030年"', '"〔2017〕"', '"。"']


@pytest.mark.parametrize("q", [f'"{w}"' for w in WORDS] + PHRASES)
def test_hit_count_equals_clauses_containing_the_string(engine, clause_texts, q):
    term = normalize(q.strip('"'))
    truth = {(d, c) for d, c, text in clause_texts if term in text}
    assert truth and engine.search(SearchRequest(q=q)).total == len(truth)
    assert {(h.doc_id, h.clause_id) for h in engine.iter_all(SearchRequest(q=q))} == truth


@pytest.mark.parametrize("q", WORDS)
def test_unquoted_word_finds_at_least_the_string(engine, clause_texts, q):
    """Unquoted words may widen with synonyms; without synonyms they are exact."""
    term = normalize(q)
    truth = {(d, c) for d, c, text in clause_texts if term in text}
    result = engine.search(SearchRequest(q=q))
    found = {(h.doc_id, h.clause_id) for h in engine.iter_all(SearchRequest(q=q))}
    assert truth <= found
    if not result.expansions:
        assert found == truth


def test_question_ranks_article_16_of_the_double_first_class_measures_first(engine):
    result = engine.search(SearchRequest(q="中央高校建设一流学科的经费由谁支持？"))
    top = result.hits[0]
    assert top.label == "第十六条" and "一流学科" in top.doc_title and "办法" in top.doc_title


def test_real_facets_equal_brute_force(engine):
    req = SearchRequest(q="人才", issuers=["国务院"])
    result = engine.search(req)
    hits = list(engine.iter_all(req))
    assert result.total == len(hits)
    brute = {"issuer": {}, "year": {}, "type": {}, "theme": {}, "validity": {}}
    for h in hits:
        for name, values in (("issuer", set(h.issuers)), ("year", {h.date[:4]}),
                             ("type", {h.doc_type}), ("theme", set(h.themes)),
                             ("validity", {h.validity})):
            for value in values:
                if value:
                    brute[name][value] = brute[name].get(value, 0) + 1
    assert {name: {f.value: f.count for f in values} for name, values in result.facets.items()} == brute


def test_real_traditional_and_synonyms(engine):
    assert engine.search(SearchRequest(q="產教融合")).total == engine.search(SearchRequest(q="产教融合")).total > 0
    double = engine.search(SearchRequest(q="双一流"))
    full = engine.search(SearchRequest(q='"世界一流大学和一流学科"'))
    assert double.total >= full.total > 0
    assert engine.search(SearchRequest(q="中科院")).total >= engine.search(SearchRequest(q='"中国科学院"')).total


def test_real_latin(engine):
    for q in ("TWAS", "5G", "AI", "2030年"):
        assert engine.search(SearchRequest(q=q)).total > 0, q


def brute(clause_texts, keep) -> set[tuple[str, str]]:
    return {(d, c) for d, c, text in clause_texts if keep(text)}


def found(engine, q) -> set[tuple[str, str]]:
    return {(h.doc_id, h.clause_id) for h in engine.iter_all(SearchRequest(q=q))}


def test_real_exclusion(engine, clause_texts):
    truth = brute(clause_texts, lambda t: "基础研究" in t and "国家重点实验室" not in t)
    assert truth and found(engine, '"基础研究" -"国家重点实验室"') == truth


def test_real_or(engine, clause_texts):
    truth = brute(clause_texts, lambda t: "提名制" in t or "科技服务网络" in t)
    assert len(truth) >= 2 and found(engine, "提名制 OR 科技服务网络") == truth


def test_real_and(engine, clause_texts):
    truth = brute(clause_texts, lambda t: "人才" in t and "经费" in t)
    assert truth and found(engine, '"人才" "经费"') == truth


def test_real_related_and_refresh_free_lookups(engine):
    hit = engine.search(SearchRequest(q='"提名制"')).hits[0]
    related = engine.related(hit.doc_id, hit.clause_id)
    assert related and all((h.doc_id, h.clause_id) != (hit.doc_id, hit.clause_id) for h in related)
    assert engine.clause(hit.doc_id, hit.clause_id).label == hit.label


def test_quick_first_ranking_keeps_every_match_once(engine, clause_texts, monkeypatch):
    """With a rescoring window smaller than the matches, pages still cover each match once."""
    from indexer import rank
    monkeypatch.setattr(rank, "RESCORE_WINDOW", 5)
    truth = brute(clause_texts, lambda t: "人才" in t)
    pages = [engine.search(SearchRequest(q='"人才"', page=p, per_page=10)) for p in range(1, 40)]
    seen = [(h.doc_id, h.clause_id) for r in pages for h in r.hits]
    assert len(seen) == len(set(seen)) == len(truth) and set(seen) == truth
    rescored = [h.score for h in pages[0].hits[:5]]
    assert rescored == sorted(rescored, reverse=True)


@pytest.mark.parametrize("phrase", ["国发〔2015〕64号", "以国际同行评价为主要评价方式"])
def test_phrases_broken_by_a_raw_line_wrap_are_found(engine, clause_texts, corpus_dir, phrase):
    """Some occurrences of these phrases are split over raw lines; the index finds them all."""
    on_one_line = sum(line.count(phrase) for path in corpus_dir.glob("*.txt")
                      for line in path.read_text(encoding="utf-8").split("\n"))
    in_clauses = sum(text.count(phrase) for _, _, text in clause_texts)
    assert in_clauses > on_one_line
    found = engine.search(SearchRequest(q=f'"{phrase}"'))
    assert found.total == len(brute(clause_texts, lambda t: phrase in t))


# --- known-item lookup: the indexed candidates give what scoring every title gives ---------

def _every_title_scored(titles, query: str) -> list:
    """known.TitleIndex.lookup without its candidate index: every title scored."""
    from indexer import known
    query = query.strip()
    if known.doc_number_of(query) or len(query) < known.MIN_TITLE_QUERY or any(c.isspace() for c in query):
        return titles.lookup(query)
    exact = known.title_key(query, titles.names)
    loose = known.loose_title_key(query, titles.names)
    variants = [known.title_key(v) for v in known._expansions(query, titles.aliases)]
    scored = [(known.score(exact, loose, variants, e), e.document) for e in titles.entries]
    scored = [pair for pair in scored if pair[0] > 0]
    scored.sort(key=lambda pair: -pair[0])
    return [d for _, d in scored[:known.MAX_CARDS]]


@pytest.fixture(scope="module")
def titles(engine):
    return engine.snapshot().version.titles


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_title_lookup_finds_what_scoring_every_title_finds(titles, data):
    entry = data.draw(st.sampled_from(titles.entries))
    key = data.draw(st.sampled_from([entry.document.title, entry.key, entry.loose_key, entry.short_key]))
    # One to three pieces of a title in order (a short title), each cut to its first two
    # characters at times (the shortest piece a short title allows), sometimes with an
    # abbreviation added.
    cuts = sorted(data.draw(st.lists(st.integers(0, len(key)), min_size=2, max_size=6, unique=True)))
    pieces = [key[a:b] for a, b in zip(cuts[::2], cuts[1::2])]
    pieces = [p[:2] if data.draw(st.booleans()) else p for p in pieces]
    query = "".join(pieces) + data.draw(st.sampled_from(["", "", "实施办法", "双一流", "中国科协"]))
    assert titles.lookup(query) == _every_title_scored(titles, query)


@pytest.mark.parametrize("typed", ["双一流实施办法", "统筹推进世界一流大学和一流学科建设实施办法",
                                   "全面加强基础科学研究的若干意见", "国务院关于全面加强基础科学研究的若干意见",
                                   "科技成果转化", "人工智能", "中国科协十四五规划"])
def test_title_lookup_of_typed_titles_matches_scoring_every_title(titles, typed):
    assert titles.lookup(typed) == _every_title_scored(titles, typed)


@pytest.mark.parametrize("req", [SearchRequest(q="人才"), SearchRequest(q="如何促进科技成果转化"),
                                 SearchRequest(q="人工智能人才培养有哪些措施"),
                                 SearchRequest(q="创新", years=[2017]), SearchRequest(q="科技 -人才", sort="date")],
                         ids=lambda r: r.q)
def test_unordered_matches_are_the_ordered_ones_in_another_order(engine, req):
    """What trends and co-occurrence count (Searcher.matches(ordered=False), no ranking) is
    exactly what the exports list in result order."""
    ordered, terms = engine.matches(req)
    unordered, same_terms = engine.matches(req, ordered=False)
    assert ordered and terms == same_terms
    key = lambda pair: (pair[0].id, pair[1].id)
    assert sorted(map(key, unordered)) == sorted(map(key, ordered)) and len(unordered) == len(ordered)
