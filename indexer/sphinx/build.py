"""Feed a store version into the Sphinx shards, and wait until every shard serves it.

Slots. Each shard exists twice, slot a and slot b (cluster.py). The published store's
`sphinx.json` names the slot it is served from; a build writes the *other* slot:

1. one TSV feed file per shard (a document's clauses go to shard crc32(doc id) % N, so they
   sit together; docnum + 1 is the Sphinx id), written to a temp name and renamed;
2. `indexer` with the feed config (feed<k>.conf: the same shards, paths ending in `.new`) builds
   `<shard>.new.*` beside the live files — exactly the names `indexer --rotate` would write;
3. `indextool --dumpdict --stats` on those files and `indextool --buildidf` give the slot's
   global IDF (§4: identical top-10 ids and weights to a single index). searchd re-reads it
   when the slot rotates: after full → smaller → smaller builds, the weights equalled those
   after a restart of both nodes (checked here, 2026-12-01);
4. SIGHUP to every node (what `indexer --rotate` does): searchd swaps `.new` in, but only
   later — after 0.1 s idle and 11–89 s under load here (§5) — so
5. we WAIT until no `.new.sph` is left and each shard, asked directly on its node, answers
   with this build's stamp and its clause count;
6. `sphinx.json` (slot, stamp, name tables) goes into the version folder; the store's publish
   (index.py) then switches `current`, and from that request on the site reads the new slot.

Until step 6 the site keeps reading the other slot, untouched. A build killed at any step
leaves `current` (and so its slot) as it was; the next build overwrites the half-built slot.
Concurrent builds are excluded by index.py's build lock, and per cluster by build.lock in the
cluster folder. A serving process still on the
*previous* store version would read a slot the next-but-one build rewrites; engines re-read
`current` on every request, so that window is one request long.

Feeding is local: it needs the cluster folder (cluster.json, configs, feed/, data/). On real
nodes the same steps run per node (the feed files copied to each); see `cluster config`.
"""
from __future__ import annotations

import json
import os
import signal
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path

from indexer import facets, store
from indexer.links.model import Status
from indexer.records import Document
from indexer.sphinx import cluster, encode
from indexer.sphinx.cluster import ClusterError, Layout

SPHINX_MANIFEST = "sphinx.json"
# Rotation under load took up to 89 s here (§5); a build waits this long before failing.
ROTATE_TIMEOUT_S = 300.0


def shard_of(doc_id: str, shards: int) -> int:
    """Stable across processes and Python versions (not hash(), which is salted)."""
    return zlib.crc32(doc_id.encode("utf-8")) % shards


def name_tables(documents: list[Document]) -> encode.NameTables:
    issuers = sorted({i for d in documents for i in d.issuers})
    themes = sorted({t for d in documents for c in d.clauses for t in c.themes})
    types = sorted({d.doc_type for d in documents if d.doc_type})
    return encode.NameTables(issuers=tuple(issuers), themes=tuple(themes), types=tuple(types),
                             documents=tuple(d.id for d in documents),
                             validities=tuple(status.value for status in Status))


def _date_attrs(document: Document, ranks: dict[str, int]) -> list[int]:
    """year, date_first, date_last (yyyymmdd, 0 when undated), date_rank (date string order)."""
    year = facets.year_of(document) or 0
    period = facets.period(document.date) if document.date else None
    first, last = (encode.yyyymmdd(period[0]), encode.yyyymmdd(period[1])) if period else (0, 0)
    return [year, first, last, ranks[document.date]]


