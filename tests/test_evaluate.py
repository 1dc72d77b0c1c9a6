"""The dev-set floors: retrieval and refusals measured with `python -m bot eval`, kept from slipping.

Floors sit a little under what the engine measures today (README, "Measured on the dev set"),
so a change that costs quality fails here instead of surfacing in Discord.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluate import EvalFileError, EvalQuestion, evaluate, judge, load_questions, metrics
from bot.knowledge import Knowledge
from bot.models import Answer, Citation, Quote

DEV = Path(__file__).parent / "data" / "dev_questions.yaml"


HOLDOUT = Path(__file__).parent / "data" / "holdout_questions.yaml"


def _metrics(path: Path) -> dict:
    kb = Knowledge.load()
    summary, _ = evaluate(load_questions(path), lambda q: kb.ask(q, top_k=5))
    return summary


@pytest.fixture(scope="module")
def dev_metrics() -> dict:
    return _metrics(DEV)


@pytest.fixture(scope="module")
def holdout_metrics() -> dict:
    return _metrics(HOLDOUT)


def test_dev_set_is_big_and_varied_enough() -> None:
    questions = load_questions(DEV)
    answerable = [q for q in questions if q.expect]
    assert len(answerable) >= 40
    assert len(questions) - len(answerable) >= 10
    assert {"plain", "paraphrase", "acronym", "keyword"} <= {q.kind for q in answerable}
    assert {"trap", "offtopic"} <= {q.kind for q in questions if not q.expect}


def test_retrieval_floors(dev_metrics: dict) -> None:
    assert dev_metrics["recall@1"] >= 0.89
    assert dev_metrics["recall@3"] >= 0.95
    assert dev_metrics["mrr@5"] >= 0.92


def test_refusal_floors(dev_metrics: dict) -> None:
    assert dev_metrics["refused_unanswerable_rate"] >= 0.70
    assert dev_metrics["wrongly_refused_rate"] <= 0.03


def test_independent_set_floors(holdout_metrics: dict) -> None:
    """The second set, written without seeing the dev set (casual Discord wording)."""
    assert holdout_metrics["recall@1"] >= 0.82
    assert holdout_metrics["recall@3"] >= 0.94
    assert holdout_metrics["refused_unanswerable_rate"] >= 0.70
    assert holdout_metrics["wrongly_refused_rate"] <= 0.03


def test_blind_set_floors() -> None:
    """The third set, measured before anyone looked at it: a guard against fitting the other two."""
    blind = _metrics(Path(__file__).parent / "data" / "blind_questions.yaml")
    assert blind["recall@1"] >= 0.80
    assert blind["recall@3"] >= 0.83
    assert blind["refused_unanswerable_rate"] >= 0.60
    assert blind["wrongly_refused_rate"] <= 0.12


def _quote(passage: str, pid: str = "a#1") -> Quote:
    citation = Citation("a", "A", "P", None, 1, pid, None)
    return Quote(text=passage, marked=passage, passage=passage, score=1.0, citation=citation)


def test_judge_folds_case_quotes_and_white_space() -> None:
    q = EvalQuestion("q?", ("microsoft's \"trust\"  strategy",))
    answer = Answer("q?", True, (_quote("other"), _quote("Microsoft\u2019s \u201ctrust\u201d\n strategy", "a#2")))
    result = judge(q, answer)
    assert result.rank == 2


def test_metrics_count_refusals_both_ways() -> None:
    answerable = EvalQuestion("a?", ("x",))
    unanswerable = EvalQuestion("u?", ())
    results = [
        judge(answerable, Answer("a?", False, reason="no")),  # wrongly refused
        judge(answerable, Answer("a?", True, (_quote("x"),))),  # rank 1
        judge(unanswerable, Answer("u?", False, reason="no")),  # rightly refused
        judge(unanswerable, Answer("u?", True, (_quote("y"),))),  # wrongly answered
    ]
    m = metrics(results)
    assert m["recall@1"] == 0.5 and m["wrongly_refused"] == 1 and m["refused_unanswerable"] == 1


@pytest.mark.parametrize(
    "text, message",
    [
        ("[]", "'questions' list"),
        ("questions:\n  - q: ''\n", "non-empty 'q'"),
        ("questions:\n  - q: hi\n    expect: 3\n", "list of strings"),
        ("questions: [\n", "not valid YAML"),
    ],
)
def test_bad_question_files_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EvalFileError, match="q.yaml") as err:
        load_questions(path)
    assert message in str(err.value)
