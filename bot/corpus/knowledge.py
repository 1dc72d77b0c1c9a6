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

from bot.corpus.articles import (
    DEFAULT_CORPUS_DIR,
    CorpusError,
    KnownFile,
    articles_dir,
    body_hash,
    corpus_stamp,
    import_running,
    load_corpus,
    normalise_url,
    parse_article,
)
from bot.corpus.snapshot_file import (
    FILE_FORMAT,
    Generation,
    SnapshotUnusable,
    Stamp,
    corpus_generation,
    make_generation,
    read_snapshot,
    saved_generation,
    write_snapshot,
)
from bot.corpus.token_cache import TokenCache
from bot.engine.answer import build_answer
from bot.engine.countries import adjective_groups
from bot.engine.followup import read_in_conversation
from bot.engine.glossary import Glossary, merge_alias_groups
from bot.engine.models import Answer, Article, Passage, format_date
from bot.engine.passages import split_article
from bot.engine.reading import interpret, search_reading, truecase
from bot.engine.search import TOKEN_SIGNATURE, passage_terms
from bot.engine.segments import Segments, add_to_delta, merge_segments, open_segments, remove_from_delta
from bot.engine.snapshot import Snapshot
from bot.engine.store import STORE_FORMAT, ArticleTable, Store, build_store, pack_words
from bot.engine.text import clean_question, tokenize

__all__ = [
    "CACHE_DIR", "CANDIDATES", "SNAPSHOT_FILE", "Knowledge", "Snapshot", "build_snapshot", "content_key",
    "generation_of",
]

log = logging.getLogger(__name__)

#: Tokenised passages are cached here, inside the corpus directory, one file per article version.
CACHE_DIR = Path(".cache") / "tokens"
#: The whole snapshot is kept here (bot.corpus.snapshot_file), loaded instead of rebuilt.
SNAPSHOT_FILE = Path(".cache") / "snapshot.bin"
#: The articles added and removed since (bot.engine.segments), in the same file format: an add or
#: remove writes this small file only, not the main one.
DELTA_FILE = Path(".cache") / "delta.bin"
#: The delta is merged into the main file when it holds more passages than this share of main's
#: (and at least MERGE_MIN_PASSAGES): a merge costs a few seconds at 10,000 articles, an add a few ms.
MERGE_SHARE = 0.02
MERGE_MIN_PASSAGES = 2000

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


