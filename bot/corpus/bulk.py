"""Importing many articles at once: files, folders, lists of links, pages and RSS/Atom feeds.

`python -m bot add SOURCE [SOURCE ...]` and Discord's `/corpus add url:<feed>` both run an
`Importer`. It works in two steps:

1. `plan` turns the sources into items: a folder becomes its .txt/.md/.html/.htm files
   (recursively), a `--from-list` file its links, and each URL given directly is fetched at once
   to see whether it is a page or a feed; a feed becomes one item per entry (with the entry's title
   and date, used when the page lacks them). So the number of items is known before the work.
2. `run` processes the items concurrently (downloads bounded by `bot.corpus.fetch.Fetcher`,
   extraction in worker threads) and writes each new article as soon as it is ready: one atomic
   file per article, under the corpus lock, by `CorpusWriter`, which keeps the corpus's hashes
   and links in memory instead of re-reading the whole corpus for every article. An interrupted
   import therefore leaves each article fully written or absent.

The search snapshot is rebuilt once, at the end, by the `rebuild` the caller passes (the command
line builds it; the bot calls `Knowledge.reload`). While the articles are written the corpus is
marked busy (`import_in_progress`), so other bot processes watching the directory reload once.

Duplicates (the same normalised text, or the same link) are "already present", not failures: a
second run of the same import adds nothing and says so. No Discord import here.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import urlsplit

from bot.corpus.articles import (
    CorpusError,
    DuplicateArticleError,
    articles_dir,
    atomic_write,
    body_hash,
    corpus_lock,
    file_mode,
    import_in_progress,
    normalise_url,
    parse_article,
    render_article,
    slugify,
)
from bot.corpus.fetch import FEED_CONTENT_TYPES, Fetcher, FetchPolicy
from bot.corpus.ingest import (
    Draft,
    Fetched,
    IngestError,
    Metadata,
    check_local_source,
    is_url,
    make_draft,
    read_file,
)
from bot.engine.models import Article
from bot.engine.passages import split_article
from bot.engine.text import plural

log = logging.getLogger(__name__)

__all__ = [
    "ADDED",
    "FAILED",
    "FOLDER_SUFFIXES",
    "PRESENT",
    "CorpusWriter",
    "ImportSummary",
    "Importer",
    "Item",
    "ItemResult",
    "Progress",
    "import_sources",
    "is_feed",
    "parse_feed",
    "read_link_list",
]

ADDED, PRESENT, FAILED = "added", "present", "failed"
#: What a folder contributes (the issue's list; other files in it are left alone, silently).
FOLDER_SUFFIXES = (".txt", ".md", ".html", ".htm")
#: Extractions (trafilatura, CPU-bound) running at once in worker threads.
EXTRACT_CONCURRENCY = 4


# --- values -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One thing to add: a local file or a page URL (perhaps an entry of a feed)."""

    source: str
    kind: str  # "file" | "url"
    feed: str | None = None  # the feed this entry came from
    title: str | None = None  # the feed entry's title and date: used when the page has none
    published: str | None = None
    prefetched: Fetched | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class ItemResult:
    source: str
    status: str  # ADDED | PRESENT | FAILED
    reason: str = ""
    slug: str | None = None
    title: str | None = None
    url: str | None = None
    paragraphs: int = 0
    passages: int = 0
    feed: str | None = None
    article: Article | None = field(default=None, repr=False, compare=False)  # the stored article, when added

    def line(self) -> str:
        """One line for a log or a terminal."""
        if self.status == ADDED:
            return (
                f'added: {self.source} -> `{self.slug}` "{self.title}" '
                f"({plural(self.paragraphs, 'paragraph')}, {plural(self.passages, 'passage')})"
            )
        if self.status == PRESENT:
            return f"already present: {self.source} ({self.reason})"
        return f"failed: {self.source}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "status": self.status}
        for key in ("reason", "slug", "title", "url", "feed"):
            value = getattr(self, key)
            if value:
                out[key] = value
        if self.status == ADDED:
            out["paragraphs"], out["passages"] = self.paragraphs, self.passages
        return out


