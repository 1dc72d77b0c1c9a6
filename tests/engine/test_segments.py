"""bot.engine.segments: a main store plus a delta of added and removed articles reads as the corpus a
full build makes, and merging them gives the full build's arrays."""

from __future__ import annotations

import numpy as np
import pytest

from bot.engine.passages import split_article
from bot.engine.search import passage_terms
from bot.engine.segments import Segments, add_to_delta, merge_segments, open_segments, remove_from_delta
from bot.engine.store import open_store
from bot.engine.text import tokenize
from tests.engine.test_store import ARTICLES, GLOSSARY, SEED, assert_same, store_of

QUERIES = [
    ["safe", "harbour"], ["ecpa"], ["data", "centr"], ["quokkaword"], ["gdpr", "caf"], ["court", "court", "rule"],
    ["zyxwords3", "sentenc"], ["microsoft", "ireland", "warrant"], ["privaci", "shield", "replac"], ["unknownterm"],
]


def _add(seg: Segments, article) -> Segments:
    tokens = [passage_terms(p) for p in split_article(article)]
    return add_to_delta(seg, article, tokens, tokenize(article.title))


def assert_reads_the_same(opened, full) -> None:
    assert list(opened.articles) == list(full.articles)
    assert [a.slug for a in opened.articles] == [a.slug for a in full.articles]
    assert list(opened.passages) == list(full.passages)
    got, want = opened.index, full.index
    assert got.n == want.n and got.bm25.n_docs == want.bm25.n_docs and got.bm25.avgdl == want.bm25.avgdl
    for q in QUERIES:
        assert np.array_equal(got.bm25.scores(q), want.bm25.scores(q)), q
        assert got.bm25.top_k(q, 7) == want.bm25.top_k(q, 7), q
        assert got.search(q, 5) == want.search(q, 5), q
        for t in q:
            assert got.bm25.idf(t) == want.bm25.idf(t) and got.doc_freq(t) == want.doc_freq(t)
            assert np.array_equal(np.sort(got.bm25.postings(t)), np.sort(want.bm25.postings(t)))
    for i in range(want.n):
        assert got.passage_term_set(i) == want.passage_term_set(i)
    assert got.passage_counts() == want.passage_counts()
    assert dict(got.subject_terms) == dict(want.subject_terms) and dict(got.title_terms) == dict(want.title_terms)
    s1, s2 = opened.speller, full.speller
    assert s1.words == s2.words and s1.acronyms == s2.acronyms
    assert s1.common_nouns == s2.common_nouns and s1.spelled_out == s2.spelled_out
    assert dict(s1.proper_nouns) == dict(s2.proper_nouns)
    for entry in full.glossary.entries:
        a, b = opened.glossary.mentions[entry.term], full.glossary.mentions[entry.term]
        assert len(a) == len(b)
        assert np.array_equal(a.docs, b.docs) and np.array_equal(a.scores, b.scores), entry.term
        assert list(a.matched) == list(b.matched)
    assert opened.glossary.quotes(full.glossary.entries[0]) == full.glossary.quotes(full.glossary.entries[0])


@pytest.mark.parametrize("added", [[a.slug] for a in ARTICLES] + [["a-first", "z-last"], [a.slug for a in ARTICLES]])
def test_main_plus_added_articles_reads_as_a_full_build(added: list[str]) -> None:
    seg = Segments(store_of([a for a in ARTICLES if a.slug not in added]))
    for article in [a for a in ARTICLES if a.slug in added]:
        seg = _add(seg, article)
    full = store_of(ARTICLES)
    assert_reads_the_same(open_segments(seg), open_store(full))
    assert_same(merge_segments(seg), full)


@pytest.mark.parametrize("removed", [[a.slug] for a in ARTICLES] + [["a-first", SEED.slug]])
def test_removed_articles_are_tombstones_that_read_as_a_full_build(removed: list[str]) -> None:
    seg = Segments(store_of(ARTICLES))
    for slug in removed:
        seg = remove_from_delta(seg, slug)
    assert seg.dead == frozenset(removed)
    others = [a for a in ARTICLES if a.slug not in removed]
    full = store_of(others)
    assert_reads_the_same(open_segments(seg), open_store(full))
    assert_same(merge_segments(seg), full)


def test_add_remove_and_add_again_mixes_main_and_delta() -> None:
    first, middle, seed, last = ARTICLES
    seg = Segments(store_of([first, seed]))
    seg = _add(seg, last)
    seg = remove_from_delta(seg, first.slug)  # a tombstone for main's
    seg = _add(seg, middle)
    seg = remove_from_delta(seg, last.slug)  # out of the delta again
    seg = _add(seg, first)  # back, now in the delta beside its tombstone
    assert seg.delta_articles == 2 and seg.dead == {first.slug}
    full = store_of([first, middle, seed])
    assert_reads_the_same(open_segments(seg), open_store(full))
    assert_same(merge_segments(seg), full)
    with pytest.raises(ValueError):
        _add(seg, seed)
    with pytest.raises(KeyError):
        remove_from_delta(seg, last.slug)


def test_an_empty_main_with_a_delta() -> None:
    seg = Segments(store_of([]))
    for article in ARTICLES:
        seg = _add(seg, article)
    full = store_of(ARTICLES)
    assert_same(merge_segments(seg), full)
    opened = open_segments(seg)
    assert [a.slug for a in opened.articles] == [a.slug for a in open_store(full).articles]


def test_glossary_found_in_the_delta() -> None:
    seg = _add(Segments(store_of([a for a in ARTICLES if a.slug != "a-first"])), ARTICLES[0])
    found = seg.delta.meta["found"]
    assert any(place[0] == "a-first" for places in found.values() for place in places)
    assert GLOSSARY.entries
