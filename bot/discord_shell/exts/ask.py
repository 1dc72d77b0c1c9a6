"""Asking: `/ask`, mentions, DMs and answer channels; "More sources" paging and 👍/👎 feedback.

A thin shell: it checks the question, applies the per-user cooldown, asks the core off the event
loop, renders with `bot.discord_shell.embeds` and sends. Ranking and quoting are the core's business.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.corpus.history import QuestionRecord, VoteRecord
from bot.discord_shell.checks import MAX_QUESTION_CHARS, UserCooldown, check_question
from bot.discord_shell.embeds import answer_embeds
from bot.discord_shell.markup import read_markup
from bot.discord_shell.persistent import (
    ANSWER_ITEMS,
    KEEP_DAYS,
    AnswerButtons,
    AnswerRecord,
    AnswerStore,
    answer_view,
)
from bot.discord_shell.plain import can_embed, page_messages, send_plain_reply
from bot.discord_shell.views import ExpiringView, send_ephemeral
from bot.engine.models import Answer, Quote, source_summary

if TYPE_CHECKING:
    from bot.corpus.knowledge import Knowledge
    from bot.discord_shell.client import Bot

log = logging.getLogger(__name__)

#: If the core has not answered within this many seconds, defer the interaction (3 s rule).
DEFER_AFTER = 1.5
APOLOGY = "Sorry, something went wrong while answering. The error was logged; please try again."


@dataclass(frozen=True)
class Reply:
    """Everything needed to render an answer and page through it."""

    answer: Answer
    pages: tuple[tuple[Quote, ...], ...]  # page 0 is the answer's own quotes
    coverage: str = ""
    generation: str = ""  # the corpus generation it was answered from (for the history)

    @property
    def total_quotes(self) -> int:
        return sum(len(p) for p in self.pages)

    def header(self, page: int) -> str | None:
        """The page's line above the quotes: how many articles and years it spans, and the paging."""
        parts = [source_summary(self.pages[page])] if self.pages else []
        if len(self.pages) > 1:
            first = sum(len(p) for p in self.pages[:page]) + 1
            last = first + len(self.pages[page]) - 1
            parts.append(f"Sources {first}–{last} of {self.total_quotes} (page {page + 1} of {len(self.pages)})")
        return " · ".join(p for p in parts if p) or None

    def notes(self, page: int) -> tuple[str, ...]:
        """The engine's notes ("Read as: ...", "A newer article also covers this ...") on page 1."""
        return self.answer.notes if page == 0 else ()

    def embeds(self, page: int = 0) -> list[discord.Embed]:
        quotes = self.pages[page] if self.pages else ()
        return answer_embeds(
            self.answer, coverage=self.coverage, quotes=quotes, header=self.header(page), notes=self.notes(page)
        )


def build_reply(kb: Knowledge, question: str, top_k: int, limit: int) -> Reply:
    """Runs in a worker thread: the answer, plus further passages for "More sources"."""
    generation = kb.generation
    answer = kb.ask(question, top_k=top_k)
    if not answer.answered or not answer.quotes:
        return Reply(answer=answer, pages=(), coverage=kb.coverage(), generation=generation)
    pages: list[tuple[Quote, ...]] = [tuple(answer.quotes)]
    if limit > len(answer.quotes):
        shown = {q.citation.passage_id for q in answer.quotes}
        extra = [q for q in kb.ask(question, top_k=limit).quotes if q.citation.passage_id not in shown]
        extra = extra[: max(limit - len(answer.quotes), 0)]
        pages.extend(tuple(extra[i : i + top_k]) for i in range(0, len(extra), top_k))
    return Reply(answer=answer, pages=tuple(pages), generation=generation)


