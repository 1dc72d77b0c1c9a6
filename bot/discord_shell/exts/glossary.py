"""/glossary: a term's definition, the corpus's own sentences that use it, and related terms.

A thin shell over `bot.engine.glossary`: autocomplete asks `Glossary.autocomplete`, the command asks
`Glossary.lookup` / `explain` off the event loop, and the pure builders below lay the result out
within Discord's limits. `/glossary` with no term lists all terms, with page buttons when the
list does not fit on one page.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_shell.embeds import COLOUR, LIMITS, NO_ANSWER_COLOUR, trim_marked, trim_words
from bot.discord_shell.persistent import GLOSSARY_ITEMS, GlossaryPaging, glossary_view
from bot.discord_shell.views import send_ephemeral
from bot.engine.glossary import MAX_CHOICES, MAX_NAME_CHARS, NOTHING_CLOSE, Entry, Explanation, Glossary, Match
from bot.engine.models import Quote

if TYPE_CHECKING:
    from bot.discord_shell.client import Bot

log = logging.getLogger(__name__)

#: If the lookup has not finished within this many seconds, defer the interaction (3 s rule).
DEFER_AFTER = 1.5
#: Terms per page of the `/glossary` list.
PAGE_TERMS = 25
UNAVAILABLE = (
    "The glossary is not available right now (it failed to load; the error was logged). "
    "You can still ask questions with `/ask`."
)
FOOTER = "Definition written for this glossary; the quotes are the articles' own words."


# --- pure builders (tested without Discord) ------------------------------------------------------


def _safe_url(url: str | None) -> str | None:
    if url and url.startswith(("http://", "https://")) and len(url) <= 2048 and " " not in url:
        return url
    return None


def quote_field(quote: Quote, number: int) -> tuple[str, str]:
    """(name, value) of an embed field: the quote in curly quotes, then its citation, ≤1024 chars."""
    c = quote.citation
    url = _safe_url(c.url)
    label = trim_words(c.label, 400)
    citation = f"— [{label}]({url})" if url and len(url) < 500 else f"— {label}"
    room = LIMITS.field_value - len(citation) - 3  # newline and the two curly quotes
    body = trim_marked(quote.marked or quote.text, room)
    name = trim_words(f"{number}. From \u201c{c.article_title}\u201d", LIMITS.field_name)
    return name, f"\u201c{body}\u201d\n{citation}"


def entry_embed(ex: Explanation, match: Match | None = None) -> discord.Embed:
    """One embed: term, aliases, definition, up to two quotes with citations, related terms."""
    e = ex.entry
    description = e.definition
    if e.aliases:
        description = f"*Also:* {', '.join(e.aliases)}\n\n{description}"
    embed = discord.Embed(
        title=trim_words(e.term, LIMITS.title),
        description=trim_words(description, LIMITS.description),
        colour=COLOUR,
    )
    if match is not None and match.kind == "fuzzy":
        embed.set_author(name=trim_words(f"Showing {e.term} for \u201c{match.query}\u201d", LIMITS.author))
    for i, quote in enumerate(ex.quotes, start=1):
        name, value = quote_field(quote, i)
        embed.add_field(name=name, value=value, inline=False)
    if not ex.quotes:
        embed.add_field(name="In the corpus", value="No article in the corpus uses this term yet.", inline=False)
    if ex.related:
        related = trim_words(", ".join(r.term for r in ex.related), LIMITS.field_value)
        embed.add_field(name="Related terms", value=related, inline=False)
    embed.set_footer(text=FOOTER)
    return embed


def unknown_embed(match: Match) -> discord.Embed:
    """The polite 'not in the glossary' reply: suggestions, and the best passage for the words."""
    parts = [f"\u201c{match.query}\u201d is not in the glossary."]
    if match.suggestions:
        parts.append("Did you mean: " + ", ".join(f"**{s}**" for s in match.suggestions) + "?")
    else:
        parts.append(NOTHING_CLOSE)
    parts.append("Use `/glossary` without a term to see them all, or `/ask` to ask a question.")
    embed = discord.Embed(
        title="Not in the glossary",
        description=trim_words("\n\n".join(parts), LIMITS.description),
        colour=NO_ANSWER_COLOUR,
    )
    if match.passage is not None:
        name, value = quote_field(match.passage, 1)
        embed.add_field(name="The corpus passage that best matches these words", value=value, inline=False)
    return embed


def _term_line(entry: Entry) -> str:
    aliases = f" ({', '.join(entry.aliases)})" if entry.aliases else ""
    return trim_words(f"• **{entry.term}**{aliases}", 300)


def list_pages(glossary: Glossary, per_page: int = PAGE_TERMS) -> list[str]:
    """The term list split into page descriptions (each ≤ `per_page` terms and ≤ 4,000 chars)."""
    entries = sorted(glossary, key=lambda e: e.term.casefold())
    pages: list[str] = []
    current: list[str] = []
    for entry in entries:
        line = _term_line(entry)
        if current and (len(current) >= per_page or len("\n".join([*current, line])) > 4000):
            pages.append("\n".join(current))
            current = []
        current.append(line)
    if current:
        pages.append("\n".join(current))
    return pages or ["The glossary is empty."]


def list_embed(pages: Sequence[str], page: int, total_terms: int) -> discord.Embed:
    embed = discord.Embed(
        title=f"Glossary ({total_terms} term{'s' if total_terms != 1 else ''})",
        description=pages[page],
        colour=COLOUR,
    )
    footer = "Look one up with /glossary term:"
    if len(pages) > 1:
        footer = f"Page {page + 1} of {len(pages)} · {footer}"
    embed.set_footer(text=footer)
    return embed


def choices_for(glossary: Glossary, current: str) -> list[app_commands.Choice[str]]:
    return [
        app_commands.Choice(name=name[:MAX_NAME_CHARS], value=value[:MAX_NAME_CHARS])
        for name, value in glossary.autocomplete(current, MAX_CHOICES)
    ]


# --- the cog --------------------------------------------------------------------------------------


def _explain(glossary: Glossary, term: str) -> tuple[Match, Explanation | None]:
    """Runs in a worker thread: lookup (fuzzy match, best passage) and the entry's quotes."""
    match = glossary.lookup(term)
    return match, glossary.explain(match.entry) if match.entry is not None else None


