"""Feed a store version into the Sphinx shards, and wait until every shard serves it.

Two ways, decided per build (`publish_sphinx`, `incremental` from `python -m indexer build`
unless `--full`):

**Full build into the spare slot.** Each shard exists twice, slot a and slot b (cluster.py).
The published store's `sphinx.json` names the slot it is served from; a full build writes the
*other* slot:

1. one TSV feed file per shard (a document's clauses go to shard crc32(doc id) % N, so they
   sit together; clause n gets the id (n + 1) × ID_STEP, see "Ids" below), written to a temp
   name and renamed; the slot's RT delta is emptied (TRUNCATE RTINDEX);
2. `indexer` with the feed config (feed<k>.conf: the same shards, paths ending in `.new`) builds
   `<shard>.new.*` beside the live files — exactly the names `indexer --rotate` would write;
   meanwhile the build writes the rest of the version (index.py: citations, analytics), and
   only once both are done does it go on (`_alongside`);
3. `indextool --dumpdict --stats` on those files and `indextool --buildidf` give the slot's
   global IDF (§4: identical top-10 ids and weights to a single index). searchd re-reads it
   when the slot rotates: after full → smaller → smaller builds, the weights equalled those
   after a restart of both nodes (checked here, 2026-12-01);
4. SIGHUP to every node (what `indexer --rotate` does): searchd swaps `.new` in, but only
   later — after 0.1 s idle and 11–89 s under load here (§5) — so
5. we WAIT until no `.new.sph` is left and each shard, asked directly on its node, answers
   with this build's stamp and its clause count;
6. `sphinx.json` (slot, stamp, name tables, the slot state below) goes into the version
   folder; the store's publish (index.py) then switches `current`, and from that request on
   the site reads the new slot.

Until step 6 the site keeps reading the other slot, untouched. A build killed at any step
leaves `current` (and so its slot) as it was; the next build overwrites the half-built slot.

**Incremental build into the served slot (the RT delta).** Every slot also has an RT index
`{name}_{slot}_delta` on the head node, one more `local` of the slot's distributed index (so
totals and FACET counts sum over it exactly, like over a shard). Every row carries two
attributes, `born` and `gone`: the generations between which it exists. A full build feeds
born 0, gone GONE_NEVER, and its version has generation 0. A version of generation g reads
only the rows with `born <= g AND gone > g` (sphinxql.py adds the filter to every query).
The next build, generation g+1, diffs the new store against the published version's state
(per document a digest of everything its rows are made of):

1. it checks that the slot still holds what the published version was given (each shard's
   clause count and stamp; the delta's rows, once the leftovers of a killed incremental build
   — rows born after g, rows hidden after g — are deleted or un-hidden; the clauses generation
   g sees), else it falls back to a full build;
2. it INSERTs the added and changed documents' rows into the delta with born = g+1;
3. it sets gone = g+1 (UPDATE … WHERE id IN, on every shard on its own node and on the delta,
   then FLUSH ATTRIBUTES) on the rows of removed and changed documents;
4. it waits until the head, queried as generation g+1, counts exactly the new version's clauses
   with no warning, then writes sphinx.json (generation g+1); the store's publish switches
   `current`.

**What "served" means here**: the rows of generation g+1 are in the live slot from step 2
on, but no store version sees them until the one whose sphinx.json says g+1 is current, and
the rows hidden in step 3 stay visible to generation g (their gone is g+1 > g). So the
published version's answers never change while the delta is written, and a build killed at
any step changes nothing served; the next build undoes its leftovers (step 1). Every older
version of the same slot (a process still on the previous version for one request) also
keeps its exact answers. The publish completes only once the cluster serves generation g+1.

**Ids.** Clause ids ascend in docnum order with gaps (ID_STEP between two clauses of a full
build): a kept document keeps its ids; an added or changed one gets evenly spaced ids in the
widest free stretch between its kept neighbours (never an id any row of the slot ever had:
a hidden row still counts for older generations). So `ORDER BY …, id ASC` is still the
docnum order the Whoosh engine breaks ties by, and each version maps ids to its own docnums
with the per-document [first id, step, clauses] table of its sphinx.json; an id it does not
know is dropped, never resolved to another clause. Name tables (issuers, themes, types,
documents) only grow between full builds, and dates get sparse ranks (RANK_STEP), so rows
already fed keep their meaning.

**When incremental.** When `python -m indexer build` has a previous version (not `--full`),
that version was fed to this cluster and the cluster still serves it (step 1), and after the
change the delta holds at most DELTA_FRACTION (10 %) of the collection's clauses counting
rows inserted plus rows hidden since the last full build (and ids and date ranks still fit
their gaps). Else a full build into the spare slot, which folds everything back into the main
shards and empties that slot's delta. Why 10 %: the delta's rows are ranked with the slot's
global IDF but their own average field lengths and, for terms new since the full build, no
global IDF; hidden rows still cost the shards their share of the work; and the RT RAM chunk
(cluster.RT_MEM_LIMIT) stays in memory — at ×1000 10 % is 75,000 rows, about what §5 wrote
into an RT index in 35 s.

Concurrent builds are excluded by index.py's build lock, and per cluster by build.lock in the
cluster folder. A serving process still on the *previous* store version would read a slot the
next-but-one full build rewrites; engines re-read `current` on every request, so that window
is one request long.

Feeding is local: it needs the cluster folder (cluster.json, configs, feed/, data/). On real
nodes the same steps run per node (the feed files copied to each); see `cluster config`.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

from indexer import facets, store
from indexer.links.model import Status
from indexer.records import Document
from indexer.sphinx import cluster, encode
from indexer.sphinx.cluster import ClusterError, Layout

SPHINX_MANIFEST = "sphinx.json"
# Rotation under load took up to 89 s here (§5); a build waits this long before failing.
ROTATE_TIMEOUT_S = 300.0
# A full build gives clause n the id (n + 1) × ID_STEP: ids follow docnum order with room
# between them, so a clause added later gets an id between its neighbours' and `ORDER BY …,
# id ASC` stays the docnum order the Whoosh engine breaks ties by. Clause ids stay below
# cluster.PLACEHOLDER_ID up to 2^40 clauses.
ID_STEP = 1 << 16
# Dates get sparse ranks the same way (date_rank, uint32): a new date fits between two.
RANK_STEP = 1 << 16
RANK_MAX = cluster.GONE_NEVER - 1
# Incremental builds while the rows in the delta plus the rows hidden in the slot stay below
# this fraction of the collection's clauses; above it a full build (the delta's ranking
# drifts: its terms' global IDF and average field lengths are its own, see the docstring).
DELTA_FRACTION = 0.10
# Rows per INSERT / ids per UPDATE: well under max_packet_size (cluster.MAX_PACKET).
INSERT_BYTES = 4 << 20
UPDATE_IDS = 20_000


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


def feed_rows(documents: list[Document], normalized: dict[str, list[str]], shards: int,
              stamp: int) -> Iterator[tuple[int, str]]:
    """(shard, TSV row) per clause of a full build, in docnum order: id, the fields of
    encode.ClauseFields, then the attributes in cluster.UINT_ATTRS / MULTI_ATTRS order. A
    generator: the rows are about 20 bytes per character of text (hex unigrams and bigrams),
    3 GB at ×1000, so they go to the feed files one at a time instead of being held in memory
    (bench.scale)."""
    state = full_state(documents, normalized, stamp)
    for shard, _, columns in clause_rows(documents, normalized, range(len(documents)), state,
                                         shards, born=0):
        yield shard, "\t".join(columns) + "\n"


def clause_rows(documents: list[Document], normalized: dict[str, list[str]],
                which: Iterable[int], state: "SlotState", shards: int, born: int
                ) -> Iterator[tuple[int, int, list[str]]]:
    """(shard, document index, columns) of every clause of the documents `which` (indexes into
    `documents`, ascending), with the ids, name tables and date ranks of `state`."""
    ids = {t: {name: i for i, name in enumerate(getattr(state.tables, t), 1)}
           for t in ("issuers", "themes", "types", "validities", "documents")}
    texts, headings, contexts = normalized["texts"], normalized["headings"], normalized["contexts"]
    starts = _doc_starts(documents)
    if starts[-1] != len(texts):
        raise ValueError(f"{starts[-1]} clauses in the documents but {len(texts)} normalised texts")
    for d in which:
        document = documents[d]
        first, step = state.docs[document.id][:2]
        year, date_first, date_last = _year_period(document)
        rank = state.dates[document.date]
        issuers = ",".join(str(i) for i in sorted({ids["issuers"][n] for n in document.issuers}))
        doctype = ids["types"].get(document.doc_type, 0)
        validity = ids["validities"].get(document.validity, 0)
        docid = ids["documents"][document.id]
        shard = shard_of(document.id, shards)
        for k, clause in enumerate(document.clauses):
            n = starts[d] + k
            fields = encode.clause_fields(texts[n], headings[n], contexts[n])
            themes = ",".join(str(i) for i in sorted({ids["themes"][t] for t in clause.themes}))
            # vars, not asdict: asdict deep-copies every field (2.5 s of 13 s at ×10, --profile)
            columns = [str(first + k * step), *vars(fields).values(),
                       *map(str, (year, doctype, docid, date_first, date_last, rank, state.stamp,
                                  validity, born, cluster.GONE_NEVER)),
                       issuers, themes]
            yield shard, d, columns


def _doc_starts(documents: list[Document]) -> list[int]:
    """Each document's first docnum, and the clause count at the end."""
    starts = [0]
    for document in documents:
        starts.append(starts[-1] + len(document.clauses))
    return starts


