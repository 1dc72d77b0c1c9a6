"""A snapshot as flat arrays: what is kept on disk, and what one article more or less changes.

Everything a `Snapshot` holds is stored as numpy arrays of numbers and UTF-8 bytes plus a small
JSON-able `meta` dict (no pickled objects, so a tampered file cannot run code):

* articles: their metadata and paragraphs (string tables), and where each one's passages start;
* passages: article, paragraph number, part, the span of the paragraph they quote, the headings
  merged in as context;
* the search index: the sorted vocabulary, the passage-major counts (CSR) and BM25's finished
  postings and statistics (`bot.engine.bm25`), each article's title and subject terms;
* the speller: its vocabulary, acronyms, everyday words and spelled-out names, with the counts
  that let one article be added or taken away (`bot.engine.speller.SpellerCounts`);
* the glossary's mentions: per term, the passages in BM25 order with their scores and the words
  found there.

`open_store` turns a `Store` into the engine's objects without recomputing anything: passages and
articles are made when read (`PassageTable`, `ArticleTable`), so a start from a memory-mapped file
costs the few arrays a question touches. `build_store` makes a Store from tokenised articles;
`with_article` and `without_article` make the Store that a full rebuild would make after adding or
removing one article, from the Store before and that article alone (the tests compare them).
A fresh build goes through `open_store` too, so answers cannot depend on where the arrays came from.
"""

from __future__ import annotations

import bisect
import heapq
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from bot.engine.bm25 import BM25Index
from bot.engine.glossary import Glossary, Mentions
from bot.engine.models import Article, Passage
from bot.engine.passages import split_article
from bot.engine.search import (
    BM25_B,
    BM25_K1,
    BM25_VARIANT,
    IndexParts,
    SearchIndex,
    article_subject,
    text_terms,
    title_term_set,
)
from bot.engine.speller import Speller, SpellerCounts, contribution

#: Bump when the arrays or their meaning change: an older file is then rebuilt, never misread.
STORE_FORMAT = 4

_ARTICLE_FIELDS = ("slug", "title", "publisher", "url", "published", "added", "sha256")
AliasGroups = tuple[tuple[tuple[str, ...], ...], ...]


