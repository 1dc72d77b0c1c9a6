"""Property tests over the question path: any text in, an Answer out, quotes always verbatim."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.corpus.knowledge import Knowledge
from bot.engine.models import Answer
from bot.engine.text import MAX_QUESTION_CHARS

KB = Knowledge.load()  # once per module: hypothesis examples must not rebuild the index

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

corpus_words = st.sampled_from(
    ["Microsoft", "sued", "ECPA", "Azure", "cloud", "data", "Dorn", "Privacy", "Shield", "government",
     "customers", "lawsuit", "Thursday", "30", "years", "old", "why", "what", "the", "U.S.", "\u201ctrust\u201d"]
)
odd_pieces = st.sampled_from(
    ["\x00", "\x1b[31m", "\u202e", "\u200f", "\ufeff", "\U0001f600", "\U0001f1fa\U0001f1f8", "\u05e9\u05dc\u05d5\u05dd",
     "\u0645\u0631\u062d\u0628\u0627", "\u4e91", "\ufb01", "e\u0301", "\u2028", "\r\n", "\t", "**", "_", "`", "\\",
     "?", "!!!", "...", "\u2026", "#", "<p>", "&amp;", "\ud7ff", "\U00010000"]
)
questions = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(corpus_words, odd_pieces, st.text(max_size=5)), max_size=30).map(" ".join),
    st.lists(st.one_of(corpus_words, odd_pieces), max_size=30).map("".join),
)


def check(answer: Answer) -> None:
    assert isinstance(answer, Answer)
    assert len(answer.question) <= MAX_QUESTION_CHARS
    assert answer.answered == bool(answer.quotes)
    if not answer.answered:
        assert answer.reason
    passages = {p.id: p for p in KB.snapshot.passages}
    paragraphs = {a.slug: a.paragraphs for a in KB.snapshot.articles}
    for quote in answer.quotes:
        assert quote.text and quote.text in quote.passage
        c = quote.citation
        assert quote.text in paragraphs[c.article_slug][c.paragraph - 1], "quote must be in the cited paragraph"
        assert quote.passage == passages[quote.citation.passage_id].full_text
        assert quote.score > 0


@SETTINGS
@given(question=questions, top_k=st.integers(min_value=1, max_value=10))
@example(question="Why did Microsoft sue the US government?", top_k=3)
@example(question="\U0001f600" * 500, top_k=3)
@example(question="\u202e\u05de\u05d9\u05e7\u05e8\u05d5\u05e1\u05d5\u05e4\u05d8 ECPA?", top_k=3)
@example(question="\x00\x01\x02\x7f", top_k=1)
def test_any_question_gives_an_answer(question: str, top_k: int) -> None:
    answer = KB.ask(question, top_k=top_k)
    check(answer)
    assert len(answer.quotes) <= top_k


@SETTINGS
@given(words=st.lists(corpus_words, min_size=1, max_size=8))
def test_corpus_words_questions_quote_verbatim(words: list[str]) -> None:
    check(KB.ask(" ".join(words) + "?", top_k=5))


@pytest.mark.parametrize(
    "question",
    [
        "Why did Microsoft sue? " * 5000,  # about 115,000 characters
        "x" * 100_000,
        "\U0001f600" * 100_000,
        "ECPA " + "\x00" * 100_000,
        ("\u05e9\u05dc\u05d5\u05dd " * 20_000),
    ],
)
def test_very_long_questions_are_capped(question: str) -> None:
    answer = KB.ask(question)
    check(answer)
    assert len(answer.question) <= MAX_QUESTION_CHARS


@settings(max_examples=20, deadline=None)
@given(
    head=st.lists(corpus_words, min_size=1, max_size=5).map(" ".join),
    filler=st.sampled_from(["a", "\U0001f600", "z ", "\u05e9 ", "data "]),
)
def test_long_question_is_cut_and_says_so(head: str, filler: str) -> None:
    question = head + " " + filler * (100_000 // len(filler))
    answer = KB.ask(question)
    check(answer)
    assert answer.notes, "a truncated question carries a note"
