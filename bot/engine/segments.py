"""A main store and a small delta beside it, read as the one corpus a full build would make.

Rewriting the whole snapshot (hundreds of MB at 10,000 articles) for each added article is what made
an add slow. Instead an add or remove edits a *delta*: a `Store` of the articles added since the
main store was written (built like any store, by `with_article`), plus in its meta the slugs of
main's articles removed since ("dead", a tombstone each), the speller counts they brought
("dead_sc"), and where the glossary's phrases occur in the added articles ("found").

`open_segments` reads main + delta as one corpus without copying main's arrays: articles and
passages are numbered as a full build numbers them (by file name), main's passages keep their
relative order, so a global id is main's id shifted by the articles inserted before it. BM25 weighs
per query from the combined statistics (`BM25Index.segmented`), the speller and glossary mentions
are combined, and the mentions are ranked again when first read (their scores depend on N).
`merge_segments` makes the main store a full build would make, from main and delta, without
tokenising anything: what is written once the delta grows past a threshold.
"""

from __future__ import annotations

import bisect
import heapq
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.engine.bm25 import BM25Index
from bot.engine.glossary import Glossary, Mentions, find_mentions_in, mention_query
from bot.engine.models import Article, Passage
from bot.engine.search import IndexParts, SearchIndex, text_terms
from bot.engine.speller import Speller, SpellerCounts
from bot.engine.store import (
    ArticlesBySlug,
    ArticleTable,
    Opened,
    PassageTable,
    Store,
    TermSets,
    _contribution,
    _LazyTable,
    _MatchedWords,
    _rank_arrays,
    build_store,
    compose_articles,
    mention_arrays,
    open_store,
    speller_arrays,
    with_article,
    without_article,
)

__all__ = ["Segments", "merge_segments", "open_segments"]


# -- the delta's bookkeeping ------------------------------------------------------------------------
def _counts_json(sc: SpellerCounts) -> dict[str, Any]:
    return {"words": dict(sc.words), "acronyms": dict(sc.acronyms), "lower": dict(sc.lower),
            "capital": dict(sc.capital), "spelled": [[i, p, n] for (i, p), n in sorted(sc.spelled.items())]}


def _counts_from(data: Mapping[str, Any] | None) -> SpellerCounts:
    if not data:
        return SpellerCounts()
    return SpellerCounts(Counter(data["words"]), Counter(data["acronyms"]), Counter(data["lower"]),
                         Counter(data["capital"]), Counter({(i, p): n for i, p, n in data["spelled"]}))


@dataclass(frozen=True)
class Segments:
    """The arrays a snapshot is opened from: the main store and the delta beside it (None: none)."""

    main: Store
    delta: Store | None = None

    @property
    def dead(self) -> frozenset[str]:
        return frozenset(self.delta.meta["dead"]) if self.delta is not None else frozenset()

    @property
    def delta_articles(self) -> int:
        return len(self.delta["art_none"]) if self.delta is not None else 0

    @property
    def delta_passages(self) -> int:
        """Passages added or removed since main was written (what the merge threshold counts)."""
        if self.delta is None:
            return 0
        table = ArticleTable(self.main)
        ptr = self.main["art_pass"]
        gone = sum(int(ptr[table.by_slug[s] + 1] - ptr[table.by_slug[s]]) for s in self.dead)
        return len(self.delta["p_art"]) + gone

    def slugs(self) -> list[str]:
        """The slugs of the corpus, in the order a full build keeps them (by file name)."""
        dead = self.dead
        main = [s for s in ArticleTable(self.main).slugs if s not in dead]
        added = ArticleTable(self.delta).slugs if self.delta is not None else []
        return list(heapq.merge(main, added, key=lambda s: f"{s}.md"))


def _empty_delta(main: Store) -> Store:
    store = build_store([], [], [], [], None, ())
    store.meta.update({"segment": "delta", "dead": [], "dead_sc": None, "found": {},
                       "base": main.meta.get("generation")})
    return store


def _delta_meta(delta: Store, old: Store) -> None:
    for key in ("segment", "dead", "dead_sc", "found", "base"):
        delta.meta[key] = old.meta[key]


