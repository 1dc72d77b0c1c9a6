"""Reading follow-ups in their conversation (bot.engine.followup), on the bundled seed article."""

from __future__ import annotations

import pytest

from bot.corpus.knowledge import Knowledge
from bot.engine.followup import Lean, conversation_note, how_it_leans, read_in_conversation
from bot.engine.reading import interpret

KB = Knowledge.load()


def lean(question: str) -> Lean:
    return how_it_leans(question, interpret(question, KB.snapshot))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("And how old is that law?", Lean.REFERS),
        ("When was it adopted?", Lean.REFERS),
        ("What did he say about Privacy Shield?", Lean.REFERS),
        ("Why did they do that?", Lean.REFERS),
        ("What was the previous record?", Lean.REFERS),
        ("Does it apply to Microsoft?", Lean.REFERS),
        ("What about Google?", Lean.INSTEAD),
        ("And Google?", Lean.INSTEAD),
        ("How about the Safe Harbour agreement?", Lean.INSTEAD),
        ("Why?", Lean.SHORT),
        ("And when?", Lean.SHORT),
        ("Who signed?", Lean.SHORT),
        ("And how much was the fine?", Lean.SHORT),
        ("And how much did the government pay for the lawsuit?", Lean.REFERS),
        # questions that stand alone
        ("Why did Microsoft sue the US government?", Lean.ALONE),
        ("What is the ECPA?", Lean.ALONE),
        ("Did Dorn say that Privacy Shield is above Microsoft's head?", Lean.ALONE),
        ("Is it true that the ECPA is 30 years old?", Lean.ALONE),
        ("When was the CLOUD Act signed into law?", Lean.ALONE),
    ],
)
def test_how_a_question_leans_on_the_conversation(question: str, expected: Lean) -> None:
    assert lean(question) is expected


def test_pronoun_follow_up_gets_the_earlier_subject_and_a_note() -> None:
    reading = read_in_conversation("And how old is that law?", ["What is the ECPA?"], KB.snapshot)
    assert reading.lean is Lean.REFERS
    labels = [c.label for c in reading.interpretation.concepts]
    assert "ECPA" in labels and "old" in labels
    assert reading.note == "Read with the earlier question about ECPA."
    inherited = next(c for c in reading.interpretation.concepts if c.label == "ECPA")
    assert not inherited.name, "context ties the follow-up to its subject; it is no name a passage must hold"


def test_standalone_follow_up_is_read_alone() -> None:
    alone = interpret("Why did Microsoft sue the US government?", KB.snapshot)
    reading = read_in_conversation("Why did Microsoft sue the US government?", ["What is the ECPA?"], KB.snapshot)
    assert reading.lean is Lean.ALONE and reading.note == ""
    assert [c.label for c in reading.interpretation.concepts] == [c.label for c in alone.concepts]


def test_what_about_replaces_the_earlier_subject_of_its_kind_and_keeps_the_kind_of_answer() -> None:
    reading = read_in_conversation("What about Google?", ["When did Microsoft sign up to Privacy Shield?"], KB.snapshot)
    labels = {c.label for c in reading.interpretation.concepts}
    assert "Google" in labels and "Microsoft" not in labels and "Privacy Shield" in labels
    assert reading.kind_question == "When did Microsoft sign up to Privacy Shield?", "it asks 'when' too"
    assert reading.note == "Read as the earlier question, about Google instead of Microsoft."


def test_a_chain_of_follow_ups_keeps_its_subject() -> None:
    reading = read_in_conversation(
        "And who is it between?", ["What is Privacy Shield?", "Who criticised it?"], KB.snapshot
    )
    assert "Privacy Shield" in {c.label for c in reading.interpretation.concepts}
    assert "Privacy Shield" in reading.note


def test_ask_after_answers_the_follow_up_and_says_how_it_was_read() -> None:
    answer = KB.ask("And how old is that law?", after=["What is the ECPA?"])
    assert answer.answered and answer.question == "And how old is that law?"
    assert any("30 years old" in q.text for q in answer.quotes)
    assert conversation_note(answer) == "Read with the earlier question about ECPA."
    assert conversation_note(KB.ask("And how old is that law?")) == ""


def test_too_short_follow_up_takes_the_whole_earlier_question() -> None:
    answer = KB.ask("Why?", after=["Why did Microsoft sue the US government?"])
    assert answer.answered and conversation_note(answer)
    assert not KB.ask("Why?").answered


def test_unanswerable_follow_up_is_still_refused() -> None:
    assert not KB.ask("What is its share price today?", after=["Why did Microsoft sue the US government?"]).answered
    assert not KB.ask("What about Oracle?", after=["Did Microsoft sign up to Privacy Shield?"]).answered


def test_blank_earlier_questions_are_ignored() -> None:
    reading = read_in_conversation("And how old is that law?", ["   ", ""], KB.snapshot)
    assert reading.note == "" and reading.lean is Lean.ALONE
