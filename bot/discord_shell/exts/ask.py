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
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.corpus.history import QuestionRecord, VoteRecord, new_key
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
from bot.discord_shell.threads import (
    ARCHIVE_MINUTES,
    NO_FORUM_ANSWER,
    LogOnce,
    ThreadMemory,
    can_start_thread,
    can_tag,
    forum_question,
    is_closed,
    thread_name,
)
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
    after: tuple[str, ...] = ()  # the earlier questions of its thread it was read after
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


def build_reply(kb: Knowledge, question: str, top_k: int, limit: int, after: Sequence[str] = ()) -> Reply:
    """Runs in a worker thread: the answer, plus further passages for "More sources".

    `after`: the thread's earlier questions; a follow-up that leans on them is read with them.
    """
    after = tuple(after)
    generation = kb.generation
    answer = kb.ask(question, top_k=top_k, after=after)
    if not answer.answered or not answer.quotes:
        return Reply(answer=answer, pages=(), coverage=kb.coverage(), after=after, generation=generation)
    pages: list[tuple[Quote, ...]] = [tuple(answer.quotes)]
    if limit > len(answer.quotes):
        shown = {q.citation.passage_id for q in answer.quotes}
        extra = [q for q in kb.ask(question, top_k=limit, after=after).quotes if q.citation.passage_id not in shown]
        extra = extra[: max(limit - len(answer.quotes), 0)]
        pages.extend(tuple(extra[i : i + top_k]) for i in range(0, len(extra), top_k))
    return Reply(answer=answer, pages=tuple(pages), after=after, generation=generation)


