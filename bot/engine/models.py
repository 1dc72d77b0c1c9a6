"""Plain values shared by the core: articles, passages, hits, quotes and answers.

All are frozen dataclasses so they can be passed between threads and cached without fear.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Article:
    """One article of the corpus, as stored in `corpus/articles/<slug>.md`."""

    slug: str
    title: str
    publisher: str
    paragraphs: tuple[str, ...]
    url: str | None = None
    published: str | None = None  # ISO date or partial date ("2016-04"), only what is known
    added: str | None = None
    sha256: str | None = None

    @property
    def date_label(self) -> str:
        """Human-readable publication date ("April 2016", "14 April 2016") or ''."""
        return format_date(self.published)

    @property
    def byline(self) -> str:
        """Publisher and date as known, e.g. "TechWeekEurope, April 2016" ('' when neither is)."""
        return ", ".join(x for x in (self.publisher, format_date(self.published)) if x)


@dataclass(frozen=True)
class Passage:
    """A searchable unit: one paragraph (possibly with a merged heading) or a piece of a long one."""

    id: str  # "<slug>#<paragraph>" or "<slug>#<paragraph>.<part>" for split paragraphs
    article_slug: str
    paragraph: int  # 1-based paragraph number in the article file
    text: str  # verbatim article text that can be quoted
    context: str = ""  # headings / captions merged in as context, one per line (searchable)
    context_parts: tuple[tuple[int, str], ...] = ()  # each heading with its own paragraph number

    @property
    def context_paragraph(self) -> int | None:
        """Paragraph number of the first merged heading, if any."""
        return self.context_parts[0][0] if self.context_parts else None

    @property
    def full_text(self) -> str:
        """Context and text as one string: what is indexed and what the evaluator matches."""
        return f"{self.context}\n{self.text}" if self.context else self.text


@dataclass(frozen=True)
class Citation:
    article_slug: str
    article_title: str
    publisher: str
    published: str | None
    paragraph: int
    passage_id: str
    url: str | None

    @property
    def date_label(self) -> str:
        """The article's date as a reader sees it, or 'date unknown'."""
        return format_date(self.published) or "date unknown"

    @property
    def label(self) -> str:
        """One-line citation: 'Title, TechWeekEurope, April 2016, paragraph 7' (or '..., date unknown, ...')."""
        parts = [self.article_title, self.publisher, self.date_label, f"paragraph {self.paragraph}"]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Quote:
    """Verbatim sentences from one passage plus where they came from."""

    text: str  # the quoted sentences, verbatim
    marked: str  # the same text with matched words in **bold** (Markdown)
    passage: str  # the whole passage the quote comes from
    score: float
    citation: Citation
    matched_terms: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        c = self.citation
        return {
            "text": self.text,
            "marked": self.marked,
            "passage": self.passage,
            "passage_id": c.passage_id,
            "article_slug": c.article_slug,
            "article_title": c.article_title,
            "publisher": c.publisher,
            "published": c.published,
            "date": c.date_label,
            "paragraph": c.paragraph,
            "score": round(self.score, 6),
            "url": c.url,
        }


@dataclass(frozen=True)
class Answer:
    """What the engine says about a question: quotes with citations, or a reasoned 'no answer'."""

    question: str
    answered: bool
    quotes: tuple[Quote, ...] = ()
    reason: str = ""  # why there is no answer (empty when answered)
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. "question truncated to 1000 chars"
    #: For a refusal: the question's words the corpus (or its best passage) lacks, for curators.
    lacking: tuple[str, ...] = ()

    @property
    def sources(self) -> str:
        """Where the quotes stand in time, at a glance: 'From 3 articles, 2016-2023' ('' for one)."""
        return source_summary(self.quotes)

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answered": self.answered,
            "reason": self.reason,
            "notes": list(self.notes),
            "sources": self.sources,
            "quotes": [q.to_json() for q in self.quotes],
        }


def source_summary(quotes: tuple[Quote, ...] | list[Quote]) -> str:
    """'From 3 articles, 2016\u20132023' when quotes come from several articles, '' otherwise.

    Years come from the articles' dates; undated articles are counted as such.
    """
    dates: dict[str, str | None] = {}
    for q in quotes:
        dates.setdefault(q.citation.article_slug, q.citation.published)
    if len(dates) < 2:
        return ""
    years = sorted({d[:4] for d in dates.values() if d})
    undated = sum(1 for d in dates.values() if not d)
    text = f"From {len(dates)} articles"
    if years:
        text += ", " + (years[0] if len(years) == 1 else f"{years[0]}\u2013{years[-1]}")
    if undated:
        text += f" ({undated} undated)" if years else ", dates unknown"
    return text


def as_dict(value: Any) -> dict[str, Any]:
    return asdict(value)


#: A publication date as stored: YYYY, YYYY-MM or YYYY-MM-DD.
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def format_date(value: str | None) -> str:
    """'2016-04' -> 'April 2016'; '2016-04-16' -> '16 April 2016'; None -> ''."""
    if not value:
        return ""
    m = DATE_RE.match(value)
    if not m:
        return value
    year, month, day = m.groups()
    if not month:
        return year
    name = _MONTHS[int(month) - 1]
    return f"{int(day)} {name} {year}" if day else f"{name} {year}"
