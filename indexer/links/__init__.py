"""Links between policy documents: what each clause cites, what cites each document, and
whether each document is still in force (时效性).

extract → resolve → validity → graph, each a module of pure functions over the typed records
of `indexer.records` (no Flask, no Whoosh). The build calls `link_corpus` once over all
documents; the site and the API read the `CitationGraph` it returns; `export` turns that graph
into JSON, CSV, GraphML and the `citations` command's summary.
"""
from indexer.links.graph import link_corpus
from indexer.links.model import (CitationGraph, CitedBy, Reference, Relation, Status,
                                 UnresolvedTitle, Validity)
from indexer.links.validity import Override, ValidityConfigError, load_overrides

__all__ = ["CitationGraph", "CitedBy", "Override", "Reference", "Relation", "Status",
           "UnresolvedTitle", "Validity", "ValidityConfigError", "link_corpus", "load_overrides"]
