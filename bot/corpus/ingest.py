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
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

if TYPE_CHECKING:
    import aiohttp

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
# ... where a section name is glued to its sub-section that repeats it ("Cloud" + "Cloud Management"),
# unlike brand names such as "iPhone" or "PayPal".
_GLUED_WORDS_RE = re.compile(r"\b([A-Z][a-z]{2,})\1")


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
        if not kept and len(line.split()) <= 4 and _BREADCRUMB_RE.match(line) and _GLUED_WORDS_RE.search(line):
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


# ------------------------------------------------------------------------------------------------
# Sources: text and Markdown files, HTML files and http(s) URLs.
#
# Everything below turns bytes into a `Draft` (an article without a slug yet). It never writes a
# file: storing is `bot.corpus.articles.add_article`'s job, so a refused source leaves no trace.
# ------------------------------------------------------------------------------------------------

#: Default limits; the bot takes its own from the config (max_upload_bytes, max_download_bytes, ...).
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_FETCH_TIMEOUT = 20.0
DEFAULT_CONTENT_TYPES: tuple[str, ...] = (
    "text/html",
    "application/xhtml+xml",
    "text/plain",
    "text/markdown",
    "text/x-markdown",
)
DEFAULT_PUBLISHER = "Unknown publisher"
_CHUNK = 64 * 1024
_TEXT_SUFFIXES = {".txt", ".text"}
_MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
_KIND_BY_TYPE = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
}


class IngestError(Exception):
    """The source cannot become an article; the message says why, politely, for the person adding."""


@dataclass(frozen=True)
class Limits:
    """What a source may be: its size, how long a fetch may take, which content types are accepted."""

    max_bytes: int = DEFAULT_MAX_BYTES
    fetch_timeout: float = DEFAULT_FETCH_TIMEOUT
    content_types: tuple[str, ...] = DEFAULT_CONTENT_TYPES
    max_redirects: int = 5


@dataclass(frozen=True)
class Metadata:
    """Metadata given by the person adding; any field set here overrides what was extracted."""

    title: str | None = None
    url: str | None = None
    publisher: str | None = None
    published: str | None = None


@dataclass(frozen=True)
class Draft:
    """An ingested article before it is stored (no slug yet)."""

    title: str
    publisher: str
    paragraphs: tuple[str, ...]
    url: str | None = None
    published: str | None = None
    kind: str = "text"  # text | markdown | html
    removed: tuple[str, ...] = ()  # what the cleaning dropped, for review


@dataclass(frozen=True)
class Fetched:
    """A downloaded resource: final URL after redirects, its media type and charset, the body."""

    url: str
    content_type: str
    charset: str | None
    data: bytes


def format_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


def too_large(limit: int) -> IngestError:
    return IngestError(
        f"That source is larger than the {format_size(limit)} limit; please add a smaller one."
    )


def parse_content_type(header: str | None) -> tuple[str, str | None]:
    """'text/html; charset=UTF-8' -> ('text/html', 'utf-8')."""
    if not header:
        return "", None
    parts = [p.strip() for p in header.split(";")]
    media = parts[0].lower()
    charset = None
    for p in parts[1:]:
        key, _, value = p.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'").lower()
    return media, charset


def check_content_type(media: str, limits: Limits) -> None:
    if media and media not in limits.content_types:
        allowed = ", ".join(limits.content_types)
        raise IngestError(
            f"That source is {media}, which cannot be added as an article (accepted: {allowed})."
        )


def _looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first 8 KB: an image, a PDF, an archive..."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    if head.startswith((b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff")):
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return bool(head) and controls / len(head) > 0.05


