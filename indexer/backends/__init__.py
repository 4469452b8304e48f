"""Search backends: what matches, counts, ranks and counts facets over one index version.

`base` holds the interface (the lead's seam, issue 10); `sphinxql` the sharded SphinxQL
backend (issue 13). The Whoosh engine in indexer/search.py is the default backend.
"""