# -- string tables ----------------------------------------------------------------------------------
def pack_strings(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes of all strings and the offsets of each (len + 1 int64s)."""
    encoded = [s.encode("utf-8") for s in strings]
    off = np.zeros(len(encoded) + 1, dtype=np.int64)
    if encoded:
        np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=off[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), off


def pack_words(words: Sequence[str]) -> np.ndarray:
    """Strings without a line break (terms, words), one per line: the fastest to read back whole."""
    return np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8).copy()


def unpack_words(blob: np.ndarray, count: int) -> list[str]:
    if count == 0:
        return []
    out = blob.tobytes().decode("utf-8").split("\n")
    if len(out) != count:
        raise ValueError(f"word table holds {len(out)} entries, expected {count}")
    return out


class Strings(Sequence[str]):
    """A string table read one entry at a time (the bytes may be a read-only memory map)."""

    def __init__(self, blob: np.ndarray, off: np.ndarray) -> None:
        self.blob, self.off = blob, off

    def __len__(self) -> int:
        return len(self.off) - 1

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self.blob[int(self.off[i]) : int(self.off[i + 1])].tobytes().decode("utf-8")


# -- the store --------------------------------------------------------------------------------------
@dataclass
class Store:
    """Arrays by name plus JSON-able metadata; see the module docstring for what is in them."""

    arrays: dict[str, np.ndarray]
    meta: dict[str, Any]
    # article-level speller counts, kept decoded once read (an add then a remove in one process)
    _speller_counts: SpellerCounts | None = field(default=None, repr=False, compare=False)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    def words(self, name: str) -> list[str]:
        return unpack_words(self.arrays[name], int(self.meta["counts"][name]))

    def strings(self, name: str) -> Strings:
        return Strings(self.arrays[f"{name}.blob"], self.arrays[f"{name}.off"])

    def speller_counts(self) -> SpellerCounts:
        if self._speller_counts is None:
            sc = SpellerCounts()
            sc.words = Counter(dict(zip(self.words("sp_words"), self["sp_words_n"].tolist(), strict=True)))
            sc.acronyms = Counter(dict(zip(self.words("sp_acr"), self["sp_acr_n"].tolist(), strict=True)))
            cased = self.words("sp_cased")
            sc.lower = Counter({w: n for w, n in zip(cased, self["sp_lower"].tolist(), strict=True) if n})
            sc.capital = Counter({w: n for w, n in zip(cased, self["sp_capital"].tolist(), strict=True) if n})
            pairs = zip(self.words("sp_initials"), self.words("sp_phrases"), strict=True)
            sc.spelled = Counter(dict(zip(pairs, self["sp_spelled_n"].tolist(), strict=True)))
            self._speller_counts = sc
        return self._speller_counts


def _put_words(arrays: dict[str, np.ndarray], counts: dict[str, int], name: str, words: Sequence[str]) -> None:
    arrays[name] = pack_words(words)
    counts[name] = len(words)


def _put_strings(arrays: dict[str, np.ndarray], name: str, strings: Sequence[str]) -> None:
    arrays[f"{name}.blob"], arrays[f"{name}.off"] = pack_strings(strings)


def speller_arrays(arrays: dict[str, np.ndarray], counts: dict[str, int], sc: SpellerCounts) -> None:
    words = sorted(sc.words)
    _put_words(arrays, counts, "sp_words", words)
    arrays["sp_words_n"] = np.array([sc.words[w] for w in words], dtype=np.int64)
    acr = sorted(sc.acronyms)
    _put_words(arrays, counts, "sp_acr", acr)
    arrays["sp_acr_n"] = np.array([sc.acronyms[w] for w in acr], dtype=np.int64)
    cased = sorted(set(sc.lower) | set(sc.capital))
    _put_words(arrays, counts, "sp_cased", cased)
    arrays["sp_lower"] = np.array([sc.lower.get(w, 0) for w in cased], dtype=np.int64)
    arrays["sp_capital"] = np.array([sc.capital.get(w, 0) for w in cased], dtype=np.int64)
    pairs = sorted(sc.spelled)
    _put_words(arrays, counts, "sp_initials", [i for i, _ in pairs])
    _put_words(arrays, counts, "sp_phrases", [p for _, p in pairs])
    arrays["sp_spelled_n"] = np.array([sc.spelled[p] for p in pairs], dtype=np.int64)
    # what the Speller itself is made of, so a start does not derive it again (as SpellerCounts.speller)
    _put_words(arrays, counts, "sp_common", sorted(w for w, n in sc.lower.items() if n > sc.capital.get(w, 0)))
    proper = sc.proper_nouns()
    _put_words(arrays, counts, "sp_proper", list(proper))
    arrays["sp_proper_n"] = np.array(list(proper.values()), dtype=np.int64)
    phrases: dict[str, set[str]] = {}
    for initials, phrase in sc.spelled:
        phrases.setdefault(initials, set()).add(phrase)
    unique = sorted((i, next(iter(p))) for i, p in phrases.items() if len(p) == 1)
    _put_words(arrays, counts, "sp_unique_i", [i for i, _ in unique])
    _put_words(arrays, counts, "sp_unique_p", [p for _, p in unique])


def _article_arrays(arrays: dict[str, np.ndarray], articles: Sequence[Article],
                    passages: Sequence[Sequence[Passage]]) -> None:
    fields: list[str] = []
    none = np.zeros((len(articles), len(_ARTICLE_FIELDS)), dtype=np.uint8)
    paragraphs: list[str] = []
    para_ptr = np.zeros(len(articles) + 1, dtype=np.int64)
    pass_ptr = np.zeros(len(articles) + 1, dtype=np.int64)
    p_art: list[int] = []
    p_par: list[int] = []
    p_part: list[int] = []
    p_beg: list[int] = []
    p_end: list[int] = []
    ctx_ptr: list[int] = [0]
    ctx_par: list[int] = []
    for a, (article, parts) in enumerate(zip(articles, passages, strict=True)):
        for f, name in enumerate(_ARTICLE_FIELDS):
            value = getattr(article, name)
            none[a, f] = value is None
            fields.append(value or "")
        paragraphs.extend(article.paragraphs)
        para_ptr[a + 1] = len(paragraphs)
        pass_ptr[a + 1] = pass_ptr[a] + len(parts)
        last: tuple[int, int] = (0, 0)  # (paragraph, end of the previous part) for split paragraphs
        for p in parts:
            para = article.paragraphs[p.paragraph - 1]
            start = last[1] if last[0] == p.paragraph else 0
            beg = para.find(p.text, start)
            if beg < 0:
                raise ValueError(f"passage {p.id} is not a piece of its paragraph")
            last = (p.paragraph, beg + len(p.text))
            part = 0 if p.id == f"{article.slug}#{p.paragraph}" else int(p.id.rsplit(".", 1)[1])
            p_art.append(a)
            p_par.append(p.paragraph)
            p_part.append(part)
            p_beg.append(beg)
            p_end.append(beg + len(p.text))
            ctx_par.extend(n for n, _ in p.context_parts)
            ctx_ptr.append(len(ctx_par))
    _put_strings(arrays, "art", fields)
    arrays["art_none"] = none
    _put_strings(arrays, "para", paragraphs)
    arrays["art_para"] = para_ptr
    arrays["art_pass"] = pass_ptr
    arrays["p_art"] = np.array(p_art, dtype=np.int32)
    arrays["p_par"] = np.array(p_par, dtype=np.int32)
    arrays["p_part"] = np.array(p_part, dtype=np.int32)
    arrays["p_beg"] = np.array(p_beg, dtype=np.int64)
    arrays["p_end"] = np.array(p_end, dtype=np.int64)
    arrays["p_ctx"] = np.array(ctx_ptr, dtype=np.int64)
    arrays["ctx_par"] = np.array(ctx_par, dtype=np.int32)


def _index_arrays(arrays: dict[str, np.ndarray], counts: dict[str, int], meta: dict[str, Any],
                  terms: Sequence[str], doc_ptr: np.ndarray, doc_terms: np.ndarray, doc_tf: np.ndarray,
                  doc_len: np.ndarray, bm25: BM25Index | None) -> None:
    _put_words(arrays, counts, "vocab", terms)
    arrays["doc_ptr"], arrays["doc_terms"] = doc_ptr, doc_terms
    arrays["doc_tf"], arrays["doc_len"] = doc_tf, doc_len
    if bm25 is not None:
        bm_arrays, params = bm25.to_arrays()
        for name, arr in bm_arrays.items():
            arrays[f"bm_{name}"] = arr
        meta["bm25"] = params
    else:
        meta["bm25"] = None


def mention_arrays(arrays: dict[str, np.ndarray], counts: dict[str, int], glossary: Glossary | None) -> None:
    ptr = [0]
    docs: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    matched_ids: list[int] = []
    table: dict[str, int] = {}
    for entry in glossary.entries if glossary is not None else ():
        m = glossary.mentions.get(entry.term)
        assert isinstance(m, Mentions)
        docs.append(np.asarray(m.docs, dtype=np.int64))
        scores.append(np.asarray(m.scores, dtype=np.float64))
        for words in m.matched:
            key = " ".join(sorted(words))
            matched_ids.append(table.setdefault(key, len(table)))
        ptr.append(ptr[-1] + len(m))
    arrays["gm_ptr"] = np.array(ptr, dtype=np.int64)
    arrays["gm_docs"] = np.concatenate(docs) if docs else np.zeros(0, np.int64)
    arrays["gm_scores"] = np.concatenate(scores) if scores else np.zeros(0)
    arrays["gm_matched"] = np.array(matched_ids, dtype=np.int32)
    _put_words(arrays, counts, "gm_words", list(table))


def make_store(
    articles: Sequence[Article],
    passages: Sequence[Sequence[Passage]],
    index: SearchIndex,
    title_terms: Sequence[frozenset[str]],
    speller_counts: SpellerCounts,
    glossary: Glossary | None,
    alias_groups: AliasGroups,
    errors: Sequence[str],
) -> Store:
    """Flatten built parts (`index` and `glossary` bound to the passages in article order)."""
    arrays: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    meta: dict[str, Any] = {"format": STORE_FORMAT, "counts": counts, "errors": list(errors),
                            "alias_groups": [[list(alt) for alt in g] for g in alias_groups],
                            "glossary": None if glossary is None else
                            {"source": glossary.source, "entries": glossary.to_json()}}
    _article_arrays(arrays, articles, passages)
    _index_arrays(arrays, counts, meta, index.terms, index.doc_ptr, index.doc_terms, index.doc_tf,
                  index.doc_len, index.bm25)
    _put_strings(arrays, "title_terms", [" ".join(sorted(t)) for t in title_terms])
    _put_strings(arrays, "subject_terms", [" ".join(sorted(index.subject_terms.get(a.slug, frozenset())))
                                           for a in articles])
    speller_arrays(arrays, counts, speller_counts)
    mention_arrays(arrays, counts, glossary)
    return Store(arrays, meta, speller_counts)


def build_store(
    articles: Sequence[Article],
    passages: Sequence[Sequence[Passage]],
    tokens: Sequence[Sequence[Sequence[str]]],
    title_tokens: Sequence[Sequence[str]],
    glossary: Glossary | None,
    alias_groups: AliasGroups,
    errors: Sequence[str] = (),
) -> Store:
    """The store of a corpus: `passages[a]` and `tokens[a]` (their index terms) per article."""
    flat = [p for parts in passages for p in parts]
    flat_tokens = [t for toks in tokens for t in toks]
    index = SearchIndex(articles, flat, flat_tokens, title_tokens)
    if glossary is not None:
        glossary = glossary.with_index(index, lambda i: text_terms(flat[i], flat_tokens[i]))
    sc = SpellerCounts()
    for article, parts in zip(articles, passages, strict=True):
        sc.add(_contribution(article, parts))
    titles = [title_term_set(a, t) for a, t in zip(articles, title_tokens, strict=True)]
    return make_store(articles, passages, index, titles, sc, glossary, alias_groups, errors)


def _contribution(article: Article, parts: Sequence[Passage]):  # -> speller.Contribution
    return contribution([p.full_text for p in parts], [article.title])


# -- reading a store back -------------------------------------------------------------------------
class _LazyTable(Sequence):
    """A sequence of `_n` items, each made by `_get(i)` (cached) when first read."""

    _n: int
    _get: Callable[[int], object]

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return tuple(self._get(j) for j in range(*i.indices(self._n)))
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return self._get(i)


class ArticleTable(_LazyTable, Sequence[Article]):
    """The store's articles, each made when read (its paragraphs decoded then)."""

    def __init__(self, store: Store) -> None:
        self._fields = store.strings("art")
        self._none = store["art_none"]
        self._paras = store.strings("para")
        self._para_ptr = store["art_para"]
        self._n = len(self._para_ptr) - 1
        nf = len(_ARTICLE_FIELDS)
        self.slugs: list[str] = [self._fields[a * nf] for a in range(self._n)]
        self.by_slug = {s: a for a, s in enumerate(self.slugs)}
        self._get = lru_cache(maxsize=256)(self._make)

    def title(self, a: int) -> str:
        return self._fields[a * len(_ARTICLE_FIELDS) + 1]

    def paragraph(self, a: int, number: int) -> str:
        return self._paras[int(self._para_ptr[a]) + number - 1]

    def _make(self, a: int) -> Article:
        nf = len(_ARTICLE_FIELDS)
        values = [None if self._none[a, f] else self._fields[a * nf + f] for f in range(nf)]
        paras = LazyParagraphs(self._paras, int(self._para_ptr[a]), int(self._para_ptr[a + 1]))
        slug, title, publisher, url, published, added, sha = values
        return Article(slug or "", title or "", publisher or "", paras, url, published, added, sha)


class LazyParagraphs(Sequence[str]):
    """An article's paragraphs, decoded when first read: listing 10,000 articles (`/sources`, the
    slug autocomplete) reads their titles, not their text. Equal to (and hashes like) the tuple."""

    __slots__ = ("_table", "_start", "_stop", "_items")

    def __init__(self, table: Strings, start: int, stop: int) -> None:
        self._table, self._start, self._stop = table, start, stop
        self._items: tuple[str, ...] | None = None

    def _all(self) -> tuple[str, ...]:
        if self._items is None:
            self._items = tuple(self._table[j] for j in range(self._start, self._stop))
        return self._items

    def __len__(self) -> int:
        return self._stop - self._start

    def __getitem__(self, i):  # type: ignore[override]
        return self._all()[i]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyParagraphs | tuple):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())

    def __deepcopy__(self, memo: dict) -> tuple[str, ...]:  # dataclasses.asdict copies fields
        return self._all()

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (self._all(),))