def decode_text(data: bytes, charset: str | None = None) -> str:
    """Bytes to text: a BOM or the declared charset, else UTF-8. Binary or undecodable: IngestError."""
    if not data.strip():
        raise IngestError("That source is empty: there is no text to add.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        if _looks_binary(data):
            raise IngestError(
                "That source looks like a binary file, not text; please add a text, Markdown or HTML file."
            )
        encoding = charset or "utf-8"
    try:
        return data.decode(encoding)
    except LookupError:
        raise IngestError(f"That source declares an unknown character set ({charset}).") from None
    except UnicodeDecodeError:
        raise IngestError(
            f"That source is not valid {encoding.upper()} text; please save it as UTF-8 and try again."
        ) from None


def guess_kind(name: str | None, media: str | None, data: bytes) -> str:
    """text | markdown | html, from the file name, then the content type, then a look at the bytes."""
    suffix = Path(name).suffix.lower() if name else ""
    if suffix in _HTML_SUFFIXES:
        return "html"
    if suffix in _MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in _TEXT_SUFFIXES:
        return "text"
    if media in _KIND_BY_TYPE:
        return _KIND_BY_TYPE[media]
    head = data[:2048].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        return "html"
    return "text"


# --- front matter, Markdown, plain text --------------------------------------------------------

_FRONT_KEYS = {
    "title": "title",
    "publisher": "publisher",
    "source": "publisher",
    "site": "publisher",
    "sitename": "publisher",
    "url": "url",
    "link": "url",
    "canonical": "url",
    "published": "published",
    "date": "published",
}


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """A leading '---' YAML block (title, publisher, url, published/date) and the rest of the text."""
    import yaml

    if not text.startswith("---"):
        return {}, text
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text
    end = next((i for i in range(1, min(len(lines), 200)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return {}, text
    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError:
        raise IngestError("The front matter (the block between the '---' lines) is not valid YAML.") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise IngestError("The front matter (the block between the '---' lines) must be 'key: value' lines.")
    out: dict[str, str] = {}
    for key, value in meta.items():
        field_name = _FRONT_KEYS.get(str(key).lower())
        if field_name and value not in (None, "") and field_name not in out:
            out[field_name] = str(value.isoformat() if hasattr(value, "isoformat") else value).strip()
    return out, "\n".join(lines[end + 1 :])


_MD_FENCE_RE = re.compile(r"^\s*(```|~~~)")
_MD_RULE_RE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_MD_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_SETEXT_RE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_MD_QUOTE_RE = re.compile(r"^\s{0,3}>\s?")
_MD_ITEM_RE = re.compile(r"^\s{0,6}(?:[-*+]|\d{1,3}[.)])\s+")
_MD_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK_RE = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
_MD_REFLINK_RE = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_MD_REFDEF_RE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+.*$")
_MD_AUTOLINK_RE = re.compile(r"<(https?://[^>]+)>")
_MD_EMPH_RES = (
    re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"),
    re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?!\*)"),
    re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"),
    re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"),
)
_MD_CODE_RE = re.compile(r"`([^`]+)`")
_MD_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!])")
_HTML_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_HTML_TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")


def _md_inline(text: str) -> str:
    """Inline Markdown to plain text: links keep their words, images go, emphasis marks go."""
    text = _MD_IMAGE_RE.sub("", text)
    text = _MD_LINK_RE.sub(r"\1", text)
    text = _MD_REFLINK_RE.sub(r"\1", text)
    text = _MD_AUTOLINK_RE.sub(r"\1", text)
    text = _MD_CODE_RE.sub(r"\1", text)
    for _ in range(2):  # nested emphasis such as ***word***
        text = _MD_EMPH_RES[0].sub(r"\2", text)
        text = _MD_EMPH_RES[1].sub(r"\1", text)
        text = _MD_EMPH_RES[2].sub(r"\1", text)
        text = _MD_EMPH_RES[3].sub(r"\1", text)
    text = _HTML_TAG_RE.sub("", text)
    return _MD_ESCAPE_RE.sub(r"\1", text)


def markdown_to_lines(text: str) -> list[str]:
    """Markdown to one line per paragraph, heading, list item or quote block; no word is changed.

    Soft-wrapped lines of a paragraph are joined; syntax (#, >, list bullets, emphasis, link
    targets, images, code fences, rules, HTML comments) is removed.
    """
    text = _HTML_COMMENT_RE.sub("", text)
    out: list[str] = []
    block: list[str] = []

    def flush() -> None:
        if block:
            out.append(" ".join(_md_inline(" ".join(block)).split()))
            block.clear()

    in_fence = False
    for raw in text.split("\n"):
        if _MD_FENCE_RE.match(raw):
            flush()
            in_fence = not in_fence
            continue
        if in_fence:
            if raw.strip():
                out.append(raw.strip())
            continue
        line = raw.rstrip()
        if not line.strip() or _MD_REFDEF_RE.match(line):
            flush()
            continue
        if _MD_SETEXT_RE.match(line) and block:
            heading = " ".join(block)
            block.clear()
            out.append(_md_inline(heading))
            continue
        if _MD_RULE_RE.match(line):
            flush()
            continue
        m = _MD_HEADING_RE.match(line)
        if m:
            flush()
            out.append(_md_inline(m.group(1)))
            continue
        quote = False
        while _MD_QUOTE_RE.match(line):
            line = _MD_QUOTE_RE.sub("", line, count=1)
            quote = True
        if quote and not line.strip():
            flush()
            continue
        item = _MD_ITEM_RE.match(line)
        if item:
            flush()
            line = line[item.end() :]
        block.append(line.strip())
    flush()
    return [line for line in out if line.strip()]


def _hard_wrapped(text: str) -> bool:
    """Plain text wrapped at a fixed width (e-mail style): paragraphs span several short lines."""
    lines = [line.strip() for line in text.split("\n")]
    nonempty = [line for line in lines if line]
    if len(nonempty) < 4 or max(len(line) for line in nonempty) > 100:
        return False
    in_blocks = 0
    for i, line in enumerate(lines):
        if line and ((i > 0 and lines[i - 1]) or (i + 1 < len(lines) and lines[i + 1])):
            in_blocks += 1
    return in_blocks >= len(nonempty) / 2


def text_to_lines(text: str) -> list[str]:
    """Plain text: one paragraph per line, unless the text is hard-wrapped (then one per block)."""
    if not _hard_wrapped(text):
        return text.split("\n")
    blocks = re.split(r"\n\s*\n", text)
    return [" ".join(b.split()) for b in blocks if b.strip()]


# --- HTML ----------------------------------------------------------------------------------------


def _extract_html(html: str | bytes, url: str | None) -> tuple[dict[str, str], str]:
    """Main text and metadata with trafilatura; menus, ads, cookie notices and comments are left out."""
    import trafilatura

    options = {
        "url": url,
        "with_metadata": True,
        "include_comments": False,
        "include_tables": True,
        "include_images": False,
        "include_links": False,
        "include_formatting": False,
        "deduplicate": False,
    }
    doc = None
    for extra in ({"favor_precision": True}, {}, {"favor_recall": True}):
        try:
            doc = trafilatura.bare_extraction(html, **options, **extra)
        except Exception as exc:  # trafilatura/lxml raise many types on broken markup
            log.warning("trafilatura failed on %s: %s", url or "an HTML file", exc)
            raise IngestError("That page could not be read as HTML.") from None
        if doc is not None and (getattr(doc, "text", None) or "").strip():
            break
    if doc is None or not (getattr(doc, "text", None) or "").strip():
        raise IngestError("No article text was found on that page (only menus, links or scripts).")
    meta: dict[str, str] = {}
    for key, attr in (("title", "title"), ("published", "date"), ("publisher", "sitename"), ("url", "url")):
        value = getattr(doc, attr, None)
        if isinstance(value, str) and value.strip():
            meta[key] = " ".join(value.split())
    return meta, doc.text


# --- a plain-text article's header lines ---------------------------------------------------------
#
# Saved articles often carry, between the title and the first paragraph, a few short lines such as
# "Data Transfer Monitor | 10 July 2023", "By the X staff, 17 November 2016" or the article's link.
# They are the article's metadata, not its text: read the date, link and publisher from them and
# leave them out of the paragraphs (so a quote never is a dateline, and the citation has its date).

_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_RE = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_HEADER_DATE_RES = (
    re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"),  # 2023-05-22
    re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH_RE + r",?\s+(\d{4})\b", re.IGNORECASE),  # 10 July 2023
    re.compile(r"\b" + _MONTH_RE + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.IGNORECASE),  # July 10, 2023
)
_HEADER_URL_RE = re.compile(r"^(?:(?:source|link|url|originally published at)\s*:\s*)?(https?://\S+)$", re.I)
_HEADER_MAX_LINES = 4
_HEADER_MAX_CHARS = 140
_SEPARATORS_RE = re.compile(r"\s+[|\u2022\u00b7\u2013\u2014-]\s+|\s*\|\s*|,\s+")
_DATE_WORDS_RE = re.compile(r"^(published|updated|posted|on)\s*:?\s*", re.IGNORECASE)
_BYLINE_RE = re.compile(r"^by\s+(?:the\s+)?(.+?)(?:\s+(?:staff|newsroom|desk|team|reporters?|editors?))?$", re.I)


