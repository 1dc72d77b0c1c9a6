"""The one object the shells talk to: the corpus on disk, built into a `Snapshot`, swapped atomically.

A `Snapshot` (bot.engine.snapshot) is immutable: built completely (off the event loop when async), then installed
with a single attribute assignment. A question always runs against one snapshot, so a question
asked while the index rebuilds is answered from the old one and never sees half an index.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bot.corpus.articles import DEFAULT_CORPUS_DIR, articles_dir, corpus_stamp, import_running, load_corpus
from bot.corpus.token_cache import TokenCache
from bot.engine.answer import build_answer
from bot.engine.followup import read_in_conversation
from bot.engine.glossary import Glossary, load_corpus_glossary, merge_alias_groups
from bot.engine.models import Answer, Article, Passage, format_date
from bot.engine.passages import split_article
from bot.engine.reading import interpret
from bot.engine.search import TOKEN_SIGNATURE, SearchIndex, passage_terms
from bot.engine.snapshot import Snapshot
from bot.engine.speller import Speller
from bot.engine.synonyms import load_synonyms
from bot.engine.text import clean_question, tokenize

__all__ = ["CACHE_DIR", "CANDIDATES", "Knowledge", "Snapshot", "build_snapshot", "content_key", "generation_of"]

log = logging.getLogger(__name__)

#: Tokenised passages are cached here, inside the corpus directory, one file per article version.
CACHE_DIR = Path(".cache") / "tokens"

#: Hits fetched per question before the relevance rule and quote selection.
CANDIDATES = 20


def content_key(article: Article) -> str:
    """Hash of an article's exact paragraphs: the tokens change whenever this does."""
    return hashlib.sha256("\n\n".join(article.paragraphs).encode("utf-8")).hexdigest()[:32]


def generation_of(snapshot: Snapshot) -> str:
    """A short id of the corpus generation a snapshot was built from (changes on every add, remove, edit).

    The history database stores it with each question, so an answer can be traced to the corpus
    it came from.
    """
    return hashlib.sha256(repr(snapshot.stamp).encode("utf-8")).hexdigest()[:12]