def add_to_delta(seg: Segments, article: Article, tokens: Sequence[Sequence[str]],
                 title_tokens: Sequence[str]) -> Segments:
    """`seg` with `article` added (`tokens`: its passages' terms): only the delta changes."""
    main_slugs = ArticleTable(seg.main).by_slug
    if article.slug in main_slugs and article.slug not in seg.dead:
        raise ValueError(f"the store already holds {article.slug}")
    old = seg.delta if seg.delta is not None else _empty_delta(seg.main)
    delta = with_article(old, article, tokens, title_tokens)
    _delta_meta(delta, old)
    found = {term: list(places) for term, places in old.meta["found"].items()}
    gloss = seg.main.meta.get("glossary")
    if gloss is not None:
        parts = [p for p in PassageTable(delta, ArticleTable(delta)) if p.article_slug == article.slug]
        own = [text_terms(p, t) for p, t in zip(parts, tokens, strict=True)]
        for entry in Glossary.from_json(gloss["entries"], gloss["source"]).entries:
            for j, words in sorted(find_mentions_in(entry, own).items()):
                found.setdefault(entry.term, []).append([article.slug, j, " ".join(sorted(words))])
    delta.meta["found"] = found
    return Segments(seg.main, delta)


def remove_from_delta(seg: Segments, slug: str) -> Segments:
    """`seg` without the article `slug`: taken out of the delta, or a tombstone for main's."""
    old = seg.delta if seg.delta is not None else _empty_delta(seg.main)
    if slug in ArticleTable(old).by_slug:
        delta = without_article(old, slug)
        _delta_meta(delta, old)
        delta.meta["found"] = {t: [p for p in places if p[0] != slug] for t, places in old.meta["found"].items()}
        return Segments(seg.main, delta)
    table = ArticleTable(seg.main)
    pos = table.by_slug.get(slug)
    if pos is None or slug in seg.dead:
        raise KeyError(slug)
    ptr = seg.main["art_pass"]
    passages = PassageTable(seg.main, table)
    gone = [passages[i] for i in range(int(ptr[pos]), int(ptr[pos + 1]))]
    dead_sc = _counts_from(old.meta["dead_sc"])
    dead_sc.add(_contribution(table[pos], gone))
    delta = Store(dict(old.arrays), {**old.meta, "dead": sorted({*old.meta["dead"], slug}),
                                     "dead_sc": _counts_json(dead_sc)}, old._speller_counts)
    return Segments(seg.main, delta)


# -- reading main + delta as one ------------------------------------------------------------------
class _Layout:
    """Where each article and passage of the combined corpus comes from.

    Segment 0 is main, 1 the delta. `gid[s][i]`: the global id of segment s's passage i (-1 when
    removed); `p_seg`/`p_loc`: the segment and local id of each global passage; `a_seg`/`a_loc`
    the same for articles; `doc_article`: each global passage's global article.
    """

    def __init__(self, seg: Segments, tables: Sequence[ArticleTable]) -> None:
        dead = seg.dead
        stores = (seg.main, seg.delta)
        order = sorted([(f"{s}.md", 0, a) for a, s in enumerate(tables[0].slugs) if s not in dead]
                       + [(f"{s}.md", 1, a) for a, s in enumerate(tables[1].slugs)])
        self.slugs = [name[:-3] for name, _, _ in order]
        self.a_seg = np.array([s for _, s, _ in order], dtype=np.int8)
        self.a_loc = np.array([a for _, _, a in order], dtype=np.int64)
        counts = np.zeros(len(order), dtype=np.int64)
        g_of: list[np.ndarray] = []
        for s, store in enumerate(stores):
            assert store is not None
            ptr = store["art_pass"]
            mine = np.flatnonzero(self.a_seg == s)
            counts[mine] = ptr[self.a_loc[mine] + 1] - ptr[self.a_loc[mine]]
            g = np.full(len(ptr) - 1, -1, dtype=np.int64)
            g[self.a_loc[mine]] = mine
            g_of.append(g)
        start = np.zeros(len(order) + 1, dtype=np.int64)
        np.cumsum(counts, out=start[1:])
        self.n = int(start[-1])
        self.doc_article = np.repeat(np.arange(len(order), dtype=np.int32), counts)
        self.start = start
        self.p_seg = np.zeros(self.n, dtype=np.int8)
        self.p_loc = np.zeros(self.n, dtype=np.int64)
        self.gid: list[np.ndarray] = []
        for s, store in enumerate(stores):
            assert store is not None
            p_art = np.asarray(store["p_art"], dtype=np.int64)
            ptr = store["art_pass"]
            ga = g_of[s][p_art]
            local = np.arange(len(p_art), dtype=np.int64)
            gid = np.where(ga >= 0, start[np.maximum(ga, 0)] + local - ptr[p_art], -1)
            alive = gid >= 0
            self.p_seg[gid[alive]] = s
            self.p_loc[gid[alive]] = local[alive]
            self.gid.append(gid)
        self.by_slug = {slug: a for a, slug in enumerate(self.slugs)}

    def global_passage(self, slug: str, j: int) -> int:
        return int(self.start[self.by_slug[slug]]) + j