class Ask(commands.Cog):
    """/ask, and questions by mention, in DMs and in the answer channels."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        config = bot.config
        self.cooldown = UserCooldown(config.cooldown_questions, config.cooldown_seconds)
        # the buttons under answers; they outlive this process (see bot.discord_shell.persistent)
        self.buttons = AnswerButtons(AnswerStore(config.data_dir / "answers"), self._reply_for, self._store_vote)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*ANSWER_ITEMS)
        pruned = await asyncio.to_thread(self.buttons.store.prune)
        if pruned:
            log.info("deleted %d answer record(s) older than %d days", pruned, KEEP_DAYS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*ANSWER_ITEMS)

    # --- the shared path ----------------------------------------------------------------------

    async def _reply_for(self, question: str) -> Reply:
        config = self.bot.config
        return await asyncio.to_thread(
            build_reply, self.bot.knowledge, question, config.top_k, config.more_sources_limit
        )

    async def _view(self, reply: Reply, asker_id: int) -> tuple[ExpiringView, AnswerRecord]:
        record = await self.buttons.remember(reply, asker_id)
        return answer_view(record, timeout=self.bot.config.view_timeout_seconds), record

    def _record(self, key: str, question: str, reply: Reply, answer_ms: float,
                guild_id: int | None, channel_id: int | None, *, dm: bool) -> None:
        """Queue the question for the history (no user is named; DMs keep no ids). Never blocks."""
        answer = reply.answer
        in_guild = not dm
        self.bot.history.record_question(QuestionRecord(
            key=key, question=question, answered=answer.answered, place="guild" if in_guild else "dm",
            guild_id=guild_id if in_guild else None, channel_id=channel_id if in_guild else None,
            reason=answer.reason, lacking=answer.lacking,
            passage_ids=tuple(q.citation.passage_id for q in answer.quotes), generation=reply.generation,
            answer_ms=round(answer_ms, 3),
        ))

    async def _store_vote(self, record: AnswerRecord, passage_ids: Sequence[str], vote: str) -> None:
        """A vote goes to the history, linked to its question by the answer key (raises if not stored)."""
        await self.bot.history.record_vote(
            VoteRecord(record.question, tuple(passage_ids), vote, question_key=record.key)
        )

    def _channel_name(self, channel_id: int) -> str | None:
        return getattr(self.bot.get_channel(channel_id), "name", None)

    def _cooldown_note(self, wait: float) -> str:
        return f"You're asking quickly — please try again in {math.ceil(wait)} s."

    # --- /ask ---------------------------------------------------------------------------------

    @app_commands.command(name="ask", description="Ask about cloud data sovereignty; I reply with quotes and citations")
    @app_commands.describe(question="Your question, e.g. Why did Microsoft sue the US government?")
    async def ask(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, MAX_QUESTION_CHARS]
    ) -> None:
        check = check_question(read_markup(question, self._channel_name))
        if not check.ok:
            await send_ephemeral(interaction, check.problem or "")
            return
        wait = self.cooldown.hit(interaction.user.id)
        if wait:
            await send_ephemeral(interaction, self._cooldown_note(wait))
            return
        started = time.perf_counter()
        task = asyncio.ensure_future(self._reply_for(check.question))
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
        if not done:  # slow corpus (e.g. mid-reload): acknowledge now, answer when ready
            await interaction.response.defer(thinking=True)
        reply = await task
        answer_ms = (time.perf_counter() - started) * 1000
        view, record = await self._view(reply, interaction.user.id)
        self._record(record.key, check.question, reply, answer_ms, interaction.guild_id, interaction.channel_id,
                     dm=interaction.guild_id is None)
        if interaction.response.is_done():
            view.message = await interaction.followup.send(embeds=reply.embeds(), view=view, wait=True)
        else:
            response = await interaction.response.send_message(embeds=reply.embeds(), view=view)
            resource = response.resource if response is not None else None
            if isinstance(resource, discord.InteractionMessage):
                view.message = resource
            else:
                view.message = await interaction.original_response()

    # --- messages -----------------------------------------------------------------------------

    def question_in(self, message: discord.Message) -> str | None:
        """The question a message asks the bot, or None if the message is not for the bot."""
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return None
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return None
        content = message.content or ""
        if isinstance(message.channel, discord.DMChannel | discord.GroupChannel):  # a DM
            return re.sub(rf"<@!?{me.id}>", " ", content)
        mention = re.compile(rf"<@!?{me.id}>")
        # a guild message whose guild is not cached yet (no GUILD_CREATE) is still a guild message
        own_role = message.guild.self_role if message.guild is not None else None
        if mention.search(content):
            return mention.sub(" ", content)
        if own_role is not None and f"<@&{own_role.id}>" in content:
            return content.replace(f"<@&{own_role.id}>", " ")
        if message.reference is None and any(u.id == me.id for u in message.mentions):
            # mentioned without the <@id> token in the text (some clients and bridges do this);
            # a *reply* to the bot also lists it in mentions but is not a question to it
            return re.sub(rf"^\s*@{re.escape(me.name)}\b", " ", content, flags=re.IGNORECASE)
        channel_ids = {message.channel.id, getattr(message.channel, "parent_id", None)}
        if channel_ids & set(self.bot.config.answer_channel_ids) and content.strip():
            return content
        return None

    async def _send_reply(self, message: discord.Message, **kwargs: Any) -> discord.Message:
        return await message.channel.send(
            reference=message.to_reference(fail_if_not_exists=False), mention_author=False, **kwargs
        )

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        question = self.question_in(message)
        if question is None:
            return
        try:
            check = check_question(read_markup(question, self._channel_name))
            if not check.ok:
                await self._send_reply(message, content=check.problem)
                return
            wait = self.cooldown.hit(message.author.id)
            if wait:
                await self._send_reply(message, content=self._cooldown_note(wait), delete_after=max(wait, 5.0))
                return
            started = time.perf_counter()
            reply = await self._reply_for(check.question)
            answer_ms = (time.perf_counter() - started) * 1000
            view, record = await self._view(reply, message.author.id)
            guild_id = message.guild.id if message.guild is not None else None
            dm = isinstance(message.channel, discord.DMChannel | discord.GroupChannel)
            self._record(record.key, check.question, reply, answer_ms, guild_id, message.channel.id, dm=dm)
            if can_embed(message.channel, message.guild.me if message.guild else None):
                view.message = await self._send_reply(message, embeds=reply.embeds(), view=view)
            else:  # no Embed Links here: Discord would drop the embeds and leave an empty message
                texts = page_messages(reply.answer, reply.pages[0] if reply.pages else (), header=reply.header(0),
                                      coverage=reply.coverage, notes=reply.notes(0))
                view.message = await send_plain_reply(message, texts, view)
        except Exception:
            log.exception("error while answering message %s", message.id)
            try:
                await self._send_reply(message, content=APOLOGY)
            except discord.HTTPException:
                log.warning("could not send the apology for message %s", message.id)


async def setup(bot: Bot) -> None:
    await bot.add_cog(Ask(bot))
