"""The BM25 index over passages and the query path: terms -> scored hits.

Scores are rank-bm25's (the variant and parameters chosen on the dev set, see README); the
engine in `bot.engine.bm25` computes exactly the same numbers without scanning every passage.
A passage that shares no term with the question is never a hit, so a question whose words match
nothing gets no hits rather than an arbitrary order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bot.engine.bm25 import BM25Index
from bot.engine.models import Article, Passage

#: Chosen on tests/data/dev_questions.yaml (see README, "How answers are chosen").
BM25_VARIANT = "plus"
BM25_K1 = 1.2
BM25_B = 0.5
#: A heading or caption names a passage's topic: its words count this many times (a BM25F-like
#: field weight expressed in rank-bm25's own terms, by repeating the tokens).
CONTEXT_REPEAT = 2
#: Document frequency assumed for a word the corpus never uses (cross-validated, see README).
UNKNOWN_DF = 1
#: Weight of the article-title match added to a passage's score when the corpus has several articles.
TITLE_WEIGHT = 3.0
#: The year of publication counts as a word of the title.
YEAR_IN_TITLE = True
#: Share of a title word's BM25 weight taken out of a passage of that article: the title already
#: says every passage is about it, so within an article the words the question asks besides the
#: subject decide (else the lead paragraph, which repeats the title, wins every question).
TITLE_DISCOUNT = 0.5
#: Candidates fetched before the title reorders them (times k, at least CANDIDATES_MIN).
CANDIDATES_PER_K = 4
CANDIDATES_MIN = 20


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # BM25 passage score (+ title bonus with several articles)
    matched: frozenset[str]  # question terms the passage (or, with several articles, its title) contains
    # question terms of the paragraph just before, in the same article: news paragraphs go on from
    # the one before ("Once such instance is ... the Paris attacks." / "Microsoft said it received 14")
    previous: frozenset[str] = frozenset()


def _token_signature() -> str:
    """Everything that decides a passage's terms, so a change re-tokenises (see bot.corpus.token_cache)."""
    import hashlib

    import snowballstemmer

    from bot.engine import passages, text

    parts = [
        text.TOKENIZER_VERSION,
        repr(sorted(text._WORD_STEMS.items())),
        repr(sorted(text._STEM_FIXES.items())),
        getattr(snowballstemmer, "__version__", "?"),
        ",".join(sorted(text.STOPWORDS)),
        f"ctx{CONTEXT_REPEAT}",
        f"h{passages.HEADING_MAX_WORDS}",
        f"p{passages.MAX_PASSAGE_WORDS}",
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def passage_terms(passage: Passage) -> list[str]:
    """Index terms of a passage: its context (heading, caption) counted twice, then its text."""
    from bot.engine.text import tokenize

    return tokenize(passage.context) * CONTEXT_REPEAT + tokenize(passage.text)


def _subject_terms(
    passages: Sequence[Passage], sets: Sequence[frozenset[str]], titles: dict[str, frozenset[str]]
) -> dict[str, frozenset[str]]:
    """What each article is about: its title's words, and the words of its lead paragraph that
    the article uses again ("As Microsoft sues US gov ... Azure strategy"). Every passage of the
    article is about these; a name the lead mentions once in passing (who signed a law) is not."""
    leads: dict[str, frozenset[str]] = {}
    again: dict[str, set[str]] = {}  # lead terms found again later in the article
    for passage, terms in zip(passages, sets, strict=True):
        slug = passage.article_slug
        if slug not in leads:  # passages come in article order: the first is the lead
            leads[slug], again[slug] = terms, set()
        else:
            again[slug] |= terms & leads[slug]
    out = dict(titles)
    for slug, terms in again.items():
        out[slug] = titles.get(slug, frozenset()) | frozenset(terms)
    return out


@lru_cache(maxsize=65536)
def _text_terms(text: str) -> frozenset[str]:
    """The terms of a passage's own text, without its merged heading or caption: the paragraph a
    passage goes on from is its text ("Microsoft CEO Satya Nadella" under a photo says nothing)."""
    from bot.engine.text import tokenize

    return frozenset(tokenize(text))


def _engine(tokens: Sequence[Sequence[str]], variant: str, k1: float, b: float) -> BM25Index:
    return BM25Index(tokens, variant=variant, k1=k1, b=b)


class SearchIndex:
    """Passages of a corpus, their BM25 index, and per-article title indexes."""

    def __init__(
        self,
        articles: Sequence[Article],
        passages: Sequence[Passage],
        passage_tokens: Sequence[Sequence[str]],
        title_tokens: Sequence[Sequence[str]] | None = None,
        *,
        variant: str = BM25_VARIANT,
        k1: float = BM25_K1,
        b: float = BM25_B,
    ) -> None:
        if len(passages) != len(passage_tokens):
            raise ValueError("one token list per passage is required")
        self.articles = {a.slug: a for a in articles}
        self.passages = tuple(passages)
        self._sets = tuple(frozenset(t) for t in passage_tokens)
        self.n = len(self.passages)
        self._bm25 = _engine(passage_tokens, variant, k1, b) if self.n else None
        # the same multi-word concepts (glossary names) come back question after question
        self._doc_freq_together = lru_cache(maxsize=4096)(self._intersect)
        title_terms: dict[str, frozenset[str]] = {}
        if title_tokens is not None:
            # the year an article appeared is part of what it is about: "the 2016 transatlantic deal"
            title_terms = {
                a.slug: frozenset(t) | ({a.published[:4]} if YEAR_IN_TITLE and a.published else frozenset())
                for a, t in zip(articles, title_tokens, strict=True)
            }
        # with several articles the title also scores and matches (see `search`)
        self._titles = title_terms if len(articles) > 1 else {}
        self.subject_terms = _subject_terms(self.passages, self._sets, title_terms)
        self._ranges: dict[str, range] | None = None

    def article_passages(self, slug: str) -> range:
        """Positions of an article's passages (they are stored in article order)."""
        if self._ranges is None:
            ranges: dict[str, list[int]] = {}
            for i, p in enumerate(self.passages):
                ranges.setdefault(p.article_slug, [i, i])[1] = i
            self._ranges = {k: range(a, b + 1) for k, (a, b) in ranges.items()}
        return self._ranges.get(slug, range(0))

    def passage_terms_at(self, i: int) -> frozenset[str]:
        return self._sets[i]

    def __contains__(self, term: str) -> bool:
        return self._bm25 is not None and term in self._bm25

    def doc_freq(self, term: str) -> int:
        return self._bm25.doc_freq(term) if self._bm25 is not None else 0

    def weight(self, term: str) -> float:
        """Rarity of one term as evidence (see `concept_weight`).

        Unlike BM25Okapi's floored IDF this is positive and monotone, so it can measure how much
        of a question's vocabulary a passage covers.
        """
        return self.concept_weight((term,))

    def doc_freq_all(self, terms: Iterable[str]) -> int:
        """Passages containing every one of `terms` (a phrase-like concept such as a name)."""
        terms = list(dict.fromkeys(terms))
        if self._bm25 is None or not terms:
            return 0
        if len(terms) == 1:
            return self.doc_freq(terms[0])
        return self._doc_freq_together(frozenset(terms))

    def _intersect(self, terms: frozenset[str]) -> int:
        """Uncached `doc_freq_all` for two or more terms (see __init__ for the bounded cache)."""
        assert self._bm25 is not None
        lists = sorted((self._bm25.postings(t) for t in terms), key=len)
        common = lists[0]
        for other in lists[1:]:
            if not len(common):
                break
            common = np.intersect1d(common, other, assume_unique=True)
        return int(len(common))

    def concept_weight(self, terms: Iterable[str]) -> float:
        """Rarity of a term or of a group of terms found together: log((N+1)/(df+0.5)).

        Words the corpus never uses count as rare as its rarest (df = UNKNOWN_DF): weighing them
        more made filler words ("stuff", "made") outweigh the question's real subject.
        """
        df = self.doc_freq_all(terms)
        return math.log((self.n + 1) / ((df or UNKNOWN_DF) + 0.5))

    def search(self, terms: Sequence[str], k: int) -> list[Hit]:
        if self._bm25 is None or not terms or k <= 0:
            return []
        # take more than k when a title bonus may reorder the top
        want = k if not self._titles else max(k * CANDIDATES_PER_K, CANDIDATES_MIN)
        terms = list(terms)
        ranked = self._bm25.top_k(terms, want)
        qset = set(terms)
        discount = self._title_discount(ranked, terms) if self._titles and TITLE_DISCOUNT else {}
        scored: list[tuple[float, int, Hit]] = []
        for idx, score in ranked:
            passage = self.passages[idx]
            matched = qset & self._sets[idx]
            if self._titles:
                # the article's title is every passage's context: it adds to the score and its
                # words count as matched, so "What did Schrems II decide?" finds that article
                title = qset & self._titles.get(passage.article_slug, frozenset())
                score += TITLE_WEIGHT * sum(self.weight(t) for t in title) - discount.get(idx, 0.0)
                matched |= title
            before = (
                qset & _text_terms(self.passages[idx - 1].text)
                if idx > 0 and self.passages[idx - 1].article_slug == passage.article_slug
                else frozenset()
            )
            hit = Hit(passage, float(score), frozenset(matched), frozenset(before))
            scored.append((-float(score), idx, hit))
        scored.sort(key=lambda item: item[:2])
        return [hit for _, _, hit in scored[:k]]


    def _title_discount(self, ranked: Sequence[tuple[int, float]], terms: Sequence[str]) -> dict[int, float]:
        """Per candidate, what to take off its score so its title's words weigh the same in every
        passage of its article: what they earn in it, less what they earn in the article's best
        candidate for them (so the article keeps its strength, and within it the rest decides)."""
        assert self._bm25 is not None
        docs = np.array([idx for idx, _ in ranked], dtype=np.int64)
        slugs = [self.passages[idx].article_slug for idx in docs.tolist()]
        earned = np.zeros(len(docs))
        counts: dict[str, int] = {}
        for t in terms:
            counts[t] = counts.get(t, 0) + 1
        for term, count in counts.items():
            in_title = np.array([term in self._titles.get(slug, ()) for slug in slugs])
            if in_title.any():
                earned += np.where(in_title, self._bm25.term_weights(term, docs), 0.0) * count
        best: dict[str, float] = {}
        for slug, w in zip(slugs, earned.tolist(), strict=True):
            best[slug] = max(best.get(slug, 0.0), w)
        return {
            idx: TITLE_DISCOUNT * (w - best[slug])
            for idx, slug, w in zip(docs.tolist(), slugs, earned.tolist(), strict=True)
            if best[slug] > w
        }


TOKEN_SIGNATURE = _token_signature()
