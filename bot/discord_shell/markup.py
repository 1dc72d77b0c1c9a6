"""Discord markup in a question, read the way a member sees it before the core gets the text.

In the raw message a mention is `<@1578019022212038662>`, a custom emoji `<:azure:123>`, a channel
link `<#123>`; the core would search for those numbers and refuse ("nothing about: 1578…"). Users
and roles are addressed, not asked about, so their mentions are dropped (a name the corpus lacks
would veto the answer just like the id did); a channel link reads as `#name`, a slash-command
mention as `/name`, a timestamp as its date, and a custom emoji, being decoration, is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["read_markup"]

_USER_OR_ROLE = re.compile(r"<@[!&]?\d{1,20}>")
_EMOJI = re.compile(r"<a?:[A-Za-z0-9_~]{1,32}:\d{1,20}>")
_CHANNEL = re.compile(r"<#(\d{1,20})>")
_COMMAND = re.compile(r"</([-_\w ]{1,100}):\d{1,20}>")
_TIMESTAMP = re.compile(r"<t:(-?\d{1,13})(?::[tTdDfFR])?>")


def _date(match: re.Match[str]) -> str:
    try:
        return datetime.fromtimestamp(int(match[1]), UTC).strftime("%d %B %Y").lstrip("0")
    except (OverflowError, OSError, ValueError):
        return " "


def read_markup(text: str, channel_name: Callable[[int], str | None] = lambda _: None) -> str:
    """`text` with Discord's mention, emoji, channel, command and timestamp markup made readable.

    `channel_name(id)` gives a channel's name (None when unknown: the link then reads "#channel").
    """
    text = _USER_OR_ROLE.sub(" ", text)
    text = _EMOJI.sub(" ", text)
    text = _CHANNEL.sub(lambda m: f"#{channel_name(int(m[1])) or 'channel'}", text)
    text = _COMMAND.sub(lambda m: f"/{m[1]}", text)
    return _TIMESTAMP.sub(_date, text)
