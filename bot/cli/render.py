"""Rendering an `Answer` for the terminal (Discord embeds live in bot/discord_shell/embeds.py, JSON in models)."""

from __future__ import annotations

import re
import textwrap

from bot.engine.models import Answer

_BOLD_RE = re.compile(r"\*\*(.+?)\*\*")
_ESCAPE_RE = re.compile(r"\\([\\*_~`|>\[\]])")


def markdown_to_terminal(marked: str, *, ansi: bool) -> str:
    """Bold Markdown to ANSI bold (or plain text), escapes removed."""
    text = _BOLD_RE.sub((lambda m: f"\033[1m{m.group(1)}\033[0m") if ansi else (lambda m: m.group(1)), marked)
    return _ESCAPE_RE.sub(r"\1", text)


def render_text(answer: Answer, *, coverage: str = "", width: int = 100, ansi: bool = False) -> str:
    lines: list[str] = []
    for note in answer.notes:
        lines.append(f"note: {note}")
    if not answer.answered:
        lines.append("The corpus does not answer this question.")
        if answer.reason:
            lines.append(answer.reason)
        if coverage:
            lines.append(coverage)
        return "\n".join(lines)
    if answer.sources:
        lines.append(f"{answer.sources}:")
    for i, quote in enumerate(answer.quotes, start=1):
        c = quote.citation
        body = markdown_to_terminal(quote.marked, ansi=ansi)
        lines.append(textwrap.fill(f"[{i}] \u201c{body}\u201d", width=width, subsequent_indent="    "))
        lines.append(textwrap.fill(f"— {c.label}", width=width, initial_indent="    ",
                                   subsequent_indent="      "))
        if c.url:
            lines.append(f"    {c.url}")
        lines.append("")
    return "\n".join(lines).rstrip()
