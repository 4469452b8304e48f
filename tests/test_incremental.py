"""Incremental builds (issue 12, items 7–9): reuse what did not change, give what a full build gives.

Every test builds in-process into temporary index folders, with Whoosh's segments made small
(SEGMENT_MIN/MAX_CLAUSES) so that the seed corpus spans several segments and segment reuse is
exercised. "Identical" is checked on everything a user sees: the documents store, the
normalised texts, the aliases, the export, the analytics the build precomputes (word_stats.json,
echoes.json: issue 15) and search answers (hits, scores, totals, facets). The seed corpus has no
echoes at the 0.7 threshold, so the echo tests add notices of their own whose articles quote
clauses of two seed files.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer import analytics_files, index, pipeline, store
from indexer.analytics import echoes
from indexer.backends import whoosh
from indexer.records import SearchRequest
from reliability_support import SMALL_SEED_FILES, make_corpus, published_version, start_paused_build

QUERIES = ["人工智能", "基础研究 人才", "\"一流学科\"", "如何促进科技成果转化", "改革 -军民融合",
           "TWAS", "附加条款", "科技"]


@pytest.fixture(autouse=True)
def small_segments(monkeypatch):
    monkeypatch.setattr(whoosh, "SEGMENT_MIN_CLAUSES", 30)
    monkeypatch.setattr(whoosh, "SEGMENT_MAX_CLAUSES", 80)
    monkeypatch.setattr(whoosh, "BOUNDARY_EVERY", 2)


@pytest.fixture
def corpus(tmp_path) -> Path:
    """The seed corpus without its large compilation (a build takes seconds, not minutes)."""
    return make_corpus(tmp_path / "corpus", SMALL_SEED_FILES)


@pytest.fixture
def parsed_files(monkeypatch) -> list[str]:
    """The names of the files the pipeline parses (the seed corpus is parsed in-process)."""
    seen: list[str] = []
    real = pipeline.read_source

    def counting(source, *args):
        seen.append(source.name)
        return real(source, *args)
    monkeypatch.setattr(pipeline, "read_source", counting)
    return seen


def build(corpus: Path, index_dir: Path, full: bool = False) -> index.BuildReport:
    return index.build(corpus, index_dir, show_progress=False, full=full)


def answers(index_dir: Path) -> dict:
    from indexer.search import Engine
    engine = Engine(index_dir)
    found = {}
    for q in QUERIES:
        result = engine.search(SearchRequest(q=q, per_page=50))
        found[q] = (result.total, result.facets,
                    [(h.doc_id, h.clause_id, h.score, h.snippet) for h in result.hits])
    return found


def version_data(index_dir: Path) -> dict:
    version = published_version(index_dir)
    manifest = store.read_json(version / store.MANIFEST)
    return {
        "documents": store.read_json(version / store.DOCUMENTS),
        "normalized": store.read_json(version / store.NORMALIZED),
        "aliases": store.read_json(version / store.DOCUMENT_ALIASES),
        "export": [json.dumps(store.export_dict(d), ensure_ascii=False)
                   for d in store.read_documents(version)],
        "manifest": {k: manifest[k] for k in ("documents", "clauses", "duplicates", "warnings", "inputs")},
        "word_stats": store.read_json(version / store.WORD_STATS),
        "echoes": analytics_files.read_echo_state(version).rows(),
        "echo_index": (version / store.ECHO_INDEX).read_bytes(),
        "citations": store.read_json(version / store.CITATIONS),
    }


def assert_same_as_full(corpus: Path, incremental: Path, tmp_path: Path) -> None:
    full = tmp_path / f"full-{len(list(tmp_path.iterdir()))}"
    build(corpus, full, full=True)
    assert version_data(incremental) == version_data(full)
    assert answers(incremental) == answers(full)


def append_clause(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n附加条款：本规划由中国科协负责解释。\n",
                    encoding="utf-8")


def test_unchanged_corpus_is_republished_without_parsing(corpus, tmp_path, parsed_files):
    first = build(corpus, tmp_path / "index")
    parsed_files.clear()
    again = build(corpus, tmp_path / "index")
    assert parsed_files == []
    assert again.reused == "all" and again.build_id != first.build_id
    assert (again.documents, again.clauses, again.duplicates) == \
        (first.documents, first.clauses, first.duplicates)
    old, new = first.version_dir, published_version(tmp_path / "index")
    assert new == again.version_dir
    assert (new / store.DOCUMENTS).stat().st_ino == (old / store.DOCUMENTS).stat().st_ino
    assert_same_as_full(corpus, tmp_path / "index", tmp_path)


def test_a_version_published_from_a_parsed_corpus_is_republished_too(corpus, tmp_path, parsed_files):
    """publish() with ParsedCorpus.manifest_inputs (what bench/worker.py does) records the
    same inputs as build(), so the next build with nothing changed republishes."""
    parsed = pipeline.parse_corpus(corpus, cache_dir=tmp_path / "index")
    with index.build_lock(tmp_path / "index"):
        index.publish(parsed.corpus, corpus, tmp_path / "index", normalized=parsed.normalized(),
                      inputs=parsed.manifest_inputs(), analytics=parsed.analytics)
    parsed_files.clear()
    assert build(corpus, tmp_path / "index").reused == "all" and parsed_files == []


def test_changed_added_and_removed_files_give_the_full_build(corpus, tmp_path, parsed_files):
    build(corpus, tmp_path / "index")
    changed = next(corpus.glob("中国科协*.txt"))
    append_clause(changed)
    removed = next(corpus.glob("十三五*.txt"))
    removed.unlink()
    added = corpus / "另一份文件.txt"
    added.write_bytes(next(corpus.glob("中国科学院率先*.txt")).read_bytes())   # a copy: folded
    parsed_files.clear()
    report = build(corpus, tmp_path / "index")
    assert sorted(parsed_files) == sorted([changed.name, added.name])
    assert "index segments" in report.reused
    assert any(alias for alias in report.duplicates if report.duplicates[alias])
    assert_same_as_full(corpus, tmp_path / "index", tmp_path)


def test_a_segment_written_in_the_background_gives_the_full_build(corpus, tmp_path, monkeypatch):
    """A rebuild's small write goes to a spawned writer while the JSON files and analytics are
    written (whoosh.start_write(background=True)): same version as a full build."""
    build(corpus, tmp_path / "index")
    monkeypatch.setattr(whoosh, "BACKGROUND_MIN_CLAUSES", 1)
    pools = []
    real = whoosh.PendingWrite.abandon

    def abandon(self):
        pools.append(self.pool)
        real(self)
    monkeypatch.setattr(whoosh.PendingWrite, "abandon", abandon)
    append_clause(next(corpus.glob("中国科协*.txt")))
    (corpus / "另一份文件.txt").write_text(
        next(corpus.glob("十三五*.txt")).read_text(encoding="utf-8").replace("十三五", "十四五"),
        encoding="utf-8")
    report = build(corpus, tmp_path / "index")
    assert "index segments" in report.reused
    assert any(pool is not None for pool in pools)          # it did run in the background
    assert_same_as_full(corpus, tmp_path / "index", tmp_path)


def test_citations_are_extracted_again_only_from_changed_documents(corpus, tmp_path, monkeypatch):
    """The citation graph is resolved over the whole corpus on every build, but an unchanged
    document's references come from the parse cache (extracted by the parse, per file); the
    graph equals a full build's (citations.json is part of version_data), including a new
    citation of an old document by a changed one."""
    build(corpus, tmp_path / "index")
    changed = next(corpus.glob("中国科协*.txt"))
    changed.write_text(changed.read_text(encoding="utf-8")
                       + "\n附加条款：按照《中国科学院率先行动计划暨全面深化改革纲要》执行。\n", encoding="utf-8")
    extracted: list[str] = []
    real = pipeline.extract_document

    def counting(document):
        extracted.append(document.title)
        return real(document)
    for module in (pipeline, index):        # the parse extracts; index only without the parse's
        monkeypatch.setattr(module, "extract_document", counting)
    build(corpus, tmp_path / "index")
    assert len(extracted) == 1
    for module in (pipeline, index):
        monkeypatch.setattr(module, "extract_document", real)
    assert_same_as_full(corpus, tmp_path / "index", tmp_path)
    version = published_version(tmp_path / "index")
    [doc_id] = [d["id"] for d in store.read_json(version / "documents.json") if d["title"] == extracted[0]]
    cited = store.read_json(version / store.CITATIONS)
    assert any(r["doc"] == doc_id and r["target_doc"] and "率先行动计划" in r["text"]
               for r in cited["references"][doc_id])


def test_removing_the_kept_copy_unfolds_the_other(corpus, tmp_path):
    original = next(corpus.glob("中国科学院率先*.txt"))
    (corpus / "副本.txt").write_bytes(original.read_bytes())
    first = build(corpus, tmp_path / "index")
    original.unlink()
    second = build(corpus, tmp_path / "index")
    assert len(second.duplicates) == len(first.duplicates) - 1
    assert_same_as_full(corpus, tmp_path / "index", tmp_path)


def test_every_config_file_enters_the_parser_version(corpus):
    from indexer import cache
    before = cache.parser_version(corpus)
    for name in ("userdict.txt", "themes.toml", "aliases.toml"):
        path = corpus / "config" / name
        text = path.read_text(encoding="utf-8")
        path.write_text(text + "\n", encoding="utf-8")
        assert cache.parser_version(corpus) != before, name
        path.write_text(text, encoding="utf-8")
    assert cache.parser_version(corpus) == before


# Not userdict.txt: jieba cannot unload a dictionary, and a changed one would change how
# this test process segments for the tests after it.
@pytest.mark.parametrize("config_file", ["themes.toml", "aliases.toml"])
def test_a_changed_config_file_parses_everything_again(corpus, tmp_path, parsed_files, config_file):
    build(corpus, tmp_path / "index")
    path = corpus / "config" / config_file
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    parsed_files.clear()
    report = build(corpus, tmp_path / "index")
    assert sorted(set(parsed_files)) == sorted(p.name for p in corpus.glob("*.txt"))
    assert "index segments" not in report.reused
    assert_same_as_full(corpus, tmp_path / "index", tmp_path)


def test_full_flag_reuses_nothing(corpus, tmp_path, parsed_files):
    build(corpus, tmp_path / "index")
    parsed_files.clear()
    report = build(corpus, tmp_path / "index", full=True)
    assert sorted(set(parsed_files)) == sorted(p.name for p in corpus.glob("*.txt"))
    assert report.reused == ""


def test_a_damaged_cache_entry_is_parsed_again(corpus, tmp_path, parsed_files):
    build(corpus, tmp_path / "index")
    entries = sorted((tmp_path / "index" / "cache").rglob("*.pickle"))
    entries[0].write_bytes(b"not a pickle")
    append_clause(next(corpus.glob("中国科协*.txt")))      # not a no-change build
    parsed_files.clear()
    build(corpus, tmp_path / "index")
    assert len(parsed_files) == 2
    assert_same_as_full(corpus, tmp_path / "index", tmp_path)


def test_a_killed_incremental_build_leaves_the_served_version_and_next_build_is_right(
        corpus, tmp_path):
    build(corpus, tmp_path / "index")
    served, before = published_version(tmp_path / "index"), answers(tmp_path / "index")
    append_clause(next(corpus.glob("中国科协*.txt")))
    paused = start_paused_build("indexing", corpus, tmp_path / "index", tmp_path / "work")
    try:
        paused.wait_for_pause()
    finally:
        paused.kill()
    assert published_version(tmp_path / "index") == served
    assert answers(tmp_path / "index") == before
    build(corpus, tmp_path / "index")
    assert_same_as_full(corpus, tmp_path / "index", tmp_path)


# --- the analytics (issue 15): word sets from the parse cache, echoes from the previous version

QUOTED = ["中国科学院率先行动计划暨全面深化改革纲要-2014.txt",
          "十三五国家科技创新基地与条件保障能力建设专项规划-2017.txt"]
NUMERALS = "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七 十八 十九 二十".split()


@pytest.fixture(scope="module")
def quotable(tmp_path_factory) -> list[str]:
    """Long clauses (heading and text) of two seed files, to quote in documents of our own."""
    folder = make_corpus(tmp_path_factory.mktemp("quoted"), QUOTED)
    return [" ".join(p for p in (c.heading, c.text) if p)
            for d in pipeline.build_corpus(folder).documents for c in d.clauses if len(c.text) >= 40]


def write_quoting(path: Path, number: str, texts: list[str]) -> Path:
    """A notice of its own (title, 文号) whose articles quote `texts`: each echoes its source."""
    articles = [f"第{n}条 {t}" for n, t in zip(NUMERALS, texts)]
    path.write_text("\n\n".join([f"关于转发有关工作要求的通知（{number}）", number, "各有关单位：",
                                  *articles]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def echo_corpus(corpus, quotable) -> Path:
    write_quoting(corpus / "转发甲.txt", "国科办发〔2022〕7号", quotable[::8][:10])
    return corpus


@pytest.fixture
def echo_work(monkeypatch) -> dict:
    """What the analytics step did: the files whose analytics inputs were computed (segmented
    and sketched) and the clauses whose echo candidates were checked."""
    seen: dict[str, list] = {"inputs": [], "checked": []}
    real_inputs, real_compare = analytics_files.document_inputs, echoes._compare

    def inputs(document, texts):
        seen["inputs"].append(document.source)
        return real_inputs(document, texts)

    def compare(a, partners, sets, *rest):
        seen["checked"].append(sets.clauses.sketches[a].digest)
        return real_compare(a, partners, sets, *rest)
    monkeypatch.setattr(analytics_files, "document_inputs", inputs)
    monkeypatch.setattr(echoes, "_compare", compare)
    return seen


def echo_count(index_dir: Path) -> int:
    return len(analytics_files.read_echo_state(published_version(index_dir)).t)


def test_analytics_of_added_changed_and_removed_documents_are_the_full_builds(
        echo_corpus, quotable, tmp_path, echo_work):
    build(echo_corpus, tmp_path / "index")
    first = echo_count(tmp_path / "index")
    assert first >= 8
    full_checks = len(echo_work["checked"])
    # Added: another notice quoting some of the same clauses (echoes of both) and others.
    echo_work["inputs"].clear(), echo_work["checked"].clear()
    write_quoting(echo_corpus / "转发乙.txt", "国科办发〔2023〕2号", quotable[::12][:8])
    build(echo_corpus, tmp_path / "index")
    assert set(echo_work["inputs"]) == {"转发乙.txt"}            # only the new file segmented
    assert 0 < len(echo_work["checked"]) < full_checks
    assert echo_count(tmp_path / "index") > first
    assert_same_as_full(echo_corpus, tmp_path / "index", tmp_path)
    # Changed: a clause appended to a seed file, one quoted clause reworded, one dropped.
    append_clause(echo_corpus / QUOTED[0])
    texts = quotable[::8][:10]
    texts[1] = texts[1].replace("的", "之", 2)
    write_quoting(echo_corpus / "转发甲.txt", "国科办发〔2022〕7号", texts[:-1])
    build(echo_corpus, tmp_path / "index")
    assert_same_as_full(echo_corpus, tmp_path / "index", tmp_path)
    # Removed: the first notice; nothing is new, so every remaining pair is reused.
    before = echo_count(tmp_path / "index")
    (echo_corpus / "转发甲.txt").unlink()
    echo_work["checked"].clear()
    build(echo_corpus, tmp_path / "index")
    assert echo_work["checked"] == []
    assert 0 < echo_count(tmp_path / "index") < before
    assert_same_as_full(echo_corpus, tmp_path / "index", tmp_path)


@pytest.mark.parametrize("older", ["none", "format 1", "damaged"])
def test_a_version_without_echo_state_makes_the_next_build_check_every_pair(
        echo_corpus, tmp_path, echo_work, older):
    build(echo_corpus, tmp_path / "index")
    version = published_version(tmp_path / "index")
    state = version / store.ECHO_STATE
    if older == "damaged":
        state.write_bytes(state.read_bytes()[:-3])
    else:
        state.unlink()                                  # as a build before echo_state.bin
        if older == "format 1":                         # which wrote echo_state.json instead
            (version / "echo_state.json").write_text(
                json.dumps({"rule": echoes.rule(), "clauses": [], "pairs": [[], [], []]}))
    append_clause(next(echo_corpus.glob("中国科协*.txt")))
    full_checks = len(echo_work["checked"])
    echo_work["checked"].clear()
    build(echo_corpus, tmp_path / "index")
    assert len(echo_work["checked"]) >= full_checks
    assert_same_as_full(echo_corpus, tmp_path / "index", tmp_path)


def test_changed_stop_words_change_the_word_sets(corpus, tmp_path):
    build(corpus, tmp_path / "index")
    before = store.read_json(published_version(tmp_path / "index") / store.WORD_STATS)
    assert "科技" in before["vocabulary"]
    path = corpus / "config" / "stopwords.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n科技\n", encoding="utf-8")
    build(corpus, tmp_path / "index")
    after = store.read_json(published_version(tmp_path / "index") / store.WORD_STATS)
    assert "科技" not in after["vocabulary"] and "科技" in after["stopwords"]
    assert_same_as_full(corpus, tmp_path / "index", tmp_path)


def test_a_cache_entry_round_trips_with_its_analytics_inputs(corpus, tmp_path, monkeypatch):
    from indexer import cache
    from indexer.aliases import load_aliases
    from indexer.analytics import cooccur
    from indexer.tag import load_taxonomy
    version, files = pipeline.scan(corpus)
    with monkeypatch.context() as patched:           # entries of another shape: another folder
        patched.setattr(cache, "ENTRY_FORMAT", cache.ENTRY_FORMAT - 1)
        assert cache.parser_version(corpus) != version
    store_ = cache.ParseCache(tmp_path / "index", version)
    result = pipeline._read_one((files[0], load_aliases(corpus), load_taxonomy(corpus), store_))
    again = store_.get(files[0].key)
    assert again == result and again is not result
    document, texts, inputs = again.documents[0], again.texts[0], again.analytics[0]
    assert inputs.words == [cooccur.segment(t) for t in texts.texts]
    assert inputs.sketches == [echoes.sketch(echoes.without_label(t, c.label))
                               for c, t in zip(document.clauses, texts.texts)]
    assert any(inputs.sketches) and not all(inputs.sketches)     # long clauses and short ones
