"""One immutable, searchable picture of a corpus: its articles, passages, BM25 index, glossary,
alias groups and speller, plus the readings derived from them once (alias index, acronyms).

Built by `bot.corpus.knowledge.build_snapshot`; read by `bot.engine.reading` and the shells.
A question always runs against one snapshot, so it never sees half a rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from bot.engine.glossary import Glossary
from bot.engine.models import Article, Passage
from bot.engine.search import SearchIndex
from bot.engine.speller import Speller


@dataclass(frozen=True)
class Snapshot:
    corpus_dir: Path
    articles: Sequence[Article]  # made when read when the snapshot comes from arrays (bot.engine.store)
    passages: Sequence[Passage]
    index: SearchIndex
    errors: tuple[str, ...] = ()  # broken article files, reported not fatal
    stamp: tuple = ()
    alias_groups: tuple[tuple[tuple[str, ...], ...], ...] = field(default_factory=tuple)
    glossary: object | None = None  # bot.engine.glossary.Glossary when one is loaded
    speller: Speller | None = None  # corrects question words the corpus never uses
    # the arrays it was opened from (bot.engine.store.Store): what an add or remove starts from
    store: Any = field(default=None, compare=False, repr=False)

    @cached_property
    def alias_index(self) -> dict[str, tuple[int, ...]]:
        """term -> indexes of the alias groups that use it, so a question scans only its own groups."""
        index: dict[str, list[int]] = {}
        for gi, group in enumerate(self.alias_groups):
            for t in {t for alt in group for t in alt}:
                index.setdefault(t, []).append(gi)
        return {t: tuple(v) for t, v in index.items()}

    @cached_property
    def present_alternatives(self) -> frozenset[tuple[str, ...]]:
        """Alias alternatives whose words occur together in at least one passage."""
        alts = {tuple(alt) for group in self.alias_groups for alt in group}
        return frozenset(a for a in alts if a and self.index.doc_freq_all(a) > 0)

    @cached_property
    def glossary_terms(self) -> frozenset[tuple[str, ...]]:
        """Token forms of the glossary's terms and aliases ("safe harbour", "ecpa")."""
        if not isinstance(self.glossary, Glossary):
            return frozenset()
        return frozenset(alt for group in self.glossary.alias_groups() for alt in group)

    @cached_property
    def alias_acronyms(self) -> frozenset[str]:
        """Glossary/synonym entries that abbreviate another entry of their group ("eea" for
        "European Economic Area"): known acronyms even where the articles spell them out."""
        out: set[str] = set()
        for group in self.alias_groups:
            initials = {"".join(t[0] for t in alt) for alt in group if len(alt) >= 2}
            out.update(alt[0] for alt in group if len(alt) == 1 and alt[0] in initials)
        return frozenset(out)