@dataclass(frozen=True)
class ImportSummary:
    results: tuple[ItemResult, ...]
    seconds: float = 0.0  # planning, fetching, extracting and writing
    rebuild_seconds: float | None = None  # None: no rebuild (nothing added, or none asked for)

    def _with(self, status: str) -> tuple[ItemResult, ...]:
        return tuple(r for r in self.results if r.status == status)

    @property
    def added(self) -> tuple[ItemResult, ...]:
        return self._with(ADDED)

    @property
    def present(self) -> tuple[ItemResult, ...]:
        return self._with(PRESENT)

    @property
    def failed(self) -> tuple[ItemResult, ...]:
        return self._with(FAILED)

    @property
    def ok(self) -> bool:
        """Every item was added or already present (exit code 0)."""
        return not self.failed

    def counts(self) -> str:
        return f"{len(self.added)} added, {len(self.present)} already present, {len(self.failed)} failed"

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": [r.as_dict() for r in self.added],
            "present": [r.as_dict() for r in self.present],
            "failed": [r.as_dict() for r in self.failed],
            "counts": {"added": len(self.added), "present": len(self.present), "failed": len(self.failed),
                       "items": len(self.results)},
            "seconds": round(self.seconds, 3),
            "rebuild_seconds": None if self.rebuild_seconds is None else round(self.rebuild_seconds, 3),
        }


class Progress(Protocol):
    """What the shells see while an import runs (called on the event loop; keep it quick)."""

    def planned(self, total: int) -> None: ...

    def item_done(self, result: ItemResult, done: int, total: int) -> None: ...


class _NoProgress:
    def planned(self, total: int) -> None:
        pass

    def item_done(self, result: ItemResult, done: int, total: int) -> None:
        pass


# --- sources -> items ---------------------------------------------------------------------------------


def read_link_list(path: Path) -> list[str]:
    """A reading list: one link per line; blank lines and `#` comments (whole-line or trailing) skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise IngestError(f"There is no list file at {path}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(f"The list file {path} cannot be read ({exc.__class__.__name__}).") from None
    links: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = re.split(r"\s+#", line, maxsplit=1)[0].strip()
        if line:
            links.append(line)
    return links


def _folder_files(folder: Path) -> list[Path]:
    """Every .txt/.md/.html/.htm file under `folder`, sorted; hidden files and folders are skipped."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and Path(name).suffix.lower() in FOLDER_SUFFIXES:
                found.append(Path(root) / name)
    return found


def is_feed(fetched: Fetched) -> bool:
    """An RSS or Atom feed, by its media type or, when that is vague, by its first element."""
    if fetched.content_type in ("application/rss+xml", "application/atom+xml", "application/rdf+xml"):
        return True
    head = fetched.data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if fetched.content_type in FEED_CONTENT_TYPES or head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf")):
        return any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf", b"<channel"))
    return False


