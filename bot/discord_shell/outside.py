"""Error text that comes from outside (an API, a proxy, a misconfigured `api_base_url`), made safe
to print or log: the token blanked out, an HTML error page reduced to its status and title, one line.

A proxy or a wrong base URL may answer with a page that echoes the request, `Authorization: Bot
<token>` included; discord.py puts that body into the exception text verbatim.
"""

from __future__ import annotations

import html
import logging
import os
import re
from typing import TextIO

import discord

__all__ = ["MAX_CHARS", "RedactingFormatter", "describe_error", "one_line", "redact", "setup_logging", "wants_colour"]

#: Longest outside text we print: enough for a status line and a title or a JSON message.
MAX_CHARS = 300
MASK = "[token]"

_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_HEADING = re.compile(r"<h1[^>]*>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
# "Bot <anything>" / "Bearer <anything>" after an Authorization header: blank even a token we do
# not know (e.g. a stale one echoed back), not just the configured one.
_AUTH = re.compile(r"(?i)\b(authorization\s*[:=]\s*[\"']?(?:bot|bearer)\s+)[^\s\"'<>,;]+")


def redact(text: str, secret: str) -> str:
    """`text` with `secret` (the token) and any echoed Authorization value replaced by [token]."""
    if secret:
        text = text.replace(secret, MASK)
    return _AUTH.sub(lambda m: m.group(1) + MASK, text)


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:500].lower()
    return head.startswith(("<!doctype", "<html", "<head", "<body")) or "<html" in head or "<title" in head


def one_line(text: str, limit: int = MAX_CHARS) -> str:
    """One short line: an HTML page becomes its title (or first heading); white space folded."""
    if _looks_like_html(text):
        found = _TITLE.search(text) or _HEADING.search(text)
        text = html.unescape(_TAG.sub(" ", found.group(1))) if found else "an HTML error page"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def describe_error(exc: BaseException, secret: str) -> str:
    """What to print for `exc`: for an HTTP error the status line and the (reduced) body."""
    if isinstance(exc, discord.HTTPException):
        reason = getattr(exc.response, "reason", "") or ""
        status = f"HTTP {exc.status} {reason}".strip()
        body = one_line(redact(exc.text or "", secret))
        text = f"{status}: {body}" if body else status
    else:
        text = one_line(redact(str(exc), secret)) or type(exc).__name__
    return redact(text, secret)


class RedactingFormatter(logging.Formatter):
    """Wraps the real formatter and blanks the token out of the finished line, traceback included.

    Redacting the formatted output (not the record) also covers exception texts, which formatters
    render themselves and a record filter never sees.
    """

    def __init__(self, inner: logging.Formatter, secret: str) -> None:
        super().__init__()
        self.inner = inner
        self.secret = secret

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record), self.secret)


def wants_colour(stream: object) -> bool:
    """Colour codes only for a terminal (discord.py also colours inside Docker, even into files)."""
    return bool(getattr(stream, "isatty", None) and stream.isatty()) and "NO_COLOR" not in os.environ  # type: ignore[attr-defined]


def setup_logging(level: int, secret: str, stream: TextIO | None = None) -> logging.Handler:
    """The bot's one log handler on the root logger: plain lines unless `stream` is a terminal."""
    handler = logging.StreamHandler(stream)
    if wants_colour(handler.stream):
        inner: logging.Formatter = discord.utils._ColourFormatter()
    else:
        inner = logging.Formatter("[{asctime}] [{levelname:<8}] {name}: {message}", "%Y-%m-%d %H:%M:%S", style="{")
    handler.setFormatter(RedactingFormatter(inner, secret))
    root = logging.getLogger()
    for old in list(root.handlers):  # the bot owns logging when it runs: one handler, one format
        root.removeHandler(old)
    root.setLevel(level)
    root.addHandler(handler)
    return handler