def header_date(line: str) -> str | None:
    """The first date written in a header line, as YYYY-MM-DD, or None."""
    import datetime as dt

    for i, rx in enumerate(_HEADER_DATE_RES):
        m = rx.search(line)
        if not m:
            continue
        if i == 0:
            year, month, day = (int(g) for g in m.groups())
        elif i == 1:
            day, month, year = int(m.group(1)), _MONTHS[m.group(2).lower()], int(m.group(3))
        else:
            month, day, year = _MONTHS[m.group(1).lower()], int(m.group(2)), int(m.group(3))
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            continue
    return None


def _header_kind(line: str) -> str | None:
    """'url', 'date' (a line that holds a date) or None (not a header line)."""
    if len(line) > _HEADER_MAX_CHARS:
        return None
    if _HEADER_URL_RE.match(line):
        return "url"
    if line.endswith((".", "?", "!", ":", ";", '"', "\u201d")) and not line.endswith(("Ltd.", "Inc.")):
        return None
    if header_date(line):
        return "date"
    return None


def _publisher_from(line: str) -> str | None:
    """The publication named in a header line ("Data Transfer Monitor | 10 July 2023")."""
    for part in _SEPARATORS_RE.split(line):
        part = _DATE_WORDS_RE.sub("", part.strip())
        if not part or header_date(part) or re.fullmatch(r"[\d\s:apm.]+", part, re.I):
            continue
        m = _BYLINE_RE.match(part)
        if m:
            part = m.group(1).strip()
        if 2 <= len(part) <= 80 and part[0].isupper():
            return part
        return None
    return None


