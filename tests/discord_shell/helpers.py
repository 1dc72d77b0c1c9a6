"""Reading what a Discord user would see in a message the bot sent to the fake."""

from __future__ import annotations

import asyncio
import re
from typing import Any

LAWSUIT_QUESTION = "Why did Microsoft sue the US government?"
UNANSWERABLE_QUESTION = "What is the capital of Australia?"


def visible_text(message: dict[str, Any]) -> str:
    """Content plus every embed's text, in reading order."""
    parts = [message.get("content") or ""]
    for e in message.get("embeds") or []:
        parts += [
            (e.get("author") or {}).get("name") or "",
            e.get("title") or "",
            e.get("description") or "",
        ]
        for f in e.get("fields") or []:
            parts += [f.get("name") or "", f.get("value") or ""]
        parts.append((e.get("footer") or {}).get("text") or "")
    return "\n".join(p for p in parts if p)


def plain(text: str) -> str:
    """Markdown bold/italics removed and white space folded, for substring checks."""
    return " ".join(re.sub(r"\*\*|__", "", text).split())


def is_ephemeral(message: dict[str, Any]) -> bool:
    return bool(int(message.get("flags") or 0) & 64)


def full_button_ids(message: dict[str, Any]) -> list[str]:
    """The custom_ids as sent, state included (e.g. ask:more:<answer key>:<page>)."""
    return [
        c.get("custom_id")
        for row in message.get("components") or []
        for c in row.get("components") or []
        if c.get("type") == 2
    ]


def button_ids(message: dict[str, Any]) -> list[str]:
    """What each button is, without the state its custom_id carries: ask:more, ask:vote:up, glossary:next."""
    return [re.sub(r"(:[0-9a-f]{12})?(:\d+)?$", "", i or "") for i in full_button_ids(message)]


async def buttons_live(bot: Any, message: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
    """Wait until the bot has registered the buttons of `message`, then return it.

    The fake records a message the moment the bot's request arrives; the bot registers the view
    only when it has read the response. A human cannot click in between, a test can: so wait.
    """
    mid = int(message["id"])
    store = bot._connection._view_store
    ids = full_button_ids(message)
    if ids and all(any(p.fullmatch(i) for p in store._dynamic_items) for i in ids):
        return message  # persistent buttons: dispatched by their custom_id, from the first moment
    async with asyncio.timeout(timeout):
        while mid not in store._views:
            await asyncio.sleep(0.005)
    return message
