"""A BM25 index whose scores equal `rank_bm25`'s, but whose query path only touches what a query can.

`rank_bm25` defines the score of this project: `BM25Okapi`, `BM25Plus` or `BM25L` with their
parameters. Their `get_scores` walk every passage in Python for every question, which costs most of
a second at 300,000 passages. This module precomputes each (term, passage) weight once, with exactly
the arithmetic `rank_bm25` uses, and stores them as term-major postings in numpy arrays:

* ``_ptr[row]:_ptr[row + 1]`` is the slice of term ``row``, in two tiers split at ``_mid[row]``
  (the few heaviest postings, then the rest), each sorted by passage id;
* ``_docs`` holds the passage ids of that slice (ascending, int64 so numpy does not convert them on
  every gather/scatter), ``_weights`` the float64 weights (float32 would break the 1e-9 contract).

A query sums the rows of its terms into a reusable dense accumulator (``np.add.at``), so the work is
proportional to the postings touched, all of it inside numpy. A MaxScore-style cut skips the long,
low-weight postings of frequent terms once the top k cannot change any more: passages reached only by
those terms cannot reach the current k-th score, so the remaining terms are only looked up (binary
search) for the few candidates that still can.

Scores differ from `rank_bm25` only by float rounding of the summation order (far below 1e-9).
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

import numpy as np

log = logging.getLogger(__name__)

VARIANTS = ("okapi", "plus", "l")
_DEFAULT_DELTA = {"plus": 1.0, "l": 0.5}
_CHUNK_DOCS = 256  # passages tokenised to ids per step: bounds how long the GIL is held at once
_WEIGHT_CHUNK = 1 << 21  # postings weighted per numpy step: bounds the temporary memory of the build
_MARGIN = 1e-9  # relative slack on the pruning bound, far above the rounding of a few float sums
_TIER_MIN_DF = 1024  # posting lists at least this long get a high-weight tier ...
_TIER_FRACTION = 8  # ... holding about 1/8 of the postings


class _Vocab(dict):
    """term -> dense row id, assigned in order of first occurrence (the order `rank_bm25` sees them).

    `__missing__` runs in Python only once per distinct term, so mapping the tokens through
    `map(vocab.__getitem__, ...)` stays in C for every repeated token.
    """

    def __missing__(self, key: str) -> int:
        row = self[key] = len(self)
        return row


def _count_rows(
    corpus: Sequence[Sequence[str]], getitem: Callable[[str], int], doc_len: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Term frequencies as a passage x term matrix in CSR form: (indptr, term ids, counts), the ids
    sorted within each passage.

    Works in chunks of passages so the GIL is released between them (an event loop running
    next to a rebuild thread keeps ticking) and the temporaries stay small.
    """
    n = len(corpus)
    terms_parts: list[np.ndarray] = []
    tf_parts: list[np.ndarray] = []
    nnz_per_doc = np.zeros(n, dtype=np.int64)
    for start in range(0, n, _CHUNK_DOCS):
        end = min(start + _CHUNK_DOCS, n)
        lens = doc_len[start:end]
        ntok = int(lens.sum())
        ids = np.fromiter(
            map(getitem, itertools.chain.from_iterable(corpus[start:end])), dtype=np.int64, count=ntok
        )
        local = np.repeat(np.arange(end - start, dtype=np.int64), lens)
        keys, counts = np.unique((local << 32) | ids, return_counts=True)
        terms_parts.append((keys & 0xFFFFFFFF).astype(np.int32))
        tf_parts.append(counts.astype(np.int32))
        nnz_per_doc[start:end] = np.bincount(keys >> 32, minlength=end - start)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(nnz_per_doc, out=indptr[1:])
    indices = np.concatenate(terms_parts) if terms_parts else np.zeros(0, np.int32)
    data = np.concatenate(tf_parts) if tf_parts else np.zeros(0, np.int32)
    return indptr, indices, data