def feed_rows(documents: list[Document], normalized: dict[str, list[str]], shards: int,
              stamp: int) -> Iterator[tuple[int, str]]:
    """(shard, TSV row) per clause in docnum order: id, the fields of encode.ClauseFields, then
    the attributes in cluster.UINT_ATTRS / MULTI_ATTRS order. A generator: the rows are about
    20 bytes per character of text (hex unigrams and bigrams), 3 GB at ×1000, so they go to
    the feed files one at a time instead of being held in memory (bench.scale)."""
    tables = name_tables(documents)
    ids = {t: {name: i for i, name in enumerate(getattr(tables, t), 1)}
           for t in ("issuers", "themes", "types", "validities")}
    ranks = {d: i for i, d in enumerate(sorted({doc.date for doc in documents}), 1)}
    texts, headings, contexts = normalized["texts"], normalized["headings"], normalized["contexts"]
    docnum = 0
    for d, document in enumerate(documents):
        year, first, last, rank = _date_attrs(document, ranks)
        issuers = ",".join(str(i) for i in sorted({ids["issuers"][n] for n in document.issuers}))
        doctype = ids["types"].get(document.doc_type, 0)
        validity = ids["validities"].get(document.validity, 0)
        shard = shard_of(document.id, shards)
        for clause in document.clauses:
            fields = encode.clause_fields(texts[docnum], headings[docnum], contexts[docnum])
            themes = ",".join(str(i) for i in sorted({ids["themes"][t] for t in clause.themes}))
            # vars, not asdict: asdict deep-copies every field (2.5 s of 13 s at ×10, --profile)
            columns = [str(docnum + 1), *vars(fields).values(),
                       *map(str, (year, doctype, d + 1, first, last, rank, stamp, validity)),
                       issuers, themes]
            yield shard, "\t".join(columns) + "\n"
            docnum += 1
    if docnum != len(texts):
        raise ValueError(f"{docnum} clauses in the documents but {len(texts)} normalised texts")


def _write_feeds(layout: Layout, slot: str, rows: Iterable[tuple[int, str]]) -> list[int]:
    """Write the rows to the slot's feed files (temp names, renamed once all are written);
    the number of clauses per shard."""
    paths = [layout.feed_file(slot, shard) for shard in range(layout.shards)]
    temps = [path.with_suffix(".tmp") for path in paths]
    counts = [0] * layout.shards
    files = [open(temp, "w", encoding="utf-8") for temp in temps]
    try:
        for shard, line in rows:
            files[shard].write(line)
            counts[shard] += 1
        for shard, f in enumerate(files):
            if not counts[shard]:
                f.write(cluster.placeholder_row())
    finally:
        for f in files:
            f.close()
    for temp, path in zip(temps, paths):
        os.replace(temp, path)
    return counts


def _index_slot(layout: Layout, slot: str) -> None:
    """Build `<shard>.new.*` for every shard of the slot, then the slot's global IDF."""
    dicts = []
    for node in range(len(layout.nodes)):
        shards = [layout.shard_index(slot, s) for s in range(layout.shards) if layout.node_of(s) == node]
        conf = str(layout.feed_config_file(node))
        cluster.run_tool(["indexer", "--config", conf, "--quiet", *shards])
        for shard in shards:
            out = cluster.run_tool(["indextool", "--config", conf, "--dumpdict", shard, "--stats"])
            dict_file = layout.root / "data" / f"{shard}.dict"
            dict_file.write_text(_dict_lines(out), encoding="utf-8")
            dicts.append(str(dict_file))
    idf = layout.idf_file(slot)
    temp = idf.with_name(idf.name + ".tmp")
    cluster.run_tool(["indextool", "--buildidf", *dicts, "--out", str(temp)])
    os.replace(temp, idf)


def _dict_lines(dump: str) -> str:
    """indextool's dump without its banner: from the `total-documents: N` line (--buildidf
    needs it: without it N was wrong and every IDF negative) to the end."""
    lines = dump.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("total-documents:"):
            return "".join(lines[i:])
    raise ClusterError("indextool --dumpdict printed no dictionary")


def _rotate(layout: Layout) -> None:
    for node in range(len(layout.nodes)):
        pid = cluster.node_pid(layout, node)
        if pid is None:
            raise ClusterError(f"searchd node {node} is not running; start it (cluster start)")
        os.kill(pid, signal.SIGHUP)


def _shard_state(layout: Layout, slot: str, shard: int) -> tuple[int, int | None]:
    """(clauses served, their stamp or None) of one shard, asked on its own node."""
    import pymysql

    node = layout.nodes[layout.node_of(shard)]
    index = layout.shard_index(slot, shard)
    connection = pymysql.connect(host=node.host, port=node.sql_port, user="", password="",
                                 connect_timeout=2, read_timeout=10)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT stamp FROM {index} WHERE MATCH('@body {encode.SENTINEL}') LIMIT 1")
            row = cursor.fetchone()
            cursor.execute("SHOW META")
            meta = dict(cursor.fetchall())
    finally:
        connection.close()
    return int(meta["total_found"]), (int(row[0]) if row else None)


