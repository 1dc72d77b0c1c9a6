"""Adding, listing and removing articles: the service functions shared by the CLI and Discord.

`python -m bot add|list|remove` call `cmd_add/cmd_list/cmd_remove`; the Discord `/corpus`
commands call `add_from_url`, `add_from_upload`, `remove_live` and `list_entries`. Both get the
same messages ("Added ... as `slug` (n passages)" or why not), so the two stay in step.
No Discord import here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.articles import (
    DEFAULT_CORPUS_DIR,
    CorpusError,
    add_article,
    format_date,
    load_corpus,
    remove_article,
)
from bot.ingest import Draft, IngestError, Limits, Metadata, ingest_source, ingest_url, make_draft
from bot.models import Article
from bot.passages import split_article

if TYPE_CHECKING:
    from bot.knowledge import Knowledge

log = logging.getLogger(__name__)

__all__ = [
    "AddOutcome",
    "ListEntry",
    "add_draft",
    "add_from_upload",
    "add_from_url",
    "cmd_add",
    "cmd_list",
    "cmd_remove",
    "draft_to_article",
    "list_entries",
    "remove_live",
]


@dataclass(frozen=True)
class AddOutcome:
    article: Article
    passages: int

    def message(self) -> str:
        a = self.article
        date = format_date(a.published)
        where = ", ".join(x for x in (a.publisher, date) if x)
        return (
            f'Added "{a.title}" ({where}) as `{a.slug}`: {len(a.paragraphs)} paragraphs, '
            f"{self.passages} passage{'s' if self.passages != 1 else ''} searchable now."
        )


@dataclass(frozen=True)
class ListEntry:
    article: Article
    passages: int

    def line(self) -> str:
        a = self.article
        date = format_date(a.published)
        meta = ", ".join(x for x in (a.publisher, date) if x)
        return f"{a.slug}  {a.title} ({meta}) — {self.passages} passages"


def draft_to_article(draft: Draft) -> Article:
    """A Draft becomes an Article; the slug is chosen when it is stored (`add_article`)."""
    return Article(
        slug="",
        title=draft.title,
        publisher=draft.publisher,
        paragraphs=draft.paragraphs,
        url=draft.url,
        published=draft.published,
    )


def passage_count(article: Article) -> int:
    return len(split_article(article))


def add_draft(corpus_dir: Path, draft: Draft) -> AddOutcome:
    """Store a draft (blocking, for the CLI; the bot uses `Knowledge.add`)."""
    stored = add_article(corpus_dir, draft_to_article(draft))
    return AddOutcome(stored, passage_count(stored))


async def add_from_url(knowledge: Knowledge, url: str, metadata: Metadata, limits: Limits) -> AddOutcome:
    """Fetch, extract and store a page; the live index has it when this returns."""
    draft = await ingest_url(url, metadata, limits)
    stored, count = await knowledge.add(draft_to_article(draft))
    return AddOutcome(stored, count)


async def add_from_upload(
    knowledge: Knowledge,
    data: bytes,
    *,
    filename: str,
    content_type: str | None,
    metadata: Metadata,
    limits: Limits,
) -> AddOutcome:
    """An uploaded file (already read, within the size limit) becomes a live article."""
    draft = await asyncio.to_thread(
        make_draft, data, name=filename, content_type=content_type, metadata=metadata, limits=limits
    )
    stored, count = await knowledge.add(draft_to_article(draft))
    return AddOutcome(stored, count)


async def remove_live(knowledge: Knowledge, slug: str) -> Article:
    return await knowledge.remove(slug)


def list_entries(corpus_dir: Path) -> tuple[list[ListEntry], tuple[str, ...]]:
    """Every article with its passage count, plus the broken files that were skipped."""
    loaded = load_corpus(corpus_dir)
    return [ListEntry(a, passage_count(a)) for a in loaded.articles], loaded.errors


# --- command line ----------------------------------------------------------------------------------


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
    entries, errors = list_entries(_corpus(args))
    for err in errors:
        print(f"warning: skipped broken article file {err}", file=sys.stderr)
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
        removed = remove_article(_corpus(args), args.slug)
    except CorpusError as exc:
        return _fail(f"not removed: {exc}")
    print(f'Removed "{removed.article.title}" (`{removed.article.slug}`).')
    return 0
