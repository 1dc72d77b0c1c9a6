"""The one object the outside talks to: corpus + index (+ glossary), swapped atomically.

A `Snapshot` is immutable: built completely (off the event loop when async), then installed
with a single attribute assignment. A question always runs against one snapshot, so a question
asked while the index rebuilds is answered from the old one and never sees half an index.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.answer import Concept, build_answer
from bot.articles import DEFAULT_CORPUS_DIR, articles_dir, corpus_stamp, format_date, load_corpus
from bot.models import Answer, Article, Passage
from bot.passages import split_article
from bot.search import SearchIndex
from bot.synonyms import load_synonyms
from bot.text import clean_question, tokenize

log = logging.getLogger(__name__)

#: Hits fetched per question before the relevance rule and quote selection.
CANDIDATES = 20


@dataclass(frozen=True)
class Snapshot:
    corpus_dir: Path
    articles: tuple[Article, ...]
    passages: tuple[Passage, ...]
    index: SearchIndex
    errors: tuple[str, ...] = ()  # broken article files, reported not fatal
    stamp: tuple = ()
    alias_groups: tuple[tuple[tuple[str, ...], ...], ...] = field(default_factory=tuple)
    glossary: object | None = None  # bot.glossary.Glossary when one is loaded


def build_snapshot(corpus_dir: Path, *, alias_groups: Sequence[Sequence[Sequence[str]]] = ()) -> Snapshot:
    """Read the corpus and build the index. CPU- and I/O-bound: call it off the event loop."""
    corpus_dir = Path(corpus_dir)
    stamp = corpus_stamp(corpus_dir)
    loaded = load_corpus(corpus_dir)
    passages: list[Passage] = []
    for article in loaded.articles:
        passages.extend(split_article(article))
    tokens = [tokenize(p.full_text) for p in passages]
    titles = [tokenize(a.title) for a in loaded.articles]
    index = SearchIndex(loaded.articles, passages, tokens, titles)
    groups = tuple(tuple(tuple(alt) for alt in g) for g in alias_groups) + load_synonyms(corpus_dir)
    return Snapshot(corpus_dir, loaded.articles, tuple(passages), index, loaded.errors, stamp, groups)


def _find(seq: Sequence[str], sub: Sequence[str]) -> int:
    n = len(sub)
    if n == 0:
        return -1
    for i in range(len(seq) - n + 1):
        if list(seq[i : i + n]) == list(sub):
            return i
    return -1


def expand_question(
    terms: Sequence[str], alias_groups: Sequence[Sequence[Sequence[str]]]
) -> tuple[list[Concept], list[str]]:
    """Group question terms into concepts; a glossary term or alias brings its equivalents along.

    Returns the concepts (for the relevance rule) and the query terms for BM25 (the question's
    own terms plus the equivalents' terms, so "ECPA" also finds "Electronic Communications
    Privacy Act").
    """
    remaining = list(terms)
    concepts: list[Concept] = []
    query = list(terms)
    for group in alias_groups:
        alts = [tuple(a) for a in group if a]
        hit = next(((alt, pos) for alt in sorted(alts, key=len, reverse=True)
                     if (pos := _find(remaining, alt)) >= 0), None)
        if hit is None:
            continue
        alt, pos = hit
        del remaining[pos : pos + len(alt)]
        concepts.append(Concept(" ".join(alt), tuple(frozenset(a) for a in alts)))
        for other in alts:
            if other != alt:
                query.extend(t for t in other if t not in query)
    seen: set[str] = set()
    for t in remaining:
        if t not in seen:
            seen.add(t)
            concepts.append(Concept(t, (frozenset([t]),)))
    return concepts, query


class Knowledge:
    """Holds the current snapshot; answers questions; rebuilds off the loop and swaps."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self._reload_lock: asyncio.Lock | None = None

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def load(cls, corpus_dir: Path | str | None = None) -> Knowledge:
        return cls(build_snapshot(Path(corpus_dir) if corpus_dir else DEFAULT_CORPUS_DIR))

    @classmethod
    async def open(cls, corpus_dir: Path | str | None = None) -> Knowledge:
        return await asyncio.to_thread(cls.load, corpus_dir)

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @property
    def corpus_dir(self) -> Path:
        return self._snapshot.corpus_dir

    def install(self, snapshot: Snapshot) -> None:
        """Swap in a new snapshot in one step."""
        self._snapshot = snapshot

    def rebuild(self) -> Snapshot:
        """Build a new snapshot from disk (blocking) and install it."""
        snap = build_snapshot(self._snapshot.corpus_dir)
        self.install(snap)
        return snap

    async def reload(self) -> Snapshot:
        """Rebuild off the event loop, then swap; concurrent reloads are serialised."""
        if self._reload_lock is None:
            self._reload_lock = asyncio.Lock()
        async with self._reload_lock:
            snap = await asyncio.to_thread(build_snapshot, self._snapshot.corpus_dir)
            self.install(snap)
            log.info("corpus reloaded: %d articles, %d passages", len(snap.articles), len(snap.passages))
            return snap

    def changed_on_disk(self) -> bool:
        """True when another process (or a person) changed the article files since the last build."""
        return corpus_stamp(self._snapshot.corpus_dir) != self._snapshot.stamp

    # -- questions ------------------------------------------------------------------------------
    def ask(self, question: str, top_k: int = 3) -> Answer:
        snap = self._snapshot
        text, truncated = clean_question(question)
        notes = ("The question was cut to its first 1,000 characters.",) if truncated else ()
        concepts, query = expand_question(tokenize(text), snap.alias_groups)
        hits = snap.index.search(query, max(CANDIDATES, top_k * 2))
        return build_answer(text, concepts, hits, snap.index, max(top_k, 1), notes)

    # -- what the corpus holds ------------------------------------------------------------------
    def sources(self) -> list[tuple[Article, int]]:
        snap = self._snapshot
        counts: dict[str, int] = {}
        for p in snap.passages:
            counts[p.article_slug] = counts.get(p.article_slug, 0) + 1
        return [(a, counts.get(a.slug, 0)) for a in snap.articles]

    def coverage(self) -> str:
        """One sentence on what the corpus covers, for no-answer replies."""
        arts = self._snapshot.articles
        if not arts:
            return "The corpus is empty: no articles have been added yet."
        if len(arts) == 1:
            a = arts[0]
            date = format_date(a.published)
            return f'The corpus holds one article: "{a.title}" ({a.publisher}{", " + date if date else ""}).'
        names = "; ".join(f'"{a.title}"' for a in arts[:5])
        more = f" and {len(arts) - 5} more" if len(arts) > 5 else ""
        return f"The corpus holds {len(arts)} articles on cloud data sovereignty: {names}{more}."


def articles_folder(k: Knowledge) -> Path:
    return articles_dir(k.corpus_dir)
