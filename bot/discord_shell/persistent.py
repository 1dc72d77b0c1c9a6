"""Buttons that survive a restart: "More sources" / "Previous" and 👍/👎 under answers, and the
glossary list's page buttons.

Each button's `custom_id` carries what a click needs (Discord allows 100 characters):

    ask:more:<key>:<page>   ask:prev:<key>:<page>   ask:vote:up:<key>:<page>   glossary:next:<page>

`<page>` is the page the click shows (paging) or the page on screen (votes). `<key>` names a small
record of the answer, the asker, the question and the passage ids of each page, kept in memory and
in `<data_dir>/answers/<key>.json` (a 1,000-character question cannot travel in a custom_id).
The classes are discord.py `DynamicItem`s registered once when the extension loads, so a click on
a message sent by an earlier run of the bot is dispatched like any other. When the record is gone,
or its passages are no longer in the corpus, the click is answered "this answer has expired" and
the message's buttons are disabled. The glossary list needs no record: pages are rebuilt from the
glossary, and a page that no longer exists expires the same way.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import secrets
import tempfile
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import discord

from bot.corpus.articles import file_mode
from bot.discord_shell.plain import page_text
from bot.discord_shell.views import APOLOGY, ExpiringView, send_ephemeral

if TYPE_CHECKING:
    from bot.engine.models import Answer, Quote

__all__ = [
    "EXPIRED",
    "THANKS",
    "VOTE_NOT_SAVED",
    "AnswerButtons",
    "AnswerRecord",
    "AnswerStore",
    "answer_view",
    "disable_all",
    "glossary_view",
]

log = logging.getLogger(__name__)

THANKS = "Thanks for the feedback! It helps us improve the answers."
VOTE_NOT_SAVED = (
    "Sorry, your vote could not be saved just now (the bot's feedback storage is not available). "
    "Please try again later."
)
EXPIRED = "This answer has expired — please ask again (with `/ask` or by mentioning me)."
GLOSSARY_EXPIRED = "This list has changed since it was sent — run `/glossary` again for the current one."
NOT_YOURS = (
    "Only the person who asked can page through these sources. "
    "Ask your own question with `/ask` to get your own answer."
)
#: A page turn that takes longer than this (re-reading an answer after a restart) is deferred first.
DEFER_AFTER = 1.5
#: Answer records older than this are deleted when the bot starts.
KEEP_DAYS = 30
_FORMAT = 1
_KEY = r"[0-9a-f]{12}"


# --- what a page of an answer is, for this module ------------------------------------------------


class Pages(Protocol):
    """What `bot.discord_shell.exts.ask.Reply` offers: the answer, its pages, their embeds."""

    answer: Answer
    pages: tuple[tuple[Quote, ...], ...]
    after: tuple[str, ...]  # the earlier questions a follow-up was read with

    def embeds(self, page: int = 0) -> list[discord.Embed]: ...

    def header(self, page: int) -> str | None: ...


@dataclass(frozen=True)
class AnswerRecord:
    """What a click on an answer's buttons needs once the bot has forgotten the answer."""

    key: str
    question: str
    asker_id: int
    pages: tuple[tuple[str, ...], ...]  # passage ids per page
    after: tuple[str, ...] = ()  # a follow-up's earlier questions in its thread, to read it again alike

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "question": self.question, "asker_id": str(self.asker_id),
                                "pages": [list(p) for p in self.pages]}
        if self.after:  # absent otherwise, so records written before follow-ups read the same
            data["after"] = list(self.after)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AnswerRecord:
        return cls(
            key=str(data["key"]),
            question=str(data["question"]),
            asker_id=int(data["asker_id"]),
            pages=tuple(tuple(str(i) for i in p) for p in data["pages"]),
            after=tuple(str(q) for q in data.get("after") or ()),
        )