class GlossaryCog(commands.Cog, name="Glossary"):
    """/glossary with autocomplete."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        # the list's page buttons outlive this process: they rebuild the pages from the glossary
        self.paging = GlossaryPaging(pages=self._list_pages, embed=list_embed)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*GLOSSARY_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*GLOSSARY_ITEMS)

    def _list_pages(self, interaction: discord.Interaction) -> tuple[list[str], int] | None:
        glossary = self._glossary()
        return (list_pages(glossary), len(glossary)) if glossary is not None else None

    def _glossary(self) -> Glossary | None:
        glossary = self.bot.knowledge.snapshot.glossary
        return glossary if isinstance(glossary, Glossary) else None

    @app_commands.command(
        name="glossary", description="Explain a term from the articles, with quotes; no term lists all"
    )
    @app_commands.describe(term="A term or acronym, e.g. ECPA, WP29 or Privacy Shield")
    async def glossary(
        self, interaction: discord.Interaction, term: app_commands.Range[str, 1, MAX_NAME_CHARS] | None = None
    ) -> None:
        glossary = self._glossary()
        if glossary is None:
            await send_ephemeral(interaction, UNAVAILABLE)
            return
        query = " ".join((term or "").split())
        if not query:
            await self._send_list(interaction, glossary)
            return
        task = asyncio.ensure_future(asyncio.to_thread(_explain, glossary, query))
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
        if not done:
            await interaction.response.defer(thinking=True)
        match, ex = await task
        if ex is None:
            embed = unknown_embed(match)
            if interaction.response.is_done():
                await interaction.followup.send(embed=embed, ephemeral=True)
            else:
                await interaction.response.send_message(embed=embed, ephemeral=True)
            return
        embed = entry_embed(ex, match)
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed)
        else:
            await interaction.response.send_message(embed=embed)

    @glossary.autocomplete("term")
    async def term_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        glossary = self._glossary()
        if glossary is None:
            return []
        return choices_for(glossary, current[:200])  # in-memory and fast: well inside the 3 s window

    async def _send_list(self, interaction: discord.Interaction, glossary: Glossary) -> None:
        pages = list_pages(glossary)
        embed = list_embed(pages, 0, len(glossary))
        if len(pages) == 1:
            await interaction.response.send_message(embed=embed)
            return
        view = glossary_view(0, len(pages), timeout=self.bot.config.view_timeout_seconds)
        response = await interaction.response.send_message(embed=embed, view=view)
        resource = response.resource if response is not None else None
        if isinstance(resource, discord.InteractionMessage):
            view.message = resource
        else:
            view.message = await interaction.original_response()


async def setup(bot: Bot) -> None:
    await bot.add_cog(GlossaryCog(bot))
