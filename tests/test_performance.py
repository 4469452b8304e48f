"""The speed mechanisms give exactly what the plain way gives: run-by-run segmentation (tag and
index words), files parsed in parallel, the index written as parallel segments, sampled duplicate
candidates. Each is checked against the plain way on the real corpus and on small fixtures."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict

import pytest

from indexer import dedupe, index, pipeline, tag
from indexer.backends.whoosh import SEGMENT_MAX_CLAUSES, document_parts
from indexer.records import Clause, Document, SearchRequest
from indexer.search import Engine


# --- tag: only the runs of text that hold a short term are segmented ----------------------------

def terms_the_plain_way(text: str, taxonomy: tag.Taxonomy) -> dict[str, list[tuple[int, int]]]:
    """Oracle: the whole text segmented, then every term looked for on its own."""
    words: dict[str, list[tuple[int, int]]] = {}
    for word, start, end in tag.segmenter().tokenize(text, mode="search"):
        words.setdefault(word, []).append((start, end))
    found = {}
    for term in dict.fromkeys(t for theme in taxonomy.themes for t in theme.terms):
        if tag.LATIN.search(term):
            pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(term)}(?![A-Za-z0-9])", re.IGNORECASE)
            spans = [(m.start(), m.end()) for m in pattern.finditer(text)]
        elif taxonomy.is_word_term(term):
            spans = words.get(term, [])
        else:
            spans = [(m.start(), m.end()) for m in re.finditer(re.escape(term), text)]
        if spans:
            found[term] = spans
    return found


@pytest.fixture(scope="module")
def taxonomy(corpus_dir):
    return tag.load_taxonomy(corpus_dir)


@pytest.mark.parametrize("text", [
    "",
    "设立国家科学技术奖。奖学金和助学金，人才、人才！",
    "发展AI芯片（STS Network）与 Ai 人工智能；防治AIDS。",
    "2017年 1月，高校-科研院所协同创新，人才人才人才",
    "科技成果转化\n成果转化 成果 转化",
])
def test_run_by_run_segmentation_finds_what_whole_text_segmentation_finds(text, taxonomy):
    assert tag.find_terms(text, tag._compiled(tag._terms_key(taxonomy))) == \
        terms_the_plain_way(text, taxonomy)


def test_every_clause_of_the_corpus_matches_as_with_whole_text_segmentation(corpus_dir, taxonomy):
    compiled = tag._compiled(tag._terms_key(taxonomy))
    texts = [tag.scored_text(clause, taxonomy) for document in pipeline.build_corpus(corpus_dir).documents
             for clause in document.clauses]
    assert len(texts) > 500
    for text in texts:
        assert tag.find_terms(text, compiled) == terms_the_plain_way(text, taxonomy), text[:60]


def test_an_edited_taxonomy_is_compiled_anew(taxonomy):
    text = "推进量子信息研究。"
    assert "量子科技" not in tag.match_themes(text, taxonomy)
    edited = tag.Taxonomy(themes=[*taxonomy.themes, tag.Theme("量子科技", "", {"量子信息": 5.0})])
    assert tag.match_themes(text, edited)["量子科技"].terms == ["量子信息"]


# --- index words: segmented run by run, each run once ---------------------------------------------

def test_words_run_by_run_are_the_words_of_the_whole_text(built_index):
    import json

    import jieba

    from indexer import analysis
    normalized = json.loads((built_index / "current" / "normalized.json").read_text(encoding="utf-8"))
    texts = [*normalized["texts"], *set(normalized["contexts"]), "2017年1月高校-科研院所 STS network，AI芯片。"]
    for text in texts:
        whole = [w for w in jieba.cut_for_search(text) if analysis._WORDLIKE.search(w)]
        assert analysis.words(text) == whole, text[:60]


# --- pipeline: files parsed in parallel ---------------------------------------------------------

def corpus_record(corpus):
    return ([asdict(d) for d in corpus.documents], corpus.aliases,
            [(w.source, w.message) for w in corpus.warnings])


def test_parsing_files_in_parallel_gives_the_serial_result(corpus_dir, monkeypatch):
    serial = pipeline.build_corpus(corpus_dir)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)
    assert pipeline._worker_count(pipeline.scan(corpus_dir)[1]) > 1 or pytest.skip("one core")
    assert corpus_record(pipeline.build_corpus(corpus_dir)) == corpus_record(serial)


def test_a_file_failing_in_a_worker_process_is_a_warning(corpus_dir, tmp_path, monkeypatch):
    for source in corpus_dir.glob("*.txt"):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    real_build_clauses = pipeline.build_clauses

    def failing_for_the_compilation(draft):
        if "汇编" in draft.source:
            raise RuntimeError("boom")
        return real_build_clauses(draft)

    monkeypatch.setattr(pipeline, "build_clauses", failing_for_the_compilation)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)
    corpus = pipeline.build_corpus(tmp_path)
    [compilation] = [p.name for p in tmp_path.glob("*.txt") if "汇编" in p.name]
    assert [(w.source, w.message) for w in corpus.warnings] == \
        [(compilation, "could not be parsed: RuntimeError: boom")]
    assert 0 < len(corpus.documents) < 20


def test_small_corpora_are_parsed_in_this_process(corpus_dir):
    assert pipeline._worker_count(pipeline.scan(corpus_dir)[1][:1]) == 1


# --- index: parallel segments, docnums in clause order ------------------------------------------

@pytest.mark.parametrize("sizes", [[], [1], [3000, 3000, 10], [7] * 2000, [40, 1, 900] * 300])
def test_parts_cover_every_clause_once_in_order_cut_between_documents(sizes):
    documents = [(f"doc-{n}", size) for n, size in enumerate(sizes)]
    ranges = document_parts(documents)
    assert [n for start, end in ranges for n in range(start, end)] == list(range(sum(sizes)))
    starts = {sum(sizes[:n]) for n in range(len(sizes))}
    assert all(start in starts for start, _ in ranges)
    assert all(end - start < SEGMENT_MAX_CLAUSES + max(sizes) for start, end in ranges)


def test_a_document_added_changes_only_the_part_it_falls_in():
    documents = [(f"doc-{n}", 40) for n in range(2000)]
    before = document_parts(documents)
    after = document_parts(documents[:1000] + [("new", 40)] + documents[1000:])
    moved = [(s + 40 if s >= 40_000 else s, e + 40 if e > 40_000 else e) for s, e in before]
    assert len(set(moved) - set(after)) <= 2


def test_an_index_written_as_parallel_segments_searches_like_one_segment(
        corpus_dir, built_index, tmp_path, monkeypatch):
    from indexer.backends import whoosh
    monkeypatch.setattr(whoosh, "PARALLEL_MIN_CLAUSES", 10)
    monkeypatch.setattr(whoosh, "SEGMENT_MIN_CLAUSES", 150)
    monkeypatch.setattr(whoosh, "SEGMENT_MAX_CLAUSES", 300)
    report = index.build(corpus_dir, tmp_path, show_progress=False)
    from whoosh import index as whoosh_index
    assert len(whoosh_index.open_dir(str(report.version_dir / "whoosh")).reader().leaf_readers()) >= 3
    one, three = Engine(built_index), Engine(tmp_path)
    for q in ["人工智能", "基础研究 人才", "\"一流学科\"", "如何促进科技成果转化", "改革 -军民融合", "TWAS"]:
        a, b = one.search(SearchRequest(q=q, per_page=50)), three.search(SearchRequest(q=q, per_page=50))
        assert a.total == b.total and a.facets == b.facets
        assert [(h.doc_id, h.clause_id) for h in a.hits] == [(h.doc_id, h.clause_id) for h in b.hits], q
        # Statistics summed over segments: scores agree up to float rounding.
        assert [h.score for h in b.hits] == pytest.approx([h.score for h in a.hits], rel=1e-6)
    document = three.documents()[-1]
    assert [h.clause_id for h in three.related(document.id, document.clauses[-1].id)] == \
        [h.clause_id for h in one.related(document.id, document.clauses[-1].id)]


# --- dedupe: sampled candidates find the pairs comparing every pair finds -----------------------

def fold_by_comparing_every_pair(documents: list[Document]) -> dict[str, str]:
    kept: list[tuple[Document, set[str]]] = []
    aliases = {}
    for document in sorted(documents, key=dedupe._preference):
        shingles = dedupe._shingles(document)
        original = next((k for k, s in kept if dedupe.containment(s, shingles) >= dedupe.THRESHOLD), None)
        if original is None:
            kept.append((document, shingles))
        else:
            aliases[document.id] = original.id
    return aliases


def test_sampled_candidates_fold_the_same_duplicates_as_comparing_every_pair(corpus_dir):
    documents = pipeline.build_corpus(corpus_dir).documents
    # The corpus with copies: whole, lightly edited, cut short, and a short stray document.
    copies = []
    for n, document in enumerate(documents):
        clauses = [Clause(**{**asdict(c), "text": c.text.replace("的", "之", 1)}) for c in document.clauses]
        if n % 3 == 1:
            clauses = clauses[:max(1, len(clauses) * 9 // 10)]
        copies.append(Document(**{**asdict(document), "id": document.id + "-copy", "clauses": clauses,
                                  "doc_number": "", "aliases": []}))
    short = Document(id="short", title="短", doc_number="", issuers=[], date="", doc_type="", source="s",
                     clauses=[Clause(id="1", label="", heading="", text="科技创新", parent=None, kind="paragraph")])
    fresh = [Document(**{**asdict(d), "aliases": [], "clauses": d.clauses}) for d in [*documents, *copies, short]]
    expected = fold_by_comparing_every_pair(fresh)
    kept, aliases = dedupe.fold_duplicates(fresh)
    assert aliases == expected
    assert Counter(aliases.values()) and len(kept) == len(fresh) - len(aliases)
    # What an earlier build remembered (a different set: some documents missing) changes nothing.
    for earlier in (fresh[::2], fresh[1::3], fresh[:-5]):
        remembered = dedupe.Comparisons()
        dedupe.fold_duplicates(_fresh_copies(earlier), comparisons=remembered)
        again = dedupe.fold_duplicates(_fresh_copies(fresh),
                                       comparisons=dedupe.Comparisons(remembered.remembered()))
        assert again[1] == expected


def _fresh_copies(documents: list[Document]) -> list[Document]:
    return [Document(**{**asdict(d), "aliases": [], "clauses": d.clauses}) for d in documents]