def _year_period(document: Document) -> tuple[int, int, int]:
    """year, date_first, date_last (yyyymmdd, 0 when undated)."""
    year = facets.year_of(document) or 0
    period = facets.period(document.date) if document.date else None
    first, last = (encode.yyyymmdd(period[0]), encode.yyyymmdd(period[1])) if period else (0, 0)
    return year, first, last


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
    """Build `<shard>.new.*` for every shard of the slot, then the slot's global IDF. Each
    node's `indexer` is its own single-threaded process; as many run at once as there are
    cores but one, which the build's own process keeps: the shards are indexed while it
    writes the analytics (`_alongside`). Measured at ×1000 on two cores, the echo pairs (the
    longest analytics step) took 4.1 min with no indexing beside them, 5.4 with two indexers
    at once and 4.9 with one at a time; the Sphinx part of the build went from 3.5 min to its
    feed, 0.8."""
    nodes = range(len(layout.nodes))
    with ThreadPoolExecutor(max_workers=max(1, min(len(nodes), (os.cpu_count() or 1) - 1))) as pool:
        dicts = [d for found in pool.map(lambda node: _index_node(layout, slot, node), nodes)
                 for d in found]
    idf = layout.idf_file(slot)
    temp = idf.with_name(idf.name + ".tmp")
    cluster.run_tool(["indextool", "--buildidf", *dicts, "--out", str(temp)], with_build=True)
    os.replace(temp, idf)


