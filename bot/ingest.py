"""Turning a source into an article: text clean-up rules shared by every way an article arrives.

The bundled seed article is this module's output on `shared/seed-article.txt`; the same rules run
on every article added later. The rules remove lines and fragments that web scraping leaves
behind (poll widgets, "Loading ...", quiz and author-bio links, stray HTML, duplicated captions,
image alt text glued to a quote) and never reword a sentence: every kept character is the
source's own.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CleanText:
    title: str | None
    paragraphs: tuple[str, ...]
    removed: tuple[str, ...]  # what was dropped, for the log and for review


# Whole lines that are page furniture, not article text.
_JUNK_LINE_RES = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^view results$",
        r"^(loading\s*\.\.\.\s*)+$",
        r"^(loading\s*\u2026\s*)+$",
        r"^take our .{0,80}\b(quiz|poll|survey)\b.{0,20}$",
        r"^read (also|more)\s*:?$",
        r"^(click to (read|hide) the authors?'? bio\s*)+$",
        r"^(share|tweet|email|print)( this( article)?)?\s*[:!]?$",
        r"^(advertisement|sponsored( content)?)$",
        r"^(sign up|subscribe) (to|for) (our|the) newsletter.{0,60}$",
        r"^(related|recommended)( articles| stories)?\s*:?$",
    )
]
# A poll question is the line just before "View Results".
_POLL_ANSWER_RE = re.compile(r"^view results$", re.IGNORECASE)
# Stray HTML left by a bad scrape: ",/p>", "</p>", "<br>", at line ends or alone.
_STRAY_HTML_RE = re.compile(r",?\s*<?/?(?:p|br|div|span)\s*/?>\s*$", re.IGNORECASE)
# Image alt text glued to an opening quote: 'microsoft“The first thing…' (lower-case word, no space).
_GLUED_ALT_RE = re.compile(r"^[a-z][a-z0-9-]{1,30}(?=[\u201c\u2018\"][A-Z])")
# A breadcrumb such as 'CloudCloud Management': words glued without a space, no sentence punctuation.
_BREADCRUMB_RE = re.compile(r"^(?=.*[a-z][A-Z])[A-Za-z&/ -]{3,60}$")


def _is_junk(line: str) -> bool:
    return any(r.match(line) for r in _JUNK_LINE_RES)


def clean_text(text: str, *, has_title: bool = True) -> CleanText:
    """Split raw text into a title and clean paragraphs (one per non-empty line or block).

    `has_title`: the first non-empty line is the title (plain-text sources).
    """
    raw = [" ".join(line.split()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [line for line in raw if line]
    removed: list[str] = []
    title: str | None = None
    if has_title and lines:
        title = lines.pop(0)

    # Poll questions: the line right before "View Results".
    drop: set[int] = set()
    for i, line in enumerate(lines):
        if _POLL_ANSWER_RE.match(line) and i > 0 and lines[i - 1].endswith("?"):
            drop.add(i - 1)

    kept: list[str] = []
    for i, line in enumerate(lines):
        if i in drop or _is_junk(line):
            removed.append(line)
            continue
        # A breadcrumb is only plausible at the top, before the first real paragraph.
        if not kept and _BREADCRUMB_RE.match(line):
            removed.append(line)
            continue
        fixed = _STRAY_HTML_RE.sub("", line)
        if fixed != line:
            removed.append(line[len(fixed) :])
        m = _GLUED_ALT_RE.match(fixed)
        if m:
            removed.append(m.group(0))
            fixed = fixed[m.end() :]
        fixed = fixed.strip()
        if not fixed:
            continue
        # A line repeated right after itself (image caption printed twice): keep one.
        if kept and fixed == kept[-1]:
            removed.append(fixed)
            continue
        # The title repeated as the first line of the body.
        if title and not kept and fixed == title:
            removed.append(fixed)
            continue
        kept.append(fixed)
    for piece in removed:
        log.debug("ingest removed %r", piece)
    return CleanText(title=title, paragraphs=tuple(kept), removed=tuple(removed))
