"""Cesou's performance benchmark: scaled corpora, Cesou vs SQLite FTS5 in the same run.

Run `python -m bench` (or `make bench`); see docs/performance.md for the latest numbers.
"""