def _index_node(layout: Layout, slot: str, node: int) -> list[str]:
    """Index the node's shards of the slot; the paths of their dictionary dumps."""
    shards = [layout.shard_index(slot, s) for s in range(layout.shards) if layout.node_of(s) == node]
    conf = str(layout.feed_config_file(node))
    cluster.run_tool(["indexer", "--config", conf, "--quiet", *shards], with_build=True)
    dicts = []
    for shard in shards:
        out = cluster.run_tool(["indextool", "--config", conf, "--dumpdict", shard, "--stats"],
                               with_build=True)
        dict_file = layout.root / "data" / f"{shard}.dict"
        dict_file.write_text(_dict_lines(out), encoding="utf-8")
        dicts.append(str(dict_file))
    return dicts


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
                   normalized: dict[str, list[str]], cluster_dir: Path | None = None, *,
                   incremental: bool = False, fraction: float | None = None,
                   meanwhile: Callable[[], None] | None = None) -> str:
    """Feed `documents` (their normalised texts, headings, contexts in docnum order, as
    index.normalized_clauses gives them) to the cluster, wait until it serves them, and record
    the slot and its state in version_dir/sphinx.json. `incremental`: write only the change
    since the current store version into its slot's RT delta when possible (the module
    docstring says when; `fraction` overrides DELTA_FRACTION); else, or when not
    `incremental`, a full build into the slot the current version does not use. Call it
    before the store's manifest is written. Returns what it did ("incremental: …" or "full
    re-feed (why)"). Raises ClusterError on failure (BuildError when another build feeds the
    cluster), leaving what is served untouched. `meanwhile` is the rest of the build's own work
    (index.py: citations, analytics): a full build runs it while `indexer` builds the shards
    (separate processes), an incremental one after the delta is served."""
    version_dir = Path(version_dir)
    layout = layout_for(backend_url, cluster_dir)
    import pymysql

    with _feed_lock(layout):
        try:
            return _publish(layout, version_dir, documents, normalized, incremental,
                            DELTA_FRACTION if fraction is None else fraction, meanwhile or _nothing)
        except pymysql.err.MySQLError as error:     # a node down or refusing: nothing published
            hint = (" (a cluster started before the RT delta indexes existed needs `cluster stop` "
                    "and `cluster start` to load them)" if "delta" in str(error) else "")
            raise ClusterError(f"the cluster {layout.url()} failed during the build: {error}{hint}") from None