class ArticlesBySlug(Mapping[str, Article]):
    def __init__(self, table: ArticleTable) -> None:
        self._table = table

    def __getitem__(self, slug: str) -> Article:
        return self._table[self._table.by_slug[slug]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table.slugs)

    def __len__(self) -> int:
        return len(self._table)


class PassageTable(_LazyTable, Sequence[Passage]):
    """The store's passages, each made when read from its paragraph's text."""

    def __init__(self, store: Store, articles: ArticleTable) -> None:
        self._articles = articles
        self._art, self._par, self._part = store["p_art"], store["p_par"], store["p_part"]
        self._beg, self._end = store["p_beg"], store["p_end"]
        self._ctx, self._ctx_par = store["p_ctx"], store["ctx_par"]
        self._n = len(self._art)
        self._get = lru_cache(maxsize=4096)(self._make)

    def article_slug(self, i: int) -> str:
        return self._articles.slugs[int(self._art[i])]

    def _make(self, i: int) -> Passage:
        a, number, part = int(self._art[i]), int(self._par[i]), int(self._part[i])
        slug = self._articles.slugs[a]
        text = self._articles.paragraph(a, number)[int(self._beg[i]) : int(self._end[i])]
        parts = tuple((int(n), self._articles.paragraph(a, int(n)))
                      for n in self._ctx_par[int(self._ctx[i]) : int(self._ctx[i + 1])].tolist())
        pid = f"{slug}#{number}" if part == 0 else f"{slug}#{number}.{part}"
        return Passage(pid, slug, number, text, "\n".join(t for _, t in parts), parts)


