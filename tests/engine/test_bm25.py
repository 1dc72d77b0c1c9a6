"""BM25Index must rank and score exactly like rank_bm25's get_scores (within 1e-9)."""

from __future__ import annotations

import numpy as np
import pytest
import rank_bm25
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine.bm25 import BM25Index

REFERENCE = {"okapi": rank_bm25.BM25Okapi, "plus": rank_bm25.BM25Plus, "l": rank_bm25.BM25L}
TOL = 1e-9


def reference_top_k(ref: rank_bm25.BM25, corpus: list[list[str]], query: list[str], k: int):
    """Expected result: matched passages only, rank_bm25's score, score desc then id asc."""
    scores = ref.get_scores(query)
    terms = set(query)
    matched = [i for i, doc in enumerate(corpus) if terms & set(doc)]
    return sorted(((i, float(scores[i])) for i in matched), key=lambda x: (-x[1], x[0]))[:k], scores


def assert_same(got, expected, scores) -> None:
    assert len(got) == len(expected)
    for (gi, gs), (_, es) in zip(got, expected, strict=True):
        assert abs(gs - es) <= TOL  # same score at each rank
        assert abs(gs - scores[gi]) <= TOL  # and the passage really has that score
    # Passages are the same wherever the score is not (near-)tied with another.
    ids = [i for i, _ in got]
    assert len(set(ids)) == len(ids)
    for (gi, gs), (ei, es) in zip(got, expected, strict=True):
        if gi != ei:
            assert abs(gs - es) <= TOL
    # Ties are broken by passage id.
    for (ai, a_s), (bi, b_s) in zip(got, got[1:], strict=False):
        assert a_s > b_s or (a_s == b_s and ai < bi)


def zipf_corpus(
    seed: int, n_docs: int, vocab: int, max_len: int = 30
) -> tuple[list[list[str]], list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, vocab + 1) ** 1.1
    p /= p.sum()
    words = [f"w{i}" for i in range(vocab)]
    lens = rng.integers(1, max_len, size=n_docs).tolist()
    corpus = [[words[i] for i in rng.choice(vocab, n, p=p)] for n in lens]
    return corpus, words, p


@pytest.mark.parametrize("variant", sorted(REFERENCE))
@pytest.mark.parametrize("params", [{}, {"k1": 1.2, "b": 0.5}, {"k1": 0.9, "b": 1.0}])
def test_random_corpus_matches_rank_bm25(variant: str, params: dict) -> None:
    corpus, words, p = zipf_corpus(seed=1, n_docs=1500, vocab=400)
    ref = REFERENCE[variant](corpus, **params)
    index = BM25Index(corpus, variant=variant, **params)
    rng = np.random.default_rng(2)
    for _ in range(150):
        query = [words[i] for i in rng.choice(len(words), int(rng.integers(1, 9)), p=p)]
        k = int(rng.integers(1, 30))
        expected, scores = reference_top_k(ref, corpus, query, k)
        assert np.allclose(index.scores(query), scores, rtol=0, atol=TOL)
        assert_same(index.top_k(query, k), expected, scores)


@pytest.mark.parametrize("variant", sorted(REFERENCE))
def test_statistics(variant: str) -> None:
    corpus, _, _ = zipf_corpus(seed=3, n_docs=300, vocab=100)
    ref = REFERENCE[variant](corpus)
    index = BM25Index(corpus, variant=variant)
    assert index.n_docs == len(corpus)
    assert index.avgdl == ref.avgdl
    for term, idf in ref.idf.items():
        assert index.idf(term) == idf  # same arithmetic, same order: identical
        assert term in index and term in index.vocabulary
        assert index.doc_freq(term) == sum(term in set(d) for d in corpus)
    assert index.idf("unknown") == 0.0 and index.doc_freq("unknown") == 0 and "unknown" not in index


@pytest.mark.parametrize("variant", sorted(REFERENCE))
def test_duplicates_unknown_empty_and_large_k(variant: str) -> None:
    corpus = [["a", "b", "c"], ["a", "a", "d"], ["e", "f"], ["b", "d", "d", "d"], ["g"]]
    ref = REFERENCE[variant](corpus)
    index = BM25Index(corpus, variant=variant)
    for query in (["a", "a", "d"], ["d", "zzz", "d", "d"], ["a", "b", "c", "d", "e", "f", "g"], ["zzz"]):
        expected, scores = reference_top_k(ref, corpus, query, 100)
        got = index.top_k(query, 100)
        assert_same(got, expected, scores)
        assert np.allclose(index.scores(query), scores, rtol=0, atol=TOL)
    assert index.top_k([], 5) == []
    assert index.top_k(["zzz", "yyy"], 5) == []
    assert index.top_k(["a"], 0) == []
    assert [i for i, _ in index.top_k(["g"], 10)] == [4]  # passages matching nothing never appear


def test_ties_are_broken_by_passage_id() -> None:
    corpus = [["x", "y"], ["x", "y"], ["z"], ["x", "y"], ["y", "x"], ["q"]]
    index = BM25Index(corpus, variant="plus")
    got = index.top_k(["x"], 3)
    assert [i for i, _ in got] == [0, 1, 3]
    assert len({s for _, s in got}) == 1


def test_plus_reports_base_score_of_unmatched_terms() -> None:
    corpus = [["a", "b"], ["b", "c"], ["c", "d"], ["e"]]
    ref = rank_bm25.BM25Plus(corpus)
    got = dict(BM25Index(corpus, variant="plus").top_k(["a", "d"], 10))
    scores = ref.get_scores(["a", "d"])
    assert set(got) == {0, 2}
    for i, s in got.items():
        assert abs(s - scores[i]) <= TOL