def _feed_lock(layout: Layout):
    """One build per cluster: index.py's lock covers one index folder, and two index folders
    pointed at one cluster would overwrite each other's slot. The same lock, on the cluster
    folder (BuildError when held)."""
    return store.build_lock(layout.root)


def _nothing() -> None:
    pass


def _publish(layout: Layout, version_dir: Path, documents: list[Document],
             normalized: dict[str, list[str]], incremental: bool, fraction: float,
             meanwhile: Callable[[], None]) -> str:
    previous = _current_manifest(version_dir.parent.parent)
    started = time.monotonic()
    if incremental:
        try:
            done = _publish_delta(layout, version_dir, documents, normalized, previous, fraction)
            took = time.monotonic() - started
            meanwhile()
            return f"{done}, {took:.1f} s"
        except FullBuild as why:
            reason = str(why)
    else:
        reason = "--full" if previous else "no previous Sphinx version"
    took = _publish_full(layout, version_dir, documents, normalized, meanwhile)
    return f"full re-feed ({reason}), {took:.1f} s"


def _publish_full(layout: Layout, version_dir: Path, documents: list[Document],
                  normalized: dict[str, list[str]], meanwhile: Callable[[], None]) -> float:
    """A full feed of the slot the current version does not use; `meanwhile` runs while the
    shards are indexed. Returns the seconds the cluster added to the build (its wall time
    but `meanwhile`'s)."""
    started = time.monotonic()
    slot = "b" if current_slot(version_dir.parent.parent) == "a" else "a"
    stamp = zlib.crc32(version_dir.name.encode("utf-8")) & 0x7FFFFFFF
    state = full_state(documents, normalized, stamp)
    _truncate_delta(layout, slot)       # a full build folds every earlier delta into the shards
    rows = ((shard, "\t".join(columns) + "\n") for shard, _, columns in clause_rows(
        documents, normalized, range(len(documents)), state, layout.shards, born=0))
    counts = _write_feeds(layout, slot, rows)
    started += _alongside(lambda: _index_slot(layout, slot), meanwhile)
    _rotate(layout)
    wait_until_served(layout, slot, counts, stamp)
    _write_manifest(layout, version_dir, slot, counts, state)
    return time.monotonic() - started