def read_header(paragraphs: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
    """Split leading header lines off a plain-text body: (metadata, paragraphs, removed lines).

    A header is at most four short lines before the first paragraph that are a link or hold a date,
    and a short line right before such a line (the publication's name). Nothing is taken when no
    line holds a date or a link, so an article that starts with its text keeps every paragraph.
    """
    kinds = [_header_kind(p) for p in paragraphs[:_HEADER_MAX_LINES]]
    last = max((i for i, k in enumerate(kinds) if k), default=-1)
    if last < 0:
        return {}, paragraphs, []
    head = paragraphs[: last + 1]
    # Every line of the header is short and not a sentence; a non-date line must be a name.
    for line, kind in zip(head, kinds):
        if kind is None and (len(line) > 80 or line.endswith((".", "?", "!", ":", ";")) or len(line.split()) > 10):
            return {}, paragraphs, []
    if len(paragraphs) == len(head):
        return {}, paragraphs, []
    meta: dict[str, str] = {}
    for line, kind in zip(head, kinds):
        if kind == "url":
            meta.setdefault("url", _HEADER_URL_RE.match(line).group(1))
        elif kind == "date":
            meta.setdefault("published", header_date(line) or "")
            publisher = None if _DATELINE_RE.match(line) else _publisher_from(line)
            if publisher:
                meta.setdefault("publisher", publisher)
        else:
            publisher = _publisher_from(line)
            if publisher:
                meta.setdefault("publisher", publisher)
    return meta, paragraphs[last + 1 :], head


# "BRUSSELS, 29 November 2024": a dateline's place, not the publication
_DATELINE_RE = re.compile(r"^[A-Z][A-Z .'/-]+,\s")
#: words of the lead's first sentence kept as the title of an article that gives none
LEAD_TITLE_WORDS = 20


def _is_header_block(lines: list[str]) -> bool:
    """Three or more short lines that read as a header (a date or a link among them) and name a
    byline or a link: a publication, a dateline, "By ...", a URL."""
    if len(lines) < 3 or not any(_BYLINE_RE.match(line) or _HEADER_URL_RE.match(line) for line in lines):
        return False
    _, _, taken = read_header([*lines, "The text."])
    return len(taken) == len(lines)


def _title_from_lead(block: str) -> str:
    """The lead's first sentence, in its own words, cut after LEAD_TITLE_WORDS words with an ellipsis."""
    from bot.engine.text import split_sentences

    lead = " ".join(block.split())
    spans = split_sentences(lead)
    first = lead[spans[0][0] : spans[0][1]] if spans else lead
    words = first.split()
    if len(words) > LEAD_TITLE_WORDS:
        return " ".join(words[:LEAD_TITLE_WORDS]).rstrip(",;:") + " \u2026"
    return first


def _headline_first(text: str) -> str:
    """A plain-text article may open with its header block (publication, dateline, byline, link on
    lines of their own) and give its headline after it: the headline is then moved first, where a
    plain-text title is read from, and the header block is read as a header as usual."""
    blocks = re.split(r"\n[ \t]*\n", text.strip("\n"), maxsplit=2)
    if len(blocks) < 2:
        return text
    head = [" ".join(line.split()) for line in blocks[0].split("\n") if line.strip()]
    second = [" ".join(line.split()) for line in blocks[1].split("\n") if line.strip()]
    if len(head) < 2:
        return text
    if len(second) != 1 or len(second[0].split()) > 30 or second[0].endswith("."):
        # no headline after the header block: the lead's first sentence stands for one, rather
        # than the publication's name on the first line (which a second article of it would share)
        if _is_header_block(head):
            return "\n\n".join([_title_from_lead(blocks[1]), blocks[0], *blocks[1:]])
        return text
    headline = second[0]
    _, _, taken = read_header([*head, headline])
    if len(taken) != len(head):  # the first block is not all header, or the headline is part of it
        return text
    return "\n\n".join([headline, blocks[0], *blocks[2:]])


# --- putting it together -------------------------------------------------------------------------


def _clean_url(value: str | None, *, strict: bool) -> str | None:
    if not value:
        return None
    value = value.strip()
    parsed = urlparse(value)
    if parsed.scheme in ("http", "https") and parsed.netloc and not re.search(r"\s", value):
        return value
    if strict:
        raise IngestError(f"The link must be an http(s) URL, got {value!r}.")
    return None


def _clean_date(value: str | None, *, strict: bool) -> str | None:
    from bot.corpus.articles import normalise_date

    if not value:
        return None
    value = value.strip()
    if strict:
        try:
            return normalise_date(value)
        except ValueError:
            raise IngestError(
                f"The published date must look like 2016-04-16 (or 2016-04, 2016), got {value!r}."
            ) from None
    m = re.match(r"^(\d{4}(?:-\d{2}(?:-\d{2})?)?)", value)  # '2016-04-16T10:00:00Z' -> '2016-04-16'
    try:
        return normalise_date(m.group(1)) if m else None
    except ValueError:
        return None


def make_draft(
    data: bytes,
    *,
    name: str | None = None,
    content_type: str | None = None,
    source_url: str | None = None,
    metadata: Metadata = Metadata(),
    limits: Limits = Limits(),
) -> Draft:
    """Bytes of a file, upload or download -> a Draft. CPU-bound (trafilatura): run it off the loop.

    `name` is a file name (its suffix decides the kind); `content_type` the HTTP/Discord media type;
    `source_url` where it was fetched from (the fallback article URL).
    """
    if len(data) > limits.max_bytes:
        raise too_large(limits.max_bytes)
    media, charset = parse_content_type(content_type)
    kind = guess_kind(name, media, data)
    if kind == "html":
        if not data.strip():
            raise IngestError("That source is empty: there is no text to add.")
        if _looks_binary(data) and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise IngestError("That source looks like a binary file, not an HTML page.")
        html: str | bytes = decode_text(data, charset) if charset else data
        extracted, body = _extract_html(html, source_url)
        cleaned = clean_text(body, has_title=False)
        paragraphs = list(cleaned.paragraphs)
        title = extracted.get("title")
        if title and paragraphs and paragraphs[0] == title:
            paragraphs.pop(0)
        if sum(len(p) for p in paragraphs) < 80:
            raise IngestError("No article text was found on that page (only menus, links or scripts).")
        found = extracted
        removed = cleaned.removed
    else:
        text = decode_text(data, charset)
        front, body = split_front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
        if kind != "markdown" and "title" not in front:
            body = _headline_first(body)
        lines = markdown_to_lines(body) if kind == "markdown" else text_to_lines(body)
        cleaned = clean_text("\n".join(lines), has_title="title" not in front)
        paragraphs = list(cleaned.paragraphs)
        title = front.get("title") or cleaned.title
        if front.get("title") and paragraphs and paragraphs[0] == front["title"]:
            paragraphs.pop(0)
        header, paragraphs, head = read_header(paragraphs)
        found = {**header, **front}
        removed = cleaned.removed + tuple(head)
    # What the person adding says wins over what the source says.
    title = " ".join((metadata.title or title or "").split())
    if not title:
        raise IngestError("That source has no title; please give one (--title / the title option).")
    if len(title) > 300:
        raise IngestError("The title is longer than 300 characters; please give a shorter one.")
    if not paragraphs:
        raise IngestError("That source has no article text after its title.")
    url = _clean_url(metadata.url, strict=True) or _clean_url(found.get("url"), strict=False) or _clean_url(
        source_url, strict=False
    )
    published = _clean_date(metadata.published, strict=True) or _clean_date(
        found.get("published"), strict=False
    )
    publisher = " ".join((metadata.publisher or found.get("publisher") or "").split())
    if not publisher and url:
        publisher = urlparse(url).hostname or ""
        publisher = publisher.removeprefix("www.")
    return Draft(
        title=title,
        publisher=publisher or DEFAULT_PUBLISHER,
        paragraphs=tuple(" ".join(p.split()) for p in paragraphs),
        url=url,
        published=published,
        kind=kind,
        removed=removed,
    )


def read_file(path: Path, limits: Limits = Limits()) -> bytes:
    """Read a file, refusing it before reading when it is over the size limit."""
    path = Path(path)
    try:
        if not path.is_file():
            raise IngestError(f"There is no file at {path}.")
        if path.stat().st_size > limits.max_bytes:
            raise too_large(limits.max_bytes)
        with path.open("rb") as fh:
            data = fh.read(limits.max_bytes + 1)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise IngestError(f"The file {path} cannot be read ({reason}).") from None
    if len(data) > limits.max_bytes:  # it grew while we looked
        raise too_large(limits.max_bytes)
    return data


ACCEPTED_SOURCES = "only http(s) URLs and local .txt, .md and .html files are accepted"
_FILE_SUFFIXES = _TEXT_SUFFIXES | _MARKDOWN_SUFFIXES | _HTML_SUFFIXES
_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]+:(//|/)", re.IGNORECASE)


def check_local_source(source: str) -> None:
    """Refuse a source that is neither a URL we fetch nor a file kind we read, saying what is.

    Without this, `file:///etc/passwd` was looked up as a relative path ("There is no file at
    file:/etc/passwd") and a .json file was read as plain text.
    """
    text = source.strip()
    scheme = _SCHEME_RE.match(text)
    if scheme and not is_url(text):
        name = text.split(":", 1)[0].lower()
        raise IngestError(f"{name}:// sources cannot be added: {ACCEPTED_SOURCES}.")
    suffix = Path(text).suffix.lower()
    if suffix and suffix not in _FILE_SUFFIXES:
        raise IngestError(f"{Path(text).name} is a {suffix} file: {ACCEPTED_SOURCES}.")


def ingest_file(path: Path | str, metadata: Metadata = Metadata(), limits: Limits = Limits()) -> Draft:
    """A .txt, .md or .html file -> a Draft (blocking: call it off the event loop)."""
    check_local_source(str(path))
    path = Path(path)
    return make_draft(read_file(path, limits), name=path.name, metadata=metadata, limits=limits)


def is_url(source: str) -> bool:
    return bool(re.match(r"^https?://", source.strip(), re.IGNORECASE))


async def read_body(resp: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    """A response's body, refused (IngestError) as soon as its Content-Length or the bytes streamed
    so far exceed `max_bytes`: the download stops there."""
    if resp.content_length is not None and resp.content_length > max_bytes:
        raise too_large(max_bytes)
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise too_large(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


async def fetch(
    url: str, limits: Limits = Limits(), *, session: aiohttp.ClientSession | None = None
) -> Fetched:
    """Download `url` without blocking the loop, enforcing the limits while the body streams in.

    Refused with IngestError: a non-http(s) URL, an error status, a disallowed content type, a
    Content-Length or a streamed body over `max_bytes` (the download stops there), a timeout.
    """
    import aiohttp

    url = url.strip()
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise IngestError(f"Only http(s) links can be added, got {url!r}.")
    timeout = aiohttp.ClientTimeout(total=limits.fetch_timeout)
    own = session is None
    client = session or aiohttp.ClientSession(headers={"User-Agent": "sovereignty-bot/0.1 (article ingest)"})
    try:
        async with client.get(url, timeout=timeout, max_redirects=limits.max_redirects) as resp:
            if resp.status != 200:
                raise IngestError(f"The page answered HTTP {resp.status} {resp.reason or ''}".rstrip() + ".")
            media, charset = parse_content_type(resp.headers.get("Content-Type"))
            check_content_type(media, limits)
            return Fetched(str(resp.url), media, charset, await read_body(resp, limits.max_bytes))
    except TimeoutError:
        raise IngestError(f"The page did not answer within {limits.fetch_timeout:g} seconds.") from None
    except aiohttp.TooManyRedirects:
        raise IngestError("The link redirects too many times.") from None
    except aiohttp.InvalidURL:
        raise IngestError(f"That link is not a valid URL: {url!r}.") from None
    except aiohttp.ClientError as exc:
        raise IngestError(f"The page could not be fetched ({exc.__class__.__name__}: {exc}).") from None
    finally:
        if own:
            await client.close()


async def ingest_url(url: str, metadata: Metadata = Metadata(), limits: Limits = Limits()) -> Draft:
    """Fetch a page (async) and extract the article off the loop."""
    import asyncio

    fetched = await fetch(url, limits)
    return await asyncio.to_thread(
        make_draft,
        fetched.data,
        name=urlparse(fetched.url).path or None,
        content_type=f"{fetched.content_type}; charset={fetched.charset}"
        if fetched.charset
        else fetched.content_type,
        source_url=fetched.url,
        metadata=metadata,
        limits=limits,
    )


def fetch_sync(url: str, limits: Limits = Limits()) -> Fetched:
    """`fetch` for the command line (no event loop running)."""
    import asyncio

    return asyncio.run(fetch(url, limits))


def ingest_source(source: str, metadata: Metadata = Metadata(), limits: Limits = Limits()) -> Draft:
    """A file path or an http(s) URL -> a Draft; blocking (the command line's entry point)."""
    if is_url(source):
        import asyncio

        return asyncio.run(ingest_url(source, metadata, limits))
    return ingest_file(source, metadata, limits)
