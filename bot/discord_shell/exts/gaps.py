"""/gaps (admins): what people asked that the corpus could not answer, and the answers voted down.

The curators' view of the question history (bot.corpus.history): the refused questions of the
last days grouped by their normalised form, most asked first, with the words the corpus lacked;
then the answers with the most 👎, with the article and paragraph they cited. Ephemeral, for the
same people as /corpus (members with Manage Server and the configured admins); others get a
polite refusal. Long reports are paged with buttons whose custom_id carries the days and the page,
so they keep working after a restart (the report is read again on each click).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.corpus.history import GapsReport, HistoryError
from bot.discord_shell.checks import may_administer
from bot.discord_shell.persistent import DEFER_AFTER, StatefulButton
from bot.discord_shell.views import send_ephemeral
from bot.engine.text import plural

if TYPE_CHECKING:
    from bot.discord_shell.client import Bot

log = logging.getLogger(__name__)

REFUSAL = (
    "Only server managers and the bot's configured admins can see the knowledge gaps. "
    "You can still ask questions with `/ask`."
)
COLOUR = discord.Colour.orange()
#: Per page: at most this many entries and characters of description (Discord allows 4,096).
PAGE_ENTRIES = 8
PAGE_CHARS = 3000
#: A question is shown cut to this many characters (it may be 1,000 long).
SHOW_CHARS = 160
REFUSED = "Refused questions, most asked first"
VOTED_DOWN = "Answers voted down"


def _short(text: str, limit: int = SHOW_CHARS) -> str:
    text = " ".join(text.split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return discord.utils.escape_markdown(discord.utils.escape_mentions(text))


def gap_entries(report: GapsReport, titles: Mapping[str, str]) -> list[tuple[str, str]]:
    """(section, entry text) for every group and voted-down answer, in report order."""
    entries: list[tuple[str, str]] = []
    for g in report.refused_groups:
        text = f"**{g.count}×** “{_short(g.wordings[0])}”"
        others = len(g.wordings) - 1
        if others:
            text += f" (and {plural(others, 'other wording')})"
        if g.lacking:
            text += "\n  the corpus lacks: " + _short(", ".join(g.lacking[:8]), 200)
        entries.append((REFUSED, text))
    if not report.refused_groups:
        entries.append((REFUSED, f"No question was refused in the last {plural(report.days, 'day')}."))
    for v in report.voted_down:
        cites = []
        for c in v.cited[:3]:
            title = titles.get(c.article_slug)
            where = f"*{_short(title, 80)}*" if title else f"`{c.article_slug}`"
            cites.append(f"{where}, paragraph {c.paragraph}" if c.paragraph is not None else where)
        if len(v.cited) > 3:
            cites.append(f"{len(v.cited) - 3} more")
        text = f"**👎 {v.down} · 👍 {v.up}** “{_short(v.question)}”"
        text += "\n  cites " + ("; ".join(cites) if cites else "no passage (a refusal)")
        entries.append((VOTED_DOWN, text))
    if not report.voted_down:
        entries.append((VOTED_DOWN, f"No answer was voted down in the last {plural(report.days, 'day')}."))
    return entries


def gap_pages(entries: Sequence[tuple[str, str]]) -> list[str]:
    """Entries packed into page descriptions; each section is headed where it starts or continues."""
    pages: list[str] = []
    lines: list[str] = []
    count = size = 0
    section: str | None = None
    begun: set[str] = set()  # sections that started on an earlier page
    for name, text in entries:
        if lines and (count >= PAGE_ENTRIES or size + len(text) > PAGE_CHARS):
            pages.append("\n".join(lines))
            lines, count, size, section = [], 0, 0, None
        if name != section:
            if lines:
                lines.append("")
            lines.append(f"**{name}**" + (" (continued)" if name in begun else ""))
            section = name
            begun.add(name)
        lines.append(text)
        count += 1
        size += len(text) + 1
    if lines:
        pages.append("\n".join(lines))
    return pages


def gaps_embed(report: GapsReport, pages: Sequence[str], page: int) -> discord.Embed:
    title = f"Knowledge gaps — the last {plural(report.days, 'day')}"
    embed = discord.Embed(title=title, description=pages[page][:4096], colour=COLOUR)
    footer = f"{plural(report.questions, 'question')} asked, {report.refused} refused"
    if len(pages) > 1:
        footer = f"Page {page + 1} of {len(pages)} · {footer}"
    embed.set_footer(text=footer)
    return embed


def gaps_view(days: int, page: int, count: int) -> discord.ui.View | None:
    if count <= 1:
        return None
    view = discord.ui.View(timeout=None)
    prev = discord.ui.Button(label="Previous", emoji="◀️", custom_id=f"gaps:prev:{days}:{max(page - 1, 0)}",
                             disabled=page == 0)
    nxt = discord.ui.Button(label="Next", emoji="▶️", style=discord.ButtonStyle.primary,
                            custom_id=f"gaps:next:{days}:{min(page + 1, count - 1)}", disabled=page >= count - 1)
    view.add_item(GapsButton(prev))
    view.add_item(GapsButton(nxt))
    return view


def unavailable(exc: HistoryError, bot: Bot) -> str:
    """What is wrong with the history, without the server's file system paths."""
    path = bot.config.history_path
    text = str(exc).replace(str(path), f"`{path.name}`").replace(str(path.parent), "the data directory")
    return f"The question history cannot be read: {text}."