class _Articles(_LazyTable, Sequence[Article]):
    """The combined corpus's articles (the interface of `ArticleTable`)."""

    def __init__(self, layout: _Layout, tables: Sequence[ArticleTable]) -> None:
        self._layout, self._tables = layout, tables
        self.slugs = layout.slugs
        self.by_slug = layout.by_slug
        self._n = len(self.slugs)
        self._get = self._make

    def _where(self, a: int) -> tuple[ArticleTable, int]:
        return self._tables[int(self._layout.a_seg[a])], int(self._layout.a_loc[a])

    def title(self, a: int) -> str:
        table, local = self._where(a)
        return table.title(local)

    def paragraph(self, a: int, number: int) -> str:
        table, local = self._where(a)
        return table.paragraph(local, number)

    def _make(self, a: int) -> Article:
        table, local = self._where(a)
        return table[local]


class _Passages(_LazyTable, Sequence[Passage]):
    """The combined corpus's passages (the interface of `PassageTable`)."""

    def __init__(self, layout: _Layout, tables: Sequence[PassageTable]) -> None:
        self._layout, self._tables = layout, tables
        self._n = layout.n
        self._get = self._make

    def article_slug(self, i: int) -> str:
        return self._layout.slugs[int(self._layout.doc_article[i])]

    def _make(self, i: int) -> Passage:
        return self._tables[int(self._layout.p_seg[i])][int(self._layout.p_loc[i])]


class _TermSets(Mapping[str, frozenset[str]]):
    def __init__(self, layout: _Layout, sets: Sequence[TermSets], tables: Sequence[ArticleTable]) -> None:
        self._layout, self._sets, self._tables = layout, sets, tables

    def __getitem__(self, slug: str) -> frozenset[str]:
        a = self._layout.by_slug[slug]
        s = int(self._layout.a_seg[a])
        return self._sets[s][self._tables[s].slugs[int(self._layout.a_loc[a])]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._layout.slugs)

    def __len__(self) -> int:
        return len(self._layout.slugs)


class _Chain(Sequence[frozenset[str]]):
    """Main's matched words at positions `keep`, then the delta's."""

    def __init__(self, main: Sequence[frozenset[str]], keep: np.ndarray, extra: list[frozenset[str]]) -> None:
        self._main, self._keep, self._extra = main, keep, extra

    def __len__(self) -> int:
        return len(self._keep) + len(self._extra)

    def __getitem__(self, i):  # type: ignore[override]
        if i < len(self._keep):
            return self._main[int(self._keep[i])]
        return self._extra[i - len(self._keep)]


class _LateMentions(Mentions):
    """A term's mentions, ranked when first read: with a delta their scores follow the combined
    statistics, which main's stored ranking does not know."""

    def __init__(self, index: SearchIndex, query: list[str], docs: np.ndarray,
                 matched: Sequence[frozenset[str]]) -> None:
        self.index, self._query, self._raw, self._raw_matched = index, query, docs, matched
        self._ranked: tuple[np.ndarray, np.ndarray, _Chain] | None = None

    def _rank(self) -> tuple[np.ndarray, np.ndarray, _Chain]:
        if self._ranked is None:
            order, scores = _rank_arrays(self.index, self._query, self._raw)
            self._ranked = (self._raw[order], scores, _Chain(self._raw_matched, order, []))
        return self._ranked

    def __len__(self) -> int:
        return len(self._raw)

    @property  # type: ignore[override]
    def docs(self) -> np.ndarray:
        return self._rank()[0]

    @property  # type: ignore[override]
    def scores(self) -> np.ndarray:
        return self._rank()[1]

    @property  # type: ignore[override]
    def matched(self) -> Sequence[frozenset[str]]:
        return self._rank()[2]