class TermSets(Mapping[str, frozenset[str]]):
    """slug -> a set of terms, from a per-article string table of space-separated terms."""

    def __init__(self, table: Strings, articles: ArticleTable) -> None:
        self._table, self._articles = table, articles
        self._get = lru_cache(maxsize=4096)(lambda a: frozenset(self._table[a].split()))

    def __getitem__(self, slug: str) -> frozenset[str]:
        return self._get(self._articles.by_slug[slug])

    def __iter__(self) -> Iterator[str]:
        return iter(self._articles.slugs)

    def __len__(self) -> int:
        return len(self._articles)


class _MatchedWords(Sequence[frozenset[str]]):
    def __init__(self, ids: np.ndarray, words: list[str]) -> None:
        self._ids, self._words = ids, words

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, i):  # type: ignore[override]
        return frozenset(self._words[int(self._ids[i])].split())


@dataclass(frozen=True)
class Opened:
    """The engine's objects over a store."""

    articles: ArticleTable
    passages: PassageTable
    index: SearchIndex
    speller: Speller
    glossary: Glossary | None
    alias_groups: AliasGroups
    errors: tuple[str, ...]


def open_index(store: Store, articles: ArticleTable | None = None) -> SearchIndex:
    """The search index over `store`'s arrays."""
    meta = store.meta
    articles = articles if articles is not None else ArticleTable(store)
    passages = PassageTable(store, articles)
    terms = store.words("vocab")
    vocab = {t: i for i, t in enumerate(terms)}
    bm25 = None
    if meta["bm25"] is not None and len(passages):
        bm25 = BM25Index.from_arrays(vocab, {n: store[f"bm_{n}"] for n in BM25Index.ARRAYS}, meta["bm25"],
                                     store["doc_len"])
    titles = TermSets(store.strings("title_terms"), articles)
    subjects = TermSets(store.strings("subject_terms"), articles)
    return SearchIndex.from_parts(IndexParts(
        ArticlesBySlug(articles), passages, terms, store["doc_ptr"], store["doc_terms"], store["doc_tf"],
        store["doc_len"], bm25, titles, subjects, len(articles), store["p_art"], articles.slugs,
    ))


