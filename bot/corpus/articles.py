"""The corpus on disk: `corpus/articles/<slug>.md` files with YAML front matter and paragraphs.

Reading is strict (a broken file is reported with its name and what is wrong) but never
contagious: one bad file does not stop the others from loading. Writing is atomic (temporary
file, fsync, rename) so a crash never leaves half an article behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import fcntl
import hashlib
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

from bot.engine.models import DATE_RE, Article, format_date

log = logging.getLogger(__name__)

#: The corpus bundled with the package (the repository's `corpus/`).
DEFAULT_CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"

_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class CorpusError(Exception):
    """The corpus (or one file in it) cannot be used; the message says which and why."""


@dataclass(frozen=True)
class LoadResult:
    articles: tuple[Article, ...]
    errors: tuple[str, ...]  # one line per broken file: "<file>: <what is wrong>"


def articles_dir(corpus_dir: Path) -> Path:
    return Path(corpus_dir) / "articles"


def normalise_date(value: object) -> str | None:
    """Accept YYYY, YYYY-MM or YYYY-MM-DD (string or date); return the ISO form or raise ValueError."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a date like 2016-04-16, got {type(value).__name__}")
    m = DATE_RE.match(value.strip())
    if not m:
        raise ValueError(f"expected a date like 2016, 2016-04 or 2016-04-16, got {value!r}")
    year, month, day = m.groups()
    if month and not 1 <= int(month) <= 12:
        raise ValueError(f"bad month in {value!r}")
    if day:
        dt.date(int(year), int(month), int(day))  # raises ValueError on 2016-02-31
    return value.strip()


def body_hash(paragraphs: Iterable[str]) -> str:
    """sha256 of the normalised body, for duplicate detection (case and white space insensitive)."""
    text = "\n".join(" ".join(p.split()) for p in paragraphs)
    text = unicodedata.normalize("NFKC", text).casefold()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def slugify(title: str, taken: Iterable[str] = ()) -> str:
    """A stable, unique, URL-safe slug from a title: 'Microsoft Knows It…' -> 'microsoft-knows-it'."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", text)
    base = "-".join(words)[:60].strip("-") or "article"
    base = base.rsplit("-", 1)[0] if len(base) == 60 and "-" in base else base
    taken = set(taken)
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    return slug


def parse_article(path: Path, text: str) -> Article:
    """Parse one article file. Raises CorpusError naming the file and the problem."""
    name = path.name
    slug = path.stem
    if not _SLUG_RE.match(slug):
        raise CorpusError(f"{name}: file name must be a slug (lower-case letters, digits, hyphens)")
    if not text.startswith("---"):
        raise CorpusError(f"{name}: missing front matter (the file must start with a '---' line)")
    lines = text.split("\n")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise CorpusError(f"{name}: front matter is not closed by a '---' line") from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        # where the broken construct starts (an unclosed quote) is more useful than where YAML gave up
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        problem = ", ".join(filter(None, (getattr(exc, "context", None), getattr(exc, "problem", None))))
        problem = problem or exc.__class__.__name__
        # the front matter starts on the file's line 2 (after '---'); marks are 0-based
        where = f"line {mark.line + 2}: " if mark is not None else ""
        raise CorpusError(f"{name}: {where}front matter is not valid YAML ({problem})") from None
    except ValueError as exc:  # YAML reads 2016-02-31 as a date and fails on it
        raise CorpusError(f"{name}: front matter has an impossible value ({exc})") from None
    if not isinstance(meta, dict):
        raise CorpusError(f"{name}: front matter must be a mapping of keys to values")
    known = {"title", "publisher", "url", "published", "added", "sha256"}
    unknown = sorted(set(map(str, meta)) - known)
    if unknown:
        first = next((i + 1 for i in range(1, end) if lines[i].split(":", 1)[0].strip() == unknown[0]), None)
        where = f"line {first}: " if first else ""
        raise CorpusError(f"{name}: {where}unknown front matter key(s): {', '.join(unknown)}")
    for key in ("title", "publisher"):
        value = meta.get(key)
        if not isinstance(value, str) or not value.strip():
            raise CorpusError(f"{name}: '{key}' is required and must be text")
    url = meta.get("url")
    if url is not None and (not isinstance(url, str) or not re.match(r"^https?://\S+$", url)):
        raise CorpusError(f"{name}: 'url' must be an http(s) link")
    try:
        published = normalise_date(meta.get("published"))
        added = normalise_date(meta.get("added"))
    except ValueError as exc:
        raise CorpusError(f"{name}: {exc}") from None
    body = "\n".join(lines[end + 1 :])
    paragraphs = tuple(" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip())
    if not paragraphs:
        raise CorpusError(f"{name}: the article has no text after the front matter")
    sha = meta.get("sha256")
    return Article(
        slug=slug,
        title=" ".join(meta["title"].split()),
        publisher=" ".join(meta["publisher"].split()),
        paragraphs=paragraphs,
        url=url,
        published=published,
        added=added,
        sha256=sha if isinstance(sha, str) else body_hash(paragraphs),
    )


def load_corpus(corpus_dir: Path) -> LoadResult:
    """Read every article file; broken ones are skipped and reported, never fatal for the rest."""
    folder = articles_dir(corpus_dir)
    if not Path(corpus_dir).is_dir():
        raise CorpusError(f"corpus directory not found: {corpus_dir}")
    if not folder.is_dir():
        raise CorpusError(f"corpus directory has no 'articles' folder: {folder}")
    articles: list[Article] = []
    errors: list[str] = []
    for path in sorted(folder.glob("*.md")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(f"{path.name}: cannot be read ({exc.__class__.__name__})")
            continue
        try:
            articles.append(parse_article(path, text))
        except CorpusError as exc:
            errors.append(str(exc))
    for err in errors:  # the one report (the command line shows warnings too: no second print)
        log.warning("skipped broken article file %s", err)
    return LoadResult(tuple(articles), tuple(errors))


def render_article(article: Article) -> str:
    """The file text for an article: front matter then paragraphs separated by blank lines."""
    meta: dict[str, object] = {"title": article.title, "publisher": article.publisher}
    if article.url:
        meta["url"] = article.url
    if article.published:
        meta["published"] = article.published
    if article.added:
        meta["added"] = article.added
    meta["sha256"] = article.sha256 or body_hash(article.paragraphs)
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    # keep dates as strings when read back (yaml would parse 2016-04-16 into a date: also accepted)
    return f"---\n{front}---\n" + "\n\n".join(article.paragraphs) + "\n"


def _umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux: /proc)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere: the classic set-and-restore
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode an ordinary new file gets (0644 under the usual umask 022).

    `tempfile.mkstemp` creates 0600 files; renamed into place they would stay unreadable for a bot
    service that runs as another user than the admin who added the article.
    """
    return 0o666 & ~_umask()


