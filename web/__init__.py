"""Cesou's website: the `site` blueprint (HTML pages) and the `api` blueprint (JSON, CSV).

Views stay thin: URL parameters are parsed and validated by indexer.params, searching is the
engine's (`web.engine.searcher()`, one index snapshot per request), text presentation is
indexer.present. The application factory is app.create_app.
"""