class Gaps(commands.Cog):
    """/gaps for curators."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(GapsButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(GapsButton)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        if may_administer(interaction, self.bot.config):
            return True
        log.info("refused /gaps for user %s (not an admin)", interaction.user.id)
        raise app_commands.CheckFailure(REFUSAL)

    def titles(self) -> dict[str, str]:
        return {a.slug: a.title for a in self.bot.knowledge.snapshot.articles}

    async def page(self, days: int, page: int) -> dict[str, Any]:
        """The message for page `page` of the report over `days` days (raises HistoryError)."""
        report = await self.bot.history.gaps(days)
        pages = gap_pages(gap_entries(report, self.titles()))
        page = min(page, len(pages) - 1)
        content: dict[str, Any] = {"embed": gaps_embed(report, pages, page)}
        view = gaps_view(days, page, len(pages))
        if view is not None:
            content["view"] = view
        return content

    @app_commands.command(name="gaps", description="Questions the corpus could not answer, and answers voted down")
    @app_commands.describe(days="How many days back to look (1-90, default 7)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def gaps(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 90] = 7) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            content = await self.page(days, 0)
        except HistoryError as exc:
            log.warning("/gaps: %s", exc)
            await send_ephemeral(interaction, unavailable(exc, self.bot))
            return
        await interaction.followup.send(ephemeral=True, **content)


class GapsButton(StatefulButton, template=r"gaps:(?P<step>prev|next):(?P<days>\d{1,2}):(?P<page>\d{1,3})"):
    """Previous / Next under a /gaps report: the report is read again, so a click after a restart works."""

    async def handle(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog("Gaps")  # type: ignore[attr-defined]
        if not isinstance(cog, Gaps):
            await send_ephemeral(interaction, "This report has expired — run `/gaps` again.")
            return
        if not may_administer(interaction, cog.bot.config):
            await send_ephemeral(interaction, REFUSAL)
            return
        days = min(max(int(self.state["days"]), 1), 90)
        task = asyncio.ensure_future(cog.page(days, int(self.state["page"])))
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
        if not done:  # a busy database: acknowledge the click in time, edit when the report is read
            await interaction.response.defer()
        try:
            content = await task
        except HistoryError as exc:
            await send_ephemeral(interaction, unavailable(exc, cog.bot))
            return
        content.setdefault("view", None)
        if interaction.response.is_done():
            await interaction.edit_original_response(**content)
        else:
            await interaction.response.edit_message(**content)


async def setup(bot: Bot) -> None:
    await bot.add_cog(Gaps(bot))
