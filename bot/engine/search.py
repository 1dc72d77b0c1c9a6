"""The BM25 index over passages and the query path: terms -> scored hits.

Scores are rank-bm25's (the variant and parameters chosen on the dev set, see README); the
engine in `bot.engine.bm25` computes exactly the same numbers without scanning every passage.
A passage that shares no term with the question is never a hit, so a question whose words match
nothing gets no hits rather than an arbitrary order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bot.engine.bm25 import BM25Index, count_sorted
from bot.engine.models import Article, Passage
from bot.engine.speller import zipf

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
TITLE_DISCOUNT = 0.6
#: ... and so do the words the article's lead gives and the article repeats (its subject, see
#: `_subject_terms`): "SAP's Delos Cloud subsidiary" is in every paragraph of the Delos story, so
#: "Who leads SAP's Delos Cloud subsidiary?" is decided by "led by Georges Welz", not by the lead
#: that names all three (A, B, D, E: R@1 +7, R@3 +2; seed sets unchanged)
SUBJECT_DISCOUNT = True
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
        repr(sorted(text._IRREGULAR.items())),
        repr(sorted(text._STEM_FIXES.items())),
        repr(sorted(text._DERIVED.items())),
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


def title_term_set(article: Article, tokens: Sequence[str]) -> frozenset[str]:
    """The terms an article's title matches: its words, and the year it appeared, which is part of
    what it is about ("the 2016 transatlantic deal")."""
    return frozenset(tokens) | ({article.published[:4]} if YEAR_IN_TITLE and article.published else frozenset())


def text_terms(passage: Passage, terms: Sequence[str]) -> Sequence[str]:
    """The terms of the passage's own text, given all its index terms (`passage_terms`)."""
    if not passage.context:
        return terms
    from bot.engine.text import tokenize

    return terms[len(tokenize(passage.context)) * CONTEXT_REPEAT :]


def _subject_terms(
    passages: Sequence[Passage],
    terms: Sequence[str],
    doc_ptr: np.ndarray,
    doc_terms: np.ndarray,
    titles: Mapping[str, frozenset[str]],
) -> dict[str, frozenset[str]]:
    """What each article is about: its title's words, and the words of its lead paragraph that
    the article uses again ("As Microsoft sues US gov ... Azure strategy"). Every passage of the
    article is about these; a name the lead mentions once in passing (who signed a law) is not."""
    by_article: dict[str, list[int]] = {}
    for i, passage in enumerate(passages):  # passages come in article order: the first is the lead
        by_article.setdefault(passage.article_slug, []).append(i)
    out = dict(titles)
    for slug, idxs in by_article.items():
        out[slug] = titles.get(slug, frozenset()) | article_subject(idxs, terms, doc_ptr, doc_terms)
    return out


def article_subject(
    idxs: Sequence[int], terms: Sequence[str], doc_ptr: np.ndarray, doc_terms: np.ndarray
) -> frozenset[str]:
    """The lead passage's terms (idxs[0]) that a later passage of the article (idxs[1:]) uses again."""
    first = idxs[0]
    lead = doc_terms[doc_ptr[first] : doc_ptr[first + 1]]
    if len(idxs) < 2 or not len(lead):
        return frozenset()
    if idxs[-1] - first == len(idxs) - 1:  # contiguous, as an article's passages are
        rest = doc_terms[doc_ptr[first + 1] : doc_ptr[idxs[-1] + 1]]
    else:
        rest = np.concatenate([doc_terms[doc_ptr[i] : doc_ptr[i + 1]] for i in idxs[1:]])
    return frozenset(terms[i] for i in np.intersect1d(lead, rest).tolist())


@lru_cache(maxsize=65536)
def _text_terms(text: str) -> frozenset[str]:
    """The terms of a passage's own text, without its merged heading or caption: the paragraph a
    passage goes on from is its text ("Microsoft CEO Satya Nadella" under a photo says nothing)."""
    from bot.engine.text import tokenize

    return frozenset(tokenize(text))


@dataclass(frozen=True)
class IndexParts:
    """What a `SearchIndex` is made of, computed by a build or read from a snapshot's arrays.

    `doc_article[i]` is the position in `slugs` of passage i's article."""

    articles: Mapping[str, Article]
    passages: Sequence[Passage]
    terms: Sequence[str]  # the vocabulary, sorted
    doc_ptr: np.ndarray | None  # passage-major counts (CSR), None when rows are read another way
    doc_terms: np.ndarray | None
    doc_tf: np.ndarray | None
    doc_len: np.ndarray
    bm25: BM25Index | None
    titles: Mapping[str, frozenset[str]]
    subject_terms: Mapping[str, frozenset[str]]
    n_articles: int
    doc_article: np.ndarray
    slugs: Sequence[str]


