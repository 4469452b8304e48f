"""Cesou's indexer: the offline pipeline (load → clean → split → structure → tag → index)
and the search API that the site, the CLI and the tests share."""