def _entry_date(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            with contextlib.suppress(TypeError, ValueError):
                return dt.date(value.tm_year, value.tm_mon, value.tm_mday).isoformat()
    return None


def parse_feed(fetched: Fetched) -> tuple[str, list[Item]]:
    """A feed's title and one item per entry with a link (relative links resolved against the feed)."""
    import feedparser

    parsed = feedparser.parse(fetched.data, response_headers={"content-location": fetched.url})
    if not parsed.entries and getattr(parsed, "bozo", False):
        raise IngestError("That link is XML but not a readable RSS or Atom feed.")
    title = " ".join(str(parsed.feed.get("title") or "").split()) or urlsplit(fetched.url).hostname or fetched.url
    items: list[Item] = []
    for entry in parsed.entries:
        link = str(entry.get("link") or "").strip()
        if not link:
            links = [str(x.get("href") or "") for x in entry.get("links") or [] if x.get("href")]
            link = links[0] if links else ""
        if not link:
            log.info("feed %s: an entry without a link (%r) is skipped", fetched.url, entry.get("title"))
            continue
        entry_title = " ".join(str(entry.get("title") or "").split()) or None
        items.append(Item(link, "url", feed=fetched.url, title=entry_title, published=_entry_date(entry)))
    return title, items


# --- writing -------------------------------------------------------------------------------------------


class _Duplicate(DuplicateArticleError):
    def __init__(self, message: str, existing: Article, what: str) -> None:
        super().__init__(message, existing)
        self.what = what


@dataclass(frozen=True)
class _Known:
    slug: str
    title: str
    sha: str | None
    url: str | None  # normalised


#: What the writer knows of each article file, kept between imports (a disposable cache).
INDEX_PATH = Path(".cache") / "import-index.json"
INDEX_VERSION = 1


class CorpusWriter:
    """Stores new articles one at a time without re-reading the corpus for each.

    At the start every article file is known by its name, size and mtime; its slug, title, body
    hash and link come from `<corpus>/.cache/import-index.json` when the file is unchanged since
    the last import, else from parsing it (so a start at 10,000 articles stats them instead of
    parsing them all). Before every write (under the corpus lock, so other writers are excluded)
    the folder is listed again and only names that appeared since are parsed: another process's
    add is still seen, its text and link are never added twice and its slug is never taken. Each
    file is written atomically (`write_article`); `save_index` records what is known for next time.
    """

    def __init__(self, corpus_dir: Path, *, today: dt.date | None = None) -> None:
        self.corpus_dir = Path(corpus_dir)
        self.folder = articles_dir(self.corpus_dir)
        self.today = today
        self._known: dict[str, _Known] = {}  # file name -> what it holds
        self._stamps: dict[str, tuple[int, int]] = {}  # file name -> (size, mtime_ns) when read
        self._names: set[str] = set()  # everything the folder listed last time
        self._slugs: set[str] = set()
        self._dir_mtime: int | None = None  # the folder's mtime when last listed or written to
        self._unsynced = False  # renames not yet made durable by an fsync of the folder
        self._by_sha: dict[str, _Known] = {}
        self._by_url: dict[str, _Known] = {}
        if not self.corpus_dir.is_dir():
            raise CorpusError(f"corpus directory not found: {self.corpus_dir}")
        self.folder.mkdir(parents=True, exist_ok=True)
        self._load()

    # -- what is on disk ------------------------------------------------------------------------
    def _index(self, known: _Known) -> None:
        self._slugs.add(known.slug)
        if known.sha:
            self._by_sha.setdefault(known.sha, known)
        if known.url:
            self._by_url.setdefault(known.url, known)

    def _reindex(self) -> None:
        self._slugs, self._by_sha, self._by_url = set(), {}, {}
        for known in self._known.values():
            self._index(known)

    @staticmethod
    def _is_article(name: str) -> bool:
        return name.endswith(".md") and not name.startswith(".")

    def _read(self, name: str) -> _Known:
        path = self.folder / name
        try:
            st = path.stat()
            article = parse_article(path, path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, CorpusError):
            return _Known(path.stem, path.stem, None, None)  # broken: `list` reports it; the slug is taken
        self._stamps[name] = (st.st_size, st.st_mtime_ns)
        return _Known(article.slug, article.title, body_hash(article.paragraphs),
                      normalise_url(article.url) if article.url else None)

    def _load(self) -> None:
        cached: dict[str, list[Any]] = {}
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
            data = json.loads((self.corpus_dir / INDEX_PATH).read_text(encoding="utf-8"))
            if data.get("version") == INDEX_VERSION:
                cached = dict(data["files"])
        seed: dict[str, list[Any]] | None = None
        self._dir_mtime = self._folder_mtime()
        with os.scandir(self.folder) as entries:
            for entry in entries:
                self._names.add(entry.name)
                if not self._is_article(entry.name):
                    continue
                try:
                    st = entry.stat()
                except OSError:
                    continue
                row = cached.get(entry.name)
                if not (isinstance(row, list) and len(row) == 6 and row[:2] == [st.st_size, st.st_mtime_ns]):
                    if seed is None:  # no import yet knows it: the saved index snapshot may (issue 13)
                        from bot.corpus.knowledge import saved_article_rows

                        seed = saved_article_rows(self.corpus_dir)
                    row = seed.get(entry.name)
                if isinstance(row, list) and len(row) == 6 and row[:2] == [st.st_size, st.st_mtime_ns]:
                    self._stamps[entry.name] = (st.st_size, st.st_mtime_ns)
                    self._known[entry.name] = _Known(*row[2:])
                else:
                    self._known[entry.name] = self._read(entry.name)
        self._reindex()

    def _folder_mtime(self) -> int | None:
        try:
            return os.stat(self.folder).st_mtime_ns
        except OSError:
            return None

    def _sync(self, *, force: bool = False) -> None:
        """Names that appeared or went since the last look: nothing to do while the folder's mtime
        is the one seen last (any create, rename or unlink in it changes that), else one listing
        and set arithmetic. A slug taken in the same clock tick as our last write is still caught
        by `add`, which looks for the file before writing."""
        mtime = self._folder_mtime()
        if not force and mtime is not None and mtime == self._dir_mtime:
            return
        names = set(os.listdir(self.folder))
        self._dir_mtime = mtime
        new, gone = names - self._names, self._names - names
        self._names = names
        for name in sorted(n for n in new if self._is_article(n)):
            known = self._read(name)
            self._known[name] = known
            self._index(known)
        if any(name in self._known for name in gone):
            for name in gone:
                self._known.pop(name, None)
                self._stamps.pop(name, None)
            self._reindex()

    def _write(self, article: Article) -> Path:
        """Atomic like `write_article` (temporary file, fsync, rename: whole or absent, even after a
        crash), but the folder is fsynced once per batch (`flush`), not after every file."""
        target = atomic_write(self.folder, article.slug, render_article(article).encode("utf-8"), sync_folder=False)
        self._unsynced = True
        self._dir_mtime = self._folder_mtime()
        return target

    def flush(self) -> None:
        """Make the renames so far durable (one fsync of the folder)."""
        if self._unsynced:
            fd = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            self._unsynced = False

    def save_index(self) -> None:
        """Write what is known (atomically) so the next import need not parse unchanged files."""
        files = {name: [*self._stamps[name], k.slug, k.title, k.sha, k.url]
                 for name, k in self._known.items() if name in self._stamps}
        target = self.corpus_dir / INDEX_PATH
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"version": INDEX_VERSION, "files": files}, ensure_ascii=False),
                           encoding="utf-8")
            os.replace(tmp, target)
        except OSError as exc:  # a read-only corpus: the next import parses again, that is all
            log.debug("import index not written: %s", exc)

    def find_url(self, url: str) -> _Known | None:
        """The article already holding this link (from what is known; no disk access)."""
        return self._by_url.get(normalise_url(url))

    def _duplicate(self, article: Article) -> DuplicateArticleError | None:
        sha = body_hash(article.paragraphs)
        other, what = self._by_sha.get(sha), "text"
        if other is None and article.url:
            other, what = self._by_url.get(normalise_url(article.url)), "URL"
        if other is None:
            return None
        stub = Article(slug=other.slug, title=other.title, publisher="", paragraphs=())
        return _Duplicate(
            f'this article is already in the corpus (same {what}) as "{other.title}" (slug {other.slug})', stub, what
        )

    def add(self, article: Article) -> Article:
        """Store `article` under a fresh slug (blocking); DuplicateArticleError when it is there."""
        if not article.paragraphs:
            raise CorpusError("the article has no text")
        with corpus_lock(self.corpus_dir):
            self._sync()
            dup = self._duplicate(article)
            if dup is not None:
                raise dup
            slug = slugify(article.title, self._slugs)
            if (self.folder / f"{slug}.md").exists():  # written by another process in the same tick
                self._sync(force=True)
                slug = slugify(article.title, self._slugs | {slug})
            stored = replace(
                article,
                slug=slug,
                added=(self.today or dt.date.today()).isoformat(),
                sha256=body_hash(article.paragraphs),
            )
            path = self._write(stored)
            known = _Known(stored.slug, stored.title, stored.sha256,
                           normalise_url(stored.url) if stored.url else None)
            with contextlib.suppress(OSError):
                st = path.stat()
                self._stamps[path.name] = (st.st_size, st.st_mtime_ns)
            self._known[path.name] = known
            self._names.add(path.name)
            self._index(known)
        log.info("added article %s (%d paragraphs)", stored.slug, len(stored.paragraphs))
        return stored


