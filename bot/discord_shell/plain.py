"""Answers as plain text, for channels where the bot lacks the Embed Links permission.

Discord then sends a message without its embeds (an empty message with buttons), so the quotes and
citations go into the message content instead: each quote verbatim in curly quotes (matched words
bold, cuts marked with an ellipsis, as in the embeds), then its citation label and the article's
link in angle brackets (which shows no preview: previews need Embed Links too). Content is limited
to 2,000 characters per message: a long answer is split between quotes across several messages,
and a page shown by editing one message shares the 2,000 characters among its quotes.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.discord_shell.embeds import LIMITS, no_answer_parts, share_budget, trim_marked, trim_words
from bot.engine.models import Answer, Quote

__all__ = ["can_embed", "no_answer_text", "page_messages", "page_text", "quote_block", "send_plain_reply"]

SEPARATOR = "\n\n"


def can_embed(channel: object, me: object) -> bool:
    """Whether the bot may show embeds in `channel` (DMs always; guild channels need Embed Links)."""
    permissions_for = getattr(channel, "permissions_for", None)
    if permissions_for is None or not isinstance(me, discord.Member):
        return True  # a DM, or a guild we know nothing about: assume the default permissions
    return bool(permissions_for(me).embed_links)


def _citation(quote: Quote) -> str:
    c = quote.citation
    label = trim_words(c.label, 300)
    url = c.url if c.url and c.url.startswith(("http://", "https://")) and len(c.url) <= 500 else None
    return f"— {label} <{url}>" if url else f"— {label}"


def quote_block(quote: Quote, limit: int = LIMITS.content) -> str:
    """One quote and its citation, at most `limit` characters (the quote is trimmed, never the citation)."""
    citation = _citation(quote)
    room = max(limit - len(citation) - 3, 1)  # the two curly quotes and the newline
    return f"\u201c{trim_marked(quote.marked or quote.text, room)}\u201d\n{citation}"


def no_answer_text(answer: Answer, coverage: str = "") -> str:
    text = "**No answer in the corpus**\n" + SEPARATOR.join(no_answer_parts(answer, coverage))
    return trim_words(text, LIMITS.content)


def page_messages(answer: Answer, quotes: Sequence[Quote], *, header: str | None = None,
                  coverage: str = "", limit: int = LIMITS.content, notes: Sequence[str] = ()) -> list[str]:
    """One page of an answer as one or more messages of at most `limit` characters, split between quotes."""
    if not answer.answered or not quotes:
        return [no_answer_text(answer, coverage)]
    blocks = [f"*{trim_words(header, 200)}*"] if header else []
    blocks += [f"*{trim_words(n, 500)}*" for n in notes if n.strip()]
    blocks += [quote_block(q, limit) for q in quotes]
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}{SEPARATOR}{block}" if current else block
        if len(candidate) > limit:
            messages.append(current)
            current = block
        else:
            current = candidate
    messages.append(current)
    return [m for m in messages if m]


def page_text(answer: Answer, quotes: Sequence[Quote], *, header: str | None = None,
              limit: int = LIMITS.content) -> str:
    """One page of an answer in ONE message (for editing on a page turn): the quotes share `limit`."""
    if not answer.answered or not quotes:
        return no_answer_text(answer)
    head = f"*{trim_words(header, 200)}*" if header else ""
    citations = [_citation(q) for q in quotes]
    fixed = len(head) + sum(len(c) + 3 for c in citations) + len(SEPARATOR) * (len(quotes) - (0 if head else 1))
    texts = [q.marked or q.text for q in quotes]
    shares = share_budget([len(t) for t in texts], limit - fixed, limit)
    blocks = [head] if head else []
    blocks += [
        f"\u201c{trim_marked(t, max(s, 1))}\u201d\n{c}" for t, s, c in zip(texts, shares, citations, strict=True)
    ]
    return trim_words(SEPARATOR.join(blocks), limit)


async def send_plain_reply(message: discord.Message | None, texts: Sequence[str], view: discord.ui.View, *,
                           channel: discord.abc.Messageable | None = None) -> discord.Message:
    """Send `texts` in order, the first as a reply to `message`, the buttons under the last one.

    With `channel` (a thread the answer opens) the texts go there, replying to nothing.
    """
    sent: discord.Message | None = None
    for i, text in enumerate(texts):
        extra = {"view": view} if i == len(texts) - 1 else {}
        if channel is not None:
            sent = await channel.send(text, **extra)
        elif sent is None:
            assert message is not None, "send_plain_reply needs a message or a channel"
            reference = message.to_reference(fail_if_not_exists=False)
            sent = await message.channel.send(text, reference=reference, mention_author=False, **extra)
        else:
            assert message is not None
            sent = await message.channel.send(text, **extra)
    assert sent is not None, "page_messages always returns at least one message"
    return sent