def atomic_write(folder: Path, slug: str, data: bytes, *, sync_folder: bool = True) -> Path:
    """Temporary file in the same folder, flush + fsync, then rename: never half a file.

    `sync_folder=False` leaves the folder's fsync (which makes the rename durable) to the caller,
    for a batch that syncs it once (`bot.corpus.bulk`)."""
    target = folder / f"{slug}.md"
    fd, tmp = tempfile.mkstemp(prefix=f".{slug}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if sync_folder:
        _fsync_dir(folder)  # make the rename itself durable
    return target


def write_article(corpus_dir: Path, article: Article) -> Path:
    """Write atomically: temporary file in the same folder, flush + fsync, then rename."""
    folder = articles_dir(corpus_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return atomic_write(folder, article.slug, render_article(article).encode("utf-8"))


def article_names(folder: Path) -> list[str]:
    """The names of the `*.md` entries of `folder`, sorted (as `sorted(folder.glob("*.md"))` orders
    them, without making and comparing 10,000 Path objects)."""
    with os.scandir(folder) as entries:
        return sorted(e.name for e in entries if e.name.endswith(".md"))


def corpus_stamp(corpus_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """A cheap generation stamp: (name, size, mtime_ns) of every article file.

    It changes on every add, remove or edit, so other processes can notice and reload.
    """
    folder = articles_dir(corpus_dir)
    out = []
    try:
        for name in article_names(folder):
            try:
                st = os.stat(os.path.join(folder, name))
            except OSError:
                continue
            out.append((name, st.st_size, st.st_mtime_ns))
    except OSError:
        return ()
    return tuple(out)


# --- adding and removing: serialised across processes, atomic, never a duplicate --------------------

#: Lock file inside the corpus directory; every writer (CLI, each bot process) takes it.
LOCK_NAME = ".lock"


class DuplicateArticleError(CorpusError):
    """The article is already in the corpus (same normalised text or same URL); names the existing one."""

    def __init__(self, message: str, existing: Article) -> None:
        super().__init__(message)
        self.existing = existing


class ArticleNotFoundError(CorpusError):
    """No article has that slug."""


@dataclass(frozen=True)
class RemovedArticle:
    article: Article
    data: bytes  # the file as it was, so a failed remove can be undone byte for byte


@contextlib.contextmanager
def corpus_lock(corpus_dir: Path) -> Iterator[None]:
    """Exclusive lock on `<corpus>/.lock` (fcntl.flock): one writer at a time, across processes
    and threads (each call opens its own file description). Blocking: call it off the event loop."""
    path = Path(corpus_dir) / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _lock_unless(corpus_dir: Path, locked: bool) -> contextlib.AbstractContextManager[None]:
    return contextlib.nullcontext() if locked else corpus_lock(corpus_dir)


#: Held (shared) by every bulk import while it writes; the corpus watcher waits for it to go.
IMPORT_LOCK_NAME = ".import.lock"


@contextlib.contextmanager
def import_in_progress(corpus_dir: Path) -> Iterator[None]:
    """Mark a bulk import as running (a shared flock on `<corpus>/.import.lock`), so processes that
    watch the corpus reload once when the batch is written, not after every article. The kernel
    drops the lock when the process dies, so a killed import never leaves a stale marker."""
    path = Path(corpus_dir) / IMPORT_LOCK_NAME
    with open(path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def import_running(corpus_dir: Path) -> bool:
    """True while some process (this one included) holds `import_in_progress` on the corpus."""
    path = Path(corpus_dir) / IMPORT_LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def normalise_url(url: str) -> str:
    """For duplicate detection: scheme and host lower-cased, no fragment, no trailing slash, no www."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/")
    return urlunsplit(("https" if parts.scheme.lower() in ("http", "https") else parts.scheme, host, path,
                       parts.query, ""))


def find_duplicate(existing: Iterable[Article], article: Article) -> tuple[Article, str] | None:
    """The article already holding the same text or URL, and which of the two it is."""
    sha = body_hash(article.paragraphs)
    url = normalise_url(article.url) if article.url else None
    for other in existing:
        if body_hash(other.paragraphs) == sha:
            return other, "text"
        if url and other.url and normalise_url(other.url) == url:
            return other, "URL"
    return None


def _fsync_dir(folder: Path) -> None:
    """Make a rename or unlink durable (the directory entry itself)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass(frozen=True)
class KnownFile:
    """An article file as an index snapshot saw it: while its size and modification time are the
    same, its body hash and URL are taken from here instead of parsing the file again."""

    size: int
    mtime_ns: int
    body: str  # body_hash of its paragraphs
    url: str | None  # normalise_url of its url


def _existing(folder: Path, known: Mapping[str, KnownFile]) -> Iterator[tuple[Path, str, str | None]]:
    """(path, body hash, normalised url) of every article file; unknown or changed files are parsed
    (broken ones skipped, as `load_corpus` skips them)."""
    for name in article_names(folder):
        path = folder / name
        k = known.get(name)
        if k is not None:
            try:
                st = path.stat()
            except OSError:
                continue
            if (st.st_size, st.st_mtime_ns) == (k.size, k.mtime_ns):
                yield path, k.body, k.url
                continue
        try:
            other = parse_article(path, path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, CorpusError):
            continue
        yield path, body_hash(other.paragraphs), normalise_url(other.url) if other.url else None


def add_article(
    corpus_dir: Path,
    article: Article,
    *,
    today: dt.date | None = None,
    known: Mapping[str, KnownFile] | None = None,
    locked: bool = False,
) -> Article:
    """Store a new article under a fresh unique slug; refuse a duplicate. Returns the stored article.

    The slug comes from the title (`article.slug` is ignored), `added` is today, `sha256` the body
    hash. Holds the corpus lock, so concurrent adds from any process never pick the same slug.
    `known` (from the index snapshot) spares parsing the files that did not change since;
    `locked`: the caller holds the corpus lock already (to update the snapshot under it too).
    """
    corpus_dir = Path(corpus_dir)
    if not article.paragraphs:
        raise CorpusError("the article has no text")
    with _lock_unless(corpus_dir, locked):
        folder = articles_dir(corpus_dir)
        folder.mkdir(parents=True, exist_ok=True)
        sha = body_hash(article.paragraphs)
        url = normalise_url(article.url) if article.url else None
        for path, other_sha, other_url in _existing(folder, known or {}):
            what = "text" if other_sha == sha else "URL" if url and other_url == url else None
            if what is not None:
                other = parse_article(path, path.read_text(encoding="utf-8"))
                raise DuplicateArticleError(
                    f'this article is already in the corpus (same {what}) as "{other.title}" (slug {other.slug})',
                    other,
                )
        taken = {p.stem for p in folder.glob("*.md")}
        stored = replace(
            article,
            slug=slugify(article.title, taken),
            added=(today or dt.date.today()).isoformat(),
            sha256=sha,
        )
        write_article(corpus_dir, stored)
    log.info("added article %s (%d paragraphs)", stored.slug, len(stored.paragraphs))
    return stored


def remove_article(corpus_dir: Path, slug: str, *, locked: bool = False) -> RemovedArticle:
    """Delete `corpus/articles/<slug>.md`; unknown slugs are refused with the closest suggestions."""
    corpus_dir = Path(corpus_dir)
    slug = slug.strip().lower().removesuffix(".md")
    folder = articles_dir(corpus_dir)
    with _lock_unless(corpus_dir, locked):
        path = folder / f"{slug}.md"
        if not _SLUG_RE.match(slug) or not path.is_file():
            known = sorted(p.stem for p in folder.glob("*.md")) if folder.is_dir() else []
            close = difflib.get_close_matches(slug, known, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ArticleNotFoundError(f"there is no article with slug '{slug}'{hint}")
        data = path.read_bytes()
        try:
            article = parse_article(path, data.decode("utf-8"))
        except (CorpusError, UnicodeDecodeError):
            article = Article(slug=slug, title=slug, publisher="", paragraphs=())
        path.unlink()
        _fsync_dir(folder)
    log.info("removed article %s", slug)
    return RemovedArticle(article, data)


def restore_file(corpus_dir: Path, slug: str, data: bytes) -> None:
    """Put back a removed article file exactly as it was (undoing a remove whose rebuild failed)."""
    atomic_write(articles_dir(corpus_dir), slug, data)
