"""Checks every extension applies before it answers: the question, the per-user cooldown, the admin rule."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.engine.text import MAX_QUESTION_CHARS

if TYPE_CHECKING:
    from bot.discord_shell.config import Config

__all__ = ["MAX_QUESTION_CHARS", "QuestionCheck", "UserCooldown", "check_question", "is_admin", "may_administer"]


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


def may_administer(interaction: discord.Interaction, config: Config) -> bool:
    """The rule of every admin command (/corpus, /gaps): an admin, or Manage Server in this guild."""
    return is_admin(interaction.user, config) or bool(interaction.guild_id and interaction.permissions.manage_guild)
