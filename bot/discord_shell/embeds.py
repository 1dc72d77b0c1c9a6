"""Render answers, source lists and help as Discord embeds that always fit Discord's limits.

The limit arithmetic lives in small pure functions (`trim_words`, `trim_marked`, `share_budget`,
`embed_length`) that tests check without Discord. The builders decide *layout* only: which text goes
where. What is relevant was decided by the core; nothing here ranks or drops a citation.

Layout of an answer: one embed per quote. Title = article title (linked when the article has a URL),
description = the quote with matched words in bold, footer = the one-line citation label
("Title, Publisher, April 2016, paragraph 7"). When space is short the quotes are trimmed at a word
boundary with an ellipsis; titles and footers are kept (trimmed only in pathological cases, still at
word boundaries), so every quote keeps its citation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import discord

from bot.engine.followup import conversation_note
from bot.engine.models import Answer, Article, Quote

__all__ = [
    "Limits",
    "LIMITS",
    "answer_embeds",
    "embed_length",
    "help_embed",
    "no_answer_embed",
    "share_budget",
    "sources_embeds",
    "total_length",
    "trim_marked",
    "trim_words",
]

ELLIPSIS = "…"
COLOUR = discord.Colour.from_rgb(52, 101, 164)
NO_ANSWER_COLOUR = discord.Colour.from_rgb(204, 120, 50)


@dataclass(frozen=True)
class Limits:
    """Discord's hard embed and message limits (see DESIGN.md)."""

    content: int = 2000
    embeds: int = 10
    title: int = 256
    description: int = 4096
    fields: int = 25
    field_name: int = 256
    field_value: int = 1024
    footer: int = 2048
    author: int = 256
    total: int = 6000


LIMITS = Limits()
NOTE_NAME = "Note"


# --- pure helpers -----------------------------------------------------------------------------