def build_snapshot(corpus_dir: Path, *, previous: Snapshot | None = None) -> Snapshot:
    """Read the corpus and build the index. CPU- and I/O-bound: call it off the event loop.

    `previous` (the snapshot being replaced) supplies the last good glossary when the glossary
    file no longer validates, so a bad edit never takes the glossary away from the bot.
    """
    corpus_dir = Path(corpus_dir)
    stamp = corpus_stamp(corpus_dir)
    loaded = load_corpus(corpus_dir)
    passages: list[Passage] = []
    tokens: list[list[str]] = []
    cache = TokenCache(corpus_dir / CACHE_DIR, signature=TOKEN_SIGNATURE)
    keys: set[str] = set()
    for article in loaded.articles:
        parts = split_article(article)
        key = f"{article.slug}-{content_key(article)}"
        keys.add(key)
        terms = cache.get_or_compute(key, lambda parts=parts: [passage_terms(p) for p in parts])
        if len(terms) != len(parts):  # a cache entry from another split: never trust it
            log.warning("token cache entry for %s does not fit its passages; re-tokenising", article.slug)
            terms = [passage_terms(p) for p in parts]
        passages.extend(parts)
        tokens.extend(terms)
    cache.prune(keys)
    titles = [tokenize(a.title) for a in loaded.articles]
    index = SearchIndex(loaded.articles, passages, tokens, titles)
    last = previous.glossary if previous is not None and isinstance(previous.glossary, Glossary) else None
    glossary = load_corpus_glossary(corpus_dir, index, last)
    # glossary names first: "Electronic Communications Privacy Act" is matched whole before "act"
    groups = merge_alias_groups(glossary.alias_groups() if glossary is not None else (), load_synonyms(corpus_dir))
    speller = Speller.from_texts([p.full_text for p in passages], [a.title for a in loaded.articles])
    return Snapshot(
        corpus_dir, loaded.articles, tuple(passages), index, loaded.errors, stamp, groups,
        glossary=glossary, speller=speller,
    )


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
    def generation(self) -> str:
        """The id of the corpus generation questions are answered from now (see `generation_of`)."""
        return generation_of(self._snapshot)

    @property
    def corpus_dir(self) -> Path:
        return self._snapshot.corpus_dir

    def install(self, snapshot: Snapshot) -> None:
        """Swap in a new snapshot in one step."""
        self._snapshot = snapshot

    async def reload(self, *, only_if_changed: bool = False) -> Snapshot:
        """Rebuild off the event loop, then swap; concurrent reloads are serialised.

        `only_if_changed` (the watcher): skip when, once the lock is held, the files match the
        current snapshot, e.g. because our own add already rebuilt it.
        """
        async with self._writer_lock():
            if only_if_changed and not await asyncio.to_thread(self.changed_on_disk):
                return self._snapshot
            snap = await asyncio.to_thread(build_snapshot, self._snapshot.corpus_dir, previous=self._snapshot)
            self.install(snap)
            log.info("corpus reloaded: %d articles, %d passages", len(snap.articles), len(snap.passages))
            return snap

    def changed_on_disk(self) -> bool:
        """True when another process (or a person) changed the article files since the last build."""
        return corpus_stamp(self._snapshot.corpus_dir) != self._snapshot.stamp

    # -- adding and removing articles (live) ----------------------------------------------------
    def _writer_lock(self) -> asyncio.Lock:
        """Adds, removes and reloads of this process share one lock (the file lock covers processes)."""
        if self._reload_lock is None:
            self._reload_lock = asyncio.Lock()
        return self._reload_lock

    def _add_and_build(self, article: Article) -> tuple[Article, Snapshot]:
        """Blocking: store the article, build the new snapshot; on failure take the file out again."""
        from bot.corpus.articles import add_article, corpus_lock

        corpus_dir = self._snapshot.corpus_dir
        stored = add_article(corpus_dir, article)
        try:
            snap = build_snapshot(corpus_dir, previous=self._snapshot)
        except BaseException:
            with corpus_lock(corpus_dir):
                (articles_dir(corpus_dir) / f"{stored.slug}.md").unlink(missing_ok=True)
            log.exception("index rebuild failed after adding %s; the article was taken out", stored.slug)
            raise
        return stored, snap

    def _remove_and_build(self, slug: str) -> tuple[Article, Snapshot]:
        from bot.corpus.articles import remove_article, restore_file

        corpus_dir = self._snapshot.corpus_dir
        removed = remove_article(corpus_dir, slug)
        try:
            snap = build_snapshot(corpus_dir, previous=self._snapshot)
        except BaseException:
            restore_file(corpus_dir, removed.article.slug, removed.data)
            log.exception("index rebuild failed after removing %s; the file was put back", slug)
            raise
        return removed.article, snap

    async def add(self, article: Article) -> tuple[Article, int]:
        """Store `article` and swap in an index that holds it; returns (stored article, passages).

        Writes and rebuilds run off the event loop; questions asked meanwhile use the old snapshot.
        A refused or failed add (duplicate, disk error, failed rebuild) leaves corpus and index as
        they were.
        """
        async with self._writer_lock():
            stored, snap = await asyncio.to_thread(self._add_and_build, article)
            self.install(snap)
        count = sum(1 for p in snap.passages if p.article_slug == stored.slug)
        log.info("added %s: %d passages; corpus now %d articles", stored.slug, count, len(snap.articles))
        return stored, count

    async def remove(self, slug: str) -> Article:
        """Delete an article and swap in an index without it (same guarantees as `add`)."""
        async with self._writer_lock():
            removed, snap = await asyncio.to_thread(self._remove_and_build, slug)
            self.install(snap)
        log.info("removed %s; corpus now %d articles", removed.slug, len(snap.articles))
        return removed

    async def watch(self, interval: float = 3.0) -> None:
        """Poll the corpus directory every `interval` s and reload when another process changed it.

        For bot processes (shards) sharing one corpus directory. Runs until cancelled; a failed
        poll or reload is logged and retried at the next tick, never fatal.
        """
        while True:
            await asyncio.sleep(interval)
            try:
                if self._reload_lock is not None and self._reload_lock.locked():
                    continue  # our own add/remove is rebuilding; look again next tick
                if await asyncio.to_thread(import_running, self._snapshot.corpus_dir):
                    continue  # a bulk import is writing: reload once, when it is done
                if await asyncio.to_thread(self.changed_on_disk):
                    log.info("corpus changed on disk; reloading")
                    await self.reload(only_if_changed=True)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("corpus watcher: reload failed; will retry")

    # -- questions ------------------------------------------------------------------------------
    def ask(self, question: str, top_k: int = 3, after: Sequence[str] = ()) -> Answer:
        """Answer `question`; `after`: the earlier questions of its conversation, oldest first.

        A follow-up that leans on them ("And how old is that law?") is read with the earlier
        question's concepts (see bot.engine.followup), and the answer's notes say so.
        """
        snap = self._snapshot
        text, truncated = clean_question(question)
        notes: tuple[str, ...] = ("The question was cut to its first 1,000 characters.",) if truncated else ()
        kind_text = text
        if after:
            conversation = read_in_conversation(text, [clean_question(q)[0] for q in after], snap)
            reading, kind_text = conversation.interpretation, conversation.kind_question
            if conversation.note:
                notes += (conversation.note,)
        else:
            reading = interpret(text, snap)
        if reading.corrections:
            notes += ("Read as: " + ", ".join(f"{w} \u2192 {c}" for w, c in reading.corrections) + ".",)
        equivalents = [alt for c in reading.concepts for alt in c.alternatives]
        hits = snap.index.search(reading.query, max(CANDIDATES, top_k * 2), reading.own_terms, equivalents)
        # the kind of answer wanted comes from `kind_text` ("What about Google?" wants what the
        # earlier question wanted); the answer is still to the question as asked
        answer = build_answer(kind_text, reading.concepts, hits, snap.index, max(top_k, 1), notes, reading.phrases)
        return answer if kind_text == text else replace(answer, question=text)

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

