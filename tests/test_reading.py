"""Reading and citing (issue 11, items 9–14), on the real corpus through Flask's test client:
task records shown once, no internal ids where a reader looks, a clause's own themes, citations
and their downloads, bare labels that carry their first words, and press summaries flagged."""
from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup

from app import create_app
from indexer import present
from indexer.records import Clause

TODAY = "2026-12-01"
# What a reader must never see as a clause's name: ids of unnumbered clauses.
RAW_ID = re.compile(r"^(p\d+|notice|closing|full|s\d+(\.t\d+)*)$")
# A numbering label and nothing else: （1）, 7., 三、, 第六条.
BARE_LABEL = re.compile(r"^\s*([（(][一二三四五六七八九十\d]+[)）]|\d+[.．、]|[一二三四五六七八九十]+、|"
                        r"第[一二三四五六七八九十百]+条)\s*$")


@pytest.fixture(scope="module")
def client(built_index):
    return create_app({"CESOU_INDEX": built_index, "CESOU_TODAY": TODAY}).test_client()


@pytest.fixture(scope="module")
def docs(client):
    return [client.get(f"/api/documents/{d['id']}").get_json()
            for d in client.get("/api/documents").get_json()["documents"]]


def soup_of(client, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def task_plan(docs) -> dict:
    """The document whose task records have sub-measures (the 分工方案)."""
    return max(docs, key=lambda d: sum(1 for c in d["clauses"] if c["fields"].get("具体举措")))


# --- 9. task records shown once -------------------------------------------------------------------

def test_each_field_of_a_task_record_is_shown_once_on_the_reader(client, docs):
    doc = task_plan(docs)
    page = soup_of(client, f"/d/{doc['id']}")
    records = [c for c in doc["clauses"] if c["fields"]]
    assert len(records) > 30
    for record in records:
        section = page.find(id=record["id"])
        shown = section.find("dl", class_="fields", recursive=False) or section.find("dl")
        names = [dt.get_text() for dt in shown.find_all("dt", recursive=False)]
        assert sorted(names) == sorted(record["fields"]), record["id"]   # each once
        paragraphs = [p.get_text() for p in section.find_all("p", recursive=False)]
        assert not [p for p in paragraphs if re.match(r"^\S{2,5}[：:]", p)], record["id"]


def test_sub_measures_are_shown_once_inside_the_measures_cell(client, docs):
    doc = task_plan(docs)
    text = soup_of(client, f"/d/{doc['id']}").select_one(".doc-body").get_text()
    measures = [c for c in doc["clauses"] if c["label"].startswith("（") and
                any(p["id"] == c["parent"] and p["fields"].get("具体举措") for p in doc["clauses"])]
    assert len(measures) > 20
    for measure in measures:
        first_line = measure["text"].split("\n")[0]
        assert text.count(first_line) == 1, measure["id"]
    record = next(c for c in doc["clauses"] if c["id"] == measures[0]["parent"])
    page = soup_of(client, f"/d/{doc['id']}/{record['id']}")
    cell = page.select_one(".clause-text .measures")
    assert [li["id"] for li in cell.find_all("li", recursive=False)] == \
        [m["id"] for m in measures if m["parent"] == record["id"]]
    assert not page.select(".children")          # not listed a second time as 下级条款


def test_a_records_closing_field_is_not_repeated_in_its_last_sub_measure(client, docs):
    doc = task_plan(docs)
    by_id = {c["id"]: c for c in doc["clauses"]}
    last = next(c for c in doc["clauses"] if "时间期限：" in c["text"] and c["parent"]
                and not c["fields"] and by_id[c["parent"]]["fields"].get("时间期限"))
    page = soup_of(client, f"/d/{doc['id']}/{last['id']}")
    assert "时间期限" not in page.select_one(".clause-text").get_text()
    record_page = soup_of(client, f"/d/{doc['id']}/{last['parent']}")
    assert record_page.select_one(".clause-text").get_text().count("时间期限") == 1


# --- 10. no internal ids as names -----------------------------------------------------------------

@pytest.mark.parametrize("clause_id, name", [("notice", "印发通知"), ("p1", "引言第1段"),
                                             ("p12", "引言第12段"), ("closing", "结语"),
                                             ("full", "全文"), ("closing-2", "结语")])
def test_unnumbered_clauses_are_named_by_their_place(clause_id, name):
    unnumbered = Clause(id=clause_id, label="", heading="", text="正文。", parent=None, kind="x")
    assert present.clause_name(unnumbered) == name == present.clause_caption(unnumbered)


def test_no_page_shows_an_internal_id_as_a_name(client, docs):
    for doc in docs:
        for clause in doc["clauses"]:
            if clause["label"] or clause["heading"]:
                continue
            page = soup_of(client, f"/d/{doc['id']}/{clause['id']}")
            title, h1 = page.title.get_text(), page.h1.get_text()
            current = page.select_one('nav .crumbs [aria-current]').get_text()
            for shown in (title.split(" · ")[0], h1, current):
                assert not RAW_ID.match(shown.strip()), (doc["id"], clause["id"], shown)
            assert h1 == present.clause_name(Clause(**{k: clause[k] for k in (
                "id", "label", "heading", "text", "parent", "kind")}))


def test_result_cards_name_preamble_paragraphs(client):
    hits = client.get(f"/api/search?q={quote('形成本方案')}").get_json()["hits"]
    hit = next(h for h in hits if RAW_ID.match(h["clause_id"]))
    card = soup_of(client, f"/?q={quote('形成本方案')}").select_one("article.hit .hit-clause")
    assert card.select_one("[aria-current]").get_text().startswith("引言第")
    assert hit["clause_id"] not in card.get_text()


# --- 11. a clause page shows the clause's own themes -------------------------------------------------

def test_clause_page_themes_are_the_clauses_own_with_their_terms(client, docs):
    doc, clause = next((d, c) for d in docs for c in d["clauses"]
                       if c["themes"] and set(c["themes"]) != set(d["themes"]))
    meta = soup_of(client, f"/d/{doc['id']}/{clause['id']}").select_one("dl.doc-meta")
    own = meta.select_one("dd.clause-themes")
    assert [t.get_text() for t in own.select(".tag")] == clause["themes"]
    for theme, terms in clause["theme_terms"].items():
        assert "、".join(terms) in own.get_text(), theme
    assert [t.get_text() for t in meta.select("dd.doc-themes .tag")] == doc["themes"]


# --- 12. citations ----------------------------------------------------------------------------------

def test_clause_page_cites_gbt_7714_eb_ol_with_dates_locator_and_url(client):
    page = soup_of(client, "/d/gf-2018-4/6.19")
    citation = page.select_one(".citation cite").get_text()
    assert citation == ("国务院. 国务院关于全面加强基础科学研究的若干意见: 国发〔2018〕4号[EB/OL]. "
                        f"(2018-01-19)[{TODAY}]: 六、（十九）. http://localhost/d/gf-2018-4/6.19.")
    links = {a.get_text(): a["href"] for a in page.select(".cite-formats a")}
    assert links == {"RIS": "/api/cite/gf-2018-4/6.19.ris", "BibTeX": "/api/cite/gf-2018-4/6.19.bib",
                     "CSL-JSON": "/api/cite/gf-2018-4/6.19.json"}


def test_one_clause_as_csl_json_has_the_exact_shape(client):
    response = client.get("/api/cite/2017-01-24-tctjsjyl-bf/art-16.json")
    assert response.content_type == "application/vnd.citationstyles.csl+json; charset=utf-8"
    assert json.loads(response.get_data(as_text=True)) == [{
        "id": "2017-01-24-tctjsjyl-bf:art-16", "type": "document",
        "title": "统筹推进世界一流大学和一流学科建设实施办法（暂行）",
        "author": [{"literal": "教育部"}, {"literal": "财政部"}, {"literal": "国家发展改革委"}],
        "issued": {"date-parts": [[2017, 1, 24]]}, "section": "第十六条",
        "URL": "http://localhost/d/2017-01-24-tctjsjyl-bf/art-16",
        "accessed": {"date-parts": [[2026, 12, 1]]}, "language": "zh-CN"}]


def test_one_clause_as_ris_and_bibtex(client):
    ris = client.get("/api/cite/gf-2017-35/box-1.8.ris")
    assert ris.content_type == "application/x-research-info-systems; charset=utf-8"
    assert 'filename="gf-2017-35-box-1.8.ris"' in ris.headers["Content-Disposition"]
    lines = ris.get_data(as_text=True).split("\r\n")
    assert lines[0] == "TY  - GOVDOC" and "SE  - 专栏1 第8项" in lines and lines[-2:] == ["ER  - ", ""]
    bib = client.get("/api/cite/gf-2017-35/box-1.8.bib")
    assert bib.content_type == "application/x-bibtex; charset=utf-8"
    assert bib.get_data(as_text=True).startswith("@misc{gf-2017-35:box-1.8,\n  author = {{国务院}},")


def test_unknown_clause_and_alias_ids_for_citations(client):
    assert client.get("/api/cite/gf-2018-4/9.99.ris").status_code == 404
    alias = client.get("/api/cite/2017-10-24-sswgjkjc-gh/1.ris")
    assert alias.status_code == 301 and alias.headers["Location"].endswith("/api/cite/gkfj-2017-322/1.ris")


def test_a_whole_result_set_as_ris_and_bibtex(client):
    total = client.get(f"/api/search?q={quote('基础研究')}&year=2018").get_json()["total"]
    ris = client.get(f"/api/search.ris?q={quote('基础研究')}&year=2018").get_data(as_text=True)
    assert ris.count("TY  - GOVDOC") == ris.count("ER  - ") == total
    bib = client.get(f"/api/search.bib?q={quote('基础研究')}&year=2018").get_data(as_text=True)
    assert bib.count("@misc{") == total
    assert client.get("/api/search.ris?page=0").status_code == 400


# --- 13. bare labels carry their first words ---------------------------------------------------------

def test_no_link_is_a_bare_label(client, docs):
    doc = task_plan(docs)
    article_doc = next(d for d in docs if any(c["id"].startswith("art-") for c in d["clauses"]))
    pages = [f"/d/{article_doc['id']}", f"/d/{doc['id']}/s4.t1", f"/d/{doc['id']}/s4.t1.2",
             f"/d/{article_doc['id']}/art-6"]
    for url in pages:
        page = soup_of(client, url)
        for link in page.select(".toc a, .children a, .prev-next a span, .related a, .crumbs a"):
            assert not BARE_LABEL.match(link.get_text()), (url, link.get_text())
    toc = [a.get_text() for a in soup_of(client, f"/d/{article_doc['id']}").select(".toc a")]
    assert any(re.match(r"^第[一二三四五六七八九十]+条 \S", t) for t in toc)


def test_a_label_without_heading_carries_the_first_words_of_its_text():
    clause = Clause(id="s4.t1.1", label="（1）", heading="", parent="s4.t1", kind="item",
                    text="会同财政部制定《稳定支持基础研究领域青年团队试点方案》，根据…")
    assert present.clause_caption(clause) == "（1）会同财政部制定《稳定支持基础研究…"
    article = Clause(id="art-6", label="第六条", heading="", parent=None, kind="article",
                     text="高校应当，依法办学。")
    assert present.clause_caption(article) == "第六条 高校应当…"
    assert present.clause_name(article) == "第六条"          # the heading of its own page


# --- 14. provenance ------------------------------------------------------------------------------------

def test_a_press_summary_is_flagged_on_its_pages_and_in_results(client, docs):
    summary = next(d for d in docs if d["press_summary"])
    notice = soup_of(client, f"/d/{summary['id']}").select_one(".provenance")
    assert notice and "非文件正式文本" in notice.get_text()
    clause_id = summary["clauses"][0]["id"]
    assert soup_of(client, f"/d/{summary['id']}/{clause_id}").select_one(".provenance")
    official = next(d for d in docs if not d["press_summary"])
    assert not soup_of(client, f"/d/{official['id']}").select_one(".provenance")
    q = quote("人文交流")
    hits = client.get(f"/api/search?q={q}").get_json()["hits"]
    assert {h["press_summary"] for h in hits} == {True, False}
    cards = soup_of(client, f"/?q={q}&per_page=50").select("article.hit")
    flagged = [c for c in cards if c.select_one(".hit-provenance")]
    assert len(flagged) == sum(h["press_summary"] for h in hits[:50]) > 0