def _alongside(indexing: Callable[[], None], meanwhile: Callable[[], None]) -> float:
    """Run `indexing` (the `indexer` processes, waited on by a thread: it holds no Python lock
    while it waits) while this thread runs `meanwhile`; both must succeed. Returns the seconds
    `meanwhile` took. When `meanwhile` fails, the indexing is still waited for (bounded by
    cluster.run_tool's timeout) before the error goes on, so the feed lock is never released
    while an `indexer` still writes the slot."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cesou-indexer") as pool:
        done = pool.submit(indexing)
        started = time.monotonic()
        try:
            meanwhile()
        finally:
            took = time.monotonic() - started
            wait([done])
        done.result()
    return took


def _write_manifest(layout: Layout, version_dir: Path, slot: str, counts: list[int],
                    state: "SlotState") -> None:
    manifest = {"backend": str(layout.url()), "slot": slot, "index": layout.dist_index(slot),
                "stamp": state.stamp, "shards": layout.shards, "clauses": counts,
                "agents": _agents(layout, slot), "tables": asdict(state.tables),
                **state.to_json()}
    temp = version_dir / (SPHINX_MANIFEST + ".tmp")
    temp.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    os.replace(temp, version_dir / SPHINX_MANIFEST)


def _current_manifest(index_dir: Path) -> dict | None:
    try:
        return json.loads((Path(index_dir) / "current" / SPHINX_MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None


# --- the slot's state, carried from version to version -----------------------------------

class FullBuild(Exception):
    """An incremental build is not possible or not worth it; the message says why."""


@dataclass
class SlotState:
    """What a version's sphinx.json records about its slot, beyond the slot and the tables."""
    stamp: int                          # the slot's full build
    gen: int                            # this version's generation: it sees born <= gen < gone
    tables: encode.NameTables           # append-only between full builds
    dates: dict[str, int]               # document date → date_rank (sparse, order-preserving)
    docs: dict[str, list]               # doc id → [first id, id step, clauses, digest], store order
    max_id: int = 0                     # the largest clause id ever fed to the slot
    delta_rows: int = 0                 # rows in the slot's RT delta (served or hidden)
    hidden_rows: int = 0                # rows hidden from this generation on (gone <= gen)
    hidden: list[list[int]] = field(default_factory=list)   # [first, last] id of hidden documents

    def to_json(self) -> dict:
        return {"gen": self.gen, "dates": self.dates, "docs": self.docs, "max_id": self.max_id,
                "delta_rows": self.delta_rows, "hidden_rows": self.hidden_rows,
                "hidden": self.hidden}

    @classmethod
    def from_manifest(cls, manifest: dict) -> "SlotState":
        return cls(stamp=manifest["stamp"], gen=manifest["gen"],
                   tables=encode.NameTables(**{k: tuple(v) for k, v in manifest["tables"].items()}),
                   dates=manifest["dates"], docs=manifest["docs"], max_id=manifest["max_id"],
                   delta_rows=manifest["delta_rows"], hidden_rows=manifest["hidden_rows"],
                   hidden=manifest["hidden"])


def document_digests(documents: list[Document], normalized: dict[str, list[str]]) -> list[str]:
    """Per document, a digest of everything its rows are made of (texts, headings, contexts,
    date, type, validity, issuers, themes), by name: equal digests ⇒ equal rows."""
    texts, headings, contexts = normalized["texts"], normalized["headings"], normalized["contexts"]
    digests, n = [], 0
    for document in documents:
        h = hashlib.blake2b(digest_size=12)
        h.update("\x1f".join([document.id, document.date or "", document.doc_type or "",
                              document.validity or "", *sorted(set(document.issuers))]).encode())
        for clause in document.clauses:
            h.update(("\x1e" + "\x1f".join([texts[n], headings[n], contexts[n], "",
                                             *sorted(set(clause.themes))])).encode())
            n += 1
        digests.append(h.hexdigest())
    return digests