class Ask(commands.Cog):
    """/ask, and questions by mention, in DMs and in the answer channels."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        config = bot.config
        self.cooldown = UserCooldown(config.cooldown_questions, config.cooldown_seconds)
        # the buttons under answers; they outlive this process (see bot.discord_shell.persistent)
        self.buttons = AnswerButtons(AnswerStore(config.data_dir / "answers"), self._reply_for, self._store_vote)
        # each thread's recent questions, for reading follow-ups (lost on a restart, nothing else)
        self.memory = ThreadMemory()
        self.once = LogOnce(log)
        self._forum_posts: OrderedDict[int, None] = OrderedDict()  # posts answered (or being answered)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*ANSWER_ITEMS)
        pruned = await asyncio.to_thread(self.buttons.store.prune)
        if pruned:
            log.info("deleted %d answer record(s) older than %d days", pruned, KEEP_DAYS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*ANSWER_ITEMS)

    # --- the shared path ----------------------------------------------------------------------

    async def _reply_for(self, question: str, after: Sequence[str] = ()) -> Reply:
        config = self.bot.config
        return await asyncio.to_thread(
            build_reply, self.bot.knowledge, question, config.top_k, config.more_sources_limit, after
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

    def takes_every_message(self, channel: object) -> bool:
        """A thread where every message is a question: the bot's own, or one in an answer channel
        or a help forum."""
        me = self.bot.user
        if not isinstance(channel, discord.Thread) or me is None:
            return False
        config = self.bot.config
        return (channel.owner_id == me.id or channel.parent_id in config.answer_channel_ids
                or channel.parent_id in config.forum_channel_ids)

    def is_forum_post(self, message: discord.Message, channel: object) -> bool:
        """The first message of a new post in a configured help forum (it has the thread's id)."""
        return (isinstance(channel, discord.Thread) and message.id == channel.id
                and channel.parent_id in self.bot.config.forum_channel_ids)

    def question_in(self, message: discord.Message, channel: object = None) -> str | None:
        """The question a message asks the bot, or None if the message is not for the bot.

        `channel`: the message's channel when it had to be fetched (a thread not in the cache).
        """
        channel = message.channel if channel is None else channel
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
        channel_ids = {channel.id, getattr(channel, "parent_id", None)}  # type: ignore[attr-defined]
        if channel_ids & set(self.bot.config.answer_channel_ids) and content.strip():
            return content
        if self.takes_every_message(channel) and content.strip():
            return content
        return None

    async def _admit(self, message: discord.Message, question: str) -> str | None:
        """The question as the core should read it, or None after telling the asker why not (an
        empty or huge question, or the cooldown)."""
        check = check_question(read_markup(question, self._channel_name))
        if not check.ok:
            await self._send_reply(message, content=check.problem)
            return None
        wait = self.cooldown.hit(message.author.id)
        if wait:
            await self._send_reply(message, content=self._cooldown_note(wait), delete_after=max(wait, 5.0))
            return None
        return check.question

    async def _send_reply(self, message: discord.Message, **kwargs: Any) -> discord.Message:
        return await message.channel.send(
            reference=message.to_reference(fail_if_not_exists=False), mention_author=False, **kwargs
        )

    async def _channel_of(self, message: discord.Message) -> object:
        """The message's channel; a thread missing from the cache is fetched, so it is told apart."""
        channel = message.channel
        if (isinstance(channel, discord.PartialMessageable) and message.guild is not None
                and not message.author.bot and message.webhook_id is None):
            try:
                return await self.bot.fetch_channel(channel.id)
            except discord.HTTPException:
                log.debug("could not fetch channel %s", channel.id, exc_info=True)
        return channel

    def _wants_thread(self, channel: object) -> bool:
        """Whether a question asked in `channel` is answered in a new thread (`reply_in_thread`)."""
        mode = self.bot.config.reply_in_thread
        if mode == "never" or not isinstance(channel, discord.TextChannel):
            return False
        return mode == "always" or channel.id in self.bot.config.answer_channel_ids

    async def _start_thread(self, message: discord.Message, question: str) -> discord.Thread | None:
        """A public thread from the question's message, or None (then the answer is a plain reply)."""
        channel = message.channel
        why = can_start_thread(channel, message.guild.me if message.guild else None)
        if why is None:
            try:
                return await message.create_thread(name=thread_name(question), auto_archive_duration=ARCHIVE_MINUTES)
            except discord.Forbidden:
                why = "Discord refused to create a thread (missing permission)"
            except discord.HTTPException as exc:
                why = f"Discord could not create a thread ({exc.status}: {exc.text or 'no reason given'})"
        self.once.warning(("thread", channel.id), "answering in channel %s instead of a thread: %s",
                          getattr(channel, "name", channel.id), why)
        return None

    async def _deliver(self, reply: Reply, view: ExpiringView, destination: discord.abc.Messageable,
                       message: discord.Message | None, guild: discord.Guild | None) -> discord.Message:
        """Send the answer to `destination`, replying to `message` when there is one. The engine's
        notes, a follow-up's "Read with the earlier question about ..." among them, go with it."""
        if can_embed(destination, guild.me if guild else None):
            if message is not None:
                return await self._send_reply(message, embeds=reply.embeds(), view=view)
            return await destination.send(embeds=reply.embeds(), view=view)
        # no Embed Links here: Discord would drop the embeds and leave an empty message
        texts = page_messages(reply.answer, reply.pages[0] if reply.pages else (), header=reply.header(0),
                              coverage=reply.coverage, notes=reply.notes(0))
        return await send_plain_reply(message, texts, view, channel=destination if message is None else None)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        channel = await self._channel_of(message)
        if self.is_forum_post(message, channel) and not message.author.bot and message.webhook_id is None:
            await self._answer_forum_post(message, channel)  # type: ignore[arg-type]
            return
        question = self.question_in(message, channel)
        if question is None:
            return
        if is_closed(channel):  # archived or locked: the conversation is over
            log.debug("not answering message %s: thread %s is archived or locked", message.id, channel)
            return
        try:
            checked = await self._admit(message, question)
            if checked is None:
                return
            in_thread = isinstance(channel, discord.Thread)
            earlier = await self._earlier(channel) if in_thread else ()
            started = time.perf_counter()
            reply = await self._reply_for(checked, earlier)
            answer_ms = (time.perf_counter() - started) * 1000
            view, record = await self._view(reply, message.author.id)
            guild_id = message.guild.id if message.guild is not None else None
            dm = isinstance(message.channel, discord.DMChannel | discord.GroupChannel)
            self._record(record.key, checked, reply, answer_ms, guild_id, message.channel.id, dm=dm)
            thread = None if in_thread or not self._wants_thread(channel) else await self._start_thread(
                message, checked)
            if thread is not None:  # a new conversation: the answer opens the thread
                view.message = await self._deliver(reply, view, thread, None, message.guild)
                self.memory.remember(thread.id, checked)
            else:
                view.message = await self._deliver(reply, view, message.channel, message, message.guild)
                if in_thread:
                    self.memory.remember(channel.id, checked)  # type: ignore[attr-defined]
        except Exception:
            log.exception("error while answering message %s", message.id)
            try:
                await self._send_reply(message, content=APOLOGY)
            except discord.HTTPException:
                log.warning("could not send the apology for message %s", message.id)

    async def _earlier(self, thread: discord.Thread) -> tuple[str, ...]:
        """The thread's earlier questions; after a restart, the question that opened it: the message
        a thread the bot started grew from (same id, in the parent channel), or a forum post."""
        earlier = self.memory.earlier(thread.id)
        me = self.bot.user
        forum = thread.parent_id in self.bot.config.forum_channel_ids
        if earlier or me is None or thread.parent is None or not (forum or thread.owner_id == me.id):
            return earlier
        try:
            where = thread if forum else thread.parent
            starter = await where.fetch_message(thread.id)  # type: ignore[union-attr]
        except (discord.HTTPException, AttributeError):
            return ()
        if starter.author.bot:
            return ()
        question = (forum_question(thread.name, starter.content or "") if forum
                    else self.question_in(starter, thread.parent))
        check = check_question(read_markup(question, self._channel_name)) if question else None
        if check is None or not check.ok:
            return ()
        self.memory.remember(thread.id, check.question)
        return (check.question,)

    async def _answer_forum_post(self, message: discord.Message, thread: discord.Thread) -> None:
        """A new help-forum post: one answer to its title and first message, in its thread."""
        if thread.id in self._forum_posts:
            return
        self._forum_posts[thread.id] = None
        while len(self._forum_posts) > 10_000:
            self._forum_posts.popitem(last=False)
        if is_closed(thread):
            return
        try:
            checked = await self._admit(message, forum_question(thread.name, message.content or ""))
            if checked is None:
                return
            started = time.perf_counter()
            reply = await self._reply_for(checked)
            answer_ms = (time.perf_counter() - started) * 1000
            self.memory.remember(thread.id, checked)
            guild_id = message.guild.id if message.guild is not None else None
            if not reply.answer.answered:  # one short line, no buttons: a person is needed here
                self._record(new_key(), checked, reply, answer_ms, guild_id, thread.id, dm=False)
                await self._send_reply(message, content=NO_FORUM_ANSWER)
                await self._tag_unanswered(thread, message.guild)
                return
            view, record = await self._view(reply, message.author.id)
            self._record(record.key, checked, reply, answer_ms, guild_id, thread.id, dm=False)
            view.message = await self._deliver(reply, view, thread, message, message.guild)
        except Exception:
            log.exception("error while answering forum post %s", thread.id)
            try:
                await self._send_reply(message, content=APOLOGY)
            except discord.HTTPException:
                log.warning("could not send the apology for forum post %s", thread.id)

    async def _tag_unanswered(self, thread: discord.Thread, guild: discord.Guild | None) -> None:
        """Add the configured tag ("needs-human") to an unanswered post, when the forum has it."""
        name = self.bot.config.forum_unanswered_tag
        forum = thread.parent
        if not name or not isinstance(forum, discord.ForumChannel):
            return
        tag = next((t for t in forum.available_tags if t.name.casefold() == name.casefold()), None)
        if tag is None:
            self.once.warning(("tag", forum.id), "forum %s has no tag named %r; unanswered posts stay untagged",
                              forum.name, name)
            return
        if tag in thread.applied_tags:
            return
        if not can_tag(thread, guild.me if guild else None):
            self.once.warning(("tag-permission", forum.id),
                              "cannot tag unanswered posts in forum %s: the bot lacks Manage Threads", forum.name)
            return
        if len(thread.applied_tags) >= 5:  # Discord's limit on a post's tags
            return
        try:
            await thread.add_tags(tag, reason="the corpus does not answer this post")
        except discord.HTTPException as exc:
            self.once.warning(("tag-failed", forum.id), "could not tag a post in forum %s (%s)", forum.name, exc)


async def setup(bot: Bot) -> None:
    await bot.add_cog(Ask(bot))
