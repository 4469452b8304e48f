"""Issue 14 wired into the build: the citation graph published with each version, validity on
the documents, a broken validity.toml, and a rebuild that makes a 被引用 list grow."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from app import create_app
from indexer import cli, index, store
from indexer.records import SearchRequest
from indexer.search import Engine

BASE_DOC = """\
---
title: 关于测试科研项目管理的办法
文号: 国科发〔2020〕1号
发文机关: 科学技术部
date: 2020-01-10
doc_type: 办法
---
第一条 为加强科研项目管理，制定本办法。

第二条 项目承担单位应当建立内部管理制度。

第三条 本办法自发布之日起施行。
"""

CITING_DOC = """\
---
title: 关于测试科研项目管理的实施细则
文号: 国科发〔2021〕7号
发文机关: 科学技术部
date: 2021-03-01
doc_type: 细则
---
第一条 根据《关于测试科研项目管理的办法》（国科发〔2020〕1号）第二条，制定本细则。

第二条 《关于印发〈科研项目旧规定〉的通知》同时废止。
"""


def write_corpus(folder: Path, *documents: str, validity: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n, text in enumerate(documents):
        (folder / f"doc{n}.md").write_text(text, encoding="utf-8")
    if validity is not None:
        (folder / "config").mkdir(exist_ok=True)
        (folder / "config" / "validity.toml").write_text(textwrap.dedent(validity), encoding="utf-8")
    return folder


def cited_by(index_dir: Path, doc_id: str) -> list[dict]:
    client = create_app({"CESOU_INDEX": index_dir}).test_client()
    response = client.get(f"/api/documents/{doc_id}")
    assert response.status_code == 200
    return response.get_json()["cited_by"]


def test_rebuilding_after_a_citing_document_is_added_grows_the_cited_documents_list(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", BASE_DOC)
    index_dir = tmp_path / "index"
    index.build(corpus, index_dir, show_progress=False)
    assert cited_by(index_dir, "gkf-2020-1") == []
    write_corpus(corpus, BASE_DOC, CITING_DOC)
    index.build(corpus, index_dir, show_progress=False)
    assert cited_by(index_dir, "gkf-2020-1") == [
        {"doc": "gkf-2021-7", "clause": "art-1", "relation": "配套", "target_clause": "art-2"}]   # 根据…制定本细则
    version = store.published_version(index_dir)
    graph = json.loads((version / store.CITATIONS).read_text(encoding="utf-8"))
    assert [u["title"] for u in graph["unresolved"]] == ["关于印发〈科研项目旧规定〉的通知"]


def test_each_document_carries_its_validity_for_filters_and_facets(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", BASE_DOC, CITING_DOC, validity="""\
        ["gkf-2021-7"]
        status = "已废止"
        note = "测试：编辑认定"
        """)
    index.build(corpus, tmp_path / "index", show_progress=False)
    engine = Engine(tmp_path / "index")
    assert {d.id: d.validity for d in engine.documents()} == {"gkf-2020-1": "现行有效",
                                                               "gkf-2021-7": "已废止"}
    result = engine.search(SearchRequest(q="制定", validities=["已废止"]))
    assert {h.doc_id for h in result.hits} == {"gkf-2021-7"} and result.hits[0].validity == "已废止"
    assert {v.value: v.count for v in result.facets["validity"]} == {"已废止": 1}
    assert engine.snapshot().validity("gkf-2021-7").basis_text == "编辑认定：测试：编辑认定"


def test_a_broken_validity_toml_fails_the_build_naming_the_entry(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "corpus", BASE_DOC, validity="""\
        ["gkf-2020-1"]
        status = "作废"
        """)
    argv = ["build", "--corpus", str(corpus), "--index", str(tmp_path / "index")]
    assert cli.main(argv) == 1
    error = capsys.readouterr().err
    assert "构建失败" in error and "validity.toml [gkf-2020-1]" in error and "现行有效" in error
    assert store.published_version(tmp_path / "index") is None


def test_an_override_of_a_document_not_in_the_corpus_is_a_warning(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", BASE_DOC, validity="""\
        ["gf-1999-1"]
        status = "已废止"
        """)
    report = index.build(corpus, tmp_path / "index", show_progress=False)
    assert any("[gf-1999-1]" in m for m in report.warnings["validity.toml"])


def test_a_version_built_before_the_graph_existed_still_serves_with_no_links(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", BASE_DOC, CITING_DOC)
    index.build(corpus, tmp_path / "index", show_progress=False)
    (store.published_version(tmp_path / "index") / store.CITATIONS).unlink()
    assert cited_by(tmp_path / "index", "gkf-2020-1") == []
    client = create_app({"CESOU_INDEX": tmp_path / "index"}).test_client()
    assert client.get("/d/gkf-2021-7/art-1").status_code == 200


def test_the_citations_command_prints_the_summary_of_the_corpus(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "corpus", BASE_DOC, CITING_DOC)
    assert cli.main(["citations", "--corpus", str(corpus)]) == 0
    out = capsys.readouterr().out
    assert "references found: 2" in out and "1 between documents" in out
    assert "《关于印发〈科研项目旧规定〉的通知》" in out


@pytest.mark.parametrize("command", ["citations", "themes", "inspect", "export"])
def test_every_corpus_command_refuses_a_missing_folder_the_same_way(tmp_path, capsys, command):
    assert cli.main([command, "--corpus", str(tmp_path / "none")]) == cli.EXIT_USAGE
    assert capsys.readouterr().err == f"error: corpus folder not found: {tmp_path / 'none'}\n"