def wait_until_served(layout: Layout, slot: str, counts: list[int], stamp: int,
                      timeout: float = ROTATE_TIMEOUT_S) -> None:
    """Return once every shard of the slot serves this build: no `.new.sph` left, and each
    shard answers with `counts[shard]` clauses carrying `stamp`. `indexer --rotate` (or our
    SIGHUP) returns before the swap (§5), so publishing without this would serve old data."""
    import pymysql

    deadline = time.monotonic() + timeout
    pending = set(range(layout.shards))
    while True:
        for shard in sorted(pending):
            if Path(f"{layout.data_path(slot, shard)}.new.sph").exists():
                continue
            try:
                served, served_stamp = _shard_state(layout, slot, shard)
            except pymysql.err.MySQLError:
                continue
            if served == counts[shard] and (counts[shard] == 0 or served_stamp == stamp):
                pending.discard(shard)
        if not pending:
            return
        if time.monotonic() > deadline:
            names = ", ".join(layout.shard_index(slot, s) for s in sorted(pending))
            raise ClusterError(f"shards {names} did not serve the new data within {timeout:.0f} s "
                               f"(see {layout.root}/run*/searchd.log)")
        time.sleep(0.1)


def current_slot(index_dir: Path) -> str | None:
    """The slot the published store version reads, if it was built for Sphinx."""
    try:
        return json.loads((Path(index_dir) / "current" / SPHINX_MANIFEST).read_text("utf-8"))["slot"]
    except (OSError, ValueError, KeyError):
        return None


def layout_for(backend_url: str, cluster_dir: Path | None = None) -> Layout:
    """The local cluster a backend URL names (its folder: cluster_dir, else CESOU_CLUSTER_DIR,
    else var/cluster)."""
    url = cluster.parse_backend_url(backend_url)
    root = Path(cluster_dir) if cluster_dir else cluster.default_dir()
    layout = cluster.load_layout(root)
    if layout is None:
        raise ClusterError(f"no local cluster in {root} (python -m indexer cluster start)")
    if layout.url() != url:
        raise ClusterError(f"{url} is not the cluster in {root} ({layout.url()}); a build feeds "
                           f"only a local cluster (set CESOU_CLUSTER_DIR)")
    return layout


def _agents(layout: Layout, slot: str) -> dict[str, list[str]]:
    """host:api_port of every agent of the head's distributed index → its shards, so a
    warning about an agent names the shards missing from an answer."""
    agents: dict[str, list[str]] = {}
    for shard in range(layout.shards):
        node = layout.node_of(shard)
        if node != 0:
            peer = layout.nodes[node]
            agents.setdefault(f"{peer.host}:{peer.api_port}", []).append(layout.shard_index(slot, shard))
    return agents


def publish_sphinx(backend_url: str, version_dir: Path, documents: list[Document],
                   normalized: dict[str, list[str]], cluster_dir: Path | None = None) -> None:
    """Feed `documents` (their normalised texts, headings, contexts in docnum order, as
    index.normalized_clauses gives them) into the slot the current store version does not
    use, wait until every shard serves it, and record the slot in version_dir/sphinx.json.
    Call it before the store's manifest is written. Raises ClusterError on failure (BuildError
    when another build feeds the cluster), leaving the served slot untouched."""
    version_dir = Path(version_dir)
    layout = layout_for(backend_url, cluster_dir)
    with _feed_lock(layout):
        _publish(layout, version_dir, documents, normalized)


def _feed_lock(layout: Layout):
    """One build per cluster: index.py's lock covers one index folder, and two index folders
    pointed at one cluster would overwrite each other's slot. The same lock, on the cluster
    folder (BuildError when held)."""
    return store.build_lock(layout.root)


def _publish(layout: Layout, version_dir: Path, documents: list[Document],
             normalized: dict[str, list[str]]) -> None:
    slot = "b" if current_slot(version_dir.parent.parent) == "a" else "a"
    stamp = zlib.crc32(version_dir.name.encode("utf-8")) & 0x7FFFFFFF
    counts = _write_feeds(layout, slot, feed_rows(documents, normalized, layout.shards, stamp))
    _index_slot(layout, slot)
    _rotate(layout)
    wait_until_served(layout, slot, counts, stamp)
    tables = name_tables(documents)
    manifest = {"backend": str(layout.url()), "slot": slot, "index": layout.dist_index(slot),
                "stamp": stamp, "shards": layout.shards, "clauses": counts,
                "agents": _agents(layout, slot), "tables": asdict(tables)}
    temp = version_dir / (SPHINX_MANIFEST + ".tmp")
    temp.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    os.replace(temp, version_dir / SPHINX_MANIFEST)
