"""`python -m bot add|list|remove`: the corpus commands (argument handling; bot.corpus.admin works)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TextIO

from bot.corpus.admin import AddOutcome, list_entries, remove_now
from bot.corpus.articles import DEFAULT_CORPUS_DIR, CorpusError
from bot.corpus.bulk import ADDED, FAILED, PRESENT, ImportSummary, ItemResult
from bot.corpus.ingest import IngestError, Metadata
from bot.engine.text import plural

log = logging.getLogger(__name__)


def _corpus(args: argparse.Namespace) -> Path:
    return Path(args.corpus) if getattr(args, "corpus", None) else DEFAULT_CORPUS_DIR


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


class LineProgress:
    """Not a terminal (a log, a pipe): one plain line per item, so the log stays readable."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._announced = False

    def planned(self, total: int) -> None:
        if not self._announced:
            print(f"importing {plural(total, 'item')}", file=self.stream, flush=True)
            self._announced = True

    def item_done(self, result: ItemResult, done: int, total: int) -> None:
        print(f"[{done}/{total}] {result.line()}", file=self.stream, flush=True)


class BarProgress:
    """On a terminal: a tqdm progress bar; failures are printed above it as they happen."""

    def __init__(self, stream: TextIO) -> None:
        from tqdm import tqdm

        self._stream = stream
        self._bar = tqdm(total=0, file=stream, unit="item", desc="importing", dynamic_ncols=True)
        self._counts = {ADDED: 0, PRESENT: 0, FAILED: 0}

    def planned(self, total: int) -> None:
        self._bar.total = total
        self._bar.refresh()

    def item_done(self, result: ItemResult, done: int, total: int) -> None:
        self._counts[result.status] = self._counts.get(result.status, 0) + 1
        if result.status == FAILED:
            self._bar.write(result.line(), file=self._stream)  # above the bar; never on stdout (--json)
        self._bar.set_postfix(added=self._counts[ADDED], present=self._counts[PRESENT],
                              failed=self._counts[FAILED], refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()


def _print_summary(summary: ImportSummary) -> None:
    total = len(summary.results)
    print(f"Imported {plural(total, 'item')} in {summary.seconds:.1f} s: {summary.counts()}.")
    for title, results in (("added", summary.added), ("already present", summary.present),
                           ("failed", summary.failed)):
        if results:
            print(f"{title}:")
            for r in results:
                if r.status == ADDED:
                    print(f'  {r.source} -> `{r.slug}` "{r.title}" ({plural(r.passages, "passage")})')
                else:
                    print(f"  {r.source}: {r.reason}")
    if summary.rebuild_seconds is not None:
        print(f"Search index rebuilt once, in {summary.rebuild_seconds:.1f} s.")


def _print_single(summary: ImportSummary) -> int:
    """One file or page: the one-line messages `add` always gave."""
    r = summary.results[0]
    if r.status == ADDED and r.article is not None:
        print(AddOutcome(r.article, r.passages).message())
        return 0
    if r.status == PRESENT:
        print(f"not added: {r.source} is already in the corpus ({r.reason})")
        return 0
    return _fail(f"not added: {r.source}: {r.reason}")


def cmd_add(args: argparse.Namespace) -> int:
    """`python -m bot add SOURCE [SOURCE ...] [--from-list FILE] [--json] [--allow-private] [metadata]`."""
    import asyncio

    from bot.corpus.bulk import import_sources
    from bot.corpus.fetch import FetchPolicy

    sources: list[str] = list(args.source or [])
    lists = [Path(p) for p in (args.from_list or [])]
    if not sources and not lists:
        print("error: give at least one SOURCE (file, folder or http(s) URL) or --from-list FILE", file=sys.stderr)
        return 2
    metadata = Metadata(
        title=args.title or None,
        url=args.url or None,
        publisher=args.publisher or None,
        published=args.published or None,
    )
    corpus = _corpus(args)
    single = len(sources) == 1 and not lists and not Path(sources[0]).is_dir()
    progress: LineProgress | BarProgress | None = None
    if not single or args.json:
        progress = BarProgress(sys.stderr) if sys.stderr.isatty() else LineProgress(sys.stderr)

    from bot.corpus.articles import corpus_stamp

    before = corpus_stamp(corpus)

    async def rebuild() -> None:
        # the saved snapshot updated for the articles added (a full build only when it cannot be)
        from bot.corpus.knowledge import refresh_snapshot

        await asyncio.to_thread(refresh_snapshot, corpus, before)

    policy = FetchPolicy(allow_private=args.allow_private)
    try:
        summary = asyncio.run(import_sources(
            corpus, sources, lists=lists, policy=policy, metadata=metadata, progress=progress,
            rebuild=None if args.no_rebuild else rebuild,
        ))
    except (KeyboardInterrupt, asyncio.CancelledError):
        # Ctrl-C cancels the import's task; asyncio.run says so with KeyboardInterrupt, or with
        # CancelledError when the signal lands while a timeout inside the task is also cancelling it
        print("\ninterrupted: every article written so far is complete; the rest were not added. "
              "The index is rebuilt at the next start or add.", file=sys.stderr)
        return 130
    except IngestError as exc:  # metadata options with many items
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except CorpusError as exc:
        return _fail(f"not added: {exc}")
    finally:
        if isinstance(progress, BarProgress):
            progress.close()
    if args.json:
        print(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
        return 0 if summary.ok else 1
    if single and len(summary.results) == 1:
        return _print_single(summary)
    _print_summary(summary)
    return 0 if summary.ok else 1


def cmd_list(args: argparse.Namespace) -> int:
    """`python -m bot list [--json]`."""
    entries, _errors = list_entries(_corpus(args))  # broken files: logged once as warnings
    if getattr(args, "json", False):
        payload = [
            {
                "slug": e.article.slug,
                "title": e.article.title,
                "publisher": e.article.publisher,
                "published": e.article.published,
                "url": e.article.url,
                "added": e.article.added,
                "paragraphs": len(e.article.paragraphs),
                "passages": e.passages,
            }
            for e in entries
        ]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    if not entries:
        print("The corpus is empty.")
        return 0
    for e in entries:
        print(e.line())
    print(f"{len(entries)} article{'s' if len(entries) != 1 else ''}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    """`python -m bot remove SLUG`."""
    try:
        removed = remove_now(_corpus(args), args.slug)
    except CorpusError as exc:
        return _fail(f"not removed: {exc}")
    print(f'Removed "{removed.title}" (`{removed.slug}`).')
    return 0
