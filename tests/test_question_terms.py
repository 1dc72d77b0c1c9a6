"""How a question's words are read: shouting, acronyms, typos, answer types, and no memory growth."""

from __future__ import annotations

import pytest

from bot import qtype
from bot.knowledge import Knowledge
from bot.text import iter_tokens


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return Knowledge.load()


@pytest.mark.parametrize(
    "question",
    ["Why did MICROSOFT sue the US government?", "What is AZURE?", "WHAT IS PRIVACY SHIELD"],
)
def test_known_names_in_capitals_are_still_known(kb: Knowledge, question: str) -> None:
    assert kb.ask(question).answered


def test_a_common_word_in_capitals_is_an_acronym_the_corpus_lacks(kb: Knowledge) -> None:
    answer = kb.ask("What is the CLOUD Act?")  # the article says "cloud", never "CLOUD"
    assert not answer.answered and "CLOUD" in answer.reason


def test_typos_are_read_as_corpus_words_but_real_words_are_not(kb: Knowledge) -> None:
    answer = kb.ask("what is privacy sheild?")
    assert answer.answered and any("sheild" in n and "shield" in n for n in answer.notes)
    leaning = kb.ask("how dated is the privacy law the government is leaning on?")
    assert not any("learning" in n for n in leaning.notes)


@pytest.mark.parametrize(
    "question, want",
    [
        ("How many lawful requests did Microsoft receive?", qtype.Want.NUMBER),
        ("What are Google Cloud prices?", qtype.Want.AMOUNT),
        ("What is the price of Azure storage?", qtype.Want.AMOUNT),
        ("How much does Amazon charge for cloud storage?", qtype.Want.AMOUNT),
        ("How much data did Microsoft hand over?", qtype.Want.NUMBER),
        ("What did the company say about revenue?", qtype.Want.OTHER),
        ("When did Microsoft file its lawsuit?", qtype.Want.TIME),
        ("microsft lawsuit filed when??", qtype.Want.TIME),
        ("When authorities make lawful demands, does the company hand data over?", qtype.Want.OTHER),
        ("What matters most when it comes to compliance?", qtype.Want.OTHER),
        ("Who is Ruediger Dorn?", qtype.Want.NAME),
    ],
)
def test_answer_types(question: str, want: qtype.Want) -> None:
    assert qtype.wants(question) is want


def test_questions_do_not_fill_the_passage_token_cache(kb: Knowledge) -> None:
    kb.ask("warm-up question about Privacy Shield")
    before = iter_tokens.cache_info().currsize
    for i in range(50):
        kb.ask(f"question number {i} about Privacy Shield and the ECPA number {i * 7}")
    # quotes are marked from passages (cached once); the questions themselves are never cached
    assert iter_tokens.cache_info().currsize - before < 10


@pytest.mark.parametrize(
    "text, holds",
    [("It costs $5 per GB.", True), ("The fee is 20 euros a month.", True), ("two days before", False),
     ("14 lawful requests", False), ("free of charge for customers", True)],
)
def test_an_amount_of_money_is_not_just_any_number(text: str, holds: bool) -> None:
    assert qtype.holds(qtype.Want.AMOUNT, text) is holds
