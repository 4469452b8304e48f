"""Themes: the taxonomy file, the scoring rules on small fixtures, and the real corpus."""
from __future__ import annotations

from argparse import Namespace
from pathlib import Path

import pytest

from indexer import config
from indexer.pipeline import build_corpus
from indexer.records import Clause, Document
from indexer.tag import (Taxonomy, TaxonomyError, load_taxonomy, match_themes, own_text,
                         tag_documents, themes_report)
from indexer.cli import themes_command

FIXTURES = Path(__file__).parent / "fixtures" / "tag"


def corpus_with(tmp_path: Path, taxonomy_text: str) -> Path:
    """A corpus folder whose own config/themes.toml holds taxonomy_text."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "themes.toml").write_text(taxonomy_text, encoding="utf-8")
    return tmp_path


def fixture_taxonomy(tmp_path: Path, name: str) -> Taxonomy:
    return load_taxonomy(corpus_with(tmp_path, (FIXTURES / name).read_text(encoding="utf-8")))


def clause(text: str, heading: str = "", label: str = "", id: str = "1") -> Clause:
    return Clause(id=id, label=label, heading=heading, text=text, parent=None, kind="item")


def document(*clauses: Clause, title: str = "测试文件") -> Document:
    return Document(id="doc", title=title, doc_number="", issuers=[], date="2020-01-01",
                    doc_type="意见", source="test.txt", clauses=list(clauses))


@pytest.fixture
def small(tmp_path):
    return fixture_taxonomy(tmp_path, "small.toml")


# --- the taxonomy file ---------------------------------------------------------------------

def test_shipped_taxonomy_loads_with_the_seed_themes(corpus_dir):
    taxonomy = load_taxonomy(corpus_dir)
    names = [theme.name for theme in taxonomy.themes]
    for seed in ["人才与评价", "基础研究", "科研机构与基地", "高等教育与双一流", "科技成果转化", "科技奖励",
                 "人工智能", "军民融合", "国际合作", "科普与科学文化", "区域发展", "产教融合", "体制改革",
                 "党建与思想政治"]:
        assert seed in names
    assert all(theme.description and theme.terms for theme in taxonomy.themes)


def test_corpus_own_taxonomy_overrides_the_shipped_one(small):
    assert [theme.name for theme in small.themes] == ["科技奖励", "人工智能", "科技成果转化"]
    assert small.length_floor == 100 and small.document_max_themes == 2
    assert small.themes[0].terms == {"奖": 2.0, "提名制": 3.0, "科学技术奖": 3.0}


@pytest.mark.parametrize("name, problem", [
    ("syntax_error.toml", "line 5"),
    ("no_terms.toml", "theme #1 (人工智能) has no terms"),
    ("bad_weight.toml", "term '人工智能' needs a positive weight, got 'high'"),
    ("duplicate_name.toml", "theme name(s) used twice: 人工智能"),
    ("unknown_setting.toml", "unknown top-level setting(s): clause_treshold"),
])
def test_malformed_taxonomy_names_the_file_and_the_problem(tmp_path, name, problem):
    with pytest.raises(TaxonomyError) as error:
        fixture_taxonomy(tmp_path, name)
    message = str(error.value)
    assert str(tmp_path / "config" / "themes.toml") in message
    assert problem in message


def test_themes_command_reports_a_malformed_taxonomy_without_a_traceback(tmp_path, capsys):
    corpus = corpus_with(tmp_path, (FIXTURES / "bad_weight.toml").read_text(encoding="utf-8"))
    assert themes_command(Namespace(corpus=str(corpus))) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "themes.toml" in err and "Traceback" not in err


# --- matching and scoring ------------------------------------------------------------------

def test_short_terms_match_whole_words_only(small):
    assert "科技奖励" in match_themes("设立国家科学技术奖。", small)
    award = match_themes("成果突出者获得奖。", small)["科技奖励"]
    assert award.terms == ["奖"]
    assert "科技奖励" not in match_themes("设立奖学金和助学金。", small)   # 奖 inside 奖学金


def test_latin_terms_match_whole_words_only(small):
    assert match_themes("发展AI芯片。", small)["人工智能"].terms == ["AI"]
    assert match_themes("发展Ai芯片。", small)["人工智能"].raw == 3.0
    assert "人工智能" not in match_themes("防治AIDS。", small)


def test_latin_terms_may_span_several_words(tmp_path):
    taxonomy = load_taxonomy(corpus_with(tmp_path, '[[theme]]\nname = "科技服务"\n'
                                                   'terms = { "STS Network" = 3 }\n'))
    assert match_themes("建设科技服务网络（STS Network）。", taxonomy)["科技服务"].raw == 3.0


def test_long_terms_match_as_substrings(small):
    assert match_themes("促进高校技术转移机构建设。", small)["科技成果转化"].terms == ["技术转移"]


def test_overlapping_terms_count_once_for_the_longest(small):
    match = match_themes("推动科技成果转化。", small)["科技成果转化"]
    assert match.terms == ["科技成果转化"] and match.raw == 3.0


def test_raw_score_is_weight_times_occurrences(small):
    match = match_themes("人工智能与人工智能，成果转化。", small)
    assert match["人工智能"].raw == 6.0
    assert match["科技成果转化"].raw == 2.0


def test_a_clause_needs_no_theme_name_only_its_terms(small):
    c = clause("实行提名制，设立国家科学技术奖。")
    tag_documents([document(c)], small)
    assert c.themes == ["科技奖励"]
    assert c.theme_terms == {"科技奖励": ["提名制", "科学技术奖"]}


def test_a_weak_term_in_a_long_clause_stays_below_the_threshold(small):
    padding = "加强组织领导，完善工作机制，" * 20
    c = clause(padding + "推进智能制造。")
    tag_documents([document(c)], small)
    assert c.themes == []
    short = clause("推进智能制造，发展人工智能。")
    tag_documents([document(short)], small)
    assert short.themes == ["人工智能"]


def test_label_and_heading_count_as_the_clause_own_text(small):
    c = clause("加快推进相关工作。", heading="发展人工智能。", label="（三）")
    assert own_text(c) == "（三）\n发展人工智能。\n加快推进相关工作。"
    tag_documents([document(c)], small)
    assert c.theme_terms == {"人工智能": ["人工智能"]}


def test_a_parent_heading_does_not_tag_its_children(small):
    parent = clause("", heading="人工智能。", label="一、", id="1")
    child = clause("加强组织领导，完善工作机制。", label="（一）", id="1.1")
    child.parent = "1"
    tag_documents([document(parent, child)], small)
    assert parent.themes == ["人工智能"] and child.themes == []


def test_ignored_record_fields_do_not_tag_a_task(tmp_path):
    taxonomy = load_taxonomy(corpus_with(tmp_path, 'ignore_fields = ["牵头部门"]\n'
                                         '[[theme]]\nname = "国际合作"\nterms = { "国际合作" = 3 }\n'))
    task = clause("牵头部门：国际合作局\n具体举措：推荐培育项目。", heading="推荐项目")
    task.fields = {"牵头部门": "国际合作局", "具体举措": "推荐培育项目。"}
    abroad = clause("牵头部门：人事局\n具体举措：深化国际合作。", heading="深化合作")
    abroad.fields = {"牵头部门": "人事局", "具体举措": "深化国际合作。"}
    tag_documents([document(task, abroad)], taxonomy)
    assert task.themes == [] and abroad.themes == ["国际合作"]


def test_ignore_fields_must_be_a_list_of_names(tmp_path):
    with pytest.raises(TaxonomyError, match="ignore_fields must be a list"):
        load_taxonomy(corpus_with(tmp_path, 'ignore_fields = "牵头部门"\n'
                                            '[[theme]]\nname = "x"\nterms = { "y" = 1 }\n'))


def test_clause_themes_are_ordered_by_score(small):
    c = clause("推动科技成果转化和技术转移，发展人工智能。")
    tag_documents([document(c)], small)
    assert c.themes == ["科技成果转化", "人工智能"]


# --- document themes -----------------------------------------------------------------------

def test_document_keeps_themes_tagging_enough_clauses_best_first(small):
    ai = [clause("发展人工智能。", id=f"ai-{n}") for n in range(4)]
    transfer = [clause("推动科技成果转化。", id=f"t-{n}") for n in range(2)]
    award = clause("设立国家科学技术奖。", id="a")      # 1 of 8 clauses: below document_min_share
    plain = clause("加强组织领导。", id="p")
    doc = document(*ai, *transfer, award, plain)
    tag_documents([doc], small)
    assert doc.themes == ["人工智能", "科技成果转化"]
    assert doc.theme_terms == {"人工智能": ["人工智能"], "科技成果转化": ["科技成果转化"]}


def test_document_keeps_at_most_document_max_themes(small):
    doc = document(clause("人工智能。", id="1"), clause("科技成果转化。", id="2"),
                   clause("科学技术奖。", id="3"))
    tag_documents([doc], small)
    assert len(doc.themes) == small.document_max_themes == 2


def test_document_drops_a_second_theme_below_the_share(small):
    doc = document(*[clause("发展人工智能。", id=f"ai-{n}") for n in range(4)],
                   clause("设立国家科学技术奖。", id="a"),
                   *[clause("加强组织领导。", id=f"p-{n}") for n in range(3)])
    tag_documents([doc], small)
    assert doc.themes == ["人工智能"]


def test_document_keeps_its_best_theme_even_below_the_share(small):
    doc = document(*[clause("加强组织领导。", id=f"p-{n}") for n in range(5)], clause("发展人工智能。"))
    tag_documents([doc], small)
    assert doc.themes == ["人工智能"]


def test_document_with_no_tagged_clause_takes_its_best_theme_over_the_whole_text(small):
    padding = "加强组织领导，完善工作机制，" * 20
    doc = document(clause(padding + "推进智能制造。", id="1"), clause(padding, id="2"),
                   title="关于推动成果转化的通知")
    tag_documents([doc], small)
    assert all(c.themes == [] for c in doc.clauses)
    assert doc.themes == ["科技成果转化"] and doc.theme_terms == {"科技成果转化": ["成果转化"]}


def test_document_without_any_term_gets_no_theme_rather_than_an_unexplained_one(small):
    doc = document(clause("加强组织领导，完善工作机制。"))
    tag_documents([doc], small)
    assert doc.themes == [] and doc.theme_terms == {}


def test_retagging_replaces_old_tags(small):
    c = clause("发展人工智能。")
    c.themes, c.theme_terms = ["旧主题"], {"旧主题": ["旧"]}
    tag_documents([document(c)], small)
    assert c.themes == ["人工智能"]


def test_themes_report_lists_counts_top_documents_and_unused_terms(small):
    doc = document(clause("发展人工智能。"), title="人工智能规划")
    tag_documents([doc], small)
    report = themes_report([doc], small)
    assert "人工智能: 1 documents, 1 clauses" in report
    assert "人工智能规划" in report
    assert "terms that tagged nothing: 奖、提名制、科学技术奖" in report
    assert "科技奖励: 0 documents, 0 clauses" in report
    assert "  人工智能规划: 人工智能 100%" in report


def test_themes_report_flags_a_document_without_a_theme(small):
    doc = document(clause("加强组织领导。"), title="组织工作意见")
    tag_documents([doc], small)
    assert "  组织工作意见: NO THEME" in themes_report([doc], small)


# --- the real corpus -----------------------------------------------------------------------

# Judged by reading each document: every theme listed must be among the document's themes.
# A set of alternatives in a tuple means "at least one of them" (mixed task lists).
EXPECTED_DOCUMENT_THEMES = [
    ("统筹推进世界一流大学和一流学科建设实施办法", ["高等教育与双一流"]),
    ("简政放权放管结合优化服务", ["高等教育与双一流", "体制改革"]),
    ("新时代教师队伍建设改革", ["教师队伍建设", "党建与思想政治"]),
    ("人才评价机制改革", ["人才与评价"]),
    ("全面加强基础科学研究", ["基础研究"]),
    ("国家技术转移体系建设方案", ["科技成果转化"]),
    ("深化产教融合", ["产教融合"]),
    ("科技奖励制度改革", ["科技奖励"]),
    ("国家科技创新基地与条件保障能力建设专项规划", ["科研机构与基地"]),
    ("军民融合深度发展", ["军民融合"]),
    ("海上丝绸之路的愿景与行动", ["国际合作", "区域发展"]),
    ("新一代人工智能发展规划", ["人工智能"]),
    ("中外人文交流", ["国际合作"]),
    ("对口合作工作方案", ["区域发展"]),
    ("振兴东北科技成果转移转化", ["科技成果转化", "区域发展"]),
    ("支持哈尔滨工业大学", ["高等教育与双一流"]),
    ("哈尔滨工程大学", ["高等教育与双一流"]),
    ("率先行动", ["科研机构与基地", "体制改革"]),
    ("中国科学技术协会事业发展", ["科普与科学文化"]),
    ("重点工作分工方案", [("基础研究", "科研机构与基地")]),
]

# Themes a reader would call wrong for the document.
UNEXPECTED_DOCUMENT_THEMES = [
    ("新一代人工智能发展规划", "科技奖励"),
    ("科技奖励制度改革", "人工智能"),
    ("军民融合深度发展", "教师队伍建设"),
    ("对口合作工作方案", "基础研究"),
]

# (document title, a phrase of the clause, a theme it must have)
EXPECTED_CLAUSE_THEMES = [
    ("新时代教师队伍建设改革", "核定绩效工资总量", "人才与评价"),
    ("新时代教师队伍建设改革", "收入分配", "人才与评价"),
    ("新一代人工智能发展规划", "加强人工智能领域军民融合", "军民融合"),
    ("全面加强基础科学研究", "布局建设国家实验室", "科研机构与基地"),
    ("国家技术转移体系建设方案", "知识产权", "科技成果转化"),
    ("深化产教融合", "校企合作", "产教融合"),
]


@pytest.fixture(scope="module")
def corpus(corpus_dir):
    return build_corpus(corpus_dir)


def documents_titled(corpus, part: str) -> list[Document]:
    found = [d for d in corpus.documents if part in d.title]
    assert found, f"no document title contains {part!r}"
    return found


def test_every_document_has_one_to_three_themes(corpus):
    for doc in corpus.documents:
        assert 1 <= len(doc.themes) <= 3, doc.title


@pytest.mark.parametrize("title, expected", EXPECTED_DOCUMENT_THEMES,
                         ids=[title for title, _ in EXPECTED_DOCUMENT_THEMES])
def test_document_themes_match_a_reading_of_the_document(corpus, title, expected):
    for doc in documents_titled(corpus, title):
        for theme in expected:
            alternatives = theme if isinstance(theme, tuple) else (theme,)
            assert set(alternatives) & set(doc.themes), f"{doc.title}: {doc.themes}"


@pytest.mark.parametrize("title, theme", UNEXPECTED_DOCUMENT_THEMES)
def test_document_themes_leave_out_what_the_document_is_not_about(corpus, title, theme):
    for doc in documents_titled(corpus, title):
        assert theme not in doc.themes


@pytest.mark.parametrize("title, phrase, theme", EXPECTED_CLAUSE_THEMES)
def test_clause_themes_come_from_the_clause_own_text(corpus, title, phrase, theme):
    for doc in documents_titled(corpus, title):
        clauses = [c for c in doc.clauses if phrase in own_text(c)]
        assert clauses, f"no clause of {doc.title} contains {phrase!r}"
        assert any(theme in c.themes for c in clauses), [(c.id, c.themes) for c in clauses]


# (document title, a phrase of the clause, a theme it must NOT have)
UNEXPECTED_CLAUSE_THEMES = [
    ("重点工作分工方案", "推荐成熟的培育项目", "国际合作"),     # only its 牵头部门 is 国际合作局
    ("新时代教师队伍建设改革", "大力振兴教师教育", "区域发展"),   # 振兴 alone is not regional policy
]


@pytest.mark.parametrize("title, phrase, theme", UNEXPECTED_CLAUSE_THEMES)
def test_clause_themes_need_more_than_a_stray_word(corpus, title, phrase, theme):
    for doc in documents_titled(corpus, title):
        clauses = [c for c in doc.clauses if phrase in own_text(c)]
        assert clauses, f"no clause of {doc.title} contains {phrase!r}"
        assert not any(theme in c.themes for c in clauses), [(c.id, c.themes) for c in clauses]


def test_clause_about_pay_in_the_teachers_document_is_about_talent_not_only_teachers(corpus):
    for doc in documents_titled(corpus, "新时代教师队伍建设改革"):
        assert "人才与评价" not in doc.themes[:1]
        pay = [c for c in doc.clauses if "绩效工资" in own_text(c)]
        assert pay and all("人才与评价" in c.themes for c in pay)


def test_every_assigned_theme_shows_terms_found_in_the_text(corpus):
    for doc in corpus.documents:
        assert set(doc.theme_terms) == set(doc.themes), doc.title
        for clause_ in doc.clauses:
            assert set(clause_.theme_terms) == set(clause_.themes), clause_.id
            for terms in clause_.theme_terms.values():
                assert terms and all(term.casefold() in own_text(clause_).casefold() for term in terms)
        whole = "\n".join([doc.title, *(own_text(c) for c in doc.clauses)]).casefold()
        for terms in doc.theme_terms.values():
            assert terms and all(term.casefold() in whole for term in terms)


def test_editing_the_taxonomy_and_retagging_changes_the_tags(corpus, corpus_dir, tmp_path):
    shipped = (config.REPO / "corpus" / "config" / "themes.toml").read_text(encoding="utf-8")
    # Drop 人工智能 and add a new theme: the AI plan loses its theme, 知识产权 clauses gain one.
    without_ai = "\n[[theme]]".join(part for part in shipped.split("\n[[theme]]")
                                     if 'name = "人工智能"' not in part)
    edited = without_ai + '\n[[theme]]\nname = "知识产权"\ndescription = "专利与知识产权保护"\n' \
                          'terms = { "知识产权" = 3, "专利" = 2 }\n'
    taxonomy = load_taxonomy(corpus_with(tmp_path, edited))
    tag_documents(corpus.documents, taxonomy)
    try:
        everything = [c for d in corpus.documents for c in d.clauses]
        assert not any("人工智能" in c.themes for c in everything)
        assert any("知识产权" in c.themes for c in everything)
        for doc in documents_titled(corpus, "新一代人工智能发展规划"):
            assert "人工智能" not in doc.themes and doc.themes
    finally:
        tag_documents(corpus.documents, load_taxonomy(corpus_dir))


def test_themes_command_prints_every_theme(corpus, corpus_dir, capsys):
    assert themes_command(Namespace(corpus=str(corpus_dir))) == 0
    out = capsys.readouterr().out
    for theme in load_taxonomy(corpus_dir).themes:
        assert f"{theme.name}: " in out
    assert "新一代人工智能发展规划" in out


def test_themes_command_reports_a_missing_corpus_folder(tmp_path, capsys):
    assert themes_command(Namespace(corpus=str(tmp_path / "nowhere"))) == 2
    assert "corpus folder not found" in capsys.readouterr().err