def open_store(store: Store) -> Opened:
    """The engine's objects over `store`'s arrays, nothing recomputed (see the module docstring)."""
    meta = store.meta
    articles = ArticleTable(store)
    index = open_index(store, articles)
    passages = index.passages
    assert isinstance(passages, PassageTable)
    unique = dict(zip(store.words("sp_unique_i"), store.words("sp_unique_p"), strict=True))
    speller = Speller(store.words("sp_words"), store.words("sp_acr"), store.words("sp_common"), unique,
                      dict(zip(store.words("sp_proper"), store["sp_proper_n"].tolist(), strict=True)))
    glossary = None
    if meta["glossary"] is not None:
        glossary = Glossary.from_json(meta["glossary"]["entries"], meta["glossary"]["source"])
        words = store.words("gm_words")
        ptr, docs, scores, matched = store["gm_ptr"], store["gm_docs"], store["gm_scores"], store["gm_matched"]
        mentions = {}
        for k, entry in enumerate(glossary.entries):
            s, e = int(ptr[k]), int(ptr[k + 1])
            mentions[entry.term] = Mentions(index, docs[s:e], scores[s:e], _MatchedWords(matched[s:e], words))
        glossary = glossary.bound(index, mentions)
    groups = tuple(tuple(tuple(alt) for alt in g) for g in meta["alias_groups"])
    return Opened(articles, passages, index, speller, glossary, groups, tuple(meta["errors"]))


# -- one article more or less ---------------------------------------------------------------------
Run = tuple[Mapping[str, np.ndarray], int, int, "np.ndarray | None"]


