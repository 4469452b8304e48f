"""The alias table (corpus/config/aliases.toml): issuer names and query synonyms.

One table serves two stages: `split` normalises the issuers it reads (发改委 → 国家发展改革委)
and `search` widens a query term with every name of the same thing (中科院 ↔ 中国科学院).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from indexer import config


@dataclass
class AliasTable:
    issuers: dict[str, list[str]] = field(default_factory=dict)    # canonical → other names
    synonyms: dict[str, list[str]] = field(default_factory=dict)   # canonical → other names
    narrower: dict[str, list[str]] = field(default_factory=dict)   # term → narrower terms (one way)

    def canonical_issuer(self, name: str) -> str:
        """The canonical name of an issuing body, or the name itself when it is unknown."""
        name = name.strip()
        for canonical, others in self.issuers.items():
            if name == canonical or name in others:
                return canonical
        return name

    def issuer_names(self) -> list[str]:
        """Every known issuer name, canonical and alias, longest first (for greedy splitting)."""
        names = {n for canonical, others in self.issuers.items() for n in (canonical, *others)}
        return sorted(names, key=lambda n: (-len(n), n))

    def expand(self, term: str) -> list[str]:
        """The term, every other name in its group(s) (symmetric), and the narrower terms it
        lists (one way), term first, no repeats."""
        found = [term]
        for table in (self.issuers, self.synonyms):
            for canonical, others in table.items():
                group = [canonical, *others]
                if any(term.casefold() == g.casefold() for g in group):
                    found.extend(g for g in group if g not in found)
        for broader, narrower in self.narrower.items():
            if term.casefold() == broader.casefold():
                found.extend(n for n in narrower if n not in found)
        return found


def config_file(corpus_dir: Path, name: str) -> Path:
    """A corpus' own config file when it has one, else the file shipped with Cesou's corpus."""
    own = Path(corpus_dir) / "config" / name
    return own if own.exists() else config.REPO / "corpus" / "config" / name


def load_aliases(corpus_dir: Path | None = None) -> AliasTable:
    path = config_file(corpus_dir or config.corpus_dir(), "aliases.toml")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return AliasTable(issuers=data.get("issuers", {}), synonyms=data.get("synonyms", {}),
                      narrower=data.get("narrower", {}))