# --- the import ----------------------------------------------------------------------------------------


def _draft_to_article(draft: Draft) -> Article:
    return Article(slug="", title=draft.title, publisher=draft.publisher, paragraphs=draft.paragraphs,
                   url=draft.url, published=draft.published)


class Importer:
    """One import: `async with Importer(corpus, policy) as imp: items = await imp.plan(...); await imp.run(items)`."""

    def __init__(
        self,
        corpus_dir: Path,
        policy: FetchPolicy = FetchPolicy(),
        *,
        metadata: Metadata = Metadata(),
        progress: Progress | None = None,
        today: dt.date | None = None,
    ) -> None:
        self.corpus_dir = Path(corpus_dir)
        self.policy = policy
        self.metadata = metadata
        self.progress: Progress = progress or _NoProgress()
        self.today = today
        self.fetcher = Fetcher(policy)
        self.feeds: dict[str, str] = {}  # feed URL -> its title
        self._writer: CorpusWriter | None = None
        self._extract = asyncio.Semaphore(EXTRACT_CONCURRENCY)
        self._write = asyncio.Lock()
        self._results: list[ItemResult] = []

    async def __aenter__(self) -> Importer:
        await self.fetcher.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.fetcher.__aexit__(exc_type, exc, tb)

    @property
    def results(self) -> tuple[ItemResult, ...]:
        """What is finished so far (for a summary after an interruption)."""
        return tuple(self._results)

    # -- planning ---------------------------------------------------------------------------------
    async def plan(self, sources: Sequence[str], lists: Sequence[Path] = ()) -> list[Item | ItemResult]:
        """Sources in order -> items (and failures found already, as results). URLs given directly
        are fetched now, to tell pages from feeds; links from a list are fetched when processed."""
        planned: list[Item | ItemResult] = []
        probes: list[tuple[int, str]] = []
        for source in sources:
            text = source.strip()
            if is_url(text):
                probes.append((len(planned), text))
                planned.append(Item(text, "url"))
                continue
            path = Path(text).expanduser()
            if path.is_dir():
                files = _folder_files(path)
                if not files:
                    planned.append(ItemResult(text, FAILED, f"The folder {text} holds no .txt, .md, .html or .htm file."))
                planned.extend(Item(str(f), "file") for f in files)
                continue
            try:
                check_local_source(text)
            except IngestError as exc:
                planned.append(ItemResult(text, FAILED, str(exc)))
                continue
            planned.append(Item(text, "file"))
        for list_path in lists:
            try:
                links = read_link_list(list_path)
            except IngestError as exc:
                planned.append(ItemResult(str(list_path), FAILED, str(exc)))
                continue
            for link in links:
                if is_url(link):
                    planned.append(Item(link, "url"))
                else:
                    planned.append(ItemResult(link, FAILED, f"{link!r} in {list_path} is not an http(s) link."))
        if probes:
            await self._get_writer()  # once, before the probes look links up in it
            fetched = await asyncio.gather(*(self._probe(url) for _, url in probes))
            expanded: dict[int, list[Item | ItemResult]] = {i: got for (i, _), got in zip(probes, fetched, strict=True)}
            planned = [x for i, item in enumerate(planned) for x in (expanded[i] if i in expanded else [item])]
        return self._dedupe(planned)

    async def _probe(self, url: str) -> list[Item | ItemResult]:
        writer = await self._get_writer()
        known = writer.find_url(url)
        if known is not None:  # no need to download what the corpus holds
            return [ItemResult(url, PRESENT, f"same URL as `{known.slug}`", slug=known.slug, title=known.title)]
        try:
            fetched = await self.fetcher.get(url)
        except IngestError as exc:
            return [ItemResult(url, FAILED, str(exc))]
        if not is_feed(fetched):
            return [Item(url, "url", prefetched=fetched)]
        try:
            title, entries = await asyncio.to_thread(parse_feed, fetched)
        except IngestError as exc:
            return [ItemResult(url, FAILED, str(exc))]
        self.feeds[url] = title
        if not entries:
            return [ItemResult(url, FAILED, f'The feed "{title}" has no entries with links.')]
        return list(entries)

    @staticmethod
    def _dedupe(planned: list[Item | ItemResult]) -> list[Item | ItemResult]:
        """The same link or file twice in one import: the second is 'already present'."""
        seen: dict[str, str] = {}
        out: list[Item | ItemResult] = []
        for item in planned:
            if isinstance(item, Item):
                key = normalise_url(item.source) if item.kind == "url" else str(Path(item.source).resolve())
                if key in seen:
                    out.append(ItemResult(item.source, PRESENT, "listed twice in this import", feed=item.feed))
                    continue
                seen[key] = item.source
            out.append(item)
        return out

    async def _get_writer(self) -> CorpusWriter:
        if self._writer is None:
            self._writer = await asyncio.to_thread(CorpusWriter, self.corpus_dir, today=self.today)
        return self._writer

    # -- running ----------------------------------------------------------------------------------
    async def run(self, planned: Sequence[Item | ItemResult]) -> ImportSummary:
        """Process every item; returns when all are added, present or failed.

        Cancelled (Ctrl-C, the bot closing): the writes already begun finish (each is atomic), the
        rest are left out; `results` holds what was done.
        """
        started = time.perf_counter()
        writer = await self._get_writer()
        slots: list[ItemResult | None] = []
        total = len(planned)
        self.progress.planned(total)
        pending: set[asyncio.Task[tuple[int, ItemResult | list[Item]]]] = set()
        # Finished tasks arrive here (a done callback), so waiting costs nothing per pending task:
        # asyncio.wait over 10,000 tasks at every completion made a large import quadratic.
        finished: asyncio.Queue[asyncio.Task[tuple[int, ItemResult | list[Item]]]] = asyncio.Queue()

        def finish(index: int, result: ItemResult) -> None:
            slots[index] = result
            self._results.append(result)
            self.progress.item_done(result, len(self._results), total)

        def start(item: Item) -> None:
            slots.append(None)
            task = asyncio.ensure_future(self._numbered(len(slots) - 1, item, writer))
            task.add_done_callback(finished.put_nowait)
            pending.add(task)

        with import_in_progress(self.corpus_dir):
            for item in planned:
                if isinstance(item, ItemResult):
                    slots.append(None)
                    finish(len(slots) - 1, item)
                else:
                    start(item)
            try:
                while pending:
                    task = await finished.get()
                    pending.discard(task)
                    index, outcome = task.result()
                    if isinstance(outcome, list):  # a feed met in a list of links: its entries join
                        total += len(outcome) - 1  # the feed's own slot stays empty
                        for entry in outcome:
                            start(entry)
                        self.progress.planned(total)
                    else:
                        finish(index, outcome)
            except asyncio.CancelledError:
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                raise
        if any(r.status == ADDED for r in self._results):
            await asyncio.to_thread(writer.flush)
            await asyncio.to_thread(writer.save_index)
        results = tuple(r for r in slots if r is not None)
        return ImportSummary(results, seconds=time.perf_counter() - started)

    async def _numbered(self, index: int, item: Item, writer: CorpusWriter) -> tuple[int, ItemResult | list[Item]]:
        return index, await self._process(item, writer)

    async def _process(self, item: Item, writer: CorpusWriter) -> ItemResult | list[Item]:
        source = item.source
        try:
            if item.kind == "file":
                async with self._extract:
                    draft = await asyncio.to_thread(self._draft_file, Path(source))
            else:
                known = writer.find_url(source)
                if known is not None:
                    return ItemResult(source, PRESENT, f"same URL as `{known.slug}`", slug=known.slug,
                                      title=known.title, feed=item.feed)
                fetched = item.prefetched or await self.fetcher.get(source)
                if is_feed(fetched):
                    if item.feed is not None:
                        raise IngestError("That entry links to another feed; feeds inside feeds are not followed.")
                    title, entries = await asyncio.to_thread(parse_feed, fetched)
                    self.feeds[source] = title
                    if not entries:
                        raise IngestError(f'The feed "{title}" has no entries with links.')
                    return entries
                async with self._extract:
                    draft = await asyncio.to_thread(self._draft_page, fetched, item)
            article = _draft_to_article(draft)
            async with self._write:  # one writer at a time in this process (the file lock covers others)
                stored = await asyncio.shield(asyncio.to_thread(writer.add, article))
        except DuplicateArticleError as exc:
            what = getattr(exc, "what", "text")
            reason = f'same {what} as "{exc.existing.title}" (`{exc.existing.slug}`)'
            return ItemResult(source, PRESENT, reason, slug=exc.existing.slug, title=exc.existing.title,
                              feed=item.feed)
        except (IngestError, CorpusError) as exc:
            return ItemResult(source, FAILED, str(exc), feed=item.feed)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one bad item never stops the others
            log.exception("import of %s failed unexpectedly", source)
            return ItemResult(source, FAILED, f"unexpected error ({exc.__class__.__name__}: {exc})", feed=item.feed)
        return ItemResult(
            source, ADDED, slug=stored.slug, title=stored.title, url=stored.url,
            paragraphs=len(stored.paragraphs), passages=len(split_article(stored)), feed=item.feed, article=stored,
        )

    def _draft_file(self, path: Path) -> Draft:
        check_local_source(str(path))
        limits = self.policy.limits
        return make_draft(read_file(path, limits), name=path.name, metadata=self.metadata, limits=limits)

    def _draft_page(self, fetched: Fetched, item: Item) -> Draft:
        limits = self.policy.limits
        if fetched.content_type in FEED_CONTENT_TYPES:  # accepted for feeds only: XML is no article page
            raise IngestError(f"That link is {fetched.content_type} but not an RSS or Atom feed, nor an article page.")
        content_type = f"{fetched.content_type}; charset={fetched.charset}" if fetched.charset else fetched.content_type

        def draft(metadata: Metadata) -> Draft:
            return make_draft(fetched.data, name=urlsplit(fetched.url).path or None, content_type=content_type,
                              source_url=fetched.url, metadata=metadata, limits=limits)

        try:
            result = draft(self.metadata)
        except IngestError:
            if not item.title or self.metadata.title:
                raise
            # the page has no title of its own: the feed entry's (anything else wrong fails again)
            result = draft(replace(self.metadata, title=item.title))
        if result.published is None and item.published and not self.metadata.published:
            result = replace(result, published=item.published)
        return result


