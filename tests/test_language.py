"""One language policy: every message a researcher reads is Chinese, once (README "Language")."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from app import create_app

LATIN_SENTENCE = re.compile(r"[A-Za-z]{3,}(?: [A-Za-z]{2,}){2,}")   # three English words in a row


@pytest.fixture(scope="module")
def client(built_index):
    return create_app({"CESOU_INDEX": built_index}).test_client()


def chinese_only(message: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", message)) and not LATIN_SENTENCE.search(message)


@pytest.mark.parametrize("method, path, status", [
    ("get", "/api/nowhere", 404), ("get", "/api/documents/no-such-doc", 404),
    ("post", "/api/search", 405), ("get", "/api/search?page=0", 400),
    ("get", "/api/search?q=" + quote("研" * 201), 400),
    ("get", "/api/search?q=" + quote(" ".join("研究" + str(i) for i in range(13))), 400),
])
def test_json_errors_are_chinese(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status and response.is_json
    assert chinese_only(response.get_json()["error"]), response.get_json()


@pytest.mark.parametrize("method, path, status", [
    ("get", "/nowhere", 404), ("get", "/d/no-such-doc", 404), ("post", "/", 405),
    ("get", "/d?order=sideways", 400), ("get", "/?q=" + quote("研" * 201), 400),
])
def test_error_pages_are_chinese(client, method, path, status):
    response = getattr(client, method)(path)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    text = re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1].split("</main>", 1)[0])
    assert chinese_only(text) and "Bad Request" not in page and "Not Found" not in page


def test_notices_are_chinese(client):
    for q in ("中央高校建设一流学科的经费由谁支持？", "基础研究 量子纠缠态"):
        notice = client.get(f"/api/search?q={quote(q)}").get_json()["notice"]
        assert notice and chinese_only(notice)
