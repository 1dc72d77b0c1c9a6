"""`python -m bot add|list|remove`: the corpus commands (argument handling; bot.corpus.admin works)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from bot.corpus.admin import add_draft, list_entries, remove_now
from bot.corpus.articles import DEFAULT_CORPUS_DIR, CorpusError
from bot.corpus.ingest import IngestError, Limits, Metadata, ingest_source

log = logging.getLogger(__name__)


def _corpus(args: argparse.Namespace) -> Path:
    return Path(args.corpus) if getattr(args, "corpus", None) else DEFAULT_CORPUS_DIR


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def cmd_add(args: argparse.Namespace) -> int:
    """`python -m bot add SOURCE [--title T] [--url U] [--publisher P] [--published DATE]`."""
    metadata = Metadata(
        title=args.title or None,
        url=args.url or None,
        publisher=args.publisher or None,
        published=args.published or None,
    )
    corpus = _corpus(args)
    try:
        draft = ingest_source(args.source, metadata, Limits())
        outcome = add_draft(corpus, draft)
    except IngestError as exc:
        return _fail(f"not added: {exc}")
    except CorpusError as exc:
        return _fail(f"not added: {exc}")
    print(outcome.message())
    if draft.removed:
        log.info("cleaning removed %d fragment(s): %s", len(draft.removed), draft.removed)
    return 0


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
