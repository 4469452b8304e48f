"""The SphinxQL backend: matching, exact counts, ranking and facets of one store version served
by a Sphinx 2.2 (or Manticore) cluster, behind the same SearchBackend interface as Whoosh.

Selected by `CESOU_BACKEND=sphinxql://HOST:PORT/INDEX` (cluster.parse_backend_url); the store
version's `sphinx.json` (written by sphinx/build.py) names the slot its data sits in and the
name → id tables of the integer attributes. Queries are compiled by sphinx/encode.py.

Rules, with the measurements behind them (../shared/notes/scale-out.md):
- **Exact totals**: `SHOW META` total_found, exact with any max_matches (§3).
- **Exact facets**: `OPTION max_matches` ≥ the distinct values of the largest facet, else groups
  go missing (1,474 issuers with the default 1000: 474 lost, §3); we send
  max(offset + limit, #issuers, #themes, MIN_MAX_MATCHES). An MVA facet counts a clause under
  each of its values, as the Whoosh engine does per distinct issuer.
- **`WEIGHT()` unaliased** and `ORDER BY WEIGHT() DESC, id ASC`: an alias + FACET on a
  distributed index fails (`column 'weight()/w' not found`, §4); the id tie-break (id =
  docnum + 1) keeps pages stable and matches the Whoosh order on ties.
- **Silent partial answers**: a dead agent still answers, with fewer matches; only SHOW WARNINGS
  says so (§4). Every search reads the warnings and lists them in `Ranked.missing`; `count()`,
  which has no place for them, raises BackendUnavailable instead of returning a wrong number.
- **Bounded time**: PyMySQL connect/read timeouts here, agent timeouts in the cluster config
  (the read timeout is above the agent query timeout so a slow shard becomes a warning, not a
  client timeout). A head node that cannot be reached or answer raises BackendUnavailable.
- **One generation**: every query is filtered to the rows of this version's generation
  (`born <= gen AND gone > gen`, sphinx/build.py), so rows an incremental build is writing
  into the served slot stay invisible until the version that knows them is current; ids map
  to this version's docnums through its sphinx.json, and an id it does not know is dropped.
"""
from __future__ import annotations

import bisect
import json
import re
import threading
from pathlib import Path

import pymysql

from indexer.analysis import _WORDLIKE      # the characters the Whoosh bigram field keeps
from indexer.backends.base import (BackendError, BackendUnavailable, FilterSpec, MatchSpec,
                                   Ranked)
from indexer.sphinx import cluster, encode
from indexer.sphinx.build import SPHINX_MANIFEST

CONNECT_TIMEOUT_S = 2.0
READ_TIMEOUT_S = cluster.AGENT_QUERY_TIMEOUT_MS / 1000 + 10.0
MIN_MAX_MATCHES = 5000
# Rows per statement of an export (limit=None): max_matches must cover offset+limit.
EXPORT_CHUNK = 2000
# ORDER BY of each sort (indexer.params.SORTS); id ASC keeps a document's clauses in order.
ORDERS = {"relevance": "WEIGHT() DESC, id ASC", "date": "date_rank DESC, id ASC",
          "date_asc": "date_rank ASC, id ASC"}
FACET_COLUMNS = {"issuer": ("issuers", "issuers"), "theme": ("themes", "themes"),
                 "type": ("doctype", "types"), "year": ("year", None),
                 "validity": ("validity", "validities")}
_OPTIONS = (f"ranker={encode.RANKER}, idf='{encode.IDF}', global_idf=1, field_weights=("
            + ", ".join(f"{f}={w}" for f, w in encode.FIELD_WEIGHTS.items()) + ")")
# "more like this": this many of the clause's rarest bigrams, of which RELATED_QUORUM must match.
RELATED_TERMS = 24
RELATED_QUORUM = 0.25
# MySQL client error codes meaning the connection is gone (server gone away, lost connection,
# can't connect): worth one reconnect before giving up (an idle connection may have been closed).
_CONNECTION_LOST = {2006, 2013, 2003, 2055}
_AGENT = re.compile(r"agent ([^\s:]+:\d+)")