def trim_words(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """`text` if it fits in `limit` characters, else its longest word-boundary prefix plus an ellipsis.

    Never cuts inside a word: if even the first word does not fit, only the ellipsis is returned.
    """
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    if limit <= len(ellipsis):
        return ellipsis[:limit]
    room = limit - len(ellipsis)
    cut = text[: room + 1]  # one extra char tells us whether `room` ends on a word boundary
    if len(cut) > room and not cut[room].isspace():
        # we are inside a word: go back to the last white space
        space = max(cut.rfind(" ", 0, room), cut.rfind("\n", 0, room), cut.rfind("\t", 0, room))
        cut = cut[:space] if space > 0 else ""
    else:
        cut = cut[:room]
    cut = cut.rstrip()
    # don't end on dangling punctuation that reads oddly before "…"
    cut = cut.rstrip(",;:-–—(")
    cut = cut.rstrip()
    return f"{cut}{ellipsis}" if cut else ellipsis


def trim_marked(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """Like `trim_words` for Markdown with `**bold**` runs: a cut inside a bold run closes it."""
    out = trim_words(text, limit, ellipsis)
    if out == text or out.count("**") % 2 == 0:
        return out
    # an odd number of ** means we cut inside a bold run: close it, making room for the marker
    out = trim_words(text, limit - 2, ellipsis)
    if out.count("**") % 2 == 0:
        return out
    body = out[: -len(ellipsis)] if out.endswith(ellipsis) else out
    if body.endswith("**"):  # the cut left a bare opening marker: drop it
        body = body[:-2].rstrip()
        return f"{body}{ellipsis}" if body else ellipsis
    return f"{body}**{ellipsis}"


def share_budget(lengths: Sequence[int], budget: int, cap: int) -> list[int]:
    """Fair shares of `budget` for texts of the given lengths, none above its length or `cap`.

    Water-filling: short texts keep their full length and what they do not need goes to the long
    ones, so trimming hits the longest quotes first.
    """
    wants = [min(n, cap) for n in lengths]
    shares = [0] * len(wants)
    remaining = max(budget, 0)
    order = sorted(range(len(wants)), key=lambda i: wants[i])
    for pos, i in enumerate(order):
        fair = remaining // (len(order) - pos)
        shares[i] = min(wants[i], fair)
        remaining -= shares[i]
    return shares


def embed_length(data: dict[str, Any]) -> int:
    """Characters Discord counts towards the 6000 total for one embed (as a `to_dict()` mapping)."""
    n = len(data.get("title") or "") + len(data.get("description") or "")
    n += len((data.get("footer") or {}).get("text") or "")
    n += len((data.get("author") or {}).get("name") or "")
    for f in data.get("fields") or []:
        n += len(f.get("name") or "") + len(f.get("value") or "")
    return n


def total_length(embeds: Sequence[discord.Embed]) -> int:
    return sum(embed_length(e.to_dict()) for e in embeds)  # type: ignore[arg-type]


def _safe_url(url: str | None) -> str | None:
    if url and url.startswith(("http://", "https://")) and len(url) <= 2048 and " " not in url:
        return url
    return None


# --- answers ----------------------------------------------------------------------------------


def _quote_text(quote: Quote) -> str:
    return quote.marked or quote.text


def answer_embeds(
    answer: Answer,
    *,
    coverage: str = "",
    quotes: Sequence[Quote] | None = None,
    header: str | None = None,
    notes: Sequence[str] = (),
    limits: Limits = LIMITS,
) -> list[discord.Embed]:
    """The embeds for one page of an answer: `quotes` (default: all of the answer's) or a no-answer.

    `header` (e.g. "From 2 articles, 2016–2023 · Sources 4–6 of 9") goes in the first embed's author
    line; `notes` (the engine's, such as "A newer article also covers this") in its fields.
    """
    shown = list(answer.quotes if quotes is None else quotes)[: limits.embeds]
    if not answer.answered or not shown:
        return [no_answer_embed(answer, coverage=coverage, limits=limits)]

    header_text = trim_words(header, limits.author) if header else ""
    note_texts = [trim_words(n, limits.field_value) for n in list(notes)[: limits.fields] if n.strip()]
    # Fixed parts first (citations); shrink their caps only if they alone would break the total.
    for title_cap, footer_cap in ((limits.title, limits.footer), (200, 512), (120, 256), (60, 120)):
        titles = [trim_words(q.citation.article_title or "Untitled", title_cap) for q in shown]
        footers = [trim_words(q.citation.label, footer_cap) for q in shown]
        fixed = len(header_text) + sum(map(len, titles)) + sum(map(len, footers))
        fixed += sum(len(n) + len(NOTE_NAME) for n in note_texts)
        # keep at least ~80 characters of quote per embed
        if fixed + 80 * len(shown) <= limits.total:
            break
    texts = [_quote_text(q) for q in shown]
    wrap = 2  # the curly quotes around each quote
    shares = share_budget([len(t) + wrap for t in texts], limits.total - fixed, limits.description)
    embeds: list[discord.Embed] = []
    for i, (quote, text, share) in enumerate(zip(shown, texts, shares, strict=True)):
        body = trim_marked(text, max(share - wrap, 1))
        embed = discord.Embed(
            title=titles[i],
            url=_safe_url(quote.citation.url),
            description=f"“{body}”",
            colour=COLOUR,
        )
        embed.set_footer(text=footers[i])
        if i == 0 and header_text:
            embed.set_author(name=header_text)
        if i == 0:
            for note in note_texts:
                embed.add_field(name=NOTE_NAME, value=note, inline=False)
        embeds.append(embed)
    return embeds


def no_answer_parts(answer: Answer, coverage: str = "") -> list[str]:
    """The paragraphs of the polite 'not in the corpus' reply: why, what the corpus covers, and a
    pointer to /sources (a refused follow-up first says how it was read, so it can be rephrased)."""
    parts = [answer.reason.strip() or "I couldn't find a passage in the corpus that answers this question."]
    if coverage.strip():
        parts.append(coverage.strip())
    parts.append("Use `/sources` to see the articles I can quote, or try asking with different words.")
    if note := conversation_note(answer):
        parts.insert(0, f"*{trim_words(note, 500)}*")
    return parts


def no_answer_embed(answer: Answer, *, coverage: str = "", limits: Limits = LIMITS) -> discord.Embed:
    """The 'not in the corpus' reply as an embed (see `no_answer_parts`)."""
    parts = no_answer_parts(answer, coverage)
    description = trim_words("\n\n".join(parts), limits.description)
    return discord.Embed(title="No answer in the corpus", description=description, colour=NO_ANSWER_COLOUR)


# --- sources and help -------------------------------------------------------------------------


def _source_line(article: Article, passages: int) -> str:
    title = article.title or article.slug
    url = _safe_url(article.url)
    name = f"**[{title}]({url})**" if url else f"**{title}**"
    details = [d for d in (article.publisher, article.date_label) if d]
    details.append(f"{passages} passage{'s' if passages != 1 else ''}")
    return f"{name} — {', '.join(details)}"


def sources_embeds(sources: Sequence[tuple[Article, int]], *, limits: Limits = LIMITS) -> list[discord.Embed]:
    """One message listing the corpus articles (title, publisher, date, link, passage count).

    If the list is too long for one message, the last line says how many articles were left out.
    """
    title = f"Sources ({len(sources)} article{'s' if len(sources) != 1 else ''})"
    if not sources:
        return [discord.Embed(title=title, description="The corpus is empty.", colour=COLOUR)]
    # leave room for the footer, the title and a "…and N more" line
    budget = limits.total - len(title) - 200
    lines: list[str] = []
    used = 0
    for article, count in sources:
        line = trim_words(_source_line(article, count), 1000)
        if used + len(line) + 1 > budget:
            break
        lines.append(line)
        used += len(line) + 1
    left_out = len(sources) - len(lines)
    # pack lines into embed descriptions of at most `description` characters
    chunks: list[str] = []
    current = ""
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limits.description:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    chunks = chunks[: limits.embeds]
    embeds = [discord.Embed(description=c, colour=COLOUR) for c in chunks]
    embeds[0].title = title
    footer = "Ask with /ask or by mentioning me; answers quote these articles."
    if left_out:
        footer = f"…and {left_out} more article{'s' if left_out != 1 else ''} not shown. " + footer
    embeds[-1].set_footer(text=footer)
    return embeds


def help_embed(*, top_k: int, answer_channels: bool, cooldown: str, threads: bool = False,
               forums: bool = False) -> discord.Embed:
    """How to use the bot, in one embed (`threads`: answers come in threads; `forums`: help forums)."""
    ways = [
        "• `/ask question:` — ask in any channel",
        "• mention me with your question, e.g. `@me Why did Microsoft sue the US government?`",
        "• send me a direct message",
    ]
    if answer_channels:
        ways.append("• in the answer channels, just type your question")
    if threads:
        ways.append("• in a thread where I answered, just type a follow-up (\"And when was that?\", "
                    "\"What about Google?\"): I read it with your earlier question")
    if forums:
        ways.append("• open a post in a help forum: I answer it first, and say so when a person is needed")
    description = (
        "I answer questions about cloud data sovereignty **only from the articles in my corpus**. "
        "Every answer is a verbatim quote with its citation (article, publisher, date, paragraph), "
        "so you can check it.\n\n"
        "**Ask me**\n" + "\n".join(ways) + "\n\n"
        f"**Answers** show the best {top_k} passage{'s' if top_k != 1 else ''}. "
        "Press **More sources** for further passages (only the person who asked can page), "
        "and 👍 / 👎 to tell us whether the answer helped. Questions and votes are kept for the "
        "admins to improve the corpus, never with your name.\n\n"
        "**Other commands**\n• `/sources` — the articles I can quote\n"
        "• `/glossary term:` — a term explained, with the articles' own sentences; "
        "`/glossary` alone lists every term\n"
        "• `/help` — this message\n"
        "• `/corpus` — for admins (Manage Server or the configured admins): add, list and remove articles\n"
        "• `/gaps` — for the same admins: the questions I could not answer and the answers voted down\n\n"
        f"Please keep questions under 1000 characters. {cooldown}"
    )
    return discord.Embed(title="How to use me", description=trim_words(description, LIMITS.description), colour=COLOUR)