def _cat(parts: Sequence[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


def _ptr_of(lengths: Sequence[np.ndarray]) -> np.ndarray:
    lens = _cat(lengths, np.int64)
    out = np.zeros(len(lens) + 1, dtype=np.int64)
    np.cumsum(lens, out=out[1:])
    return out


def compose_articles(runs: Sequence[Run]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The article, passage and passage-count arrays of the articles [a0, a1) of each run's
    arrays, one run after the other (what inserting, removing or merging articles makes), and the
    passages' term ids (`doc_terms`) mapped through each run's remap (None: kept as they are), for
    the caller to number finally."""
    nf = len(_ARTICLE_FIELDS)
    out: dict[str, np.ndarray] = {}

    def bounds(name: str, arr: Mapping[str, np.ndarray], i0: int, i1: int) -> tuple[int, int]:
        return int(arr[name][i0]), int(arr[name][i1])

    def table(name: str, spans: Sequence[tuple[int, int]]) -> None:
        blobs, lens = [], []
        for (arr, _, _, _), (i0, i1) in zip(runs, spans, strict=True):
            off = arr[f"{name}.off"]
            blobs.append(arr[f"{name}.blob"][int(off[i0]) : int(off[i1])])
            lens.append(np.diff(off[i0 : i1 + 1]))
        out[f"{name}.blob"], out[f"{name}.off"] = _cat(blobs, np.uint8), _ptr_of(lens)

    arts = [(a0, a1) for _, a0, a1, _ in runs]
    passes = [bounds("art_pass", arr, a0, a1) for arr, a0, a1, _ in runs]
    table("art", [(a0 * nf, a1 * nf) for a0, a1 in arts])
    table("para", [bounds("art_para", arr, a0, a1) for arr, a0, a1, _ in runs])
    table("title_terms", arts)
    table("subject_terms", arts)
    none = [arr["art_none"][a0:a1] for arr, a0, a1, _ in runs]
    out["art_none"] = np.concatenate(none) if none else np.zeros((0, nf), dtype=np.uint8)
    for name in ("art_para", "art_pass"):
        out[name] = _ptr_of([np.diff(arr[name][a0 : a1 + 1]) for arr, a0, a1, _ in runs])
    out["p_art"] = np.repeat(np.arange(len(out["art_pass"]) - 1, dtype=np.int32), np.diff(out["art_pass"]))
    for name, dtype in (("p_par", np.int32), ("p_part", np.int32), ("p_beg", np.int64), ("p_end", np.int64),
                        ("doc_len", np.int64)):
        out[name] = _cat([run[0][name][p0:p1] for run, (p0, p1) in zip(runs, passes, strict=True)], dtype)
    ctx = [bounds("p_ctx", run[0], p0, p1) for run, (p0, p1) in zip(runs, passes, strict=True)]
    out["ctx_par"] = _cat([run[0]["ctx_par"][c0:c1] for run, (c0, c1) in zip(runs, ctx, strict=True)], np.int32)
    docs = [bounds("doc_ptr", run[0], p0, p1) for run, (p0, p1) in zip(runs, passes, strict=True)]
    ids = []
    for (arr, _, _, remap), (d0, d1) in zip(runs, docs, strict=True):
        raw = np.asarray(arr["doc_terms"][d0:d1], dtype=np.int64)
        ids.append(raw if remap is None else np.asarray(remap, dtype=np.int64)[raw])
    out["doc_tf"] = _cat([run[0]["doc_tf"][d0:d1] for run, (d0, d1) in zip(runs, docs, strict=True)], np.int32)
    for name in ("p_ctx", "doc_ptr"):
        out[name] = _ptr_of([np.diff(run[0][name][p0 : p1 + 1]) for run, (p0, p1) in zip(runs, passes, strict=True)])
    return out, _cat(ids, np.int64)


def _rank_arrays(index: SearchIndex, query: list[str], docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, scores in that order) of mention passages `docs`, as `rank_mentions` orders them."""
    if not len(docs):
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    srt = np.argsort(docs, kind="stable")
    scores = index.score_passages(query, docs[srt])
    order = srt[np.lexsort((docs[srt], -scores))]
    by_doc = np.empty(len(docs))
    by_doc[srt] = scores
    return order, by_doc[order]


def _edit(store: Store, pos: int, article: Article | None, tokens: Sequence[Sequence[str]] = (),
          title_tokens: Sequence[str] = ()) -> Store:
    """Insert `article` at position `pos` (with its passages' terms), or remove article `pos`."""
    from bot.engine.glossary import find_mentions_in, mention_query

    old = store.arrays
    removed = article is None
    first = int(old["art_pass"][pos])
    last = int(old["art_pass"][pos + 1]) if removed else first
    old_terms = store.words("vocab")
    parts = split_article(article) if article is not None else []
    if len(parts) != len(tokens):
        raise ValueError("one token list per passage is required")
    k_new = len(parts)
    # the vocabulary and the term ids of the other passages (monotone remapping: rows stay sorted)
    ptr, ids = old["doc_ptr"], old["doc_terms"]
    if removed:
        df = np.bincount(ids, minlength=len(old_terms)) if len(ids) else np.zeros(len(old_terms), np.int64)
        gone = np.bincount(ids[int(ptr[first]) : int(ptr[last])], minlength=len(old_terms))
        alive = (df - gone) > 0
        remap = (np.cumsum(alive) - 1).astype(np.int32)
        terms = [t for t, keep in zip(old_terms, alive.tolist(), strict=True) if keep]
        vocab = {t: i for i, t in enumerate(terms)}
        r_ptr, r_ids, r_tf, r_len = np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0)
    else:
        known = dict.fromkeys(old_terms)
        fresh = sorted({t for toks in tokens for t in toks if t not in known})
        terms = list(heapq.merge(old_terms, fresh))
        ins = np.array([bisect.bisect_left(old_terms, t) for t in fresh], dtype=np.int64)
        remap = (np.arange(len(old_terms), dtype=np.int64)
                 + np.searchsorted(ins, np.arange(len(old_terms)), "right")).astype(np.int32)
        vocab = {t: i for i, t in enumerate(terms)}
        r_ptr = np.zeros(k_new + 1, dtype=np.int64)
        id_parts, tf_parts = [], []
        for j, toks in enumerate(tokens):
            u, c = np.unique(np.array([vocab[t] for t in toks], dtype=np.int64), return_counts=True)
            id_parts.append(u.astype(np.int32))
            tf_parts.append(c.astype(np.int32))
            r_ptr[j + 1] = r_ptr[j] + len(u)
        r_ids = np.concatenate(id_parts) if id_parts else np.zeros(0, np.int32)
        r_tf = np.concatenate(tf_parts) if tf_parts else np.zeros(0, np.int32)
        r_len = np.array([len(t) for t in tokens], dtype=np.int64)
    counts: dict[str, int] = {}
    meta = {**store.meta, "counts": counts}
    # the article's own tables, made as a full build makes them, then spliced in
    mine: dict[str, np.ndarray] = {"doc_ptr": r_ptr, "doc_terms": r_ids, "doc_tf": r_tf,
                                   "doc_len": np.asarray(r_len, dtype=np.int64)}
    if article is not None:
        _article_arrays(mine, [article], [parts])
        title = title_term_set(article, title_tokens)
        subject = title | (article_subject(list(range(k_new)), terms, r_ptr, r_ids) if parts else frozenset())
        _put_strings(mine, "title_terms", [" ".join(sorted(title))])
        _put_strings(mine, "subject_terms", [" ".join(sorted(subject))])
    else:
        _article_arrays(mine, [], [])
        _put_strings(mine, "title_terms", [])
        _put_strings(mine, "subject_terms", [])
    n_old = len(old["art_none"])
    runs: list[Run] = [(old, 0, pos, remap), (mine, 0, len(mine["art_none"]), None),
                       (old, pos + (1 if removed else 0), n_old, remap)]
    arrays, term_ids = compose_articles(runs)
    arrays["doc_terms"] = term_ids.astype(np.int32)
    # BM25 from the counts
    n = len(arrays["doc_len"])
    params = store.meta["bm25"] or {"variant": BM25_VARIANT, "k1": BM25_K1, "b": BM25_B}
    bm25 = None
    if n and store.meta.get("segment") != "delta":  # a delta's postings are made when it is opened
        bm25 = BM25Index.from_counts(vocab, arrays["doc_ptr"], arrays["doc_terms"], arrays["doc_tf"],
                                     arrays["doc_len"], variant=params["variant"], k1=params["k1"], b=params["b"])
    _index_arrays(arrays, counts, meta, terms, arrays["doc_ptr"], arrays["doc_terms"], arrays["doc_tf"],
                  arrays["doc_len"], bm25)
    # speller counts: this article's contribution more or less
    sc = _copy_counts(store.speller_counts())
    if article is not None:
        sc.add(_contribution(article, parts))
    else:
        articles = ArticleTable(store)
        passages = PassageTable(store, articles)
        gone_parts = [passages[i] for i in range(first, last)]
        sc.add(_contribution(articles[pos], gone_parts), sign=-1)
    speller_arrays(arrays, counts, sc)
    # mentions: the other passages' ids shifted, this article's found in its own terms, all ranked anew
    arrays["gm_ptr"], arrays["gm_docs"] = np.zeros(1, np.int64), np.zeros(0, np.int64)
    arrays["gm_scores"], arrays["gm_matched"] = np.zeros(0), np.zeros(0, np.int32)
    _put_words(arrays, counts, "gm_words", [])
    partial = Store(arrays, {**meta, "glossary": None}, None)
    if store.meta["glossary"] is not None:
        index = open_index(partial)
        glossary = Glossary.from_json(store.meta["glossary"]["entries"], store.meta["glossary"]["source"])
        old_words = store.words("gm_words")
        ext = {w: i for i, w in enumerate(old_words)}
        ext_words = list(old_words)
        g_ptr, g_docs, g_scores, g_ids = [0], [], [], []
        o_ptr, o_docs, o_matched = old["gm_ptr"], old["gm_docs"], old["gm_matched"]
        delta = k_new - (last - first)
        own_terms = [text_terms(p, t) for p, t in zip(parts, tokens, strict=True)]
        for k, entry in enumerate(glossary.entries):
            s, e = int(o_ptr[k]), int(o_ptr[k + 1])
            docs = np.asarray(o_docs[s:e], dtype=np.int64)
            ids = np.asarray(o_matched[s:e], dtype=np.int64)
            keep = (docs < first) | (docs >= last)
            docs, ids = docs[keep], ids[keep]
            docs = np.where(docs >= last, docs + delta, docs)
            found = find_mentions_in(entry, own_terms) if own_terms else {}
            if found:
                new_ids = []
                for words in found.values():
                    key = " ".join(sorted(words))
                    if key not in ext:
                        ext[key] = len(ext_words)
                        ext_words.append(key)
                    new_ids.append(ext[key])
                docs = np.concatenate((docs, np.array([first + j for j in found], dtype=np.int64)))
                ids = np.concatenate((ids, np.array(new_ids, dtype=np.int64)))
            order, scores = _rank_arrays(index, mention_query(entry), docs)
            g_docs.append(docs[order])
            g_scores.append(scores)
            g_ids.append(ids[order])
            g_ptr.append(g_ptr[-1] + len(order))
        flat = np.concatenate(g_ids) if g_ids else np.zeros(0, np.int64)
        table: list[str] = []
        matched = np.zeros(0, np.int32)
        if len(flat):  # the words table in order of first use, as a full build numbers it
            uniq, first_use = np.unique(flat, return_index=True)
            seq = uniq[np.argsort(first_use, kind="stable")]
            new_of = np.zeros(len(ext_words), dtype=np.int64)
            new_of[seq] = np.arange(len(seq))
            matched = new_of[flat].astype(np.int32)
            table = [ext_words[i] for i in seq.tolist()]
        arrays["gm_ptr"] = np.array(g_ptr, dtype=np.int64)
        arrays["gm_docs"] = np.concatenate(g_docs) if g_docs else np.zeros(0, np.int64)
        arrays["gm_scores"] = np.concatenate(g_scores) if g_scores else np.zeros(0)
        arrays["gm_matched"] = matched
        _put_words(arrays, counts, "gm_words", table)
    return Store(arrays, meta, sc)


def article_position(store: Store, slug: str) -> int:
    """Where an article of that slug is (or would go): the corpus lists files by name."""
    table = ArticleTable(store)
    names = [f"{s}.md" for s in table.slugs]
    return bisect.bisect_left(names, f"{slug}.md")


def with_article(store: Store, article: Article, tokens: Sequence[Sequence[str]],
                 title_tokens: Sequence[str]) -> Store:
    """The store a full rebuild would make with `article` added (`tokens`: its passages' terms).

    Nothing of the other articles is tokenised or read from their files: their counts are spliced,
    BM25's statistics recomputed from the counts, the speller's counts and the glossary's
    mentions extended by this article's alone.
    """
    pos = article_position(store, article.slug)
    slugs = ArticleTable(store).slugs
    if pos < len(slugs) and slugs[pos] == article.slug:
        raise ValueError(f"the store already holds {article.slug}")
    return _edit(store, pos, article, tokens, title_tokens)


def without_article(store: Store, slug: str) -> Store:
    """The store a full rebuild would make with the article `slug` removed (see `with_article`)."""
    pos = ArticleTable(store).by_slug.get(slug)
    if pos is None:
        raise KeyError(slug)
    return _edit(store, pos, None)


def _copy_counts(sc: SpellerCounts) -> SpellerCounts:
    return SpellerCounts(Counter(sc.words), Counter(sc.acronyms), Counter(sc.lower), Counter(sc.capital),
                         Counter(sc.spelled))
