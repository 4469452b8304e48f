"""A Sphinx cluster: its configs, and a local one for development and tests.

Layout (one `searchd` per node; node 0 is the head, the node CESOU_BACKEND names):

    node k serves shards {name}_{slot}_{k} for both slots a and b
    node 0 also serves the distributed {name}_a and {name}_b: its local shards + one agent
    per other shard (the agent points at that node's binary API listener, not mysql41, §4)

Two slots per shard set, so a build writes and rotates the slot the published store does not
use while the other keeps serving (see build.py). Every shard reads its data with
`tsvpipe_command = cat <feed file>`: the config never changes between builds.

Rules from ../shared/notes/scale-out.md §7, each hit on this machine:
- searchd exits 0 even when the daemon dies at once (binlog lock, pid lock, busy port), so
  readiness is a successful SQL connection (`SHOW STATUS`), never the exit code;
- `binlog_path` and `pid_file` are per instance; a stale pid file after kill -9 does not block a
  restart; the watchdog does not restart a SIGKILLed child;
- `--stopwait` stops a node and removes its pid file;
- agents time out (AGENT_CONNECT_TIMEOUT_MS / AGENT_QUERY_TIMEOUT_MS) and then the head answers
  with a warning, never silently (§4: a dead agent halved total_found, only SHOW WARNINGS said so).
Every listener binds 127.0.0.1 in the local cluster.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from indexer import config

DEFAULT_NAME = "cesou"
SLOTS = ("a", "b")
ENV_BACKEND = "CESOU_BACKEND"
STATE = "cluster.json"
# Agents: connect fails fast; a query may take the slowest facet query at 500k clauses
# (p95 290 ms, §4) many times over before the shard counts as missing.
AGENT_CONNECT_TIMEOUT_MS = 1000
AGENT_QUERY_TIMEOUT_MS = 5000
# How long `cluster start` waits for a node's SQL listener (it answered in 20 ms here, §7).
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0
# The 8M default refused a 10 MB statement (§5); feeds go through files, queries are small.
MAX_PACKET = "32M"
# Field search sends the matching document ids (标题:…) as `docid IN (…)`; Sphinx refuses
# filters over 4096 values by default, fewer than the documents of a large collection.
MAX_FILTER_VALUES = 1_000_000
# The RT delta's RAM chunk; past it searchd writes a disk chunk (§5: 64M gave 2 chunks for 500k
# clauses of 264 chars). A delta stays below build.DELTA_FRACTION of the collection.
RT_MEM_LIMIT = "128M"


class ClusterError(Exception):
    """The cluster cannot be started, stopped or described; the message says why."""


# --- backend URL ---------------------------------------------------------------------------

@dataclass(frozen=True)
class BackendURL:
    """`sphinxql://HOST:PORT/INDEX`: the SphinxQL (mysql41) listener of the head node and the
    base name of the distributed index ({INDEX}_a / {INDEX}_b are the slots)."""
    host: str
    port: int
    index: str

    def __str__(self) -> str:
        return f"sphinxql://{self.host}:{self.port}/{self.index}"


def parse_backend_url(value: str) -> BackendURL:
    """Parse a backend URL; ValueError names what is wrong."""
    parts = urlsplit(value.strip())
    if parts.scheme != "sphinxql":
        raise ValueError(f"{ENV_BACKEND} must look like sphinxql://HOST:PORT/INDEX, got {value!r}")
    try:
        port = parts.port
    except ValueError:
        port = None
    index = parts.path.strip("/")
    if not parts.hostname or not port or not index.replace("_", "").isalnum() or not index.isascii():
        raise ValueError(f"{ENV_BACKEND} needs a host, a port and an index name "
                         f"(letters, digits, _): {value!r}")
    return BackendURL(parts.hostname, port, index)


def backend_from_env(environ=os.environ) -> BackendURL | None:
    """The configured SphinxQL backend, or None for the embedded Whoosh engine."""
    value = environ.get(ENV_BACKEND, "").strip()
    return parse_backend_url(value) if value else None


# --- layout and configs --------------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    host: str
    sql_port: int          # mysql41: clients and CESOU_BACKEND
    api_port: int          # binary API: agents of the head's distributed index


@dataclass(frozen=True)
class Layout:
    name: str
    shards: int
    nodes: tuple[Node, ...]
    root: Path             # data/, run<k>/, feed/ live here (on each node)

    def node_of(self, shard: int) -> int:
        return shard % len(self.nodes)

    def shard_index(self, slot: str, shard: int) -> str:
        return f"{self.name}_{slot}_{shard}"

    def dist_index(self, slot: str) -> str:
        return f"{self.name}_{slot}"

    def delta_index(self, slot: str) -> str:
        """The slot's RT index on the head node: clauses added since the slot's full build."""
        return f"{self.name}_{slot}_delta"

    def data_path(self, slot: str, shard: int) -> Path:
        return self.root / "data" / self.shard_index(slot, shard)

    def feed_file(self, slot: str, shard: int) -> Path:
        return self.root / "feed" / f"{self.shard_index(slot, shard)}.tsv"

    def idf_file(self, slot: str) -> Path:
        return self.root / "data" / f"{self.dist_index(slot)}.idf"

    def run_dir(self, node: int) -> Path:
        return self.root / f"run{node}"

    def pid_file(self, node: int) -> Path:
        return self.run_dir(node) / "searchd.pid"

    def config_file(self, node: int) -> Path:
        return self.root / f"node{node}.conf"

    def feed_config_file(self, node: int) -> Path:
        return self.root / f"feed{node}.conf"

    def url(self) -> BackendURL:
        return BackendURL(self.nodes[0].host, self.nodes[0].sql_port, self.name)


FIELDS = ("heading", "body", "body2", "context", "context1", "marks")
# born/gone: the generations (build.py) between which a row is served: a store version of
# generation g sees the rows with born <= g < gone. A full build feeds born 0, gone GONE_NEVER.
UINT_ATTRS = ("year", "doctype", "docid", "date_first", "date_last", "date_rank", "stamp", "validity",
              "born", "gone")
GONE_NEVER = 0xFFFFFFFF
MULTI_ATTRS = ("issuers", "themes")


def _shard_blocks(layout: Layout, slot: str, shard: int, suffix: str) -> str:
    index = layout.shard_index(slot, shard)
    source = [f"source src_{index}", "{", "    type = tsvpipe",
              f"    tsvpipe_command = cat {layout.feed_file(slot, shard)}"]
    source += [f"    tsvpipe_field = {f}" for f in FIELDS]
    source += [f"    tsvpipe_attr_uint = {a}" for a in UINT_ATTRS]
    source += [f"    tsvpipe_attr_multi = {a}" for a in MULTI_ATTRS]
    source.append("}")
    body = [f"index {index}", "{", f"    source = src_{index}",
            f"    path = {layout.data_path(slot, shard)}{suffix}",
            "    dict = keywords", "    index_field_lengths = 1", "    docinfo = extern",
            f"    global_idf = {layout.idf_file(slot)}", "}"]
    return "\n".join(source + body)


def _delta_block(layout: Layout, slot: str) -> str:
    """The slot's RT delta (head node): the shards' schema, fields then attributes in the same
    order, the slot's global IDF (terms new in the delta get no global IDF until the next full
    build folds them into the shards)."""
    lines = [f"index {layout.delta_index(slot)}", "{", "    type = rt",
             f"    path = {layout.root / 'data' / layout.delta_index(slot)}"]
    lines += [f"    rt_field = {f}" for f in FIELDS]
    lines += [f"    rt_attr_uint = {a}" for a in UINT_ATTRS]
    lines += [f"    rt_attr_multi = {a}" for a in MULTI_ATTRS]
    lines += ["    dict = keywords", "    index_field_lengths = 1", f"    rt_mem_limit = {RT_MEM_LIMIT}",
              f"    global_idf = {layout.idf_file(slot)}", "}"]
    return "\n".join(lines)


def _dist_block(layout: Layout, slot: str, node: int) -> str:
    lines = [f"index {layout.dist_index(slot)}", "{", "    type = distributed",
             f"    local = {layout.delta_index(slot)}"]
    for shard in range(layout.shards):
        at = layout.node_of(shard)
        if at == node:
            lines.append(f"    local = {layout.shard_index(slot, shard)}")
        else:
            peer = layout.nodes[at]
            lines.append(f"    agent = {peer.host}:{peer.api_port}:{layout.shard_index(slot, shard)}")
    lines += [f"    agent_connect_timeout = {AGENT_CONNECT_TIMEOUT_MS}",
              f"    agent_query_timeout = {AGENT_QUERY_TIMEOUT_MS}", "}"]
    return "\n".join(lines)


def node_config(layout: Layout, node: int, *, feed: bool = False) -> str:
    """The config of one node. feed=True: the same shards with paths ending in `.new` and no
    searchd section, for `indexer`/`indextool` during a build (see build.py)."""
    shards = [s for s in range(layout.shards) if layout.node_of(s) == node]
    blocks = [_shard_blocks(layout, slot, s, ".new" if feed else "") for slot in SLOTS for s in shards]
    blocks.append("indexer\n{\n    mem_limit = 256M\n}")
    if feed:
        return "\n\n".join(blocks) + "\n"
    if node == 0:
        blocks += [_delta_block(layout, slot) for slot in SLOTS]
        blocks += [_dist_block(layout, slot, node) for slot in SLOTS]
    me, run = layout.nodes[node], layout.run_dir(node)
    blocks.append("\n".join([
        "searchd", "{",
        f"    listen = {me.host}:{me.sql_port}:mysql41",
        f"    listen = {me.host}:{me.api_port}",
        f"    log = {run}/searchd.log", f"    query_log = {run}/query.log",
        f"    pid_file = {layout.pid_file(node)}", f"    binlog_path = {run}",
        "    workers = threads", f"    max_packet_size = {MAX_PACKET}",
        f"    max_filter_values = {MAX_FILTER_VALUES}", "}"]))
    return "\n\n".join(blocks) + "\n"


# --- local cluster -------------------------------------------------------------------------

def free_ports(count: int) -> list[int]:
    """`count` distinct loopback ports free right now (bound, read, released together)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def new_layout(root: Path, shards: int, name: str = DEFAULT_NAME) -> Layout:
    ports = free_ports(2 * shards)
    nodes = tuple(Node("127.0.0.1", ports[2 * k], ports[2 * k + 1]) for k in range(shards))
    return Layout(name=name, shards=shards, nodes=nodes, root=Path(root).resolve())


