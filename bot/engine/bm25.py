"""A BM25 index whose scores equal `rank_bm25`'s, but whose query path only touches what a query can.

`rank_bm25` defines the score of this project: `BM25Okapi`, `BM25Plus` or `BM25L` with their
parameters. Their `get_scores` walk every passage in Python for every question, which costs most of
a second at 300,000 passages. This module keeps the counts BM25 is made of as term-major postings in
numpy arrays, per segment of passages (`_Segment`: the main snapshot, and a small delta of passages
added since, with removed ones masked):

* ``ptr[row]:ptr[row + 1]`` is the slice of term ``row``, in two tiers split at ``mid[row]``
  (the few heaviest postings, then the rest), each sorted by passage id;
* ``docs`` holds the passage ids of that slice (int64 so numpy does not convert them on every
  gather/scatter), ``tf`` the term's count in each.

A query computes the weights of the postings it touches from the global statistics (N, average
length, df: main + delta - removed), with exactly the arithmetic `rank_bm25` uses, and sums the rows
of its terms into a reusable dense accumulator (``np.add.at``), so the work is proportional to the
postings touched, all of it inside numpy. Adding an article therefore changes no stored number of
the main segment. A MaxScore-style cut skips the long, low-weight postings of frequent terms once
the top k cannot change any more: passages reached only by those terms cannot reach the current
k-th score, so the remaining terms are only looked up (binary search) for the few candidates that
still can. The bounds are stored per tier as weight per idf and scaled to the statistics of the day.

Scores differ from `rank_bm25` only by float rounding of the summation order (far below 1e-9); the
final scores are summed term by term in query order, so they do not depend on the segments.
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
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


@dataclass(frozen=True)
class _Segment:
    """One run of passages with its own term-major postings: the main snapshot, or the delta beside it.

    ``ptr[row]:ptr[row + 1]`` is a row's slice in two tiers split at ``mid[row]`` (the heaviest
    postings, then the rest), each sorted by local passage id; ``tf`` holds the counts. ``gmax`` and
    ``glomax`` bound the weight-per-idf of each tier at ``ref_avgdl`` (the average length they were
    computed with); at another average length A they still bound it after scaling by max(1, A / ref),
    since a passage's length normalisation moves by at most that factor. Rows past ``len(ptr) - 1``
    are empty in this segment. ``gid`` maps local to global passage ids (-1: removed), None when
    they are the same; ``norm`` is the length normalisation at the global average length.
    """

    ptr: np.ndarray
    docs: np.ndarray
    tf: np.ndarray
    mid: np.ndarray
    gmax: np.ndarray
    glomax: np.ndarray
    doc_len: np.ndarray
    ref_avgdl: float
    gid: np.ndarray | None = None
    dead: bool = False
    norm: np.ndarray | None = None

    def span(self, row: int) -> tuple[int, int, int] | None:
        if row >= len(self.ptr) - 1:
            return None
        s, e = int(self.ptr[row]), int(self.ptr[row + 1])
        return (s, int(self.mid[row]), e) if s < e else None


class BM25Index:
    """Term-major BM25 postings scoring like `rank_bm25`'s `BM25Okapi`/`BM25Plus`/`BM25L`.

    What is stored is counts (each posting's tf, each passage's length, each term's df); the
    weights are computed per query from the global N, average length and df, so a small delta
    segment of added passages (and removed ones, masked out) changes no stored number of the main
    segment. A query computes only the weights of the postings it touches, all in numpy.
    The raw token lists are not kept.
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
        `vocab[term]`, sorted within each row): what a rebuild starts from, so the articles are
        never tokenised again."""
        self = cls.__new__(cls)
        self._setup(variant, k1, b, epsilon, delta)
        self._finish(vocab, indptr, indices, data, np.asarray(doc_len, dtype=np.int64))
        return self

    #: The arrays `to_arrays` returns and `from_arrays` takes back (with the passage lengths).
    ARRAYS = ("ptr", "df", "docs", "tf", "mid", "gmax", "glomax")

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, float | int | str]]:
        """The index of one segment as arrays plus scalar parameters (for a snapshot kept on disk)."""
        if len(self._segs) != 1 or self._segs[0].gid is not None:
            raise ValueError("only an index of one segment is saved; merge the segments first")
        seg = self._segs[0]
        arrays = {"ptr": seg.ptr, "df": self._df, "docs": seg.docs, "tf": seg.tf, "mid": seg.mid,
                  "gmax": seg.gmax, "glomax": seg.glomax}
        params = {"variant": self.variant, "k1": self.k1, "b": self.b, "epsilon": self.epsilon,
                  "delta": self.delta, "n_docs": self.n_docs, "total_len": self.total_len,
                  "avgdl": self.avgdl, "average_idf": self.average_idf}
        return arrays, params

    @classmethod
    def from_arrays(cls, vocab: dict[str, int], arrays: Mapping[str, np.ndarray],
                    params: Mapping[str, float | int | str], doc_len: np.ndarray) -> BM25Index:
        """An index from `to_arrays`' output and the passage lengths (the arrays may be read-only maps)."""
        self = cls.__new__(cls)
        self._setup(str(params["variant"]), float(params["k1"]), float(params["b"]), float(params["epsilon"]),
                    float(params["delta"]))
        self._vocab = vocab
        seg = _Segment(arrays["ptr"], arrays["docs"], arrays["tf"], arrays["mid"], arrays["gmax"],
                       arrays["glomax"], doc_len, float(params["avgdl"]))
        self._install([seg], arrays["df"], int(params["n_docs"]), int(params["total_len"]))
        return self

    @classmethod
    def segmented(
        cls,
        main: BM25Index,
        vocab: dict[str, int],
        main_gid: np.ndarray,
        dead_df: np.ndarray,
        delta: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        delta_gid: np.ndarray,
    ) -> BM25Index:
        """`main` (one segment) with some of its passages removed and a delta segment added.

        `main_gid[i]`: the global id of main's passage i (-1: removed); `dead_df[row]`: how many
        removed passages hold the term; `delta`: the added passages' counts in CSR form with
        global term rows (`vocab` extends main's), and `delta_gid` their global ids. Nothing of
        main's arrays is copied: its stored bounds are scaled to the new statistics.
        """
        self = cls.__new__(cls)
        self._setup(main.variant, main.k1, main.b, main.epsilon, main.delta)
        self._vocab = vocab
        indptr, rows, tf, doc_len = delta
        n_rows = len(vocab)
        df = np.zeros(n_rows, dtype=np.int64)
        df[: len(main._df)] = main._df
        df[: len(dead_df)] -= dead_df
        df += np.bincount(rows, minlength=n_rows)
        (base,) = main._segs
        alive = main_gid >= 0
        dead = not bool(alive.all())
        total = main.total_len - (int(base.doc_len[~alive].sum()) if dead else 0) + int(doc_len.sum())
        n = int(alive.sum()) + len(doc_len)
        first = replace(base, gid=main_gid, dead=dead)
        local = np.repeat(np.arange(len(doc_len), dtype=np.intp), np.diff(indptr))
        order = np.lexsort((local, rows))
        ptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_rows), out=ptr[1:])
        avgdl = total / n if n else 0.0
        second = _Segment(ptr, local[order], np.asarray(tf, dtype=np.int32)[order], ptr[1:], np.zeros(0),
                          np.zeros(n_rows), np.asarray(doc_len, dtype=np.int64), avgdl, delta_gid)
        self._install([first, second], df, n, total)
        second = self._segs[1]
        g = self._weigh(second, second.tf, second.docs, 1.0)
        gmax = np.zeros(n_rows)
        nz = np.flatnonzero(np.diff(ptr))
        if len(nz):
            gmax[nz] = np.maximum.reduceat(g, ptr[nz])
        self._segs[1] = replace(second, gmax=gmax)
        return self

    def _finish(
        self, vocab: dict[str, int], indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, doc_len: np.ndarray
    ) -> None:
        n = len(doc_len)
        import scipy.sparse as sp

        csc = sp.csr_matrix((data, indices, indptr), shape=(n, len(vocab))).tocsc()
        self._vocab: dict[str, int] = vocab
        ptr = csc.indptr.astype(np.int64)
        docs = csc.indices.astype(np.intp)
        tf = csc.data.astype(np.int32)
        del csc
        total = int(doc_len.sum())
        seg = _Segment(ptr, docs, tf, ptr[1:].copy(), np.zeros(len(vocab)), np.zeros(len(vocab)), doc_len,
                       total / n if n else 0.0)
        self._install([seg], np.diff(ptr), n, total)
        self._segs[0] = self._split_tiers(self._segs[0])

    def _install(self, segs: list[_Segment], df: np.ndarray, n: int, total: int) -> None:
        """Global statistics, each segment's length normalisation, Okapi's average idf."""
        self._df = df
        self.n_docs = n
        self.total_len = total
        self.avgdl = total / n if n else 0.0
        k1, b = self.k1, self.b
        out = []
        for seg in segs:
            with np.errstate(divide="ignore", invalid="ignore"):
                lnorm = 1 - b + b * seg.doc_len / self.avgdl if self.n_docs else np.zeros(len(seg.doc_len))
            out.append(replace(seg, norm=lnorm if self.variant == "l" else k1 * lnorm))
        self._segs = out
        self._ratios = [max(1.0, self.avgdl / s.ref_avgdl) if s.ref_avgdl > 0 else 1.0 for s in out]
        self._single = len(out) == 1 and out[0].gid is None
        if len(out) > 1:  # global id -> (segment, local id)
            self._seg_of = np.zeros(n, dtype=np.int8)
            self._loc = np.zeros(n, dtype=np.intp)
            for si, seg in enumerate(out):
                assert seg.gid is not None
                alive = np.flatnonzero(seg.gid >= 0)
                self._seg_of[seg.gid[alive]] = si
                self._loc[seg.gid[alive]] = alive
        if self.variant == "okapi":
            # rank_bm25's order and math.log over the terms present, so the average is identical
            idf_sum, count = 0.0, 0
            for freq in df.tolist():
                if freq > 0:
                    idf_sum += math.log(n - freq + 0.5) - math.log(freq + 0.5)
                    count += 1
            self.average_idf = idf_sum / count if count else 0.0

    def _split_tiers(self, seg: _Segment) -> _Segment:
        """Split each long posting list into a high-weight and a low-weight tier, each sorted by id.

        The pruning bound of a list is its largest weight, set by rare outliers (a high tf in a
        short passage). The bulk of a frequent term, in its low tier, has a much lower bound, so the
        top k is settled sooner and the long low tiers are only looked up for a few candidates.
        Within a row the idf is one factor, so the tiers are split on the weight per idf.
        """
        ptr, docs, tf = seg.ptr, seg.docs, seg.tf
        g = self._weigh(seg, tf, docs, 1.0) if len(docs) else np.zeros(0)
        mid = ptr[1:].copy()
        gmax = np.zeros(len(mid))
        glomax = np.zeros(len(mid))
        for row in np.flatnonzero(self._df >= _TIER_MIN_DF).tolist():
            s, e = int(ptr[row]), int(ptr[row + 1])
            w = g[s:e]
            pivot = (e - s) - (e - s) // _TIER_FRACTION - 1
            tau = float(np.partition(w, pivot)[pivot])
            high = w > tau
            n_high = int(np.count_nonzero(high))
            if n_high == 0:
                continue
            order = np.concatenate((np.flatnonzero(high), np.flatnonzero(~high)))
            docs[s:e] = docs[s:e][order]
            tf[s:e] = tf[s:e][order]
            g[s:e] = w[order]
            mid[row] = s + n_high
            glomax[row] = tau
        nz = np.flatnonzero(np.diff(ptr))
        if len(nz):
            gmax[nz] = np.maximum.reduceat(g, ptr[nz])
        return replace(seg, mid=mid, gmax=gmax, glomax=glomax)

    # ------------------------------------------------------------------ weights

    def _weigh(self, seg: _Segment, tf_counts: np.ndarray, docs: np.ndarray, idf: float) -> np.ndarray:
        """Weights above the no-match base of postings (tf, local passage): `rank_bm25`'s formula,
        rearranged to take few passes over the postings (the same to far below 1e-9). Elementwise,
        so a weight does not depend on which others are computed with it."""
        k1 = self.k1
        den = seg.norm[docs]
        if self.variant == "l":
            ctd = np.divide(tf_counts, den, out=den)
            lift = ctd + self.delta
            w = np.multiply(tf_counts, idf * (k1 + 1))
            w *= lift
            lift += k1
            w /= lift
            return w
        den += tf_counts
        w = np.multiply(tf_counts, idf * (k1 + 1))
        w /= den
        return w

    def _idf_row(self, row: int) -> float:
        """`rank_bm25`'s idf of a term present in the corpus (after Okapi's epsilon floor)."""
        n, freq = self.n_docs, int(self._df[row])
        if self.variant == "okapi":
            idf = math.log(n - freq + 0.5) - math.log(freq + 0.5)
            return self.epsilon * self.average_idf if idf < 0 else idf
        if self.variant == "plus":
            return math.log((n + 1) / freq)
        return math.log(n + 1) - math.log(freq + 0.5)

    def _list(self, si: int, s: int, e: int, idf: float, count: int) -> tuple[np.ndarray, np.ndarray]:
        """(global passage ids, weights x count) of postings [s, e) of segment `si`, removed ones left out."""
        seg = self._segs[si]
        docs = seg.docs[s:e]
        w = self._weigh(seg, seg.tf[s:e], docs, idf)
        if count != 1:
            w = w * count
        if seg.gid is None:
            return docs, w
        ids = seg.gid[docs]
        if seg.dead:
            keep = ids >= 0
            ids, w = ids[keep], w[keep]
        return ids, w

    def _local(self, si: int, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions in `docs`, local ids) of the sorted global ids `docs` that segment `si` holds."""
        if self._single:
            return np.arange(len(docs)), docs
        sel = np.flatnonzero(self._seg_of[docs] == si)
        return sel, self._loc[docs[sel]]

    def _add_row(self, out: np.ndarray, docs: np.ndarray, row: int, idf: float, count: int) -> None:
        """out[j] += the weight of term `row` in passage docs[j] (distinct global ids), times count."""
        for si, seg in enumerate(self._segs):
            span = seg.span(row)
            if span is None:
                continue
            sel, local = self._local(si, docs)
            if not len(sel):
                continue
            s, m, e = span
            for lo, hi in ((s, m), (m, e)):  # each tier is sorted by passage id
                if hi <= lo:
                    continue
                tier = seg.docs[lo:hi]
                pos = np.minimum(np.searchsorted(tier, local), hi - lo - 1)
                hit = tier[pos] == local
                at = lo + pos[hit]
                w = self._weigh(seg, seg.tf[at], seg.docs[at], idf)
                out[sel[hit]] += w * count if count != 1 else w

    # ------------------------------------------------------------------ statistics

    def _row(self, term: str) -> int | None:
        row = self._vocab.get(term)
        return row if row is not None and self._df[row] > 0 else None

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self._row(term) is not None

    @property
    def vocabulary(self) -> Mapping[str, int]:
        """Read-only term -> row id mapping (supports `term in index.vocabulary`)."""
        return MappingProxyType(self._vocab)

    def idf(self, term: str) -> float:
        """`rank_bm25`'s `idf[term]` (after Okapi's epsilon floor), 0.0 for an unknown term."""
        row = self._row(term)
        return 0.0 if row is None else self._idf_row(row)

    def doc_freq(self, term: str) -> int:
        """Number of passages containing `term`."""
        row = self._row(term)
        return 0 if row is None else int(self._df[row])

    def postings(self, term: str) -> np.ndarray:
        """Ids of the passages containing `term` (read-only, in no particular order)."""
        row = self._row(term)
        if row is None:
            return np.zeros(0, dtype=np.intp)
        parts = []
        for seg in self._segs:
            span = seg.span(row)
            if span is not None:
                docs = seg.docs[span[0] : span[2]]
                if seg.gid is not None:
                    docs = seg.gid[docs]
                    docs = docs[docs >= 0] if seg.dead else docs
                parts.append(docs)
        view = parts[0] if len(parts) == 1 else np.concatenate(parts) if parts else np.zeros(0, dtype=np.intp)
        view = view.view()
        view.flags.writeable = False
        return view

    def term_weights(self, term: str, docs: np.ndarray) -> np.ndarray:
        """The weight `term` adds to each of `docs` beyond its no-match base (0.0 where absent)."""
        out = np.zeros(len(docs))
        row = self._row(term)
        if row is None or not len(docs):
            return out
        self._add_row(out, np.asarray(docs, dtype=np.intp), row, self._idf_row(row), 1)
        return out

    @property
    def nbytes(self) -> int:
        """Bytes held by the numpy arrays of the index (the vocabulary dict comes on top)."""
        total = self._df.nbytes
        for seg in self._segs:
            arrays = (seg.ptr, seg.docs, seg.tf, seg.mid, seg.gmax, seg.glomax, seg.doc_len, seg.norm, seg.gid)
            total += sum(a.nbytes for a in arrays if a is not None)
        return total

    # ------------------------------------------------------------------ queries

    def _query_rows(self, query_tokens: Sequence[str]) -> tuple[list[tuple[int, int, float]], float]:
        """Known query terms as (row, multiplicity, idf) and the summed no-match base of all tokens.

        `rank_bm25` adds a term once per occurrence in the query, so duplicates weigh double.
        """
        counts: dict[int, int] = {}
        idfs: dict[int, float] = {}
        base = 0.0
        for token in query_tokens:
            row = self._row(token)
            if row is not None:
                counts[row] = counts.get(row, 0) + 1
                if row not in idfs:
                    idfs[row] = self._idf_row(row)
                if self.variant == "plus":
                    base += idfs[row] * self.delta
        return [(row, count, idfs[row]) for row, count in counts.items()], base

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """Every passage's score, equal to `rank_bm25`'s `get_scores` (linear; for tests and tools)."""
        rows, base = self._query_rows(query_tokens)
        acc = np.zeros(self.n_docs)
        for docs, w in self._whole_rows(rows):
            acc[docs] += w
        return acc + base

    def _whole_rows(self, rows: list[tuple[int, int, float]]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(global ids, weights x count) of each query term's postings in each segment, in query order."""
        for row, count, idf in rows:
            for si, seg in enumerate(self._segs):
                span = seg.span(row)
                if span is not None:
                    yield self._list(si, span[0], span[2], idf, count)

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
        for row, count, idf in rows:
            self._add_row(out, docs, row, idf, count)
        return out + base

    def top_k(self, query_tokens: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The k best passages containing at least one query term: (passage id, score).

        Sorted by score descending, ties by passage id ascending. Scores equal `get_scores` for the
        passage, including BM25Plus's base score from the query terms it does not contain, summed
        term by term in query order whatever path found them (so one corpus scores the same
        whether it is one segment or a main one and a delta).
        """
        if k <= 0 or not self.n_docs:
            return []
        rows, base = self._query_rows(query_tokens)
        if not rows:
            return []
        if min(idf for _, _, idf in rows) <= 0.0:
            # A zero or negative weight (Okapi's idf can be <= 0 on tiny corpora) breaks both the
            # "accumulator > 0 means matched" test and the pruning bound: take the plain exact path.
            docs, vals = self._candidates_exact(rows)
            return self._select(docs, vals + base, k)
        docs, vals = self._candidates_pruned(rows, k)
        if len(docs) > k:  # the summation order of the pruned path followed the bounds: near the
            # k-th score, sum again in query order (the sums differ by rounding only)
            kth = float(np.partition(vals, len(vals) - k)[len(vals) - k])
            near = vals >= kth - abs(kth) * _MARGIN
            docs = docs[near]
        docs = np.sort(docs)
        return self._select(docs, self.score_docs(query_tokens, docs), k)

    def _candidates_exact(self, rows: list[tuple[int, int, float]]) -> tuple[np.ndarray, np.ndarray]:
        """All matched passages and their summed weights, with fresh dense arrays (numpy-linear)."""
        acc = np.zeros(self.n_docs)
        matched = np.zeros(self.n_docs, dtype=bool)
        for docs, w in self._whole_rows(rows):
            acc[docs] += w
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

    def _lists(self, rows: list[tuple[int, int, float]]) -> list[tuple[float, int, int, int, int, float]]:
        """Every tier of every segment the query terms reach, as (upper bound, segment, start, end,
        multiplicity, idf), by descending bound (ties in a fixed order)."""
        lists = []
        for row, count, idf in rows:
            for si, seg in enumerate(self._segs):
                span = seg.span(row)
                if span is None:
                    continue
                s, m, e = span
                scale = count * idf * self._ratios[si]
                lists.append((scale * float(seg.gmax[row]), si, s, m, count, idf))
                if m < e:
                    lists.append((scale * float(seg.glomax[row]), si, m, e, count, idf))
        lists.sort(key=lambda t: (-t[0], t[1], t[2]))
        return lists

    def _candidates_pruned(self, rows: list[tuple[int, int, float]], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Candidates that can still make the top k, with their summed weights.

        Requires every weight of the query terms to be > 0. The posting lists (tiers) are taken by
        descending upper bound (rare terms and high tiers first) and summed into the dense
        accumulator. Before a long list, if the bound of all remaining lists is below the current
        k-th partial score, no passage reached only by them can enter the top k: the candidates that
        can no longer reach that score are dropped, and the remaining lists only add their weights
        to the survivors.
        """
        lists = self._lists(rows)
        suffix = [*itertools.accumulate(t[0] for t in reversed(lists))][::-1]
        total = suffix[0]
        acc = self._acquire()
        parts: list[np.ndarray] = []
        ncand = 0
        cut = len(lists)
        theta = 0.0
        try:
            for j, (_, si, s, e, count, idf) in enumerate(lists):
                # theta <= the best partial score <= the bounds summed so far: skip hopeless checks.
                if ncand >= k and 2 * (e - s) > ncand and suffix[j] * (1 + _MARGIN) < total - suffix[j]:
                    cand = np.concatenate(parts) if len(parts) > 1 else parts[0]
                    parts = [cand]
                    theta = float(np.partition(acc.take(cand), ncand - k)[ncand - k])
                    if suffix[j] * (1 + _MARGIN) < theta:
                        cut = j
                        break
                docs, w = self._list(si, s, e, idf, count)
                new = docs[acc.take(docs) == 0.0] if parts else docs
                np.add.at(acc, docs, w)
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
        rest: list[tuple[float, int, int, int, int, float]],
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
        is_sorted = False
        for j, (_, si, s, e, count, idf) in enumerate(rest):
            if len(vals) > k:
                theta = max(theta, float(np.partition(vals, len(vals) - k)[len(vals) - k]))
            keep = vals + suffix[j] * (1 + _MARGIN) >= theta
            if not keep.all():
                cand, vals = cand[keep], vals[keep]
            if 10 * len(cand) < e - s:
                if not is_sorted:
                    order = np.argsort(cand)
                    cand, vals = cand[order], vals[order]
                    is_sorted = True
                seg = self._segs[si]
                sel, local = self._local(si, cand)
                tier = seg.docs[s:e]
                pos = np.minimum(np.searchsorted(tier, local), len(tier) - 1)
                hit = tier[pos] == local
                at = s + pos[hit]
                w = self._weigh(seg, seg.tf[at], seg.docs[at], idf)
                vals[sel[hit]] += w * count if count != 1 else w
            else:
                docs, w = self._list(si, s, e, idf, count)
                acc[docs] = w
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
