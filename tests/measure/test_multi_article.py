"""The 33-article development corpus: the tuning sets A and B keep their figures (floors a little
under today's), and every hit cites the article the question names.

Set C (`tests/data/multi/set_c_questions.yaml`) is the unseen set: it is measured for the README
but has no floor here, so that no change is ever tuned against it.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from bot.corpus.admin import add_draft
from bot.corpus.ingest import ingest_file
from bot.corpus.knowledge import Knowledge
from bot.engine.text import tokenize
from bot.measure.evaluate import evaluate, load_questions, resolve_articles
from tests.paths import MULTI, MULTI_ARTICLES, ROOT

#: (R@1, R@3, unanswerable refused, answerable wrongly refused at most), measured 2026-12-04
#: (A 0.739 / 0.908 / 79% / 1.5%, B 0.654 / 0.792 / 92.5% / 3.8%)
FLOORS = {
    "set_a": (0.72, 0.89, 0.75, 0.03),
    "set_b": (0.63, 0.77, 0.88, 0.05),
}
#: set A typed all in lower case, or all in capitals, as chat often is (measured 2026-12-04: R@1
#: 0.731, R@3 0.908, 71% refused, 2% wrongly refused either way; before the question was read in
#: the corpus's case, 46% refused in lower case and 11% wrongly refused in capitals)
CASE_FLOORS = (0.70, 0.88, 0.68, 0.04)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Knowledge:
    corpus = tmp_path_factory.mktemp("multi") / "corpus"
    (corpus / "articles").mkdir(parents=True)
    for name in ("glossary.yaml", "synonyms.yaml"):
        (corpus / name).write_bytes((ROOT / "corpus" / name).read_bytes())
    for article in (ROOT / "corpus" / "articles").glob("*.md"):
        (corpus / "articles" / article.name).write_bytes(article.read_bytes())
    for path in sorted(MULTI_ARTICLES.iterdir()):
        add_draft(corpus, ingest_file(path))  # the path `python -m bot add` takes
    return Knowledge.load(corpus)


def test_the_development_corpus_is_big_varied_and_overlapping() -> None:
    files = sorted(MULTI_ARTICLES.iterdir())
    assert len(files) >= 30
    assert {p.suffix for p in files} == {".txt", ".md", ".html"}
    texts = [p.read_text("utf-8") for p in files]
    for shared in ("Privacy Shield", "Microsoft", "standard contractual clauses"):
        assert sum(shared in t for t in texts) >= 5, shared


def test_question_sets_are_big_enough() -> None:
    answerable = unanswerable = 0
    for name in ("set_a", "set_b", "set_c"):
        questions = load_questions(MULTI / f"{name}_questions.yaml")
        answerable += sum(1 for q in questions if q.expect)
        unanswerable += sum(1 for q in questions if not q.expect)
        assert all(q.article for q in questions if q.expect), name
    assert answerable >= 150 and unanswerable >= 50


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_tuning_set_floors(kb: Knowledge, name: str) -> None:
    path: Path = MULTI / f"{name}_questions.yaml"
    questions = load_questions(path)
    slugs = resolve_articles(questions, kb.snapshot.articles, [MULTI_ARTICLES])
    m, _ = evaluate(questions, lambda q: kb.ask(q, top_k=5), slugs)
    r1, r3, refused, wrongly = FLOORS[name]
    assert m["recall@1"] >= r1
    assert m["recall@3"] >= r3
    assert m["refused_unanswerable_rate"] >= refused
    assert m["wrongly_refused_rate"] <= wrongly
    assert m["right_article@1"] == 1.0 and m["right_article@3"] == 1.0


@pytest.mark.parametrize("typed", [str.lower, str.upper], ids=["lower case", "capitals"])
def test_a_question_typed_in_one_case_is_read_in_the_corpus_case(kb: Knowledge, typed) -> None:
    questions = [replace(q, q=typed(q.q)) for q in load_questions(MULTI / "set_a_questions.yaml")]
    slugs = resolve_articles(questions, kb.snapshot.articles, [MULTI_ARTICLES])
    m, _ = evaluate(questions, lambda q: kb.ask(q, top_k=5), slugs)
    r1, r3, refused, wrongly = CASE_FLOORS
    assert m["recall@1"] >= r1
    assert m["recall@3"] >= r3
    assert m["refused_unanswerable_rate"] >= refused
    assert m["wrongly_refused_rate"] <= wrongly


def test_a_rare_name_is_not_crowded_out_by_articles_whose_title_matches(kb: Knowledge) -> None:
    """Eight articles have Privacy Shield in their title or an 'EU-US' that its equivalent holds;
    the one paragraph quoting Dorn on it must still be found."""
    answer = kb.ask("What did Dorn say about Privacy Shield?", top_k=3)
    assert answer.answered
    assert "Dorn" in answer.quotes[0].passage and "Privacy Shield" in answer.quotes[0].passage


@pytest.mark.parametrize(
    "question",
    [
        "When does daylight saving time end this year?",
        "What day is it today?",
        "when does the new year start?",
        "How many years does a house last?",
        # a year is in half the passages: it ties a question to none of them
        "who won the 2022 world cup final?",
    ],
)
def test_an_everyday_question_that_shares_only_everyday_words_is_refused(kb: Knowledge, question: str) -> None:
    """Across 33 articles some passage says "time", "year" or "start": coverage alone answered these."""
    assert not kb.ask(question).answered


def test_the_articles_own_words_stand_out_from_everyday_english(kb: Knowledge) -> None:
    index = kb.snapshot.index
    for word in ("transfer", "court", "cloud"):
        assert index.domain_ratio(tokenize(word)[0], word) >= 1.0, word
    for word in ("year", "time", "first"):
        assert index.domain_ratio(tokenize(word)[0], word) < 1.0, word
    assert index.domain_ratio("zzzunknown", "zzzunknown") == -math.inf