def _checksum(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


class AnswerStore:
    """Answer records on disk, one small versioned, checksummed JSON file each, written atomically.

    A damaged or foreign file reads as "no record" (the click then says the answer expired); it is
    never trusted. All methods block: call them off the event loop.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def save(self, record: AnswerRecord) -> None:
        payload = record.to_json()
        data = json.dumps({"format": _FORMAT, "sha256": _checksum(payload), "record": payload}, ensure_ascii=False)
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self.folder)
        try:
            os.fchmod(fd, file_mode())
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(data)
            os.replace(tmp, self.path_for(record.key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def load(self, key: str) -> AnswerRecord | None:
        if not re.fullmatch(_KEY, key):
            return None
        try:
            data = json.loads(self.path_for(key).read_text(encoding="utf-8"))
            payload = data["record"]
            if data.get("format") != _FORMAT or data.get("sha256") != _checksum(payload):
                log.warning("answer record %s is damaged or from another version; ignoring it", key)
                return None
            record = AnswerRecord.from_json(payload)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("cannot read answer record %s (%s); treating the answer as expired", key, exc)
            return None
        return record if record.key == key else None

    def prune(self, keep_days: float = KEEP_DAYS) -> int:
        """Delete records older than `keep_days`; returns how many went."""
        cutoff = time.time() - keep_days * 86400
        removed = 0
        try:
            entries = list(self.folder.glob("*.json"))
        except OSError:
            return 0
        for path in entries:
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed


# --- the service the buttons talk to -------------------------------------------------------------


Rebuild = Callable[[str, Sequence[str]], Awaitable[Pages]]
#: Stores a vote (the answer's record, the passage ids on screen, "up"/"down"); raises when it could not.
RecordVote = Callable[[AnswerRecord, Sequence[str], str], Awaitable[None]]


class AnswerButtons:
    """Owned by the ask extension: remembers answers, rebuilds them after a restart, records votes.

    `rebuild(question, after)` answers the question again (off the loop, read after the same
    earlier questions) with every page; `record_vote` is the one feedback storage call (it raises
    when the vote was not stored).
    """

    MEMORY = 500  # answers kept in memory; older ones are read back from disk

    def __init__(self, store: AnswerStore, rebuild: Rebuild, record_vote: RecordVote) -> None:
        self.store = store
        self.rebuild = rebuild
        self.record_vote = record_vote
        self._recent: OrderedDict[str, tuple[AnswerRecord, Pages | None]] = OrderedDict()
        self._voters: dict[str, set[int]] = {}

    def _remember(self, record: AnswerRecord, reply: Pages | None) -> None:
        self._recent[record.key] = (record, reply)
        self._recent.move_to_end(record.key)
        while len(self._recent) > self.MEMORY:
            old, _ = self._recent.popitem(last=False)
            self._voters.pop(old, None)

    async def remember(self, reply: Pages, asker_id: int) -> AnswerRecord:
        """A new answer: a fresh key, the record on disk (a failed write only costs restarts)."""
        pages = tuple(tuple(q.citation.passage_id for q in page) for page in reply.pages)
        record = AnswerRecord(secrets.token_hex(6), reply.answer.question, asker_id, pages, tuple(reply.after))
        self._remember(record, reply)
        try:
            await asyncio.to_thread(self.store.save, record)
        except OSError:
            log.warning("cannot store answer record %s; its buttons will not survive a restart", record.key,
                        exc_info=True)
        return record

    async def record_for(self, key: str) -> AnswerRecord | None:
        if key in self._recent:
            return self._recent[key][0]
        record = await asyncio.to_thread(self.store.load, key)
        if record is not None:
            self._remember(record, None)
        return record

    async def reply_for(self, record: AnswerRecord) -> Pages | None:
        """The answer's pages with today's corpus, or None when a passage it showed is gone."""
        cached = self._recent.get(record.key)
        if cached is not None and cached[1] is not None:
            return cached[1]
        fresh = await self.rebuild(record.question, record.after)
        by_id = {q.citation.passage_id: q for page in fresh.pages for q in page}
        if not record.pages or any(pid not in by_id for page in record.pages for pid in page):
            return None
        reply = replace(fresh, pages=tuple(tuple(by_id[pid] for pid in page) for page in record.pages))  # type: ignore[type-var]
        self._remember(record, reply)
        return reply

    def first_vote(self, key: str, user_id: int) -> bool:
        voters = self._voters.setdefault(key, set())
        if user_id in voters:
            return False
        voters.add(user_id)
        return True

    def forget_vote(self, key: str, user_id: int) -> None:
        """A vote that could not be stored does not count: the person may try again."""
        self._voters.get(key, set()).discard(user_id)


def _service(interaction: discord.Interaction) -> AnswerButtons | None:
    cog = interaction.client.get_cog("Ask")  # type: ignore[attr-defined]
    service = getattr(cog, "buttons", None)
    return service if isinstance(service, AnswerButtons) else None


# --- expiry -------------------------------------------------------------------------------------


def disable_all(message: discord.Message | None) -> discord.ui.View:
    """The message's buttons, all disabled (links stay as they are)."""
    view = discord.ui.View.from_message(message, timeout=None) if message is not None else discord.ui.View()
    for item in view.children:
        if isinstance(item, discord.ui.Button) and item.url is None:
            item.disabled = True
    return view


async def expire(interaction: discord.Interaction, text: str = EXPIRED) -> None:
    """Say the buttons are stale, privately, and disable them on the message."""
    try:
        await interaction.response.edit_message(view=disable_all(interaction.message))
    except discord.HTTPException:
        log.debug("could not disable the buttons of an expired message", exc_info=True)
    await send_ephemeral(interaction, text)


# --- answer buttons ------------------------------------------------------------------------------


class _StatefulButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?!)"):
    """A button whose custom_id is parsed by the subclass's template; errors get an apology."""

    def __init__(self, item: discord.ui.Button[Any]) -> None:
        super().__init__(item)
        match = self.template.fullmatch(item.custom_id or "")
        assert match is not None, f"{item.custom_id!r} does not match {self.template.pattern!r}"
        self.state = match.groupdict()

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button[Any],
                             match: re.Match[str], /) -> _StatefulButton:
        return cls(item)

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.handle(interaction)
        except Exception:
            log.exception("error in button %s", self.item.custom_id)
            await send_ephemeral(interaction, APOLOGY)

    async def handle(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


#: The base for persistent buttons of other extensions (e.g. /gaps paging).
StatefulButton = _StatefulButton


def _page_buttons(key: str, page: int, count: int) -> list[discord.ui.Item[Any]]:
    prev = discord.ui.Button(label="Previous", emoji="◀️", custom_id=f"ask:prev:{key}:{max(page - 1, 0)}",
                             disabled=page == 0)
    more = discord.ui.Button(label="More sources", style=discord.ButtonStyle.primary,
                             custom_id=f"ask:more:{key}:{min(page + 1, count - 1)}", disabled=page >= count - 1)
    return [PageButton(prev), PageButton(more)]


def answer_items(key: str, page: int, count: int) -> list[discord.ui.Item[Any]]:
    """The buttons under page `page` of `count`: paging (when there is more than one page) and votes."""
    items = _page_buttons(key, page, count) if count > 1 else []
    for vote, emoji in (("up", "👍"), ("down", "👎")):
        button = discord.ui.Button(emoji=emoji, custom_id=f"ask:vote:{vote}:{key}:{page}",
                                   style=discord.ButtonStyle.secondary)
        items.append(VoteButton(button))
    return items


def answer_view(record: AnswerRecord, *, timeout: float, page: int = 0) -> ExpiringView:
    """The view sent with a new answer: the persistent buttons, disabled after `timeout` seconds."""
    view = ExpiringView(timeout=timeout)
    for item in answer_items(record.key, page, len(record.pages)):
        view.add_item(item)
    return view


class PageButton(_StatefulButton, template=rf"ask:(?P<step>more|prev):(?P<key>{_KEY}):(?P<page>\d{{1,3}})"):
    """"More sources" / "Previous": shows page `page` of the answer `key`, for the asker only."""

    async def handle(self, interaction: discord.Interaction) -> None:
        self.key, self.page = self.state["key"], int(self.state["page"])
        service = _service(interaction)
        record = await service.record_for(self.key) if service else None
        if service is None or record is None:
            await expire(interaction)
            return
        if interaction.user.id != record.asker_id:
            await send_ephemeral(interaction, NOT_YOURS)
            return
        task = asyncio.ensure_future(service.reply_for(record))
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
        if not done:
            await interaction.response.defer()
        reply = await task
        if reply is None or self.page >= len(reply.pages):
            if interaction.response.is_done():
                await interaction.edit_original_response(view=disable_all(interaction.message))
                await send_ephemeral(interaction, EXPIRED)
            else:
                await expire(interaction)
            return
        view = discord.ui.View(timeout=None)
        for item in answer_items(record.key, self.page, len(reply.pages)):
            view.add_item(item)
        # Judge by the message, not by app_permissions: Discord always grants Embed Links to
        # interaction responses, so that would not tell a plain-text answer (no Embed Links in the
        # channel when it was sent) from an embedded one.
        message = interaction.message
        if message is None or message.embeds or not message.content:
            content: dict[str, Any] = {"embeds": reply.embeds(self.page)}
        else:  # the answer was sent as plain text: the page replaces it in the same message
            quotes = reply.pages[self.page]
            content = {"content": page_text(reply.answer, quotes, header=reply.header(self.page)), "embeds": []}
        if interaction.response.is_done():
            await interaction.edit_original_response(**content, view=view)
        else:
            await interaction.response.edit_message(**content, view=view)


class VoteButton(_StatefulButton, template=rf"ask:vote:(?P<vote>up|down):(?P<key>{_KEY}):(?P<page>\d{{1,3}})"):
    """👍 / 👎: anyone may vote once per answer; the vote names the passages on screen."""

    async def handle(self, interaction: discord.Interaction) -> None:
        self.vote, self.key, self.page = self.state["vote"], self.state["key"], int(self.state["page"])
        service = _service(interaction)
        record = await service.record_for(self.key) if service else None
        if service is None or record is None:
            await expire(interaction)
            return
        if not service.first_vote(self.key, interaction.user.id):
            await send_ephemeral(interaction, "You already rated this answer — thank you!")
            return
        shown = list(record.pages[self.page]) if self.page < len(record.pages) else []
        # store first (off the loop, in the history's worker thread), thank only once it is stored;
        # a write that waits on a busy database is deferred so the click is acknowledged in time
        task = asyncio.ensure_future(service.record_vote(record, shown, self.vote))
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
        if not done:
            await interaction.response.defer()
        try:
            await task
        except Exception:
            log.warning("could not store a %s vote on answer %s", self.vote, self.key, exc_info=True)
            service.forget_vote(self.key, interaction.user.id)
            await send_ephemeral(interaction, VOTE_NOT_SAVED)
            return
        await send_ephemeral(interaction, THANKS)


class LegacyAnswerButton(_StatefulButton, template=r"(ask:(more|prev|vote:up|vote:down)|glossary:(prev|next))"):
    """Buttons sent before custom_ids carried their state: they can only expire politely."""

    async def handle(self, interaction: discord.Interaction) -> None:
        if not interaction.response.is_done() and interaction.client.is_ready():  # type: ignore[attr-defined]
            await expire(interaction)


# --- glossary list -------------------------------------------------------------------------------


GlossaryPages = Callable[[discord.Interaction], "tuple[Sequence[str], int] | None"]
GlossaryEmbed = Callable[[Sequence[str], int, int], discord.Embed]


@dataclass(frozen=True)
class GlossaryPaging:
    """How the glossary extension lets the buttons rebuild its list: pages + term count, and the embed."""

    pages: GlossaryPages
    embed: GlossaryEmbed


def glossary_items(page: int, count: int) -> list[discord.ui.Item[Any]]:
    prev = discord.ui.Button(label="Previous", emoji="◀️", custom_id=f"glossary:prev:{max(page - 1, 0)}",
                             disabled=page == 0)
    nxt = discord.ui.Button(label="Next", emoji="▶️", style=discord.ButtonStyle.primary,
                            custom_id=f"glossary:next:{min(page + 1, count - 1)}", disabled=page >= count - 1)
    return [GlossaryButton(prev), GlossaryButton(nxt)]


def glossary_view(page: int, count: int, *, timeout: float) -> ExpiringView:
    view = ExpiringView(timeout=timeout)
    for item in glossary_items(page, count):
        view.add_item(item)
    return view


class GlossaryButton(_StatefulButton, template=r"glossary:(?P<step>prev|next):(?P<page>\d{1,3})"):
    """Previous/Next under the term list; anyone may page (the list is the same for everybody)."""

    async def handle(self, interaction: discord.Interaction) -> None:
        self.page = int(self.state["page"])
        cog = interaction.client.get_cog("Glossary")  # type: ignore[attr-defined]
        paging = getattr(cog, "paging", None)
        found = paging.pages(interaction) if isinstance(paging, GlossaryPaging) else None
        if found is None or self.page >= len(found[0]):
            await expire(interaction, GLOSSARY_EXPIRED)
            return
        pages, total = found
        view = discord.ui.View(timeout=None)
        for item in glossary_items(self.page, len(pages)):
            view.add_item(item)
        await interaction.response.edit_message(embed=paging.embed(pages, self.page, total), view=view)


#: Every persistent button class; the extensions register them with `bot.add_dynamic_items`.
ANSWER_ITEMS = (PageButton, VoteButton, LegacyAnswerButton)
GLOSSARY_ITEMS = (GlossaryButton,)
