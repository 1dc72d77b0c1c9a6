"""Discord extensions: one module per feature (ask, meta, glossary, corpus, ...).

`Bot.setup_hook` loads every public module of this package (`extension_names()`), so a new
feature is a new file here with an `async def setup(bot)`; nothing else needs editing.

This module also holds the small pieces every extension shares, so each cog stays a thin
translation layer: the question check, the per-user cooldown, the admin check and the
"answer this interaction ephemerally, whatever state it is in" helper.
"""

from __future__ import annotations

import logging
import pkgutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.text import MAX_QUESTION_CHARS

if TYPE_CHECKING:
    from bot.config import Config

__all__ = [
    "APOLOGY",
    "MAX_QUESTION_CHARS",
    "ExpiringView",
    "QuestionCheck",
    "UserCooldown",
    "check_question",
    "extension_names",
    "is_admin",
    "send_ephemeral",
]

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong. The error was logged; please try again."


def extension_names() -> list[str]:
    """Dotted names of all feature modules in this package (private `_modules` are skipped)."""
    return sorted(
        f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")
    )


@dataclass(frozen=True)
class QuestionCheck:
    """A question cleaned for asking, or the polite reason it cannot be asked."""

    question: str
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_question(text: str | None) -> QuestionCheck:
    """Refuse empty and over-long questions with a message that says what to do instead."""
    question = " ".join((text or "").split())
    if not question:
        return QuestionCheck(
            "",
            "Please include a question, e.g. `/ask question: Why did Microsoft sue the US government?`",
        )
    if len(question) > MAX_QUESTION_CHARS:
        return QuestionCheck(
            question,
            f"That question is {len(question):,} characters long; please keep it under "
            f"{MAX_QUESTION_CHARS:,} characters and ask about one thing at a time.",
        )
    return QuestionCheck(question)


class UserCooldown:
    """At most `rate` questions per user in any sliding window of `per` seconds (`per` 0: no limit).

    The clock is injectable so tests never sleep.
    """

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.per = per
        self._clock = clock
        self._hits: dict[int, list[float]] = {}

    def hit(self, user_id: int) -> float:
        """Record a question; return 0.0 if allowed, else the seconds until the user may ask again."""
        if self.per <= 0:
            return 0.0
        now = self._clock()
        recent = [t for t in self._hits.get(user_id, []) if now - t < self.per]
        if len(recent) >= self.rate:
            self._hits[user_id] = recent
            return max(recent[0] + self.per - now, 0.1)
        recent.append(now)
        self._hits[user_id] = recent
        if len(self._hits) > 10_000:  # forget idle users so memory stays bounded
            self._hits = {u: h for u, h in self._hits.items() if h and now - h[-1] < self.per}
        return 0.0

    def describe(self) -> str:
        if self.per <= 0:
            return ""
        per = f"{self.per:g} seconds"
        return f"Each person can ask {self.rate} question{'s' if self.rate != 1 else ''} per {per}."


def is_admin(user: discord.abc.User, config: Config) -> bool:
    """Admins: configured user ids, members with a configured role, or with Manage Server."""
    if user.id in config.admin_user_ids:
        return True
    if isinstance(user, discord.Member):
        if user.guild_permissions.manage_guild:
            return True
        if any(role.id in config.admin_role_ids for role in user.roles):
            return True
    return False


async def send_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Answer `interaction` privately with `text`, whether or not it was acknowledged already."""
    text = text if len(text) <= 2000 else text[:1999] + "…"
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not send an ephemeral reply to interaction %s", interaction.id, exc_info=True)


class ExpiringView(discord.ui.View):
    """Buttons that show themselves disabled when they expire and apologise when they fail.

    Subclasses set `self.message` once the message carrying the view is sent.
    """

    def __init__(self, *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.message: discord.Message | discord.InteractionMessage | None = None

    async def on_timeout(self) -> None:
        """The buttons expire: show them disabled so nobody clicks into the void."""
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        message = self.message
        if message is None:
            return
        try:
            if isinstance(message, discord.InteractionMessage) and not message.flags.ephemeral:
                # The interaction token that sent it lasts 15 minutes; a click restarts the view's
                # timeout, so expiry can come later than that: edit with the bot's own token.
                await message.channel.get_partial_message(message.id).edit(view=self)
            else:
                await message.edit(view=self)
        except (discord.HTTPException, AttributeError):
            log.debug("could not disable the buttons of an expired %s", type(self).__name__, exc_info=True)

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
        log.error("error in %s button %s", type(self).__name__, getattr(item, "custom_id", item), exc_info=error)
        await send_ephemeral(interaction, APOLOGY)