def _vocabulary(main: Store, delta: Store) -> tuple[list[str], list[str], np.ndarray]:
    """(main's terms, the delta's terms main lacks, sorted, delta term id -> combined row): the
    combined rows are main's, then the new terms."""
    terms = main.words("vocab")
    d_terms = delta.words("vocab")
    known = {t: i for i, t in enumerate(terms)}  # main's rows (what open_index builds too)
    fresh = sorted(t for t in d_terms if t not in known)
    row_of_fresh = {t: len(terms) + j for j, t in enumerate(fresh)}
    d2g = np.array([known[t] if t in known else row_of_fresh[t] for t in d_terms], dtype=np.int64)
    return terms, fresh, d2g


def _speller(seg: Segments) -> Speller:
    """The speller of main + delta - removed: main's lists, with the words the delta touches
    counted again from main's counts (binary search in its sorted tables)."""
    main, delta = seg.main, seg.delta
    assert delta is not None
    plus, minus = delta.speller_counts(), _counts_from(delta.meta["dead_sc"])
    touched = SpellerCounts()

    def counted(name: str, counts: str, keys: set[str]) -> Counter[str]:
        if not keys:
            return Counter()
        words, values = main.words(name), main[counts]
        out: Counter[str] = Counter()
        for w in keys:
            i = bisect.bisect_left(words, w)
            if i < len(words) and words[i] == w:
                out[w] = int(values[i])
        return out

    touched.words = counted("sp_words", "sp_words_n", set(plus.words) | set(minus.words))
    touched.acronyms = counted("sp_acr", "sp_acr_n", set(plus.acronyms) | set(minus.acronyms))
    cased = set(plus.lower) | set(plus.capital) | set(minus.lower) | set(minus.capital)
    touched.lower = counted("sp_cased", "sp_lower", cased)
    touched.capital = counted("sp_cased", "sp_capital", cased)
    initials = {i for i, _ in plus.spelled} | {i for i, _ in minus.spelled}
    if initials:
        firsts, phrases, ns = main.words("sp_initials"), main.words("sp_phrases"), main["sp_spelled_n"]
        for ini in initials:
            for k in range(bisect.bisect_left(firsts, ini), bisect.bisect_right(firsts, ini)):
                touched.spelled[(ini, phrases[k])] = int(ns[k])
    for counter, a, b in ((touched.words, plus.words, minus.words), (touched.acronyms, plus.acronyms, minus.acronyms),
                          (touched.lower, plus.lower, minus.lower), (touched.capital, plus.capital, minus.capital),
                          (touched.spelled, plus.spelled, minus.spelled)):
        counter.update(a)
        counter.subtract(b)
    words = [w for w in main.words("sp_words") if w not in touched.words]
    words += [w for w, n in touched.words.items() if n > 0]
    acronyms = [w for w in main.words("sp_acr") if w not in touched.acronyms]
    acronyms += [w for w, n in touched.acronyms.items() if n > 0]
    common = [w for w in main.words("sp_common") if w not in cased]
    common += [w for w in cased if touched.lower[w] > 0 and touched.lower[w] > max(touched.capital[w], 0)]
    unique = {i: p for i, p in zip(main.words("sp_unique_i"), main.words("sp_unique_p"), strict=True)
              if i not in initials}
    for ini in initials:
        names = {p for (i, p), n in touched.spelled.items() if i == ini and n > 0}
        if len(names) == 1:
            unique[ini] = next(iter(names))
    proper = {w: n for w, n in zip(main.words("sp_proper"), main["sp_proper_n"].tolist(), strict=True)
              if w not in cased}
    proper.update({w: touched.capital[w] for w in cased if touched.capital[w] > 0 and touched.lower[w] <= 0})
    return Speller(words, acronyms, common, unique, proper)


