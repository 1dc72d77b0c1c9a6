"""bot.engine.store: a snapshot as arrays, read back as it was, and one article more or less
giving exactly what a full build gives."""

from __future__ import annotations

import json

import numpy as np
import pytest

import bot.engine.glossary as glossary_mod
from bot.corpus.articles import DEFAULT_CORPUS_DIR, load_corpus
from bot.engine.glossary import load_glossary, merge_alias_groups
from bot.engine.models import Article
from bot.engine.passages import MAX_PASSAGE_WORDS, split_article
from bot.engine.search import passage_terms
from bot.engine.store import Store, build_store, open_store, with_article, without_article
from bot.engine.synonyms import load_synonyms
from bot.engine.text import tokenize

SEED = load_corpus(DEFAULT_CORPUS_DIR).articles[0]
GLOSSARY = load_glossary(DEFAULT_CORPUS_DIR / "glossary.yaml")
GROUPS = merge_alias_groups(GLOSSARY.alias_groups(), load_synonyms(DEFAULT_CORPUS_DIR))

LONG = " ".join(f"Sentence {i} says the Safe Harbour deal mattered for zyxwords{i}." for i in range(40))
ARTICLES = [
    Article("a-first", "Safe Harbour falls", "Example News", (
        "Court ruling",  # a heading: merged into the next paragraph as context
        "The Safe Harbour agreement was struck down, said the court on Tuesday.",
        "Privacy Shield replaced it; quokkaword appears only here.",
    ), url="https://example.org/a", published="2015-10"),
    Article("m-middle", "ECPA at thirty", "Other Press", (
        "The Electronic Communications Privacy Act (ECPA) is old.",
        LONG,  # split at sentences into parts m-middle#2.1, #2.2 ...
    )),
    SEED,
    Article("z-last", "Data centre news", "Last Word", (
        "A new data centre opens in Frankfurt with the EU Model Clauses in its contracts.",
        "Caf\u00e9 owners and na\u00efve customers ask about GDPR.",
    ), added="2026-11-30"),
]
assert len(LONG.split()) > MAX_PASSAGE_WORDS


def store_of(articles: list[Article]) -> Store:
    articles = sorted(articles, key=lambda a: f"{a.slug}.md")
    parts = [split_article(a) for a in articles]
    tokens = [[passage_terms(p) for p in ps] for ps in parts]
    return build_store(articles, parts, tokens, [tokenize(a.title) for a in articles], GLOSSARY, GROUPS,
                       ("broken.md: kept as it was",))


def assert_same(a: Store, b: Store) -> None:
    assert sorted(a.arrays) == sorted(b.arrays)
    for name in a.arrays:
        x, y = np.asarray(a[name]), np.asarray(b[name])
        assert x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y), name
    assert json.dumps(a.meta, sort_keys=True) == json.dumps(b.meta, sort_keys=True)


def test_articles_and_passages_read_back_as_they_were() -> None:
    opened = open_store(store_of(ARTICLES))
    assert list(opened.articles) == sorted(ARTICLES, key=lambda a: a.slug)
    assert list(opened.passages) == [p for a in opened.articles for p in split_article(a)]
    assert opened.articles[1:3] == tuple(opened.articles)[1:3]
    assert opened.errors == ("broken.md: kept as it was",)
    assert opened.index.articles["z-last"].added == "2026-11-30"


@pytest.mark.parametrize("slug", [a.slug for a in ARTICLES])
def test_adding_one_article_gives_what_a_full_build_gives(slug: str) -> None:
    article = next(a for a in ARTICLES if a.slug == slug)
    others = [a for a in ARTICLES if a.slug != slug]
    tokens = [passage_terms(p) for p in split_article(article)]
    assert_same(with_article(store_of(others), article, tokens, tokenize(article.title)), store_of(ARTICLES))


@pytest.mark.parametrize("slug", [a.slug for a in ARTICLES])
def test_removing_one_article_gives_what_a_full_build_gives(slug: str) -> None:
    others = [a for a in ARTICLES if a.slug != slug]
    assert_same(without_article(store_of(ARTICLES), slug), store_of(others))


def test_add_then_remove_round_trips_and_words_come_and_go() -> None:
    base = store_of([SEED])
    article = ARTICLES[0]
    added = with_article(base, article, [passage_terms(p) for p in split_article(article)], tokenize(article.title))
    assert "quokkaword" in added.words("vocab") and "quokkaword" in added.words("sp_words")
    back = without_article(added, article.slug)
    assert "quokkaword" not in back.words("vocab") and "quokkaword" not in back.words("sp_words")
    assert_same(back, base)
    assert_same(without_article(without_article(added, SEED.slug), article.slug), store_of([]))


def test_glossary_mentions_follow_the_added_article() -> None:
    article = ARTICLES[0]
    base = store_of([SEED])
    added = with_article(base, article, [passage_terms(p) for p in split_article(article)], tokenize(article.title))
    glossary = open_store(added).glossary
    assert glossary is not None
    slugs = {h.passage.article_slug for h in glossary.mentions["Safe Harbour"]}
    assert slugs == {SEED.slug, article.slug}
    heading = [h for h in glossary.mentions["Safe Harbour"] if h.passage.article_slug == article.slug]
    assert heading[0].passage.context == "Court ruling"


def test_mentions_come_from_the_tokens_given_not_from_tokenising_passages(monkeypatch) -> None:
    """Issue 11, item 8: binding the glossary tokenised every passage on every load."""
    texts = {p.text for a in ARTICLES for p in split_article(a)}
    parts = [split_article(a) for a in sorted(ARTICLES, key=lambda a: a.slug)]
    tokens = [[passage_terms(p) for p in ps] for ps in parts]
    calls: list[str] = []
    real = glossary_mod.tokenize

    def counting(text: str) -> list[str]:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(glossary_mod, "tokenize", counting)
    store = build_store(sorted(ARTICLES, key=lambda a: a.slug), parts, tokens,
                        [tokenize(a.title) for a in sorted(ARTICLES, key=lambda a: a.slug)], GLOSSARY, GROUPS)
    assert not [t for t in calls if t in texts], "a passage was tokenised again to find mentions"
    calls.clear()
    opened = open_store(store)
    assert calls == [] and opened.glossary is not None
    ecpa = opened.glossary.get("ECPA")
    assert ecpa is not None and opened.glossary.mentions[ecpa.term]