def save_layout(layout: Layout) -> None:
    data = {"name": layout.name, "shards": layout.shards, "url": str(layout.url()),
            "nodes": [asdict(n) for n in layout.nodes]}
    temp = layout.root / (STATE + ".tmp")
    temp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(temp, layout.root / STATE)


def load_layout(root: Path) -> Layout | None:
    """The local cluster described in root/cluster.json, or None when there is none."""
    root = Path(root).resolve()
    try:
        data = json.loads((root / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Layout(name=data["name"], shards=data["shards"],
                  nodes=tuple(Node(**n) for n in data["nodes"]), root=root)


def default_dir() -> Path:
    return Path(os.environ.get("CESOU_CLUSTER_DIR", config.REPO / "var" / "cluster"))


def write_configs(layout: Layout) -> None:
    for sub in ("data", "feed", *(f"run{k}" for k in range(len(layout.nodes)))):
        (layout.root / sub).mkdir(parents=True, exist_ok=True)
    for node in range(len(layout.nodes)):
        layout.config_file(node).write_text(node_config(layout, node), encoding="utf-8")
        layout.feed_config_file(node).write_text(node_config(layout, node, feed=True), encoding="utf-8")


def _ensure_empty_shards(layout: Layout, node: int) -> None:
    """Give every shard of the node an (empty) index before its first start, so searchd serves
    both slots from the beginning and a build only ever rotates."""
    missing = [layout.shard_index(slot, s) for slot in SLOTS for s in range(layout.shards)
               if layout.node_of(s) == node and not Path(f"{layout.data_path(slot, s)}.sph").exists()]
    if not missing:
        return
    for slot in SLOTS:
        for s in range(layout.shards):
            feed = layout.feed_file(slot, s)
            if layout.node_of(s) == node and not feed.exists():
                feed.write_text(placeholder_row(), encoding="utf-8")
    run_tool(["indexer", "--config", str(layout.config_file(node)), "--quiet", *missing])


# indexer refuses an empty tsvpipe ("read error"); a shard without clauses holds this one row:
# an id beyond any docnum and one token no query asks for, so it never matches nor counts.
PLACEHOLDER_ID = 1 << 56      # above every clause id (build.ID_STEP × docnums)
PLACEHOLDER_TOKEN = "zzempty"


def placeholder_row() -> str:
    columns = [str(PLACEHOLDER_ID), PLACEHOLDER_TOKEN, *[""] * (len(FIELDS) - 1),
               *["0"] * len(UINT_ATTRS), *[""] * len(MULTI_ATTRS)]
    return "\t".join(columns) + "\n"


# A build's tools die with it: `setpriv --pdeathsig KILL` (util-linux, Essential in Debian)
# before the tool. An `indexer` that outlived a killed build went on writing the unserved
# slot's .new files while the next build, let in by the freed feed lock, rewrote the feed it
# read and ran its own `indexer` on the same files. (The signal follows the death of the
# thread that started the tool, which waits for it.) Without setpriv, tools run as before.
DIE_WITH_BUILD = ["setpriv", "--pdeathsig", "KILL", "--"]


def run_tool(argv: list[str], timeout: float = 600.0, with_build: bool = False) -> str:
    """Run a Sphinx tool; ClusterError with its output when it fails (its exit code is trusted
    for indexer/indextool, which do report failures, unlike searchd's start). `with_build`:
    killed when this process dies (a build's indexer and indextool; not searchd, which
    outlives the command that starts it)."""
    missing = ClusterError(f"{argv[0]} not found: install Sphinx (apt-get install sphinxsearch)")
    if shutil.which(argv[0]) is None:       # (setpriv would only exit 127 with its own message)
        raise missing
    if with_build and shutil.which(DIE_WITH_BUILD[0]):
        argv = [*DIE_WITH_BUILD, *argv]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise missing from None
    except subprocess.TimeoutExpired:
        raise ClusterError(f"{' '.join(argv[:3])} … took over {timeout:.0f} s") from None
    if done.returncode != 0 or "FATAL" in done.stdout or "ERROR" in done.stdout:
        raise ClusterError(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def node_pid(layout: Layout, node: int) -> int | None:
    """The pid of the node's running searchd, or None (no pid file, or a stale one)."""
    try:
        pid = int(layout.pid_file(node).read_text().split()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    return pid


def node_answers(node: Node, timeout: float = 1.0) -> bool:
    """True when the node's SQL listener accepts a connection and answers SHOW STATUS."""
    import pymysql

    try:
        connection = pymysql.connect(host=node.host, port=node.sql_port, user="", password="",
                                     connect_timeout=timeout, read_timeout=timeout)
    except pymysql.err.MySQLError:
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW STATUS")
            return bool(cursor.fetchall())
    except pymysql.err.MySQLError:
        return False
    finally:
        connection.close()


def start_node(layout: Layout, node: int, timeout: float = START_TIMEOUT_S) -> None:
    """Start one node unless it already answers; return once it answers SQL."""
    me = layout.nodes[node]
    if node_answers(me):
        return
    _ensure_empty_shards(layout, node)
    run_tool(["searchd", "--config", str(layout.config_file(node))], timeout=60)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if node_answers(me):
            return
        time.sleep(0.05)
    log = layout.run_dir(node) / "searchd.log"
    tail = log.read_text(errors="replace")[-1500:] if log.exists() else "(no log)"
    raise ClusterError(f"searchd node {node} did not answer on {me.host}:{me.sql_port} "
                       f"within {timeout:.0f} s; its log ends:\n{tail}")


def stop_node(layout: Layout, node: int, timeout: float = STOP_TIMEOUT_S) -> None:
    """Stop one node by its pid file (`searchd --stopwait`); nothing when it is not running."""
    if node_pid(layout, node) is None:
        return
    run_tool(["searchd", "--config", str(layout.config_file(node)), "--stopwait"], timeout=timeout)


def start_cluster(root: Path, shards: int = 2, name: str = DEFAULT_NAME) -> Layout:
    """Start (or resume) the local cluster under `root`; its layout is kept in cluster.json,
    so the ports and the URL stay the same across restarts unless a port was taken meanwhile."""
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    layout = load_layout(root)
    if layout is not None and layout.shards != shards and any(
            node_pid(layout, k) for k in range(len(layout.nodes))):
        raise ClusterError(f"a {layout.shards}-shard cluster is running in {root}; stop it first")
    if layout is None or layout.shards != shards or layout.name != name:
        layout = new_layout(root, shards, name)
    elif not all(node_pid(layout, k) or _port_free(n) for k, n in enumerate(layout.nodes)):
        layout = new_layout(root, shards, name)        # a port was taken meanwhile
    write_configs(layout)
    save_layout(layout)
    for node in reversed(range(len(layout.nodes))):   # agents first, the head last
        start_node(layout, node)
    return layout


def _port_free(node: Node) -> bool:
    """Whether searchd could listen on the node's ports again. With SO_REUSEADDR, as searchd
    binds: a port whose connections are in TIME_WAIT (searchd closes a client's connection
    when asked to quit; 60 s after a stop) is free for it, and a restart keeps the cluster's
    URL — with other ports the next build would see another cluster and re-feed in full."""
    for port in (node.sql_port, node.api_port):
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((node.host, port))
            except OSError:
                return False
    return True


def stop_cluster(root: Path) -> Layout | None:
    layout = load_layout(root)
    if layout is not None:
        for node in range(len(layout.nodes)):
            stop_node(layout, node)
    return layout


# --- command line ------------------------------------------------------------------------

def add_cluster_arguments(subparsers) -> argparse.ArgumentParser:
    """Add `cluster {start,url,status,stop,config}` to the CLI's subparsers."""
    top = subparsers.add_parser("cluster", help="run a local Sphinx cluster, or print node configs")
    actions = top.add_subparsers(dest="cluster_action", required=True)
    for name, help_text in (("start", "write configs, start the nodes, print the backend URL"),
                            ("url", "print the backend URL (for CESOU_BACKEND)"),
                            ("status", "each node: pid, ports, answering or not"),
                            ("stop", "stop every node (searchd --stopwait)")):
        p = actions.add_parser(name, help=help_text)
        p.add_argument("--dir", default=str(default_dir()), help="cluster folder (default var/cluster)")
        if name == "start":
            p.add_argument("--shards", type=int, default=2)
            p.add_argument("--name", default=DEFAULT_NAME, help="index base name")
    p = actions.add_parser("config", help="print the searchd configs of real nodes")
    p.add_argument("--shards", type=int, required=True)
    p.add_argument("--nodes", required=True,
                   help="host:port,... (port: SphinxQL; port+1: the API port agents use); the first is the head")
    p.add_argument("--dir", default="/var/lib/cesou", help="data folder on every node")
    p.add_argument("--name", default=DEFAULT_NAME)
    return top


def cluster_command(args) -> int:
    try:
        return _ACTIONS[args.cluster_action](args)
    except (ClusterError, ValueError) as error:
        print(f"cluster {args.cluster_action} failed: {error}", file=sys.stderr)
        return 1


def _start(args) -> int:
    if not 1 <= args.shards <= 64:
        raise ValueError("--shards must be between 1 and 64")
    layout = start_cluster(Path(args.dir), args.shards, args.name)
    print(layout.url())
    return 0


def _require(args) -> Layout:
    layout = load_layout(Path(args.dir))
    if layout is None:
        raise ClusterError(f"no cluster in {args.dir}; run: python -m indexer cluster start")
    return layout


def _url(args) -> int:
    print(_require(args).url())
    return 0


def _status(args) -> int:
    layout = _require(args)
    print(f"{layout.url()}  ({layout.shards} shards, {layout.root})")
    all_up = True
    for k, node in enumerate(layout.nodes):
        pid, answers = node_pid(layout, k), node_answers(node)
        all_up &= answers
        print(f"node {k}: sql {node.host}:{node.sql_port} api {node.api_port} "
              f"pid {pid or '-'} {'answering' if answers else 'NOT answering'}")
    return 0 if all_up else 3


def _stop(args) -> int:
    layout = stop_cluster(Path(args.dir))
    print("stopped" if layout else f"no cluster in {args.dir}")
    return 0


def parse_nodes(value: str) -> tuple[Node, ...]:
    nodes = []
    for part in filter(None, (p.strip() for p in value.split(","))):
        host, _, port = part.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65535:
            raise ValueError(f"--nodes wants host:port,… ; got {part!r}")
        nodes.append(Node(host, int(port), int(port) + 1))
    if not nodes:
        raise ValueError("--nodes is empty")
    return tuple(nodes)


def _config(args) -> int:
    nodes = parse_nodes(args.nodes)
    if not 1 <= args.shards:
        raise ValueError("--shards must be at least 1")
    layout = Layout(name=args.name, shards=args.shards, nodes=nodes, root=Path(args.dir))
    for k, node in enumerate(nodes):
        print(f"# ---- node {k}: {node.host} (SphinxQL {node.sql_port}, API {node.api_port})"
              f"{'  head: CESOU_BACKEND=' + str(layout.url()) if k == 0 else ''}")
        print(node_config(layout, k))
    return 0


_ACTIONS = {"start": _start, "url": _url, "status": _status, "stop": _stop, "config": _config}
