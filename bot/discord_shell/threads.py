"""Conversations in threads: where an answer goes, what a thread remembers, forum posts.

Plain helpers for the ask extension: the thread's name, the bounded memory of each thread's
recent questions (the follow-up reading itself is the core's, bot.engine.followup), whether the
bot may start a thread or tag a forum post, and a logger that says a thing once.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Hashable

import discord

from bot.discord_shell.embeds import ELLIPSIS

__all__ = [
    "ARCHIVE_MINUTES",
    "MEMORY_QUESTIONS",
    "MEMORY_THREADS",
    "NO_FORUM_ANSWER",
    "THREAD_NAME_CHARS",
    "LogOnce",
    "ThreadMemory",
    "can_start_thread",
    "can_tag",
    "forum_question",
    "is_closed",
    "thread_name",
]

log = logging.getLogger(__name__)

#: Discord's limit on a thread's name.
THREAD_NAME_CHARS = 100
#: A thread the bot starts archives itself after a day without messages (Discord allows 60, 1440, 4320, 10080).
ARCHIVE_MINUTES = 1440
#: Questions remembered per thread, and threads remembered; older ones are forgotten first.
MEMORY_QUESTIONS = 5
MEMORY_THREADS = 1000
#: The one line a help-forum post gets when the corpus does not answer it.
NO_FORUM_ANSWER = "I couldn't find an answer to this in my articles — a person will need to help here."


def thread_name(question: str, limit: int = THREAD_NAME_CHARS) -> str:
    """The question as a thread name: one line, cut at a word to Discord's 100 characters."""
    text = " ".join(question.split()) or "Question"
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + ELLIPSIS


def forum_question(title: str, first_message: str) -> str:
    """A forum post as one question: its title, then its first message."""
    title, body = " ".join(title.split()), " ".join(first_message.split())
    if not body or body.lower() == title.lower():
        return title
    if not title:
        return body
    joiner = " " if title[-1:] in ".?!:;" else ". "
    return f"{title}{joiner}{body}"


class ThreadMemory:
    """The last `questions` questions of the last `threads` threads, in memory only.

    A restart forgets them (the bot then reads the next follow-up alone), nothing else: which
    threads are the bot's is known from Discord itself.
    """

    def __init__(self, questions: int = MEMORY_QUESTIONS, threads: int = MEMORY_THREADS) -> None:
        self.questions = questions
        self.threads = threads
        self._memory: OrderedDict[int, deque[str]] = OrderedDict()

    def earlier(self, thread_id: int) -> tuple[str, ...]:
        """The thread's remembered questions, oldest first."""
        found = self._memory.get(thread_id)
        return tuple(found) if found is not None else ()

    def remember(self, thread_id: int, question: str) -> None:
        found = self._memory.get(thread_id)
        if found is None:
            found = self._memory[thread_id] = deque(maxlen=self.questions)
        found.append(question)
        self._memory.move_to_end(thread_id)
        while len(self._memory) > self.threads:
            self._memory.popitem(last=False)

    def forget(self, thread_id: int) -> None:
        self._memory.pop(thread_id, None)

    def __len__(self) -> int:
        return len(self._memory)

    def __contains__(self, thread_id: object) -> bool:
        return thread_id in self._memory


class LogOnce:
    """Log a warning once per key (a channel without a permission is reported once, not per message)."""

    def __init__(self, logger: logging.Logger, limit: int = 10_000) -> None:
        self.logger = logger
        self.limit = limit
        self._seen: set[Hashable] = set()

    def warning(self, key: Hashable, message: str, *args: object) -> bool:
        if key in self._seen:
            return False
        if len(self._seen) >= self.limit:
            self._seen.clear()
        self._seen.add(key)
        self.logger.warning(message, *args)
        return True


def is_closed(channel: object) -> bool:
    """An archived or locked thread: the conversation is over, the bot says nothing more there."""
    return isinstance(channel, discord.Thread) and (channel.archived or channel.locked)


def can_start_thread(channel: object, me: discord.Member | None) -> str | None:
    """None when the bot can answer in a new public thread here, else why not (for the log)."""
    if not isinstance(channel, discord.TextChannel):
        return "threads cannot be started in this kind of channel"
    if me is None:
        return "the bot's own member is not known in this server"
    perms = channel.permissions_for(me)
    missing = [name for name, ok in (("Create Public Threads", perms.create_public_threads),
                                     ("Send Messages in Threads", perms.send_messages_in_threads)) if not ok]
    return f"the bot lacks {' and '.join(missing)}" if missing else None


def can_tag(thread: discord.Thread, me: discord.Member | None) -> bool:
    """Whether the bot may change a forum post's tags (Manage Threads; the post is not its own)."""
    return me is not None and (thread.owner_id == me.id or thread.permissions_for(me).manage_threads)
