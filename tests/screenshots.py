"""Regenerate docs/screenshots/*.png from the real site (desktop 1280 and phone 375 wide).

    .venv/bin/python tests/screenshots.py [--index var/index]

Uses the published index (building it when missing) and Debian's Chromium.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from playwright.sync_api import sync_playwright  # noqa: E402

from app import create_app  # noqa: E402
from indexer import config, index, store  # noqa: E402
from indexer.records import SearchRequest  # noqa: E402
from indexer.search import Engine  # noqa: E402
from site_server import launch, serving  # noqa: E402

OUT = REPO / "docs" / "screenshots"
QUERY = "基础研究"
WIDTHS = {"desktop": (1280, 900), "phone": (375, 812)}


def pages(engine: Engine) -> dict[str, str]:
    """The pages to show: a search, a clause that search finds, its document, and the trends
    page of three queries (chart and table)."""
    hit = next(h for h in engine.search(SearchRequest(q=QUERY)).hits if h.breadcrumb)
    return {
        "search": f"/?q={QUERY}",
        "clause": f"/d/{hit.doc_id}/{hit.clause_id}?q={QUERY}",
        "document": f"/d/{hit.doc_id}?q={QUERY}#{hit.clause_id}",
        "trends": f"/trends?q={QUERY}&q=人工智能&q=人才",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", default=str(config.index_dir()))
    parser.add_argument("--corpus", default=str(config.corpus_dir()))
    parser.add_argument("--only", action="append", help="take only these pages (search, trends …)")
    args = parser.parse_args(argv)
    if store.published_version(Path(args.index)) is None:
        index.build(Path(args.corpus), Path(args.index), show_progress=False)
    OUT.mkdir(parents=True, exist_ok=True)
    targets = {name: path for name, path in pages(Engine(Path(args.index))).items()
               if not args.only or name in args.only}
    with serving(create_app({"CESOU_INDEX": args.index})) as base, sync_playwright() as p:
        browser = launch(p)
        for device, (width, height) in WIDTHS.items():
            page = browser.new_page(viewport={"width": width, "height": height},
                                    device_scale_factor=1)
            for name, path in targets.items():
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                out = OUT / f"{name}-{device}.png"
                page.screenshot(path=str(out))
                print(out.relative_to(REPO))
            page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
