"""Policy-text analytics over a search's matching clauses (issue 15).

Every function here takes plain inputs, never the engine's internals:

- the collection: `documents: list[Document]` (indexer/records.py);
- a search's matches: an iterable of `(Document, Clause)` pairs, every matching clause in result
  order, and `terms`, the normalised strings that matched (what the highlighter marks);
- what the build precomputes (indexer/analytics_files.py, from per-clause inputs the parse
  workers compute and the parse cache keeps): `WordStats` (per-clause word sets, for
  co-occurrence) and the echo pairs (near-identical clauses across documents).

| module | computes | renders |
|---|---|---|
| `trends` | per-year clause and document counts of a query, normalised by the year's collection, optionally split by issuer, type or theme | JSON, CSV |
| `chart` | – | the trends as a server-drawn SVG line chart, every point a link |
| `cooccur` | words that co-occur with a query in its matching clauses, scored with log-likelihood (G²) against the whole collection; a terms × terms matrix | JSON, CSV (raw and Ochiai) |
| `kwic` | one concordance row per occurrence of the query's terms | CSV |
| `coded` | one row per matching clause with every metadata field and empty coding columns | CSV, XLSX, re-import |
| `network` | joint-issuing network: issuers as nodes, documents issued jointly as edge weights | JSON, CSV, GraphML |
| `echoes` | near-identical clauses in other documents (wording reused), found with a banded sketch over character shingles; aligned character diff | JSON, CSV, HTML diff |

CSV headers are Chinese (what a researcher reads); each module's `COLUMNS` lists
`(english_key, 中文表头)` in column order, the documented mapping for scripts. CSV text is
returned as `str`; the web layer sends it as UTF-8 with a BOM (`utf-8-sig`) so Excel reads it.
"""