def test_pruned_path_matches_exact_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The MaxScore cut is taken on a skewed corpus, and agrees with rank_bm25 when it is."""
    corpus, words, p = zipf_corpus(seed=7, n_docs=4000, vocab=300, max_len=60)
    index = BM25Index(corpus)
    ref = rank_bm25.BM25Okapi(corpus)
    lookups = []
    real = np.searchsorted

    def counting(*args, **kwargs):
        lookups.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(np, "searchsorted", counting)
    rng = np.random.default_rng(8)
    for _ in range(100):
        query = [words[i] for i in rng.choice(len(words), int(rng.integers(2, 9)), p=p)]
        k = int(rng.integers(1, 10))
        expected, scores = reference_top_k(ref, corpus, query, k)
        assert_same(index.top_k(query, k), expected, scores)
    assert lookups, "the pruning cut was never taken"


def test_degenerate_corpora_use_exact_path() -> None:
    # One passage: Okapi idf is negative and the epsilon floor too; "b" in exactly half gives idf 0.
    for corpus in ([["a", "b"]], [["a", "b"], ["a"]], [["a"], ["b"], ["a", "b"], ["a"]]):
        for variant, cls in REFERENCE.items():
            ref = cls(corpus)
            index = BM25Index(corpus, variant=variant)
            for query in (["a"], ["b"], ["a", "b", "a"]):
                expected, scores = reference_top_k(ref, corpus, query, 10)
                assert_same(index.top_k(query, 10), expected, scores)


def test_empty_corpus() -> None:
    index = BM25Index([])
    assert index.n_docs == 0
    assert index.top_k(["a"], 5) == []
    assert len(index.scores(["a"])) == 0


def test_unknown_variant() -> None:
    with pytest.raises(ValueError):
        BM25Index([["a"]], variant="bm11")


def test_buffer_reuse_leaves_no_state() -> None:
    corpus, words, _ = zipf_corpus(seed=9, n_docs=500, vocab=80)
    index = BM25Index(corpus)
    first = index.top_k(words[:5], 7)
    for i in range(30):
        index.top_k(words[i : i + 4], 3)
    assert index.top_k(words[:5], 7) == first


TOKENS = st.sampled_from([f"t{i}" for i in range(12)])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    corpus=st.lists(st.lists(TOKENS, min_size=1, max_size=12), min_size=1, max_size=25),
    query=st.lists(st.one_of(TOKENS, st.just("unknown")), max_size=8),
    k=st.integers(min_value=1, max_value=30),
    variant=st.sampled_from(sorted(REFERENCE)),
    k1=st.sampled_from([0.5, 1.2, 1.5, 2.0]),
    b=st.sampled_from([0.0, 0.3, 0.75, 1.0]),
)
def test_hypothesis_matches_rank_bm25(corpus, query, k, variant, k1, b) -> None:
    ref = REFERENCE[variant](corpus, k1=k1, b=b)
    index = BM25Index(corpus, variant=variant, k1=k1, b=b)
    expected, scores = reference_top_k(ref, corpus, query, k)
    assert np.allclose(index.scores(query), scores, rtol=0, atol=TOL)
    assert_same(index.top_k(query, k), expected, scores)


@pytest.mark.parametrize(
    ("variant", "params"),
    [("okapi", {"epsilon": 0.6}), ("okapi", {"epsilon": 0.0}), ("plus", {"delta": 0.3}), ("l", {"delta": 1.2})],
)
def test_epsilon_and_delta_are_passed_through(variant: str, params: dict) -> None:
    # A skewed corpus where some terms are in more than half the passages (Okapi's epsilon floor).
    corpus, words, p = zipf_corpus(seed=11, n_docs=400, vocab=40, max_len=20)
    ref = REFERENCE[variant](corpus, **params)
    index = BM25Index(corpus, variant=variant, **params)
    assert any(ref.idf[w] == ref.epsilon * ref.average_idf for w in ref.idf) if variant == "okapi" else True
    rng = np.random.default_rng(12)
    for _ in range(50):
        query = [words[i] for i in rng.choice(len(words), int(rng.integers(1, 6)), p=p)]
        expected, scores = reference_top_k(ref, corpus, query, 10)
        assert np.allclose(index.scores(query), scores, rtol=0, atol=TOL)
        assert_same(index.top_k(query, 10), expected, scores)


def test_index_keeps_no_reference_to_the_tokens() -> None:
    import sys

    corpus, _, _ = zipf_corpus(seed=13, n_docs=50, vocab=30)
    before = [sys.getrefcount(doc) for doc in corpus], sys.getrefcount(corpus)
    index = BM25Index(corpus)
    assert ([sys.getrefcount(doc) for doc in corpus], sys.getrefcount(corpus)) == before
    assert index.n_docs == 50


def test_concurrent_queries_agree_with_sequential() -> None:
    from concurrent.futures import ThreadPoolExecutor

    corpus, words, p = zipf_corpus(seed=14, n_docs=3000, vocab=200, max_len=50)
    index = BM25Index(corpus)
    rng = np.random.default_rng(15)
    queries = [[words[i] for i in rng.choice(len(words), int(rng.integers(1, 8)), p=p)] for _ in range(200)]
    sequential = [index.top_k(q, 5) for q in queries]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(lambda q: index.top_k(q, 5), queries)) == sequential
    assert len(index._buffers) <= 4  # one reusable accumulator per concurrent query, no growth