def open_segments(seg: Segments) -> Opened:
    """The engine's objects over main + delta (see the module docstring); main alone when no delta."""
    main, delta = seg.main, seg.delta
    if delta is None or (not len(delta["art_none"]) and not delta.meta["dead"]):
        return open_store(main)
    stores = (main, delta)
    tables = [ArticleTable(main), ArticleTable(delta)]
    layout = _Layout(seg, tables)
    articles = _Articles(layout, tables)
    passages = _Passages(layout, [PassageTable(s, t) for s, t in zip(stores, tables, strict=True)])
    terms, fresh, d2g = _vocabulary(main, delta)
    all_terms = terms + fresh
    vocab = {t: i for i, t in enumerate(all_terms)}
    m_ptr, m_terms, d_ptr, d_terms = main["doc_ptr"], main["doc_terms"], delta["doc_ptr"], delta["doc_terms"]
    p_seg, p_loc = layout.p_seg, layout.p_loc

    def rows(idx: int) -> np.ndarray:
        local = int(p_loc[idx])
        if p_seg[idx] == 0:
            return m_terms[m_ptr[local] : m_ptr[local + 1]]
        return np.sort(d2g[d_terms[d_ptr[local] : d_ptr[local + 1]]])

    bm25 = None
    if layout.n and main.meta["bm25"] is not None:
        base = BM25Index.from_arrays(vocab, {n: main[f"bm_{n}"] for n in BM25Index.ARRAYS}, main.meta["bm25"],
                                     main["doc_len"])
        gone = np.flatnonzero(layout.gid[0] < 0)
        dead_rows = [m_terms[int(m_ptr[i]) : int(m_ptr[i + 1])] for i in gone.tolist()]
        dead_df = np.bincount(np.concatenate(dead_rows), minlength=len(all_terms)) if dead_rows else np.zeros(0, int)
        bm25 = BM25Index.segmented(base, vocab, layout.gid[0], dead_df,
                                   (d_ptr, d2g[d_terms], delta["doc_tf"], delta["doc_len"]), layout.gid[1])
    elif layout.n:  # a main store of no passages: the delta's alone, as one segment
        from bot.engine.search import BM25_B, BM25_K1, BM25_VARIANT

        bm25 = BM25Index.from_counts(vocab, d_ptr, d2g[d_terms], delta["doc_tf"], delta["doc_len"],
                                     variant=BM25_VARIANT, k1=BM25_K1, b=BM25_B)
    doc_len = np.zeros(layout.n, dtype=np.int64)
    for s, store in enumerate(stores):
        alive = layout.gid[s] >= 0
        doc_len[layout.gid[s][alive]] = np.asarray(store["doc_len"])[alive]
    sets = [TermSets(s.strings("title_terms"), t) for s, t in zip(stores, tables, strict=True)]
    subjects = [TermSets(s.strings("subject_terms"), t) for s, t in zip(stores, tables, strict=True)]
    index = SearchIndex.from_parts(IndexParts(
        ArticlesBySlug(articles), passages, all_terms, None, None, None, doc_len, bm25,
        _TermSets(layout, sets, tables), _TermSets(layout, subjects, tables), len(articles), layout.doc_article,
        layout.slugs,
    ), rows=rows)
    glossary = None
    if main.meta["glossary"] is not None:
        glossary = Glossary.from_json(main.meta["glossary"]["entries"], main.meta["glossary"]["source"])
        words = main.words("gm_words")
        ptr, docs, matched = main["gm_ptr"], main["gm_docs"], main["gm_matched"]
        found = delta.meta["found"]
        mentions = {}
        for k, entry in enumerate(glossary.entries):
            s, e = int(ptr[k]), int(ptr[k + 1])
            g = layout.gid[0][np.asarray(docs[s:e], dtype=np.int64)]
            keep = np.flatnonzero(g >= 0)
            places = found.get(entry.term, ())
            ids = np.concatenate((g[keep], np.array([layout.global_passage(slug, j) for slug, j, _ in places],
                                                    dtype=np.int64)))
            got = _Chain(_MatchedWords(matched[s:e], words), keep, [frozenset(w.split()) for _, _, w in places])
            mentions[entry.term] = _LateMentions(index, mention_query(entry), ids, got)
        glossary = glossary.bound(index, mentions)
    groups = tuple(tuple(tuple(alt) for alt in g) for g in main.meta["alias_groups"])
    return Opened(articles, passages, index, _speller(seg), glossary, groups,  # type: ignore[arg-type]
                  tuple(main.meta["errors"]))