class SearchIndex:
    """Passages of a corpus, their BM25 index, and per-article title indexes.

    Besides BM25's term-major postings the index keeps the passage-major counts (CSR: each
    passage's term ids, sorted, and their frequencies) over a sorted vocabulary: they answer which
    question terms a passage holds, and they are what a rebuild after one added or removed article
    starts from (`bot.engine.store`). A snapshot loaded from disk builds the same object from its
    arrays (`from_parts`), computing nothing.
    """

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
        terms, doc_ptr, doc_terms, doc_tf, doc_len = count_sorted(passage_tokens)
        vocab = {t: i for i, t in enumerate(terms)}
        bm25 = (
            BM25Index.from_counts(vocab, doc_ptr, doc_terms, doc_tf, doc_len, variant=variant, k1=k1, b=b)
            if len(passages) else None
        )
        title_terms: dict[str, frozenset[str]] = {}
        if title_tokens is not None:
            title_terms = {a.slug: title_term_set(a, t) for a, t in zip(articles, title_tokens, strict=True)}
        subject = _subject_terms(passages, terms, doc_ptr, doc_terms, title_terms)
        slugs = list(dict.fromkeys([a.slug for a in articles] + [p.article_slug for p in passages]))
        number = {slug: i for i, slug in enumerate(slugs)}
        doc_article = np.array([number[p.article_slug] for p in passages], dtype=np.int32)
        self._install(
            IndexParts({a.slug: a for a in articles}, tuple(passages), terms, doc_ptr, doc_terms, doc_tf, doc_len,
                       bm25, title_terms, subject, len(articles), doc_article, slugs),
            vocab,
        )

    @classmethod
    def from_parts(cls, parts: IndexParts, rows: Callable[[int], np.ndarray] | None = None) -> SearchIndex:
        """An index from parts already computed (a snapshot read from disk): nothing is rebuilt.

        `rows(i)`, when given, reads passage i's term ids instead of `doc_ptr`/`doc_terms` (a main
        segment and a delta)."""
        self = cls.__new__(cls)
        vocab = parts.bm25._vocab if parts.bm25 is not None else {}
        self._install(parts, vocab)
        if rows is not None:
            self.row_terms = rows  # type: ignore[method-assign]
        return self

    def _install(self, parts: IndexParts, vocab: Mapping[str, int]) -> None:
        articles, passages, terms = parts.articles, parts.passages, parts.terms
        doc_ptr, doc_terms, doc_tf, doc_len = parts.doc_ptr, parts.doc_terms, parts.doc_tf, parts.doc_len
        bm25, titles, subject_terms, n_articles = parts.bm25, parts.titles, parts.subject_terms, parts.n_articles
        doc_article, slugs = parts.doc_article, parts.slugs
        self.articles = articles
        self.doc_article, self.slugs = doc_article, slugs
        self.passages = passages
        self.terms = terms  # the vocabulary, sorted: term id -> term
        self._vocab = vocab
        self.doc_ptr, self.doc_terms, self.doc_tf, self.doc_len = doc_ptr, doc_terms, doc_tf, doc_len
        self.n = len(passages)
        self._bm25 = bm25
        # the same multi-word concepts (glossary names) come back question after question
        self._doc_freq_together = lru_cache(maxsize=4096)(self._intersect)
        self.title_terms = titles
        # with several articles the title also scores and matches (see `search`)
        self._titles = titles if n_articles > 1 else {}
        self.subject_terms = subject_terms
        self._titled: dict[str, list[int]] | None = None
        self._ranges: dict[str, range] | None = None

    @property
    def bm25(self) -> BM25Index | None:
        return self._bm25

    def row_terms(self, idx: int) -> np.ndarray:
        """The term ids of passage `idx` (context included), sorted."""
        return self.doc_terms[self.doc_ptr[idx] : self.doc_ptr[idx + 1]]

    def passage_term_set(self, idx: int) -> frozenset[str]:
        """Every term of passage `idx` (context included)."""
        return frozenset(self.terms[i] for i in self.row_terms(idx).tolist())

    def _matcher(self, terms: Iterable[str]) -> Callable[[int], frozenset[str]]:
        """idx -> the given terms that passage `idx` holds (only the passage's row is read)."""
        wanted = {self._vocab[t]: t for t in set(terms) if t in self._vocab}

        def held(idx: int) -> frozenset[str]:
            if not wanted or idx < 0:
                return frozenset()
            row = self.row_terms(idx).tolist()
            return frozenset(wanted[r] for r in wanted.keys() & set(row))

        return held

    def docs_with_all(self, terms: Iterable[str]) -> np.ndarray:
        """Sorted ids of the passages holding every one of `terms`."""
        terms = list(dict.fromkeys(terms))
        if self._bm25 is None or not terms:
            return np.zeros(0, dtype=np.intp)
        lists = sorted((self._bm25.postings(t) for t in terms), key=len)
        common = np.sort(lists[0])
        for other in lists[1:]:
            if not len(common):
                break
            common = np.intersect1d(common, other, assume_unique=True)
        return common

    def score_passages(self, terms: Sequence[str], docs: np.ndarray) -> np.ndarray:
        """What `search(terms, ...)` scores the passages `docs` (sorted ids), title bonus included."""
        if self._bm25 is None:
            return np.zeros(len(docs))
        scores = self._bm25.score_docs(list(terms), docs)
        if self._titles and len(docs):
            qset = set(terms)
            titled = self._title_index()
            bonus = np.zeros(len(self.slugs))
            for a in sorted({a for t in qset for a in titled.get(t, ())}):
                title = qset & self._titles.get(self.slugs[a], frozenset())
                bonus[a] = TITLE_WEIGHT * sum(self.weight(t) for t in sorted(title))
            scores += bonus[np.asarray(self.doc_article)[np.asarray(docs, dtype=np.intp)]]
        return scores

    def _title_index(self) -> dict[str, list[int]]:
        """term -> the articles whose title holds it (made once, when first needed)."""
        if self._titled is None:
            titled: dict[str, list[int]] = {}
            for a, slug in enumerate(self.slugs):
                for t in self._titles.get(slug, ()):
                    titled.setdefault(t, []).append(a)
            self._titled = titled
        return self._titled

    def passage_counts(self) -> dict[str, int]:
        """Passages per article slug (articles without passages left out)."""
        counts = np.bincount(np.asarray(self.doc_article, dtype=np.intp), minlength=len(self.slugs))
        return {slug: int(n) for slug, n in zip(self.slugs, counts.tolist(), strict=True) if n}

    def article_passages(self, slug: str) -> range:
        """Positions of an article's passages (they are stored in article order)."""
        if self._ranges is None:
            arts = np.asarray(self.doc_article)
            ranges: dict[str, range] = {}
            if len(arts):
                starts = np.flatnonzero(np.diff(arts, prepend=-1))
                ends = np.append(starts[1:], len(arts))
                for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
                    ranges.setdefault(self.slugs[int(arts[s])], range(s, e))
            self._ranges = ranges
        return self._ranges.get(slug, range(0))

    def domain_ratio(self, term: str, word: str) -> float:
        """How much more often the articles use `term` than English uses `word`, on wordfreq's Zipf
        scale (log10 of uses per billion words; the passages that hold the term stand for its
        uses): about 2 for "data" and "transfer" in a corpus about data transfers, about 0 for
        "year" or "time". -inf for a term no passage holds."""
        bm = self._bm25
        if bm is None or term not in bm or not bm.total_len:
            return -math.inf
        return math.log10(bm.doc_freq(term) / bm.total_len * 1e9) - zipf(word)

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
        """Uncached `doc_freq_all` for two or more terms (see _install for the bounded cache)."""
        return int(len(self.docs_with_all(sorted(terms))))

    def concept_weight(self, terms: Iterable[str]) -> float:
        """Rarity of a term or of a group of terms found together: log((N+1)/(df+0.5)).

        Words the corpus never uses count as rare as its rarest (df = UNKNOWN_DF): weighing them
        more made filler words ("stuff", "made") outweigh the question's real subject.
        """
        df = self.doc_freq_all(terms)
        return math.log((self.n + 1) / ((df or UNKNOWN_DF) + 0.5))

    def search(
        self,
        terms: Sequence[str],
        k: int,
        own: Iterable[str] | None = None,
        equivalents: Iterable[frozenset[str]] = (),
    ) -> list[Hit]:
        """The k best passages for the query `terms`.

        `own`: the question's own words (default: all of `terms`). An article's title matches
        those, and an equivalent only when the title holds it whole (`equivalents`: "standard
        contractual clauses" for "SCCs"), so the "EU" and "US" of "EU-US Privacy Shield" do not
        lift every article whose title says "EU-US".
        """
        if self._bm25 is None or not terms or k <= 0:
            return []
        # take more than k when a title bonus may reorder the top
        want = k if not self._titles else max(k * CANDIDATES_PER_K, CANDIDATES_MIN)
        terms = list(terms)
        ranked = self._bm25.top_k(terms, want)
        qset = set(terms)
        held = self._matcher(qset)
        own_q = qset if own is None else qset & set(own)
        whole = [e for e in equivalents if e and e <= qset]
        title_of: dict[str, frozenset[str]] = {}

        def title_match(slug: str) -> frozenset[str]:
            if slug not in title_of:
                title = self._titles.get(slug, frozenset())
                got = own_q & title
                for e in whole:
                    if e <= title:
                        got |= e
                title_of[slug] = frozenset(got)
            return title_of[slug]
        about_of: dict[str, frozenset[str]] = {}

        def about_match(slug: str) -> frozenset[str]:
            if slug not in about_of:
                about_of[slug] = title_match(slug) | (own_q & self.subject_terms.get(slug, frozenset()))
            return about_of[slug]

        discount = (
            self._title_discount(ranked, terms, about_match if SUBJECT_DISCOUNT else title_match)
            if self._titles and TITLE_DISCOUNT else {}
        )
        arts = self.doc_article
        scored: list[tuple[float, int, frozenset[str]]] = []
        for idx, score in ranked:
            title: frozenset[str] = frozenset()
            if self._titles:
                # the article's title is every passage's context: it adds to the score and its
                # words count as matched, so "What did Schrems II decide?" finds that article
                title = title_match(self.slugs[int(arts[idx])])
                # summed in sorted order: one float in every process, whatever the hash seed
                score += TITLE_WEIGHT * sum(self.weight(t) for t in sorted(title)) - discount.get(idx, 0.0)
            scored.append((-float(score), idx, title))
        scored.sort(key=lambda item: item[:2])
        hits = []
        for neg, idx, title in scored[:k]:  # only the hits returned are made into passages
            passage = self.passages[idx]
            before: frozenset[str] = frozenset()
            if idx > 0 and arts[idx - 1] == arts[idx]:
                prev = self.passages[idx - 1]
                # its own text only: a merged caption is not what the paragraph said
                before = qset & (_text_terms(prev.text) if prev.context else self.passage_term_set(idx - 1))
            hits.append(Hit(passage, -neg, frozenset(held(idx) | title), frozenset(before)))
        return hits

    def _title_discount(
        self,
        ranked: Sequence[tuple[int, float]],
        terms: Sequence[str],
        title_match: Callable[[str], frozenset[str]],
    ) -> dict[int, float]:
        """Per candidate, what to take off its score so its title's words weigh the same in every
        passage of its article: what they earn in it, less what they earn in the article's best
        candidate for them (so the article keeps its strength, and within it the rest decides)."""
        assert self._bm25 is not None
        docs = np.array([idx for idx, _ in ranked], dtype=np.int64)
        arts = np.asarray(self.doc_article)
        slugs = [self.slugs[a] for a in arts[docs].tolist()]
        earned = np.zeros(len(docs))
        counts: dict[str, int] = {}
        for t in terms:
            counts[t] = counts.get(t, 0) + 1
        # only an article with two candidates or more has anything to level
        per_slug: dict[str, int] = {}
        for slug in slugs:
            per_slug[slug] = per_slug.get(slug, 0) + 1
        several = np.array([per_slug[slug] > 1 for slug in slugs])
        if not several.any():
            return {}
        for term, count in counts.items():
            in_title = several & np.array([term in title_match(slug) for slug in slugs])
            if in_title.any():
                earned[in_title] += self._bm25.term_weights(term, docs[in_title]) * count
        best: dict[str, float] = {}
        for slug, w in zip(slugs, earned.tolist(), strict=True):
            best[slug] = max(best.get(slug, 0.0), w)
        return {
            idx: TITLE_DISCOUNT * (w - best[slug])
            for idx, slug, w in zip(docs.tolist(), slugs, earned.tolist(), strict=True)
            if best[slug] > w
        }


TOKEN_SIGNATURE = _token_signature()