class SphinxQLBackend:
    """One store version served by a Sphinx cluster; thread-safe (one connection per thread)."""

    def __init__(self, url: cluster.BackendURL | str, version_dir: Path):
        self.url = cluster.parse_backend_url(url) if isinstance(url, str) else url
        self.version_dir = Path(version_dir)
        try:
            manifest = json.loads((self.version_dir / SPHINX_MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise BackendError(f"{self.version_dir} was not built for Sphinx "
                               f"({SPHINX_MANIFEST}: {error}); rebuild with {cluster.ENV_BACKEND} set") from None
        self.slot = manifest["slot"]
        self.index = f"{self.url.index}_{self.slot}"
        self.tables = encode.NameTables(**{k: tuple(v) for k, v in manifest["tables"].items()})
        self.agents: dict[str, list[str]] = manifest.get("agents", {})
        # Which rows of the slot this version sees, and its clause ids (sphinx/build.py): rows
        # with born <= gen < gone; ids ascend with docnums, per document first + k × step.
        self.gen: int | None = manifest.get("gen")
        self._firsts, self._starts, self._steps, self._sizes = [], [], [], []
        start = 0
        for first, step, size, _ in manifest.get("docs", {}).values():
            if size:
                self._firsts.append(first)
                self._starts.append(start)
                self._steps.append(step)
                self._sizes.append(size)
            start += size
        self._local = threading.local()
        self._opened: list[pymysql.connections.Connection] = []    # every thread's, for close()
        self._lock = threading.Lock()
        self._texts: list[str] | None = None

    # --- connections -------------------------------------------------------------------

    def _connection(self) -> pymysql.connections.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            try:
                connection = pymysql.connect(
                    host=self.url.host, port=self.url.port, user="", password="",
                    connect_timeout=CONNECT_TIMEOUT_S, read_timeout=READ_TIMEOUT_S,
                    write_timeout=READ_TIMEOUT_S, charset="utf8mb4")
            except pymysql.err.MySQLError as error:
                raise BackendUnavailable(f"搜索服务暂时无法连接（{self.url}）。 Cannot reach the "
                                         f"search backend {self.url}: {error}") from None
            self._local.connection = connection
            with self._lock:
                self._opened.append(connection)
        return connection

    def _drop_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            with self._lock:
                if connection in self._opened:
                    self._opened.remove(connection)
            _close(connection)

    def _run(self, sql: str, args: tuple = ()) -> tuple[list[tuple], dict[str, str], list[str]]:
        """(result sets of `sql`, SHOW META, SHOW WARNINGS messages); one reconnect when the
        connection was lost (an idle one may have been closed by the server)."""
        for attempt in (0, 1):
            try:
                return self._run_once(sql, args)
            except pymysql.err.OperationalError as error:
                self._drop_connection()
                # A timed-out read is not retried: that would double the bounded wait.
                if attempt or error.args[0] not in _CONNECTION_LOST or "timed out" in str(error):
                    raise BackendUnavailable(f"搜索服务暂时不可用（{self.url}）。 The search backend "
                                             f"{self.url} failed: {error}") from None
            except pymysql.err.MySQLError as error:
                self._drop_connection()
                raise BackendError(f"{self.url} refused a query: {error}") from None
        raise AssertionError("unreachable")

    def _run_once(self, sql: str, args: tuple):
        with self._connection().cursor() as cursor:
            cursor.execute(sql, args)
            sets = [cursor.fetchall()]
            while cursor.nextset():
                sets.append(cursor.fetchall())
            cursor.execute("SHOW META")
            meta = {str(k): str(v) for k, v in cursor.fetchall()}
            cursor.execute("SHOW WARNINGS")
            warnings = [str(row[2]).rstrip("\x00") for row in cursor.fetchall()]
        return sets, meta, warnings

    def close(self) -> None:
        """Close every thread's connection (the backend of a replaced version)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            _close(connection)
        self._local = threading.local()

    # --- queries -----------------------------------------------------------------------

    def _where(self, match: MatchSpec, filters: FilterSpec | None) -> tuple[str, tuple]:
        conditions = ["MATCH(%s)", *self._generation(),
                      *encode.compile_where(filters, self.tables, self._clause_id)]
        return " AND ".join(conditions), (encode.compile_match(match),)

    def _generation(self) -> list[str]:
        """The rows this version sees: an incremental build writes the next generation's rows
        into the served slot, invisible here until the store publishes the version knowing them."""
        return [] if self.gen is None else [f"born <= {int(self.gen)}", f"gone > {int(self.gen)}"]

    def _clause_id(self, docnum: int) -> int:
        if not self._firsts:                    # a version built before ids had gaps
            return docnum + 1
        d = bisect.bisect_right(self._starts, docnum) - 1
        return self._firsts[d] + (docnum - self._starts[d]) * self._steps[d]

    def _docnum(self, clause_id: int) -> int | None:
        """The docnum of a Sphinx id; None for an id this version does not know (never
        expected: the generation filter hides rows of later builds)."""
        if not self._firsts:
            return clause_id - 1
        d = bisect.bisect_right(self._firsts, clause_id) - 1
        if d < 0:
            return None
        k, rest = divmod(clause_id - self._firsts[d], self._steps[d])
        return self._starts[d] + k if not rest and k < self._sizes[d] else None

    def _known(self, rows) -> list[tuple[int, int]]:
        """(docnum, weight) of the result rows whose id this version knows."""
        found = ((self._docnum(int(row[0])), int(row[1])) for row in rows)
        return [(docnum, weight) for docnum, weight in found if docnum is not None]

    def _max_matches(self, wanted: int) -> int:
        return max(wanted, len(self.tables.issuers) + 1, len(self.tables.themes) + 1, MIN_MAX_MATCHES)

    def search(self, match: MatchSpec, filters: FilterSpec, *, sort: str, offset: int,
               limit: int | None, facets: bool = True) -> Ranked:
        if limit is None:
            return self._search_all(match, filters, sort=sort, offset=offset, facets=facets)
        if sort not in ORDERS or offset < 0 or limit < 0:
            raise ValueError(f"bad paging or sort: sort={sort!r} offset={offset} limit={limit}")
        where, args = self._where(match, filters)
        order = ORDERS[sort]
        sql = (f"SELECT id, WEIGHT() FROM {self.index} WHERE {where} ORDER BY {order} "
               f"LIMIT {int(offset)},{max(int(limit), 1)} "
               f"OPTION max_matches={self._max_matches(offset + max(limit, 1))}, {_OPTIONS}")
        names = list(FACET_COLUMNS) if facets else []
        for name in names:
            sql += f" FACET {FACET_COLUMNS[name][0]} ORDER BY COUNT(*) DESC LIMIT {self._facet_limit(name)}"
        sets, meta, warnings = self._run(sql, args)
        rows = self._known(list(sets[0])[:limit])
        missing = self._missing(warnings)
        documents = self._document_count(where, args, missing) if facets else 0
        return Ranked(
            total=int(meta.get("total_found", 0)), documents=documents,
            docnums=[docnum for docnum, _ in rows],
            scores=[_score(weight) for _, weight in rows],
            facets={name: self._facet(name, result) for name, result in zip(names, sets[1:])},
            missing=missing)

    def _search_all(self, match: MatchSpec, filters: FilterSpec, *, sort: str, offset: int,
                    facets: bool) -> Ranked:
        """Every match from `offset` on (an export), fetched EXPORT_CHUNK at a time: one page
        of max_matches would have to hold the whole result at once."""
        first = self.search(match, filters, sort=sort, offset=offset, limit=EXPORT_CHUNK, facets=facets)
        docnums, scores, missing = list(first.docnums), list(first.scores), list(first.missing)
        while offset + len(docnums) < first.total:
            page = self.search(match, filters, sort=sort, offset=offset + len(docnums),
                               limit=EXPORT_CHUNK, facets=False)
            if not page.docnums:
                break
            docnums += page.docnums
            scores += page.scores
            missing += [m for m in page.missing if m not in missing]
        return Ranked(total=first.total, documents=first.documents, docnums=docnums, scores=scores,
                      facets=first.facets, missing=missing)

    def _document_count(self, where: str, args: tuple, missing: list[str]) -> int:
        """Distinct documents among the matches: the group count of GROUP BY docid (exact while
        max_matches holds every document, §3 of the scale-out notes)."""
        sql = (f"SELECT id FROM {self.index} WHERE {where} GROUP BY docid LIMIT 1 "
               f"OPTION ranker=none, max_matches={self._max_matches(len(self.tables.documents) + 1)}")
        _, meta, warnings = self._run(sql, args)
        missing += [m for m in self._missing(warnings) if m not in missing]
        return int(meta.get("total_found", 0))

    def _missing(self, warnings: list[str]) -> list[str]:
        """The shards behind the agents a warning names (`agent 127.0.0.1:9312: connect()
        failed`); any other warning is listed as it is: an answer with a warning is partial."""
        missing: list[str] = []
        for warning in warnings:
            found = _AGENT.search(warning)
            shards = self.agents.get(found.group(1), []) if found else []
            for part in shards or [warning]:
                if part not in missing:
                    missing.append(part)
        return missing

    def _facet_limit(self, name: str) -> int:
        table = FACET_COLUMNS[name][1]
        return len(getattr(self.tables, table)) + 1 if table else MIN_MAX_MATCHES

    def _facet(self, name: str, rows) -> dict[str, int]:
        """value name → clause count; the id 0 (no type, no numeric year) is not a value."""
        table = FACET_COLUMNS[name][1]
        counts: dict[str, int] = {}
        for value, count in rows:
            value = int(value)
            key = (self.tables.name(table, value) if table else str(value)) if value else None
            if key is not None:
                counts[key] = int(count)
        return counts

    def count(self, match: MatchSpec, filters: FilterSpec | None = None) -> int:
        """Exact number of matching clauses; BackendUnavailable when a shard did not answer
        (a partial count has nowhere to say so here)."""
        where, args = self._where(match, filters)
        _, meta, warnings = self._run(
            f"SELECT id FROM {self.index} WHERE {where} LIMIT 1 OPTION ranker=none", args)
        if warnings:
            raise BackendUnavailable(f"部分搜索分片未响应，无法给出准确计数。 Some shards did not "
                                     f"answer: {'; '.join(warnings)}")
        return int(meta.get("total_found", 0))


    def related(self, docnum: int, limit: int) -> list[tuple[int, float]]:
        """Clauses sharing the most of this clause's rarest bigrams (approximate "more like
        this"): document frequencies from CALL KEYWORDS on the head's first shard, then a
        quorum query (at least RELATED_QUORUM of them) ranked by BM25, the clause excluded."""
        texts = self._normalized_texts()
        if not 0 <= docnum < len(texts) or limit <= 0:
            return []
        tokens = _wordlike_bigrams(texts[docnum])
        if not tokens:
            return []
        sets, _, _ = self._run(f"CALL KEYWORDS(%s, %s, 1)", (" ".join(tokens), f"{self.index}_0"))
        docs = {str(row[1]): int(row[3]) for row in sets[0]}
        chosen = sorted((t for t in tokens if docs.get(t, 0) > 0), key=lambda t: (docs[t], t))
        chosen = chosen[:RELATED_TERMS] or tokens[:RELATED_TERMS]
        quorum = max(1, round(len(chosen) * RELATED_QUORUM))
        query = f'@body2 "{" ".join(chosen)}"/{quorum}'
        sets, _, _ = self._run(
            f"SELECT id, WEIGHT() FROM {self.index} WHERE "
            f"{' AND '.join(['MATCH(%s)', *self._generation(), f'id != {self._clause_id(docnum)}'])} "
            f"ORDER BY WEIGHT() DESC, id ASC LIMIT {int(limit)} OPTION {_OPTIONS}", (query,))
        return [(n, _score(weight)) for n, weight in self._known(sets[0])]

    def _normalized_texts(self) -> list[str]:
        """The version's normalised clause texts, read on the first related() call only."""
        if self._texts is None:
            data = json.loads((self.version_dir / "normalized.json").read_text(encoding="utf-8"))
            self._texts = data["texts"]
        return self._texts


def _wordlike_bigrams(text: str) -> list[str]:
    """Distinct body2 tokens of the text whose two characters are letters, digits or CJK."""
    codes = encode.char_codes(text)
    pairs = encode.bigram_tokens(codes)
    keep = [i for i in range(len(pairs)) if _WORDLIKE.match(text[i]) and _WORDLIKE.match(text[i + 1])]
    return list(dict.fromkeys(pairs[i] for i in keep))


def _close(connection) -> None:
    try:
        connection.close()
    except pymysql.err.Error:
        pass


def _score(weight: int) -> float:
    """The BM25 part of a weight (the matched-group count above it is only an order)."""
    return (weight % encode.GROUP_STEP) / encode.SCORE_SCALE
