"""Bigram postings outside Whoosh (indexer/backends/bigram_postings.py): the candidates, counts
and BM25 scores the Whoosh bigram field gave, and reuse with the segments they sit beside."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from whoosh import index as whoosh_index
from whoosh.fields import STORED, TEXT, Schema

from indexer import analysis
from indexer.backends import bigram_postings, whoosh

# Characters that matter: CJK, Latin letters and digits (word-like), punctuation and spaces.
ALPHABET = "科技创新人才研究哈aAbs12 ，〔〕.-"
texts = st.text(alphabet=ALPHABET, max_size=40)


@given(texts)
def test_pairs_are_analysis_bigrams(text):
    assert bigram_postings.pairs(text) == analysis.bigrams(text)


@given(texts, st.sampled_from(["科技", "哈哈", "aa", "12", "11", "技创"]))
def test_occurrences_count_overlapping_bigrams(text, pair):
    assert bigram_postings.occurrences(text, pair) == analysis.bigrams(text).count(pair)


def write_parts(tmp_path, parts: list[list[str]]) -> bigram_postings.BigramPostings:
    files = []
    for n, clauses in enumerate(parts):
        files.append(tmp_path / f"part{n}.bigrams")
        bigram_postings.write(files[-1], clauses)
    return bigram_postings.BigramPostings(files)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(texts, max_size=8), min_size=1, max_size=4),
       st.lists(st.sampled_from(["科技", "技创", "创新", "人才", "哈哈", "ab", "12", "研究"]),
                min_size=1, max_size=3, unique=True))
def test_candidates_are_the_clauses_holding_every_pair(tmp_path_factory, parts, pairs):
    postings = write_parts(tmp_path_factory.mktemp("bigrams"), parts)
    every = [text for clauses in parts for text in clauses]
    try:
        assert postings.docs == len(every)
        assert postings.candidates(pairs) == [
            n for n, text in enumerate(every) if set(pairs) <= set(analysis.bigrams(text))]
        assert postings.doc_frequency(pairs[0]) == sum(pairs[0] in analysis.bigrams(t) for t in every)
        assert [postings.length(n) for n in range(len(every))] == [len(analysis.bigrams(t)) for t in every]
        assert postings.total_length == sum(len(analysis.bigrams(t)) for t in every)
    finally:
        postings.close()


def test_a_long_part_numbers_its_clauses_in_u32(tmp_path):
    clauses = ["科技"] * 70_000 + ["创新"]
    postings = write_parts(tmp_path, [clauses])
    try:
        assert postings.parts[0].docnums.itemsize == 4
        assert postings.candidates(["创新"]) == [70_000]
    finally:
        postings.close()


def test_a_foreign_file_is_refused(tmp_path):
    (tmp_path / "x.bigrams").write_bytes(b"\0" * 64)
    with pytest.raises(bigram_postings.BigramFileError):
        bigram_postings.BigramPostings([tmp_path / "x.bigrams"])


def test_scores_are_those_of_the_whoosh_bigram_field(tmp_path):
    """The field as it was (TEXT over BigramTokenizer), in two segments: same BM25F, bit for bit."""
    parts = [["科技创新科技创新哈哈哈", "人才培养", "科技人才" * 30, ""],
             ["创新驱动发展" * 200, "科技科技 12 ab", "哈哈"]]
    every = [text for clauses in parts for text in clauses]
    folder = tmp_path / "ix"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), Schema(
        n=STORED, bigrams=TEXT(analyzer=analysis.BigramTokenizer(), phrase=False)))
    for clauses in parts:
        writer = ix.writer()
        for text in clauses:
            writer.add_document(n=0, bigrams=text)
        writer.commit(merge=False)
    postings = write_parts(tmp_path, parts)
    try:
        with ix.searcher() as searcher:
            assert len(searcher.reader().leaf_readers()) == 2
            weighting = searcher.weighting
            for pair in ["科技", "创新", "哈哈", "人才", "12", "无无"]:
                expected = {}
                if ("bigrams", pair) in searcher.reader():
                    matcher = searcher.postings("bigrams", pair)
                    while matcher.is_active():
                        expected[matcher.id()] = matcher.score()
                        matcher.next()
                assert postings.bm25_scores(pair, list(range(len(every))), every,
                                            weighting.B, weighting.K1) == expected, pair
    finally:
        postings.close()


def test_a_reused_segment_brings_its_bigram_postings(tmp_path, monkeypatch):
    monkeypatch.setattr(whoosh, "SEGMENT_MIN_CLAUSES", 4)
    monkeypatch.setattr(whoosh, "SEGMENT_MAX_CLAUSES", 6)
    documents = [(f"doc-{n}", 3) for n in range(8)]
    normalized = {"texts": [f"第{n}条科技创新{n % 3}人才" for n in range(24)],
                  "headings": [""] * 24, "contexts": ["标题"] * 24}
    (tmp_path / "v1").mkdir()
    whoosh.write(tmp_path / "v1", normalized, False, documents=documents, salt="s")
    changed = {**normalized, "texts": normalized["texts"][:-1] + ["最后一条改了"]}
    (tmp_path / "v2").mkdir()
    reused = whoosh.write(tmp_path / "v2", changed, False, documents=documents,
                          previous=tmp_path / "v1", salt="s")
    assert reused >= 2

    def files(version):
        return {p.name: p.stat().st_ino for p in (version / whoosh.FOLDER).glob("*" + whoosh.BIGRAMS)}
    old, new = files(tmp_path / "v1"), files(tmp_path / "v2")
    assert len([name for name in new if new[name] == old.get(name)]) == reused
    ix = whoosh_index.open_dir(str(tmp_path / "v2" / whoosh.FOLDER))
    postings = whoosh._bigram_postings(ix, 24)
    try:
        assert postings.candidates(["改了"]) == [23]
        assert postings.candidates(["科技", "创新"]) == list(range(23))
    finally:
        postings.close()


def test_the_segment_writer_writes_what_whoosh_writes(tmp_path):
    """Field lengths cached while postings are written: the same postings and term statistics."""
    from whoosh.writing import SegmentWriter
    clauses = [(f"第{n}条科技创新{'人才' * (n % 7)}培养", f"第{n}条", "国务院关于科技创新的意见")
               for n in range(300)]
    readers = []
    for name, writer_class in (("plain", SegmentWriter), ("cached", whoosh._SegmentWriter)):
        folder = tmp_path / name
        folder.mkdir()
        ix = whoosh_index.create_in(str(folder), whoosh.schema())
        writer = writer_class(ix)
        for ordinal, (text, heading, context) in enumerate(clauses):
            writer.add_document(ordinal=ordinal, words=text, heading=heading, context=context)
        writer.commit()
        readers.append(ix.reader())

    def contents(reader):
        return {(field, term): (info.weight(), info.doc_frequency(), info.min_length(),
                                info.max_length(), info.max_weight(),
                                list(reader.postings(field, term).items_as("weight")))
                for field, term in reader.all_terms()
                for info in [reader.term_info(field, term)]}
    assert contents(readers[0]) == contents(readers[1])