def count_sorted(
    corpus: Sequence[Sequence[str]],
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(terms in sorted order, indptr, term ids, counts, passage lengths) of a tokenised corpus.

    Term ids follow the sorted vocabulary, so they do not depend on the order the passages came
    in: one article more or less changes the ids only by the terms it alone brings, in order.
    """
    n = len(corpus)
    doc_len = np.fromiter((len(d) for d in corpus), dtype=np.int64, count=n)
    vocab = _Vocab()
    indptr, indices, data = _count_rows(corpus, vocab.__getitem__, doc_len)
    first = list(vocab)  # terms in order of first occurrence (their provisional ids)
    order = sorted(range(len(first)), key=first.__getitem__)
    rank = np.empty(len(first), dtype=np.int32)
    rank[np.array(order, dtype=np.int64)] = np.arange(len(first), dtype=np.int32)
    import scipy.sparse as sp  # only a build needs it: a start from a saved snapshot does not import it

    matrix = sp.csr_matrix((data, rank[indices], indptr), shape=(n, len(first)))
    matrix.sort_indices()
    return ([first[i] for i in order], matrix.indptr.astype(np.int64), matrix.indices.astype(np.int32),
            matrix.data.astype(np.int32), doc_len)


class BM25Index:
    """Term-major BM25 postings equal to `rank_bm25`'s `BM25Okapi`/`BM25Plus`/`BM25L` scores.

    The raw token lists are not kept: only the vocabulary, the postings and per-term statistics.
    """

    def __init__(
        self,
        corpus_tokens: Sequence[Sequence[str]],
        variant: str = "okapi",
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
        delta: float | None = None,
    ) -> None:
        self._setup(variant, k1, b, epsilon, delta)
        n = len(corpus_tokens)
        doc_len = np.fromiter((len(d) for d in corpus_tokens), dtype=np.int64, count=n)
        vocab = _Vocab()
        indptr, indices, data = _count_rows(corpus_tokens, vocab.__getitem__, doc_len)
        self._finish(dict(vocab), indptr, indices, data, doc_len)

    def _setup(self, variant: str, k1: float, b: float, epsilon: float, delta: float | None) -> None:
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, not {variant!r}")
        self.variant = variant
        self.k1 = k1
        self.b = b
        self.epsilon = epsilon
        self.delta = _DEFAULT_DELTA.get(variant, 0.0) if delta is None else delta
        self.average_idf = 0.0
        self._lock = threading.Lock()
        self._buffers: list[np.ndarray] = []

    @classmethod
    def from_counts(
        cls,
        vocab: dict[str, int],
        indptr: np.ndarray,
        indices: np.ndarray,
        data: np.ndarray,
        doc_len: np.ndarray,
        variant: str = "okapi",
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
        delta: float | None = None,
    ) -> BM25Index:
        """The index of a passage x term count matrix in CSR form (row `i` = passage `i`, column =
        `vocab[term]`, sorted within each row): what a rebuild after adding or removing one article
        starts from, so the other articles are never tokenised again."""
        self = cls.__new__(cls)
        self._setup(variant, k1, b, epsilon, delta)
        self._finish(vocab, indptr, indices, data, np.asarray(doc_len, dtype=np.int64))
        return self

    #: The arrays `to_arrays` returns and `from_arrays` takes back.
    ARRAYS = ("ptr", "df", "idf", "docs", "weights", "base", "maxw", "minw", "mid", "lomax")

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, float | int | str]]:
        """The finished index as arrays plus scalar parameters (for a snapshot kept on disk)."""
        arrays = {name: getattr(self, f"_{name}") for name in self.ARRAYS}
        params = {"variant": self.variant, "k1": self.k1, "b": self.b, "epsilon": self.epsilon,
                  "delta": self.delta, "n_docs": self.n_docs, "avgdl": self.avgdl, "average_idf": self.average_idf}
        return arrays, params

    @classmethod
    def from_arrays(cls, vocab: dict[str, int], arrays: Mapping[str, np.ndarray],
                    params: Mapping[str, float | int | str]) -> BM25Index:
        """An index from `to_arrays`' output, computing nothing (the arrays may be read-only maps)."""
        self = cls.__new__(cls)
        self._setup(str(params["variant"]), float(params["k1"]), float(params["b"]), float(params["epsilon"]),
                    float(params["delta"]))
        self.n_docs = int(params["n_docs"])
        self.avgdl = float(params["avgdl"])
        self.average_idf = float(params["average_idf"])
        self._vocab = vocab
        for name in cls.ARRAYS:
            setattr(self, f"_{name}", arrays[name])
        return self

    def _finish(
        self, vocab: dict[str, int], indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, doc_len: np.ndarray
    ) -> None:
        n = len(doc_len)
        self.n_docs = n
        self.avgdl = int(doc_len.sum()) / n if n else 0.0
        import scipy.sparse as sp

        csc = sp.csr_matrix((data, indices, indptr), shape=(n, len(vocab))).tocsc()
        self._vocab: dict[str, int] = vocab
        self._ptr = csc.indptr.astype(np.int64)
        df = np.diff(self._ptr)
        self._df = df
        self._idf = self._compute_idf(df)
        self._docs = csc.indices.astype(np.intp)
        tf = csc.data
        del csc
        self._weights = self._compute_weights(tf, doc_len)
        del tf
        # Base score every passage gets per query term (only BM25Plus has one): idf * (delta + 0).
        self._base = self._idf * self.delta if self.variant == "plus" else np.zeros_like(self._idf)
        if len(self._weights):
            starts = self._ptr[:-1]
            self._maxw = np.maximum.reduceat(self._weights, starts)
            self._minw = np.minimum.reduceat(self._weights, starts)
        else:
            self._maxw = self._minw = np.zeros(0)
        self._mid, self._lomax = self._split_tiers()

    def _split_tiers(self) -> tuple[np.ndarray, np.ndarray]:
        """Split each long posting list into a high-weight and a low-weight tier, each sorted by id.

        The pruning bound of a list is its largest weight, set by rare outliers (a high tf in a
        short passage). The bulk of a frequent term, in its low tier, has a much lower bound, so the
        top k is settled sooner and the long low tiers are only looked up for a few candidates.
        Returns the end of the high tier (= start of the low one) and the low tier's largest weight.
        """
        ptr, docs, weights = self._ptr, self._docs, self._weights
        mid = ptr[1:].copy()
        lomax = np.zeros(len(mid))
        for row in np.flatnonzero(self._df >= _TIER_MIN_DF).tolist():
            s, e = int(ptr[row]), int(ptr[row + 1])
            w = weights[s:e]
            pivot = (e - s) - (e - s) // _TIER_FRACTION - 1
            tau = float(np.partition(w, pivot)[pivot])
            high = w > tau
            n_high = int(np.count_nonzero(high))
            if n_high == 0:
                continue
            d = docs[s:e]
            docs[s:e] = np.concatenate((d[high], d[~high]))
            weights[s:e] = np.concatenate((w[high], w[~high]))
            mid[row] = s + n_high
            lomax[row] = tau
        return mid, lomax

    # ------------------------------------------------------------------ build

    def _compute_idf(self, df: np.ndarray) -> np.ndarray:
        """idf per row, with `math.log` in `rank_bm25`'s order so even Okapi's average is identical."""
        n = self.n_docs
        values = [0.0] * len(df)
        if self.variant == "okapi":
            idf_sum = 0.0
            negative = []
            for row, freq in enumerate(df.tolist()):
                idf = math.log(n - freq + 0.5) - math.log(freq + 0.5)
                values[row] = idf
                idf_sum += idf
                if idf < 0:
                    negative.append(row)
            self.average_idf = idf_sum / len(df) if len(df) else 0.0
            eps = self.epsilon * self.average_idf
            for row in negative:
                values[row] = eps
        elif self.variant == "plus":
            values = [math.log((n + 1) / freq) for freq in df.tolist()]
        else:
            values = [math.log(n + 1) - math.log(freq + 0.5) for freq in df.tolist()]
        return np.array(values, dtype=np.float64)

    def _compute_weights(self, tf_counts: np.ndarray, doc_len: np.ndarray) -> np.ndarray:
        """Per-posting weight above the no-match base, with `rank_bm25`'s operations and operand order."""
        k1, b, delta = self.k1, self.b, self.delta
        with np.errstate(divide="ignore", invalid="ignore"):
            lnorm = 1 - b + b * doc_len / self.avgdl if self.n_docs else np.zeros(0)
        norm = k1 * lnorm
        out = np.empty(len(tf_counts), dtype=np.float64)
        rows = np.arange(len(self._df))
        for s in range(0, len(out), _WEIGHT_CHUNK):
            e = min(s + _WEIGHT_CHUNK, len(out))
            # Rows overlapping [s, e): repeat their idf over exactly the postings in range.
            r0 = int(np.searchsorted(self._ptr, s, side="right")) - 1
            r1 = int(np.searchsorted(self._ptr, e, side="left"))
            seg = np.clip(self._ptr[r0 : r1 + 1], s, e)
            idf = np.repeat(self._idf[rows[r0:r1]], np.diff(seg))
            tf = tf_counts[s:e].astype(np.float64)
            docs = self._docs[s:e]
            if self.variant == "okapi":
                out[s:e] = idf * (tf * (k1 + 1) / (tf + norm[docs]))
            elif self.variant == "plus":
                out[s:e] = idf * ((tf * (k1 + 1)) / (norm[docs] + tf))
            else:
                ctd = tf / lnorm[docs]
                out[s:e] = idf * tf * (k1 + 1) * (ctd + delta) / (k1 + ctd + delta)
        return out

    # ------------------------------------------------------------------ statistics

    def __contains__(self, term: object) -> bool:
        return term in self._vocab

    @property
    def vocabulary(self) -> Mapping[str, int]:
        """Read-only term -> row id mapping (supports `term in index.vocabulary`)."""
        return MappingProxyType(self._vocab)

    def idf(self, term: str) -> float:
        """`rank_bm25`'s `idf[term]` (after Okapi's epsilon floor), 0.0 for an unknown term."""
        row = self._vocab.get(term)
        return 0.0 if row is None else float(self._idf[row])

    def doc_freq(self, term: str) -> int:
        """Number of passages containing `term`."""
        row = self._vocab.get(term)
        return 0 if row is None else int(self._df[row])

    def postings(self, term: str) -> np.ndarray:
        """Ids of the passages containing `term` (a read-only view, in no particular order)."""
        row = self._vocab.get(term)
        if row is None:
            return np.zeros(0, dtype=np.intp)
        view = self._docs[self._ptr[row] : self._ptr[row + 1]]
        view.flags.writeable = False
        return view

    def term_weights(self, term: str, docs: np.ndarray) -> np.ndarray:
        """The weight `term` adds to each of `docs` beyond its no-match base (0.0 where absent)."""
        out = np.zeros(len(docs))
        row = self._vocab.get(term)
        if row is None or not len(docs):
            return out
        s, m, e = int(self._ptr[row]), int(self._mid[row]), int(self._ptr[row + 1])
        for lo, hi in ((s, m), (m, e)):  # each tier is sorted by passage id
            if hi <= lo:
                continue
            tier = self._docs[lo:hi]
            pos = np.minimum(np.searchsorted(tier, docs), len(tier) - 1)
            hit = tier[pos] == docs
            out[hit] += self._weights[lo + pos[hit]]
        return out

    @property
    def nbytes(self) -> int:
        """Bytes held by the numpy arrays of the index (the vocabulary dict comes on top)."""
        arrays = (self._ptr, self._df, self._idf, self._docs, self._weights, self._mid, self._lomax)
        return sum(a.nbytes for a in (*arrays, self._base, self._maxw, self._minw))

    # ------------------------------------------------------------------ queries

    def _query_rows(self, query_tokens: Sequence[str]) -> tuple[list[tuple[int, int]], float]:
        """Known query terms as (row, multiplicity) and the summed no-match base of all tokens.

        `rank_bm25` adds a term once per occurrence in the query, so duplicates weigh double.
        """
        counts: dict[int, int] = {}
        base = 0.0
        vocab = self._vocab
        for token in query_tokens:
            row = vocab.get(token)
            if row is not None:
                counts[row] = counts.get(row, 0) + 1
                base += self._base[row]
        return list(counts.items()), base

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """Every passage's score, equal to `rank_bm25`'s `get_scores` (linear; for tests and tools)."""
        rows, base = self._query_rows(query_tokens)
        acc = np.zeros(self.n_docs)
        for row, count in rows:
            s, e = self._ptr[row], self._ptr[row + 1]
            acc[self._docs[s:e]] += self._weights[s:e] * count
        return acc + base

    def score_docs(self, query_tokens: Sequence[str], docs: np.ndarray) -> np.ndarray:
        """The scores of the passages `docs` only (sorted ids), as `scores` would give them.

        Each posting list (tier) is sorted by passage id, so the weights are found by binary search:
        the work grows with the passages asked about, not with the corpus.
        """
        docs = np.asarray(docs, dtype=np.intp)
        rows, base = self._query_rows(query_tokens)
        out = np.zeros(len(docs))
        if not len(docs):
            return out
        for row, count in rows:
            for s, e in ((int(self._ptr[row]), int(self._mid[row])), (int(self._mid[row]), int(self._ptr[row + 1]))):
                if s == e:
                    continue
                seg = self._docs[s:e]
                pos = np.minimum(np.searchsorted(seg, docs), e - s - 1)
                hit = seg[pos] == docs
                out[hit] += self._weights[s + pos[hit]] * count
        return out + base

    def top_k(self, query_tokens: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The k best passages containing at least one query term: (passage id, score).

        Sorted by score descending, ties by passage id ascending. Scores equal `get_scores` for the
        passage, including BM25Plus's base score from the query terms it does not contain.
        """
        if k <= 0 or not self.n_docs:
            return []
        rows, base = self._query_rows(query_tokens)
        if not rows:
            return []
        if min(self._minw[row] for row, _ in rows) <= 0.0:
            # A zero or negative weight (Okapi's idf can be <= 0 on tiny corpora) breaks both the
            # "accumulator > 0 means matched" test and the pruning bound: take the plain exact path.
            docs, vals = self._candidates_exact(rows)
        else:
            docs, vals = self._candidates_pruned(rows, k)
        return self._select(docs, vals + base, k)

    def _candidates_exact(self, rows: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """All matched passages and their summed weights, with fresh dense arrays (numpy-linear)."""
        acc = np.zeros(self.n_docs)
        matched = np.zeros(self.n_docs, dtype=bool)
        for row, count in rows:
            s, e = self._ptr[row], self._ptr[row + 1]
            docs = self._docs[s:e]
            acc[docs] += self._weights[s:e] * count
            matched[docs] = True
        cand = np.flatnonzero(matched)
        return cand, acc[cand]

    def _acquire(self) -> np.ndarray:
        with self._lock:
            if self._buffers:
                return self._buffers.pop()
        return np.zeros(self.n_docs)

    def _release(self, acc: np.ndarray) -> None:
        with self._lock:
            self._buffers.append(acc)

    def _candidates_pruned(self, rows: list[tuple[int, int]], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Candidates that can still make the top k, with their exact summed weights.

        Requires every weight of the query terms to be > 0. The posting lists (tiers) are taken by
        descending upper bound (rare terms and high tiers first) and summed into the dense
        accumulator. Before a long list, if the bound of all remaining lists is below the current
        k-th partial score, no passage reached only by them can enter the top k: the candidates that
        can no longer reach that score are dropped, and the remaining lists only add their weights
        to the survivors.
        """
        lists: list[tuple[float, int, int, int]] = []  # (upper bound, start, end, multiplicity)
        for row, count in rows:
            s, m, e = int(self._ptr[row]), int(self._mid[row]), int(self._ptr[row + 1])
            lists.append((count * float(self._maxw[row]), s, m, count))
            if m < e:
                lists.append((count * float(self._lomax[row]), m, e, count))
        lists.sort(reverse=True)
        suffix = [*itertools.accumulate(u for u, _, _, _ in reversed(lists))][::-1]
        total = suffix[0]
        all_docs, weights = self._docs, self._weights
        acc = self._acquire()
        parts: list[np.ndarray] = []
        ncand = 0
        cut = len(lists)
        theta = 0.0
        try:
            for j, (_, s, e, count) in enumerate(lists):
                # theta <= the best partial score <= the bounds summed so far: skip hopeless checks.
                if ncand >= k and 2 * (e - s) > ncand and suffix[j] * (1 + _MARGIN) < total - suffix[j]:
                    cand = np.concatenate(parts) if len(parts) > 1 else parts[0]
                    parts = [cand]
                    theta = float(np.partition(acc.take(cand), ncand - k)[ncand - k])
                    if suffix[j] * (1 + _MARGIN) < theta:
                        cut = j
                        break
                docs = all_docs[s:e]
                new = docs[acc.take(docs) == 0.0] if parts else docs
                np.add.at(acc, docs, weights[s:e] if count == 1 else weights[s:e] * count)
                parts.append(new)
                ncand += len(new)
            cand = np.concatenate(parts) if len(parts) > 1 else parts[0]
            vals = acc.take(cand)
            acc[cand] = 0.0
            if cut < len(lists):
                cand, vals = self._finish_survivors(acc, cand, vals, lists[cut:], suffix[cut:], theta, k)
        except BaseException:
            acc = None  # possibly dirty: drop it rather than return it to the pool
            raise
        finally:
            if acc is not None:
                self._release(acc)
        return cand, vals

    def _finish_survivors(
        self,
        acc: np.ndarray,
        cand: np.ndarray,
        vals: np.ndarray,
        rest: list[tuple[float, int, int, int]],
        suffix: list[float],
        theta: float,
        k: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Add the remaining (low-bound, long) lists to the candidates that can still make the top k.

        Before each list the k-th partial score (a lower bound of the final k-th score, as weights
        are positive) and the shrinking bound of the lists left prune the candidates further. A list
        is then looked up by binary search for few sorted candidates, or scattered into the clean
        accumulator and gathered when the candidates are many (binary search costs ~10x a scatter).
        """
        all_docs, weights = self._docs, self._weights
        is_sorted = False
        for j, (_, s, e, count) in enumerate(rest):
            if len(vals) > k:
                theta = max(theta, float(np.partition(vals, len(vals) - k)[len(vals) - k]))
            keep = vals + suffix[j] * (1 + _MARGIN) >= theta
            if not keep.all():
                cand, vals = cand[keep], vals[keep]
            docs = all_docs[s:e]
            if 10 * len(cand) < e - s:
                if not is_sorted:
                    order = np.argsort(cand)
                    cand, vals = cand[order], vals[order]
                    is_sorted = True
                pos = np.minimum(np.searchsorted(docs, cand), len(docs) - 1)
                hit = docs[pos] == cand
                vals[hit] += weights[s + pos[hit]] * count
            else:
                acc[docs] = weights[s:e] if count == 1 else weights[s:e] * count
                vals += acc.take(cand)
                acc[docs] = 0.0
        return cand, vals

    @staticmethod
    def _select(docs: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Top k by score desc then id asc; every passage tied with the k-th is considered."""
        if len(docs) > k:
            kth = np.partition(scores, len(scores) - k)[len(scores) - k]
            sel = np.flatnonzero(scores >= kth)
            docs, scores = docs[sel], scores[sel]
        order = np.lexsort((docs, -scores))[:k]
        return list(zip(docs[order].tolist(), scores[order].tolist(), strict=True))
