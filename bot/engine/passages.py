"""Splitting an article into passages with stable ids (`<slug>#<paragraph>`).

A passage is one paragraph. A short heading or image caption has no answer in it, so it is
merged into the next paragraph as context (searchable, and shown with the quote). An overlong
paragraph is split at sentence boundaries into parts `<slug>#<n>.<part>` so a hit points at a
readable piece. Paragraph numbers are the article file's own, so citations stay stable.
"""

from __future__ import annotations

from bot.engine.models import Article, Passage
from bot.engine.text import split_sentences

#: A line this short with no sentence punctuation is a heading or caption.
HEADING_MAX_WORDS = 8
#: Paragraphs longer than this many words are split at sentence boundaries.
MAX_PASSAGE_WORDS = 160


def is_heading(paragraph: str) -> bool:
    text = paragraph.strip()
    if not text or len(text.split()) > HEADING_MAX_WORDS:
        return False
    return text[-1] not in ".!?:;\"'\u201d\u2019)…"


def _split_long(text: str) -> list[str]:
    spans = split_sentences(text)
    parts: list[str] = []
    current_start: int | None = None
    current_end = 0
    words = 0
    for start, end in spans:
        n = len(text[start:end].split())
        if current_start is not None and words + n > MAX_PASSAGE_WORDS:
            parts.append(text[current_start:current_end])
            current_start, words = None, 0
        if current_start is None:
            current_start = start
        current_end = end
        words += n
    if current_start is not None:
        parts.append(text[current_start:current_end])
    return parts or [text]


def split_article(article: Article) -> list[Passage]:
    passages: list[Passage] = []
    pending: list[tuple[int, str]] = []  # headings/captions waiting for their paragraph
    count = len(article.paragraphs)
    for number, paragraph in enumerate(article.paragraphs, start=1):
        if is_heading(paragraph) and number < count:
            pending.append((number, paragraph))
            continue
        # one heading per line: nothing is invented between them, each keeps its paragraph number
        parts, context = tuple(pending), "\n".join(text for _, text in pending)
        pending = []
        pieces = _split_long(paragraph) if len(paragraph.split()) > MAX_PASSAGE_WORDS else [paragraph]
        for part, piece in enumerate(pieces, start=1):
            first = part == 1
            passages.append(
                Passage(
                    # a paragraph that stays whole keeps the plain id: "<slug>#<n>"
                    id=f"{article.slug}#{number}" if len(pieces) == 1 else f"{article.slug}#{number}.{part}",
                    article_slug=article.slug,
                    paragraph=number,
                    text=piece,
                    context=context if first else "",
                    context_parts=parts if first else (),
                )
            )
    return passages