async def import_sources(
    corpus_dir: Path,
    sources: Sequence[str],
    *,
    lists: Sequence[Path] = (),
    policy: FetchPolicy = FetchPolicy(),
    metadata: Metadata = Metadata(),
    progress: Progress | None = None,
    rebuild: Callable[[], Awaitable[object]] | None = None,
    today: dt.date | None = None,
) -> ImportSummary:
    """Plan and run one import, then rebuild the search snapshot once if anything was added."""
    started = time.perf_counter()
    async with Importer(corpus_dir, policy, metadata=metadata, progress=progress, today=today) as importer:
        planned = await importer.plan(sources, lists)
        if metadata != Metadata() and not single_item(planned):
            raise IngestError(
                f"--title, --url, --publisher and --published apply to one file or page; this import has "
                f"{plural(len(planned), 'item')}."
            )
        summary = await importer.run(planned)
    summary = replace(summary, seconds=time.perf_counter() - started)
    if rebuild is not None and summary.added:
        t = time.perf_counter()
        await rebuild()
        summary = replace(summary, rebuild_seconds=time.perf_counter() - t)
    return summary


def single_item(planned: Iterable[Item | ItemResult]) -> bool:
    """True when an import is one file or one page (metadata such as --title may then apply)."""
    items = list(planned)
    return len(items) == 1 and (isinstance(items[0], ItemResult) or items[0].feed is None)