# -- merging --------------------------------------------------------------------------------------
def merge_segments(seg: Segments, opened: Opened | None = None) -> Store:
    """The main store a full build would make of main + delta (nothing tokenised, nothing read
    from the article files): the tables composed in the combined order, the vocabulary merged,
    BM25 from the counts, the speller's counts summed, the mentions as the combined corpus ranks them."""
    main, delta = seg.main, seg.delta
    if delta is None or (not len(delta["art_none"]) and not delta.meta["dead"]):
        return main
    opened = opened or open_segments(seg)
    layout = opened.passages._layout  # type: ignore[attr-defined]
    terms, fresh, d2g = _vocabulary(main, delta)
    # the combined rows in string order: main's shifted past the new terms before them
    ins = np.array([bisect.bisect_left(terms, t) for t in fresh], dtype=np.int64)
    sorted_of = np.concatenate((np.arange(len(terms), dtype=np.int64)
                                + np.searchsorted(ins, np.arange(len(terms)), "right"),
                                ins + np.arange(len(fresh), dtype=np.int64)))
    runs: list[tuple[int, int, int]] = []  # (segment, first article, end) in the combined order
    for a in range(len(layout.slugs)):
        s, local = int(layout.a_seg[a]), int(layout.a_loc[a])
        if runs and runs[-1][0] == s and runs[-1][2] == local:
            runs[-1] = (s, runs[-1][1], local + 1)
        else:
            runs.append((s, local, local + 1))
    stores = (main, delta)
    remaps = (sorted_of, sorted_of[d2g])
    arrays, ids = compose_articles([(stores[s].arrays, a0, a1, remaps[s]) for s, a0, a1 in runs])
    merged = list(heapq.merge(terms, fresh))
    df = np.bincount(ids, minlength=len(merged))
    alive = df > 0
    final = (np.cumsum(alive) - 1).astype(np.int32)
    arrays["doc_terms"] = final[ids].astype(np.int32)
    vocab_terms = [t for t, keep in zip(merged, alive.tolist(), strict=True) if keep]
    counts: dict[str, int] = {}
    meta: dict[str, Any] = {k: v for k, v in main.meta.items() if k not in ("counts", "generation")}
    meta["counts"] = counts
    from bot.engine.search import BM25_B, BM25_K1, BM25_VARIANT

    params = main.meta["bm25"] or {"variant": BM25_VARIANT, "k1": BM25_K1, "b": BM25_B}
    bm25 = None
    if len(arrays["doc_len"]):
        bm25 = BM25Index.from_counts({t: i for i, t in enumerate(vocab_terms)}, arrays["doc_ptr"],
                                     arrays["doc_terms"], arrays["doc_tf"], arrays["doc_len"],
                                     variant=params["variant"], k1=params["k1"], b=params["b"])
    from bot.engine.store import _index_arrays, _put_words

    _index_arrays(arrays, counts, meta, vocab_terms, arrays["doc_ptr"], arrays["doc_terms"], arrays["doc_tf"],
                  arrays["doc_len"], bm25)
    sc = main.speller_counts()
    sc = SpellerCounts(Counter(sc.words), Counter(sc.acronyms), Counter(sc.lower), Counter(sc.capital),
                       Counter(sc.spelled))
    plus = delta.speller_counts()
    for counter, other in ((sc.words, plus.words), (sc.acronyms, plus.acronyms), (sc.lower, plus.lower),
                           (sc.capital, plus.capital), (sc.spelled, plus.spelled)):
        counter.update(other)
    minus = _counts_from(delta.meta["dead_sc"])
    for counter, other in ((sc.words, minus.words), (sc.acronyms, minus.acronyms), (sc.lower, minus.lower),
                           (sc.capital, minus.capital), (sc.spelled, minus.spelled)):
        counter.subtract(other)
        for key in [k for k, n in counter.items() if n <= 0]:
            del counter[key]
    speller_arrays(arrays, counts, sc)
    mention_arrays(arrays, counts, opened.glossary)
    if opened.glossary is None:
        _put_words(arrays, counts, "gm_words", [])
    return Store(arrays, meta, sc)
