"""/corpus add | list | remove: admins grow the corpus from Discord; members can ask at once.

A thin shell over `bot.corpus.admin` (the same service the command line uses). Who may: members
with Manage Server, the configured admin roles and users. Discord hides the group from others by
default permissions (Manage Server), and every invocation is checked again when it runs, so a
server that shows the commands to everyone still refuses non-admins, privately, changing nothing.

Adding downloads, extracts and rebuilds the index off the event loop (the interaction is
deferred first); questions asked meanwhile are answered from the old index. The cog also runs
the corpus watcher, so shards sharing a corpus directory pick up each other's changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.corpus.admin import AddOutcome, add_from_upload
from bot.corpus.articles import CorpusError
from bot.corpus.bulk import ADDED, FAILED, PRESENT, Importer, ImportSummary, ItemResult, single_item
from bot.corpus.fetch import FetchPolicy
from bot.corpus.ingest import IngestError, Limits, Metadata, format_size, is_url, parse_content_type
from bot.discord_shell.checks import may_administer
from bot.engine.text import plural

if TYPE_CHECKING:
    from bot.discord_shell.client import Bot
    from bot.discord_shell.config import Config

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
FILE_SUFFIXES = (".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml")
REFUSAL = (
    "Only server managers and the bot's configured admins can change the corpus. "
    "You can still ask about it with `/ask` and see what it holds with `/sources`."
)
MAX_CHOICES = 25
#: A long import edits its message at most this often (seconds): members need no more, and
#: Discord rate-limits edits.
PROGRESS_EVERY = 3.0


def upload_limits(config: Config) -> Limits:
    return Limits(
        max_bytes=config.max_upload_bytes,
        fetch_timeout=config.fetch_timeout_seconds,
        content_types=config.allowed_content_types,
    )


def download_limits(config: Config) -> Limits:
    return Limits(
        max_bytes=config.max_download_bytes,
        fetch_timeout=config.fetch_timeout_seconds,
        content_types=config.allowed_content_types,
    )


def check_attachment(filename: str, size: int, content_type: str | None, limits: Limits) -> str | None:
    """Why an attachment cannot be added (before downloading it), or None if it may be."""
    if size > limits.max_bytes:
        return (
            f"`{discord.utils.escape_markdown(filename)}` is {format_size(size)}; the limit is "
            f"{format_size(limits.max_bytes)}. Please upload a smaller file."
        )
    media, _ = parse_content_type(content_type)
    suffix = Path(filename).suffix.lower()
    if media in limits.content_types or (not media and suffix in FILE_SUFFIXES):
        return None  # a configured type; or no type given and a text/Markdown/HTML file name
    kind = media or "a file without a type"
    return (
        f"`{discord.utils.escape_markdown(filename)}` is {kind}; please upload a text (.txt), Markdown (.md) "
        "or HTML (.html) file."
    )


def sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def list_text(rows: list[tuple[str, str, int]], limit: int = 1900) -> str:
    """`slug` — title (n passages), one line each, within one message."""
    if not rows:
        return "The corpus is empty."
    lines = [f"{len(rows)} article{'s' if len(rows) != 1 else ''} in the corpus:"]
    used = len(lines[0])
    for i, (slug, title, passages) in enumerate(rows):
        line = f"• `{slug}` — {discord.utils.escape_markdown(title)} ({plural(passages, 'passage')})"
        if used + len(line) + 1 > limit - 40:
            lines.append(f"… and {len(rows) - i} more (`python -m bot list` shows all).")
            break
        lines.append(line)
        used += len(line) + 1
    return "\n".join(lines)


class ProgressEditor:
    """Shows an import's progress by editing one message, at most every `every` seconds.

    `item_done` runs on the event loop for every finished item; it starts an edit only when the
    last one is at least `every` seconds old and finished (a slow edit is never queued behind
    another). `finish` waits for an edit in flight, so the final summary is never overwritten.
    """

    def __init__(
        self,
        edit: Callable[[str], Awaitable[object]],
        feed_title: str,
        *,
        every: float = PROGRESS_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._edit = edit
        self.feed_title = feed_title
        self.every = every
        self._clock = clock
        self._last = clock()  # the "importing N items" message was just sent
        self._task: asyncio.Task[None] | None = None
        self.counts: Counter[str] = Counter()
        self.total = 0
        self.edits = 0

    def text(self, done: int) -> str:
        c = self.counts
        return (
            f"Importing {plural(self.total, 'item')} from **{discord.utils.escape_markdown(self.feed_title)}**: "
            f"{done}/{self.total} done ({c[ADDED]} added, {c[PRESENT]} already present, {c[FAILED]} failed)…"
        )

    def planned(self, total: int) -> None:
        self.total = total

    def item_done(self, result: ItemResult, done: int, total: int) -> None:
        self.counts[result.status] += 1
        self.total = total
        now = self._clock()
        if now - self._last < self.every or (self._task is not None and not self._task.done()):
            return
        self._last = now
        self.edits += 1
        self._task = asyncio.ensure_future(self._safe_edit(self.text(done)))

    async def _safe_edit(self, text: str) -> None:
        try:
            await self._edit(text)
        except discord.HTTPException as exc:  # e.g. the interaction's 15 minutes are over
            log.info("could not edit the import progress message: %s", exc)

    async def finish(self) -> None:
        if self._task is not None:
            await self._task


def import_summary_text(summary: ImportSummary, feed_title: str, limit: int = 1900) -> str:
    """The end of a feed import, within one message: counts, then what failed and why, then titles."""
    esc = discord.utils.escape_markdown
    head = (
        f"Imported **{esc(feed_title)}**: {summary.counts()} ({plural(len(summary.results), 'item')})."
        + (" The new articles are searchable now with `/ask`." if summary.added else "")
    )
    lines = [head]
    sections = (
        ("Failed:", [f"• <{r.source}> — {esc(r.reason)}" for r in summary.failed]),
        ("Added:", [f"• `{r.slug}` — {esc(r.title or '')}" for r in summary.added]),
    )
    used = len(head)
    for title, rows in sections:
        if not rows:
            continue
        lines.append(title)
        used += len(title) + 1
        for i, row in enumerate(rows):
            if used + len(row) + 1 > limit - 60:
                lines.append(f"… and {len(rows) - i} more (`python -m bot add FEED --json` lists every item).")
                used += len(lines[-1]) + 1
                break
            lines.append(row)
            used += len(row) + 1
    return "\n".join(lines)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Corpus(commands.GroupCog, group_name="corpus", group_description="Add, list or remove corpus articles (admins)"):
    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._watcher: asyncio.Task[None] | None = None
        super().__init__()

    async def cog_load(self) -> None:
        interval = self.bot.config.corpus_watch_seconds
        if interval > 0:
            self._watcher = asyncio.create_task(self.bot.knowledge.watch(interval), name="corpus-watcher")

    async def cog_unload(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        """Checked on every invocation, whatever Discord showed the member."""
        if may_administer(interaction, self.bot.config):
            return True
        log.info("refused /corpus for user %s (not an admin)", interaction.user.id)
        raise app_commands.CheckFailure(REFUSAL)

    async def _reply(self, interaction: discord.Interaction, text: str) -> None:
        text = text if len(text) <= 2000 else text[:1999] + "…"
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    # --- /corpus add ---------------------------------------------------------------------------

    @app_commands.command(
        name="add", description="Add articles from a web page, an RSS/Atom feed or a .txt/.md/.html file"
    )
    @app_commands.describe(
        url="Web page or RSS/Atom feed to add (or, with a file, the article's own link)",
        file="A .txt, .md or .html file with the article",
        title="Title (overrides the one found in the source)",
        publisher="Publisher (overrides the one found)",
        published="Publication date, e.g. 2016-04-16 (overrides the one found)",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 1, 2000] | None = None,
        file: discord.Attachment | None = None,
        title: app_commands.Range[str, 1, 300] | None = None,
        publisher: app_commands.Range[str, 1, 200] | None = None,
        published: app_commands.Range[str, 4, 10] | None = None,
    ) -> None:
        config = self.bot.config
        if file is None and not url:
            await self._reply(interaction, "Please give a `url` to a web page or attach a `file` (.txt, .md, .html).")
            return
        if url and not is_url(url):
            await self._reply(interaction, "The `url` must start with http:// or https://.")
            return
        if file is not None:
            limits = upload_limits(config)
            problem = check_attachment(file.filename, file.size, file.content_type, limits)
            if problem:
                await self._reply(interaction, problem)
                return
        await interaction.response.defer(ephemeral=True, thinking=True)
        metadata = Metadata(title=title, url=url if file is not None else None, publisher=publisher,
                            published=published)
        try:
            if file is not None:
                data = await file.read()
                outcome = await add_from_upload(
                    self.bot.knowledge, data, filename=file.filename, content_type=file.content_type,
                    metadata=metadata, limits=upload_limits(config),
                )
            else:
                assert url is not None
                await self._add_link(interaction, url, metadata)
                return
        except (IngestError, CorpusError) as exc:
            log.info("/corpus add refused for %s: %s", interaction.user.id, exc)
            await self._reply(interaction, f"Not added: {sentence(str(exc))}")
            return
        except discord.HTTPException as exc:
            log.warning("could not download attachment %s: %s", file and file.filename, exc)
            await self._reply(
                interaction, "Not added: the attachment could not be downloaded from Discord; please try again."
            )
            return
        log.info("user %s added %s", interaction.user.id, outcome.article.slug)
        await self._reply(interaction, self._added(outcome))

    async def _add_link(self, interaction: discord.Interaction, url: str, metadata: Metadata) -> None:
        """A page becomes one article; a feed, one per entry, with a progress message edited as it goes."""
        config = self.bot.config
        knowledge = self.bot.knowledge
        policy = FetchPolicy(limits=download_limits(config), allow_private=config.allow_private_urls)
        async with Importer(knowledge.corpus_dir, policy, metadata=metadata) as importer:
            planned = await importer.plan([url])
            if single_item(planned):
                [result] = (await importer.run(planned)).results
                if result.status == ADDED:
                    await knowledge.reload()
                    assert result.article is not None
                    log.info("user %s added %s", interaction.user.id, result.slug)
                    await self._reply(interaction, self._added(AddOutcome(result.article, result.passages)))
                elif result.status == PRESENT:
                    await self._reply(interaction, f"Not added: this is already in the corpus ({result.reason}).")
                else:
                    log.info("/corpus add refused for %s: %s", interaction.user.id, result.reason)
                    await self._reply(interaction, f"Not added: {sentence(result.reason)}")
                return
            if metadata != Metadata():
                await self._reply(interaction, "The title, publisher and published options apply to a single page, "
                                               "not to a feed; please add the feed without them.")
                return
            feed_title = importer.feeds.get(url, url)
            editor = ProgressEditor(
                lambda text: interaction.edit_original_response(content=text, allowed_mentions=NO_MENTIONS),
                feed_title,
            )
            editor.planned(len(planned))
            await self._reply(
                interaction,
                f"Importing {plural(len(planned), 'item')} from **{discord.utils.escape_markdown(feed_title)}**…",
            )
            importer.progress = editor
            summary = await importer.run(planned)
            await editor.finish()
        if summary.added:
            await knowledge.reload()  # one rebuild for the whole feed
        log.info("user %s imported feed %s: %s", interaction.user.id, url, summary.counts())
        text = import_summary_text(summary, feed_title)
        try:
            await interaction.edit_original_response(content=text, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:  # the interaction expired during a very long import
            log.info("import summary could not replace the progress message; sent as a new one")
            await self._reply(interaction, text)

    @staticmethod
    def _added(outcome: AddOutcome) -> str:
        a = outcome.article
        title = discord.utils.escape_markdown(a.title)
        return (
            f"Added **{title}** as `{a.slug}` — {outcome.passages} "
            f"passage{'s' if outcome.passages != 1 else ''}, searchable now with `/ask`."
        )

    # --- /corpus list --------------------------------------------------------------------------

    @app_commands.command(name="list", description="List the corpus articles with their slugs")
    async def list_articles(self, interaction: discord.Interaction) -> None:
        sources = self.bot.knowledge.sources()  # the in-memory snapshot: no I/O
        rows = [(a.slug, a.title, n) for a, n in sources]
        await self._reply(interaction, list_text(rows))

    # --- /corpus remove ------------------------------------------------------------------------

    @app_commands.command(name="remove", description="Remove an article from the corpus by its slug")
    @app_commands.describe(slug="The article's slug (see /corpus list)")
    async def remove(self, interaction: discord.Interaction, slug: app_commands.Range[str, 1, 100]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            removed = await self.bot.knowledge.remove(slug)
        except CorpusError as exc:
            await self._reply(interaction, f"Not removed: {sentence(str(exc))}")
            return
        log.info("user %s removed %s", interaction.user.id, removed.slug)
        await self._reply(
            interaction, f"Removed **{discord.utils.escape_markdown(removed.title)}** (`{removed.slug}`)."
        )

    @remove.autocomplete("slug")
    async def _slug_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        needle = current.lower().strip()
        out: list[app_commands.Choice[str]] = []
        for article in self.bot.knowledge.snapshot.articles:
            if needle and needle not in article.slug and needle not in article.title.lower():
                continue
            name = f"{article.slug} — {article.title}"
            out.append(app_commands.Choice(name=name[:97] + "…" if len(name) > 100 else name, value=article.slug))
            if len(out) >= MAX_CHOICES:
                break
        return out


async def setup(bot: Bot) -> None:
    await bot.add_cog(Corpus(bot))