def full_state(documents: list[Document], normalized: dict[str, list[str]], stamp: int) -> SlotState:
    dates = sorted({d.date for d in documents})
    step = min(RANK_STEP, RANK_MAX // (len(dates) + 1))
    starts = _doc_starts(documents)
    docs = {d.id: [(starts[i] + 1) * ID_STEP, ID_STEP, len(d.clauses), digest]
            for i, (d, digest) in enumerate(zip(documents, document_digests(documents, normalized)))}
    return SlotState(stamp=stamp, gen=0, tables=name_tables(documents),
                     dates={date: (i + 1) * step for i, date in enumerate(dates)}, docs=docs,
                     max_id=starts[-1] * ID_STEP)


def plan_delta(previous: SlotState, documents: list[Document], normalized: dict[str, list[str]],
               fraction: float) -> tuple[SlotState, list[int], list[int]]:
    """The next generation's state, the documents to insert (indexes, ascending) and the ids
    to hide; FullBuild when the change is too large or does not fit the id/rank gaps."""
    digests = document_digests(documents, normalized)
    kept = {d.id for d, digest in zip(documents, digests)
            if d.id in previous.docs and previous.docs[d.id][3] == digest}
    added = [i for i, d in enumerate(documents) if d.id not in kept]
    removed = [entry for doc_id, entry in previous.docs.items() if doc_id not in kept]
    added_rows = sum(len(documents[i].clauses) for i in added)
    removed_rows = sum(entry[2] for entry in removed)
    delta_rows = previous.delta_rows + added_rows
    hidden_rows = previous.hidden_rows + removed_rows
    clauses = sum(len(d.clauses) for d in documents)
    if delta_rows + hidden_rows > fraction * max(clauses, 1):
        raise FullBuild(f"the delta would hold {delta_rows} rows and hide {hidden_rows} of "
                        f"{clauses} clauses, over {fraction:.0%}")
    if tuple(previous.tables.validities) != tuple(s.value for s in Status):
        raise FullBuild("the validity statuses changed")
    hidden = previous.hidden + [[e[0], e[0] + e[1] * (e[2] - 1)] for e in removed if e[2]]
    docs, max_id = _place(previous, documents, kept, hidden, digests)
    hide = [e[0] + k * e[1] for e in removed for k in range(e[2])]
    state = SlotState(stamp=previous.stamp, gen=previous.gen + 1,
                      tables=_extend_tables(previous.tables, documents),
                      dates=_extend_ranks(previous.dates, {d.date for d in documents}),
                      docs=docs, max_id=max(previous.max_id, max_id), delta_rows=delta_rows,
                      hidden_rows=hidden_rows, hidden=sorted(hidden))
    return state, added, hide


def _place(previous: SlotState, documents: list[Document], kept: set[str],
           hidden: list[list[int]], digests: list[str]) -> tuple[dict[str, list], int]:
    """Ids for every document in store order: kept documents keep theirs (they must still
    ascend), each run of added ones takes evenly spaced ids in the largest free stretch between
    its kept neighbours (hidden rows' ids are never reused: the served version still sees them)."""
    docs: dict[str, list] = {}
    last, top, i = 0, max([previous.max_id, *(h[1] for h in hidden)]), 0
    while i < len(documents):
        document = documents[i]
        if document.id in kept:
            first, step, n = previous.docs[document.id][:3]
            if n and first <= last:
                raise FullBuild(f"{document.id} moved in the store order")
            docs[document.id] = [first, step, n, digests[i]]
            last = first + step * (n - 1) if n else last
            i += 1
            continue
        j = i
        while j < len(documents) and documents[j].id not in kept:
            j += 1
        rows = sum(len(d.clauses) for d in documents[i:j])
        if j == len(documents):
            low, step = max(last, top), ID_STEP
        else:
            low, high = _largest_gap(last, previous.docs[documents[j].id][0], hidden)
            step = (high - low) // (rows + 1)
            if step < 1:
                raise FullBuild(f"no free ids left before {documents[j].id}")
        position = low
        for k in range(i, j):
            n = len(documents[k].clauses)
            docs[documents[k].id] = [position + step, step, n, digests[k]]
            position += step * n
        last = max(last, position)
        top = max(top, position)
        i = j
    return docs, top


def _largest_gap(low: int, high: int, taken: list[list[int]]) -> tuple[int, int]:
    """The widest open interval (a, b) within (low, high) holding no id of a taken [first,
    last] range: its free ids are a+1 … b-1."""
    gaps, start = [], low
    for first, last in sorted(taken):
        if last <= low or first >= high:
            continue
        gaps.append((start, first))
        start = max(start, last)
    gaps.append((start, high))
    return max(gaps, key=lambda gap: gap[1] - gap[0])


def _extend_tables(tables: encode.NameTables, documents: list[Document]) -> encode.NameTables:
    """The previous tables with the new names appended: rows already fed keep their ids."""
    now = name_tables(documents)

    def extend(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, ...]:
        known = set(old)
        return tuple(old) + tuple(n for n in new if n not in known)
    return encode.NameTables(issuers=extend(tables.issuers, now.issuers),
                             themes=extend(tables.themes, now.themes),
                             types=extend(tables.types, now.types),
                             documents=extend(tables.documents, now.documents),
                             validities=tables.validities)


def _extend_ranks(ranks: dict[str, int], dates: set[str]) -> dict[str, int]:
    """Ranks for dates not ranked yet, evenly between their ranked neighbours."""
    every = sorted(set(ranks) | dates)
    out = dict(ranks)
    i = 0
    while i < len(every):
        if every[i] in ranks:
            i += 1
            continue
        j = i
        while j < len(every) and every[j] not in ranks:
            j += 1
        low = ranks[every[i - 1]] if i else 0
        high = ranks[every[j]] if j < len(every) else RANK_MAX + 1
        step = (high - low) // (j - i + 1)
        if step < 1:
            raise FullBuild(f"no date rank left for {every[i]}")
        for k in range(i, j):
            out[every[k]] = low + step * (k - i + 1)
        i = j
    return out


# --- writing the delta into the served slot -----------------------------------------------

def _sql(layout: Layout, node: int):
    import pymysql

    me = layout.nodes[node]
    return pymysql.connect(host=me.host, port=me.sql_port, user="", password="", autocommit=True,
                           connect_timeout=2, read_timeout=120, write_timeout=120)


def _execute(connection, sql: str, args=None) -> tuple[int, list, dict, list]:
    """(affected rows, rows, SHOW META, SHOW WARNINGS) of one statement."""
    with connection.cursor() as cursor:
        affected = cursor.execute(sql, args)
        rows = list(cursor.fetchall())
        cursor.execute("SHOW META")
        meta = {str(k): str(v) for k, v in cursor.fetchall()}
        cursor.execute("SHOW WARNINGS")
        warnings = [str(row[2]) for row in cursor.fetchall()]
    return affected, rows, meta, warnings


def _truncate_delta(layout: Layout, slot: str) -> None:
    connection = _sql(layout, 0)
    try:
        _execute(connection, f"TRUNCATE RTINDEX {layout.delta_index(slot)}")
    finally:
        connection.close()


def _visible(connection, index: str, gen: int | None) -> int:
    """Rows of `index` a version of generation `gen` sees (None: every row); ClusterError when
    a shard did not answer (a warning)."""
    where = f" WHERE born <= {int(gen)} AND gone > {int(gen)}" if gen is not None else ""
    _, _, meta, warnings = _execute(connection, f"SELECT id FROM {index}{where} LIMIT 1 OPTION ranker=none")
    if warnings:
        raise ClusterError(f"{index} answered with warnings: {'; '.join(warnings)}")
    return int(meta.get("total_found", 0))


def _targets(layout: Layout, slot: str) -> dict[int, list[str]]:
    """node → the slot's indexes it holds (shards, and the delta on the head)."""
    targets: dict[int, list[str]] = {0: [layout.delta_index(slot)]}
    for shard in range(layout.shards):
        targets.setdefault(layout.node_of(shard), []).append(layout.shard_index(slot, shard))
    return targets


def _publish_delta(layout: Layout, version_dir: Path, documents: list[Document],
                   normalized: dict[str, list[str]], manifest: dict | None, fraction: float) -> str:
    """Write the change since the published version into its own slot as generation g+1:
    INSERT added/changed documents' rows into the RT delta with born = g+1, set gone = g+1 on
    the rows of removed/changed ones; the published version (generation g) sees neither."""
    if not manifest or "gen" not in manifest:
        raise FullBuild("no previous incremental-ready Sphinx version")
    if manifest.get("backend") != str(layout.url()) or manifest.get("shards") != layout.shards:
        raise FullBuild("the previous version was fed to another cluster")
    slot, previous = manifest["slot"], SlotState.from_manifest(manifest)
    _check_served(layout, slot, manifest, previous)
    state, added, hide = plan_delta(previous, documents, normalized, fraction)
    gen = state.gen
    head = _sql(layout, 0)
    try:
        columns = ", ".join(["id", *cluster.FIELDS, *cluster.UINT_ATTRS, *cluster.MULTI_ATTRS])
        prefix = f"INSERT INTO {layout.delta_index(slot)} ({columns}) VALUES "
        batch: list[str] = []
        size = 0
        for _, _, row in clause_rows(documents, normalized, added, state, layout.shards, born=gen):
            values = _values(head, row)
            batch.append(values)
            size += len(values)
            if size > INSERT_BYTES:
                _execute(head, prefix + ",".join(batch))
                batch, size = [], 0
        if batch:
            _execute(head, prefix + ",".join(batch))
    finally:
        head.close()
    _hide(layout, slot, hide, gen)
    _wait_until_delta_served(layout, slot, state, sum(len(d.clauses) for d in documents))
    _write_manifest(layout, version_dir, slot, manifest["clauses"], state)
    return (f"incremental: +{len(added)} documents ({sum(len(documents[i].clauses) for i in added)} "
            f"clauses), {len(hide)} clauses hidden, generation {gen}")


def _values(connection, row: list[str]) -> str:
    """One VALUES tuple: id and integers as they are, fields as escaped literals, MVAs (…)."""
    nfields, nuint = len(cluster.FIELDS), len(cluster.UINT_ATTRS)
    fields = [connection.escape(value) for value in row[1:1 + nfields]]
    uints = [str(int(value)) for value in row[1 + nfields:1 + nfields + nuint]]
    multis = ["(" + ",".join(str(int(v)) for v in value.split(",") if v) + ")"
              for value in row[1 + nfields + nuint:]]
    return "(" + ",".join([str(int(row[0])), *fields, *uints, *multis]) + ")"


def _check_served(layout: Layout, slot: str, manifest: dict, previous: SlotState) -> None:
    """The slot still holds what the published version was given: each shard its clauses with
    its stamp, the delta its rows once the leftovers of a killed incremental build (rows born
    after, or hidden after, the published generation) are undone; else FullBuild."""
    gen = previous.gen
    for shard in range(layout.shards):
        served, stamp = _shard_state(layout, slot, shard)
        if served != manifest["clauses"][shard] or (served and stamp != previous.stamp):
            raise FullBuild(f"shard {layout.shard_index(slot, shard)} no longer serves the "
                            f"published version")
    for node, indexes in _targets(layout, slot).items():
        connection = _sql(layout, node)
        try:
            if node == 0:
                _execute(connection, f"DELETE FROM {layout.delta_index(slot)} WHERE born > {gen}")
            for index in indexes:
                _execute(connection, f"UPDATE {index} SET gone = {cluster.GONE_NEVER} "
                                     f"WHERE gone > {gen} AND gone < {cluster.GONE_NEVER}")
            if node == 0 and _visible(connection, layout.delta_index(slot), None) != previous.delta_rows:
                raise FullBuild("the delta does not hold the published version's rows")
        finally:
            connection.close()
    head = _sql(layout, 0)
    try:
        expected = sum(entry[2] for entry in previous.docs.values())
        if _visible(head, layout.dist_index(slot), gen) != expected:
            raise FullBuild("the slot does not serve the published version's clauses")
    finally:
        head.close()


def _hide(layout: Layout, slot: str, ids: list[int], gen: int) -> None:
    """gone = gen on the rows with these ids, wherever they are (a shard or the delta)."""
    if not ids:
        return
    hidden = 0
    for node, indexes in _targets(layout, slot).items():
        connection = _sql(layout, node)
        try:
            for index in indexes:
                for k in range(0, len(ids), UPDATE_IDS):
                    chunk = ",".join(map(str, ids[k:k + UPDATE_IDS]))
                    hidden += _execute(connection, f"UPDATE {index} SET gone = {int(gen)} "
                                                   f"WHERE id IN ({chunk})")[0]
            _execute(connection, "FLUSH ATTRIBUTES")
        finally:
            connection.close()
    if hidden != len(ids):
        raise ClusterError(f"hid {hidden} rows, expected {len(ids)}")


def _wait_until_delta_served(layout: Layout, slot: str, state: SlotState, clauses: int,
                             timeout: float = ROTATE_TIMEOUT_S) -> None:
    """INSERT and UPDATE are applied when they return, but check what a query of the new
    generation sees through the head: every clause of the version, no warning."""
    head = _sql(layout, 0)
    try:
        deadline = time.monotonic() + timeout
        while True:
            seen = _visible(head, layout.dist_index(slot), state.gen)
            delta = _visible(head, layout.delta_index(slot), None)
            if seen == clauses and delta == state.delta_rows:
                return
            if time.monotonic() > deadline:
                raise ClusterError(f"generation {state.gen} of {layout.dist_index(slot)} serves "
                                   f"{seen} clauses, expected {clauses}")
            time.sleep(0.1)
    finally:
        head.close()
