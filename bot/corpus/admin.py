"""Adding, listing and removing articles: the service functions shared by the CLI and Discord.

`python -m bot add|list|remove` (bot.cli.corpus) call `add_draft` and `list_entries`; the Discord
`/corpus` commands call `bot.corpus.bulk` for links and feeds, `add_from_upload`, `remove_live` and `list_entries`. Both
get the same messages ("Added ... as `slug` (n passages)" or why not), so the two stay in step.
No Discord import here.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.corpus.articles import (
    CorpusError,
    add_article,
    format_date,
    load_corpus,
    remove_article,
)
from bot.corpus.ingest import Draft, IngestError, Limits, Metadata, make_draft
from bot.engine.models import Article
from bot.engine.passages import split_article
from bot.engine.text import plural

if TYPE_CHECKING:
    from bot.corpus.knowledge import Knowledge

log = logging.getLogger(__name__)

__all__ = [
    "AddOutcome",
    "ListEntry",
    "add_draft",
    "add_from_upload",
    "draft_to_article",
    "list_entries",
    "remove_live",
    "remove_now",
]


@dataclass(frozen=True)
class AddOutcome:
    article: Article
    passages: int

    def message(self) -> str:
        a = self.article
        return (
            f'Added "{a.title}" ({a.byline}) as `{a.slug}`: {plural(len(a.paragraphs), "paragraph")}, '
            f"{plural(self.passages, 'passage')} searchable now."
        )


@dataclass(frozen=True)
class ListEntry:
    article: Article
    passages: int

    def line(self) -> str:
        a = self.article
        return f"{a.slug}  {a.title} ({a.byline}) — {plural(self.passages, 'passage')}"


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


def _knowledge(corpus_dir: Path) -> Knowledge | None:
    """The corpus's knowledge (its saved snapshot, updated by the add or remove so the next
    command starts at once), or None for a corpus that has no articles folder yet."""
    from bot.corpus.knowledge import Knowledge

    try:
        return Knowledge.load(corpus_dir)
    except CorpusError:
        return None


def add_draft(corpus_dir: Path, draft: Draft) -> AddOutcome:
    """Store a draft and update the index snapshot (blocking, for the CLI; the bot uses `Knowledge.add`)."""
    kb = _knowledge(corpus_dir)
    if kb is None:
        stored = add_article(corpus_dir, draft_to_article(draft))
        return AddOutcome(stored, passage_count(stored))
    stored, count = kb.add_now(draft_to_article(draft))
    return AddOutcome(stored, count)


def remove_now(corpus_dir: Path, slug: str) -> Article:
    """Remove an article and update the index snapshot (blocking, for the CLI)."""
    kb = _knowledge(corpus_dir)
    if kb is None:
        return remove_article(corpus_dir, slug).article
    return kb.remove_now(slug)


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