def _code_signature() -> str:
    """Everything besides the corpus that decides a snapshot's arrays: the tokenizer, BM25's
    parameters, the speller's rules and its word list's version, the store's format."""
    from importlib import metadata

    from bot.engine import countries, search, speller, store

    try:
        wordfreq_version = metadata.version("wordfreq")
    except metadata.PackageNotFoundError:  # pragma: no cover - a dependency
        wordfreq_version = "?"
    try:
        tzdata_version = metadata.version("tzdata")
    except metadata.PackageNotFoundError:  # the country names are then left out
        tzdata_version = "?"
    parts = [
        TOKEN_SIGNATURE, search.BM25_VARIANT, repr(search.BM25_K1), repr(search.BM25_B),
        repr(search.TITLE_WEIGHT), repr(search.YEAR_IN_TITLE),
        f"store{store.STORE_FORMAT}", wordfreq_version, repr(speller.COMMON_ZIPF),
        speller._WORD_RE.pattern, speller._ACRONYM_RE.pattern, speller._CASED_WORD_RE.pattern,
        speller._PHRASE_RE.pattern, speller._CAMEL_RE.pattern, "".join(sorted(speller._SENTENCE_OPENERS)),
        f"countries{countries.ADJECTIVES_VERSION}", repr(countries.ADJECTIVE_ZIPF), tzdata_version,
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


_CODE_SIGNATURE: str | None = None


def snapshot_stamp(generation: Generation) -> Stamp:
    global _CODE_SIGNATURE
    if _CODE_SIGNATURE is None:
        _CODE_SIGNATURE = _code_signature()
    return Stamp(FILE_FORMAT, STORE_FORMAT, _CODE_SIGNATURE, generation.digest)


def _article_tokens(cache: TokenCache, article: Article, parts: list[Passage]) -> list[list[str]]:
    key = f"{article.slug}-{content_key(article)}"
    terms = cache.get_or_compute(key, lambda parts=parts: [passage_terms(p) for p in parts])
    if len(terms) != len(parts):  # a cache entry from another split: never trust it
        log.warning("token cache entry for %s does not fit its passages; re-tokenising", article.slug)
        terms = [passage_terms(p) for p in parts]
    return terms


def _read_side_files(corpus_dir: Path, previous: Snapshot | None) -> tuple[Glossary | None, tuple, bool]:
    """(glossary, synonym groups, whether both files were read without error).

    A glossary file that fails validation keeps the previous snapshot's glossary (a bad edit never
    takes the glossary away from a running bot); without one the glossary is off until fixed.
    """
    from bot.engine.glossary import GLOSSARY_FILE, GlossaryError, load_glossary
    from bot.engine.synonyms import SYNONYMS_FILE, SynonymsError, parse_synonyms
    from bot.engine.yaml_files import YamlFileError, load_yaml_file

    clean = True
    glossary: Glossary | None = None
    path = corpus_dir / GLOSSARY_FILE
    if path.exists():
        try:
            glossary = load_glossary(path)
        except GlossaryError as exc:
            clean = False
            last = previous.glossary if previous is not None and isinstance(previous.glossary, Glossary) else None
            glossary_log = logging.getLogger("bot.engine.glossary")
            if last is None:
                glossary_log.error("glossary not loaded: %s", exc)
            else:
                glossary_log.error("glossary not reloaded, keeping the last good one: %s", exc)
                glossary = Glossary(last.entries, last.source)
    synonyms: tuple = ()
    path = corpus_dir / SYNONYMS_FILE
    if path.exists():
        try:
            synonyms = parse_synonyms(load_yaml_file(path, path.name), path.name)
        except (YamlFileError, SynonymsError) as exc:
            clean = False
            logging.getLogger("bot.engine.synonyms").error("ignoring %s: %s", path.name, exc)
    return glossary, synonyms, clean


def _full_store(corpus_dir: Path, previous: Snapshot | None) -> tuple[Store, bool]:
    """Read every article (tokens from the cache) and build the store; (store, side files clean)."""
    loaded = load_corpus(corpus_dir)
    cache = TokenCache(corpus_dir / CACHE_DIR, signature=TOKEN_SIGNATURE)
    keys: set[str] = set()
    passages: list[list[Passage]] = []
    tokens: list[list[list[str]]] = []
    for article in loaded.articles:
        parts = split_article(article)
        keys.add(f"{article.slug}-{content_key(article)}")
        passages.append(parts)
        tokens.append(_article_tokens(cache, article, parts))
    cache.prune(keys)
    titles = [tokenize(a.title) for a in loaded.articles]
    glossary, synonyms, clean = _read_side_files(corpus_dir, previous)
    # glossary names first: "Electronic Communications Privacy Act" is matched whole before "act";
    # countries' regular adjectives last, so a curated group ("Korea, Korean, South Korea") takes them in
    groups = merge_alias_groups(glossary.alias_groups() if glossary is not None else (), synonyms, adjective_groups())
    store = build_store(loaded.articles, passages, tokens, titles, glossary, groups, loaded.errors)
    _put_dup(store, {a.slug: _dup_entry(a) for a in loaded.articles})
    if not clean:
        store.meta["unsaved"] = True  # a fallback glossary or no synonyms: never saved, nor what grows from it
    return store, clean


def _dup_entry(article: Article) -> list[str | None]:
    """What the duplicate check of a later add compares (see `bot.corpus.articles.KnownFile`)."""
    return [body_hash(article.paragraphs), normalise_url(article.url) if article.url else None]


def _dup_of(store: Store | None) -> dict[str, list[str | None]]:
    """slug -> its `_dup_entry`, from the store's dup_* tables (one row per article, in order)."""
    if store is None or "dup_body" not in store.arrays:
        return {}
    slugs = ArticleTable(store).slugs
    body, url = store.words("dup_body"), store.words("dup_url")
    return {s: [b, u or None] for s, b, u in zip(slugs, body, url, strict=True)}


def _dup_all(segs: Segments) -> dict[str, list[str | None]]:
    """The duplicate-check entries of the corpus main + delta stand for."""
    dead = segs.dead
    out = {s: e for s, e in _dup_of(segs.main).items() if s not in dead}
    out.update(_dup_of(segs.delta))
    return out


def _put_dup(store: Store, dup: dict[str, list[str | None]]) -> None:
    """Store the duplicate-check entries as word tables in the store's article order."""
    slugs = ArticleTable(store).slugs
    counts = store.meta["counts"]
    for name, col in (("dup_body", 0), ("dup_url", 1)):
        words = [dup[s][col] or "" for s in slugs]
        store.arrays[name] = pack_words(words)
        counts[name] = len(words)


def _read_segments(corpus_dir: Path, generation: Generation) -> Segments:
    """The saved main store and delta that stand for the corpus at `generation`: the delta if it
    was written for it (with the main file it was made beside), else the main file alone.
    Raises FileNotFoundError or SnapshotUnusable like `read_snapshot`."""
    stamp = snapshot_stamp(generation)
    try:
        delta = read_snapshot(corpus_dir / DELTA_FILE, stamp)
    except (OSError, SnapshotUnusable):
        delta = None
    if delta is not None and delta.meta.get("segment") == "delta" and delta.meta.get("base"):
        try:
            main = read_snapshot(corpus_dir / SNAPSHOT_FILE, replace(stamp, generation=delta.meta["base"]))
            return Segments(main, delta)
        except (OSError, SnapshotUnusable):
            pass  # merged meanwhile (the main file is newer): it may stand alone
    return Segments(read_snapshot(corpus_dir / SNAPSHOT_FILE, stamp))


def saved_article_rows(corpus_dir: Path) -> dict[str, list]:
    """What the saved snapshot knows of each article file, if it fits the corpus now: file name ->
    [size, mtime_ns, slug, title, body hash, normalised url] (the bulk import's index rows), so a
    first import into a large corpus need not parse every front matter. Empty when it does not fit."""
    generation = corpus_generation(corpus_dir)
    try:
        segs = _read_segments(Path(corpus_dir), generation)
    except (OSError, SnapshotUnusable):
        return {}
    dup = _dup_all(segs)
    stats = {name: (size, mtime) for name, size, mtime in generation.articles}
    out: dict[str, list] = {}
    for store in (segs.main, segs.delta):
        if store is None:
            continue
        table = ArticleTable(store)
        for a, slug in enumerate(table.slugs):
            name = f"{slug}.md"
            if name in stats and slug in dup and (store is segs.delta or slug not in segs.dead):
                out[name] = [*stats[name], slug, table.title(a), dup[slug][0], dup[slug][1]]
    return out


def _known_files(snapshot: Snapshot) -> dict[str, KnownFile]:
    segs = snapshot.store
    dup = _dup_all(segs) if isinstance(segs, Segments) else {}
    out: dict[str, KnownFile] = {}
    for name, size, mtime in snapshot.stamp:
        entry = dup.get(name.removesuffix(".md"))
        if entry is not None:
            out[name] = KnownFile(int(size), int(mtime), entry[0], entry[1])
    return out


def _snapshot_of(corpus_dir: Path, segs: Segments | Store, generation: Generation) -> Snapshot:
    segs = segs if isinstance(segs, Segments) else Segments(segs)
    segs.main.meta["aux"] = generation.aux
    opened = open_segments(segs)
    return Snapshot(
        corpus_dir, opened.articles, opened.passages, opened.index, opened.errors, generation.articles,
        opened.alias_groups, glossary=opened.glossary, speller=opened.speller, store=segs,
    )


def _save(corpus_dir: Path, segs: Segments, generation: Generation) -> None:
    """Write the delta when there is one (the main file it was made beside is on disk), else the
    main file, then take the delta file away (it no longer fits)."""
    if segs.main.meta.get("unsaved"):
        return
    base = segs.delta.meta.get("base") if segs.delta is not None else None
    if segs.delta is not None and (not base or saved_generation(corpus_dir / SNAPSHOT_FILE) != base):
        # the main file on disk is not the one this delta goes with (another process merged, or
        # it was never saved): write main + delta as one main file
        segs = _with_dup(Segments(merge_segments(segs)), _dup_all(segs))
    try:
        if segs.delta is not None:
            write_snapshot(corpus_dir / DELTA_FILE, segs.delta, snapshot_stamp(generation))
        else:
            segs.main.meta["generation"] = generation.digest
            write_snapshot(corpus_dir / SNAPSHOT_FILE, segs.main, snapshot_stamp(generation))
            (corpus_dir / DELTA_FILE).unlink(missing_ok=True)
    except OSError as exc:
        log.warning("cannot save the index snapshot in %s (%s); it is built in memory on every start",
                    corpus_dir / SNAPSHOT_FILE.parent, exc.strerror or exc)


def _merged_if_due(segs: Segments) -> Segments:
    """`segs` with the delta merged into main once it has grown past the threshold (or when main
    was never saved, so a delta could not be read back beside it)."""
    if segs.delta is None:
        return segs
    limit = max(MERGE_MIN_PASSAGES, MERGE_SHARE * len(segs.main["p_art"]))
    if segs.delta_passages <= limit:
        return segs
    return _with_dup(Segments(merge_segments(segs)), _dup_all(segs))


def _with_dup(segs: Segments, dup: dict[str, list[str | None]]) -> Segments:
    _put_dup(segs.main, dup)
    return segs


def build_snapshot(
    corpus_dir: Path, *, previous: Snapshot | None = None, persist: bool = True, locked: bool = False
) -> Snapshot:
    """The corpus's snapshot: loaded from `<corpus>/.cache/snapshot.bin` when that was made for the
    files as they are, else built (tokens from the token cache) and saved there for the next start.
    CPU- and I/O-bound: call it off the event loop.

    When the saved snapshot does not fit, the corpus lock is taken before building (unless the
    caller holds it: `locked`): a writer in another process (an add, a remove, another start's
    build) holds it until its snapshot is saved, and that snapshot is then used instead of building
    a second one. `previous` (the snapshot being replaced) supplies the last good glossary when the
    glossary file no longer validates, so a bad edit never takes the glossary away from the bot;
    such a snapshot, like one built while the synonyms file is broken, is not saved (the next start
    logs the error again). `persist=False` neither reads nor writes the file.
    """
    corpus_dir = Path(corpus_dir)
    if not persist:
        store, _ = _full_store(corpus_dir, previous)
        return _snapshot_of(corpus_dir, Segments(store), corpus_generation(corpus_dir))
    loaded, why = _load_saved(corpus_dir)
    if loaded is not None:
        return loaded
    if locked:
        return _build_and_save(corpus_dir, previous, why)
    from bot.corpus.articles import corpus_lock

    try:
        lock = corpus_lock(corpus_dir)
        lock.__enter__()
    except OSError:  # a read-only corpus directory: no lock file, no writer to wait for
        return _build_and_save(corpus_dir, previous, why)
    try:
        loaded, _ = _load_saved(corpus_dir)  # a writer may have saved it while we waited
        return loaded if loaded is not None else _build_and_save(corpus_dir, previous, why)
    finally:
        lock.__exit__(None, None, None)


def _load_saved(corpus_dir: Path) -> tuple[Snapshot | None, tuple[int, str]]:
    """The saved snapshot if it fits the corpus now, else (None, (log level, why not))."""
    generation = corpus_generation(corpus_dir)
    path = corpus_dir / SNAPSHOT_FILE
    try:
        segs = _read_segments(corpus_dir, generation)
    except FileNotFoundError:
        return None, (logging.INFO, f"no index snapshot in {path.parent} yet: building it")
    except SnapshotUnusable as exc:
        level = logging.INFO if "changed" in str(exc) else logging.WARNING
        return None, (level, f"rebuilding the index snapshot {path}: {exc}")
    except OSError as exc:
        return None, (logging.WARNING, f"rebuilding the index snapshot {path}: it cannot be read "
                                       f"({exc.strerror or exc})")
    store = segs.main
    if not articles_dir(corpus_dir).is_dir():
        load_corpus(corpus_dir)  # raises the CorpusError a missing folder deserves
    try:
        snap = _snapshot_of(corpus_dir, segs, generation)
    except (KeyError, ValueError, IndexError) as exc:  # stamped right, laid out wrong: never trusted
        return None, (logging.WARNING, f"rebuilding the index snapshot {path}: its arrays do not fit "
                                       f"this code ({type(exc).__name__}: {exc})")
    for err in store.meta["errors"]:  # the report load_corpus would have made
        logging.getLogger("bot.corpus.articles").warning("skipped broken article file %s", err)
    return snap, (logging.INFO, "")


def _build_and_save(corpus_dir: Path, previous: Snapshot | None, why: tuple[int, str]) -> Snapshot:
    generation = corpus_generation(corpus_dir)
    if previous is not None and previous.corpus_dir == corpus_dir:
        # a reload after other processes added or removed articles (a bulk import, a shard's
        # add that could not be saved): the snapshot in memory, brought up to date article by article
        stepped = _stepwise(previous, generation)
        if stepped is not None:
            _save(corpus_dir, stepped.store, generation)
            return stepped
    log.log(why[0], "%s", why[1])
    store, clean = _full_store(corpus_dir, previous)
    snap = _snapshot_of(corpus_dir, Segments(store), generation)
    if clean:
        _save(corpus_dir, snap.store, generation)
    return snap


def _updated(
    snapshot: Snapshot, slug: str, *, added: bool, generation: Generation | None = None
) -> Snapshot | None:
    """The snapshot after one article file was added or removed, updated from `snapshot` and that
    article alone; None when anything else changed on disk too (then a full build is needed)."""
    segs = snapshot.store
    if not isinstance(segs, Segments):
        return None
    generation = generation or corpus_generation(snapshot.corpus_dir)
    stepped = _updated_segments(snapshot.corpus_dir, segs, snapshot.stamp, slug, added=added, generation=generation)
    return None if stepped is None else _snapshot_of(snapshot.corpus_dir, _merged_if_due(stepped), generation)


def _updated_segments(corpus_dir: Path, segs: Segments, stamp: tuple, slug: str, *, added: bool,
                      generation: Generation) -> Segments | None:
    """`segs` (standing for the files `stamp`) after the article file `slug` was added or removed:
    the delta changed for that article alone; None when anything else changed on disk too."""
    if "aux" not in segs.main.meta:
        return None
    name = f"{slug}.md"
    before = {e for e in stamp if e[0] != name}
    after = {e for e in generation.articles if e[0] != name}
    has_now = any(e[0] == name for e in generation.articles)
    had = any(e[0] == name for e in stamp)
    if before != after or generation.aux != segs.main.meta["aux"] or has_now != added or had == added:
        return None
    try:
        if added:
            path = articles_dir(corpus_dir) / name
            article = parse_article(path, path.read_text(encoding="utf-8"))
            cache = TokenCache(corpus_dir / CACHE_DIR, signature=TOKEN_SIGNATURE)
            tokens = _article_tokens(cache, article, split_article(article))
            new = add_to_delta(segs, article, tokens, tokenize(article.title))
            assert new.delta is not None
            _put_dup(new.delta, {**_dup_of(segs.delta), slug: _dup_entry(article)})
        else:
            new = remove_from_delta(segs, slug)
            assert new.delta is not None
            _put_dup(new.delta, {s: e for s, e in _dup_of(segs.delta).items() if s != slug})
    except (OSError, UnicodeDecodeError, CorpusError, KeyError, ValueError) as exc:
        log.warning("could not update the index snapshot for %s (%s); rebuilding it", slug, exc)
        return None
    return new


def _stepwise(snap: Snapshot, generation: Generation) -> Snapshot | None:
    """`snap` brought to `generation` one added or removed article file at a time (`_updated`);
    None when a file was edited, the side files changed or a step cannot be made. The delta is
    merged at most when due, and the snapshot opened once, at the end."""
    old = {name: (size, mtime) for name, size, mtime in snap.stamp}
    now = {name: (size, mtime) for name, size, mtime in generation.articles}
    added = [n for n in now if n not in old]
    removed = [n for n in old if n not in now]
    segs = snap.store
    if any(now[n] != old[n] for n in now if n in old) or not isinstance(segs, Segments):
        return None
    if generation.aux != segs.main.meta.get("aux"):
        return None
    stamp = set(snap.stamp)
    for name in removed + added:
        target = {e for e in stamp if e[0] != name} | ({(name, *now[name])} if name in now else set())
        step = make_generation(tuple(sorted(target)), generation.aux)
        updated = _updated_segments(snap.corpus_dir, segs, tuple(stamp), name.removesuffix(".md"),
                                    added=name in now, generation=step)
        if updated is None:
            return None
        segs, stamp = _merged_if_due(updated), target
        segs.main.meta["aux"] = generation.aux
    return _snapshot_of(snap.corpus_dir, segs, generation)


def refresh_snapshot(corpus_dir: Path, before: tuple[tuple[str, int, int], ...]) -> Snapshot:
    """The snapshot after articles were added or removed since the article files were `before`
    (their `corpus_stamp`): the saved snapshot of that state updated one article at a time, or a
    full build when the files changed otherwise (an edit) or no snapshot of that state is saved.

    What a bulk import calls once at its end: the other articles are not read or tokenised again.
    """
    from bot.corpus.articles import corpus_lock

    corpus_dir = Path(corpus_dir)
    try:
        lock = corpus_lock(corpus_dir)
        lock.__enter__()
    except OSError:
        return build_snapshot(corpus_dir)
    try:
        generation = corpus_generation(corpus_dir)
        prior = make_generation(tuple(before), generation.aux)
        try:
            segs = _read_segments(corpus_dir, prior)
        except (OSError, SnapshotUnusable):
            return build_snapshot(corpus_dir, locked=True)
        segs.main.meta["aux"] = prior.aux
        snap = _stepwise(Snapshot(corpus_dir, (), (), None, stamp=prior.articles, store=segs),  # type: ignore[arg-type]
                         generation)
        if snap is None:
            return build_snapshot(corpus_dir, locked=True)
        save_snapshot(snap)
        return snap
    finally:
        lock.__exit__(None, None, None)


def save_snapshot(snap: Snapshot) -> None:
    """Write the snapshot's file (a warning, not an error, when the directory is read-only)."""
    segs = snap.store
    _save(snap.corpus_dir, segs, make_generation(snap.stamp, segs.main.meta["aux"]))


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
        """Blocking: store the article and update the snapshot (its file too) under the corpus lock,
        so another process that finds the corpus changed waits for the new snapshot instead of
        rebuilding on its own; on failure the file is taken out again. The new snapshot is
        installed as soon as it is made, before its file is written."""
        from bot.corpus.articles import add_article, corpus_lock

        corpus_dir = self._snapshot.corpus_dir
        with corpus_lock(corpus_dir):
            stored = add_article(corpus_dir, article, known=_known_files(self._snapshot), locked=True)
            try:
                snap = self._update(stored.slug, added=True)
            except BaseException:
                (articles_dir(corpus_dir) / f"{stored.slug}.md").unlink(missing_ok=True)
                log.exception("index rebuild failed after adding %s; the article was taken out", stored.slug)
                raise
        return stored, snap

    def _remove_and_build(self, slug: str) -> tuple[Article, Snapshot]:
        from bot.corpus.articles import corpus_lock, remove_article, restore_file

        corpus_dir = self._snapshot.corpus_dir
        with corpus_lock(corpus_dir):
            removed = remove_article(corpus_dir, slug, locked=True)
            try:
                snap = self._update(removed.article.slug, added=False)
            except BaseException:
                restore_file(corpus_dir, removed.article.slug, removed.data)
                log.exception("index rebuild failed after removing %s; the file was put back", slug)
                raise
        return removed.article, snap

    def _update(self, slug: str, *, added: bool) -> Snapshot:
        """The snapshot after one article more or less: updated from the current one when nothing
        else changed on disk, else built in full. Installed, then saved (the caller holds the lock)."""
        old = self._snapshot
        snap = _updated(old, slug, added=added)
        if snap is None:
            return build_snapshot(old.corpus_dir, previous=old, locked=True)
        self.install(snap)  # questions use it now; other processes once it is saved
        try:
            save_snapshot(snap)
        except BaseException:
            self.install(old)
            raise
        return snap

    def add_now(self, article: Article) -> tuple[Article, int]:
        """Blocking `add` for the command line: store, update the snapshot (and its file), install."""
        stored, snap = self._add_and_build(article)
        self.install(snap)
        return stored, snap.index.passage_counts().get(stored.slug, 0)

    def remove_now(self, slug: str) -> Article:
        """Blocking `remove` for the command line."""
        removed, snap = self._remove_and_build(slug)
        self.install(snap)
        return removed

    async def add(self, article: Article) -> tuple[Article, int]:
        """Store `article` and swap in an index that holds it; returns (stored article, passages).

        Writes and rebuilds run off the event loop; questions asked meanwhile use the old snapshot.
        A refused or failed add (duplicate, disk error, failed rebuild) leaves corpus and index as
        they were.
        """
        async with self._writer_lock():
            stored, snap = await asyncio.to_thread(self._add_and_build, article)
            self.install(snap)
        count = snap.index.passage_counts().get(stored.slug, 0)
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
        asked, truncated = clean_question(question)
        notes: tuple[str, ...] = ("The question was cut to its first 1,000 characters.",) if truncated else ()
        # read in the corpus's case: a question typed in lower case or shouted keeps its names
        text = truecase(asked, snap)
        kind_text = text
        if after:
            earlier = [truecase(clean_question(q)[0], snap) for q in after]
            conversation = read_in_conversation(text, earlier, snap)
            reading, kind_text = conversation.interpretation, conversation.kind_question
            if conversation.note:
                notes += (conversation.note,)
        else:
            reading = interpret(text, snap)
        reading, hits = search_reading(reading, snap, max(CANDIDATES, top_k * 2))
        if reading.corrections:
            notes += ("Read as: " + ", ".join(f"{w} \u2192 {c}" for w, c in reading.corrections) + ".",)
        # the kind of answer wanted comes from `kind_text` ("What about Google?" wants what the
        # earlier question wanted); the answer is still to the question as asked
        answer = build_answer(kind_text, reading.concepts, hits, snap.index, max(top_k, 1), notes, reading.phrases)
        return answer if answer.question == asked else replace(answer, question=asked)

    # -- what the corpus holds ------------------------------------------------------------------
    def sources(self) -> list[tuple[Article, int]]:
        snap = self._snapshot
        counts = snap.index.passage_counts()
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
