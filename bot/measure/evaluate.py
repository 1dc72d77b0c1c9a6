"""Retrieval and refusal metrics over a question file (format in DESIGN.md).

For answerable questions (non-empty `expect`): Recall@1/3/5 and MRR@5, where a returned passage
is a hit when any expected string occurs in it (case-insensitive, curly quotes folded, white
space runs folded). For unanswerable ones (`expect: []`): how many were refused. Also how many
answerable questions were wrongly refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.engine.models import Answer
from bot.engine.text import fold_for_match
from bot.engine.yaml_files import YamlFileError, load_yaml_file


class EvalFileError(Exception):
    pass


@dataclass(frozen=True)
class EvalQuestion:
    q: str
    expect: tuple[str, ...]
    kind: str = ""
    after: tuple[str, ...] = ()  # a follow-up's earlier questions in its conversation, oldest first


@dataclass(frozen=True)
class EvalResult:
    question: EvalQuestion
    answered: bool
    rank: int | None  # 1-based rank of the first passage containing an expected string
    passage_ids: tuple[str, ...]


def load_questions(path: Path) -> list[EvalQuestion]:
    try:
        data = load_yaml_file(path)
    except YamlFileError as exc:
        raise EvalFileError(str(exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise EvalFileError(f"{path}: expected a mapping with a 'questions' list")
    out: list[EvalQuestion] = []
    for i, item in enumerate(data["questions"], start=1):
        if not isinstance(item, dict) or not isinstance(item.get("q"), str) or not item["q"].strip():
            raise EvalFileError(f"{path}: question {i} needs a non-empty 'q' string")
        expect = item.get("expect", [])
        if isinstance(expect, str):
            expect = [expect]
        if not isinstance(expect, list) or not all(isinstance(e, str) for e in expect):
            raise EvalFileError(f"{path}: question {i} ('expect') must be a list of strings")
        after = item.get("after", [])
        if isinstance(after, str):
            after = [after]
        if not isinstance(after, list) or not all(isinstance(a, str) and a.strip() for a in after):
            raise EvalFileError(f"{path}: question {i} ('after') must be a list of earlier questions")
        out.append(EvalQuestion(item["q"], tuple(expect), str(item.get("kind", "")), tuple(after)))
    return out


def judge(question: EvalQuestion, answer: Answer) -> EvalResult:
    rank = None
    wanted = [fold_for_match(e) for e in question.expect if e.strip()]
    ids = []
    for i, quote in enumerate(answer.quotes, start=1):
        ids.append(quote.citation.passage_id)
        if rank is None and answer.answered:
            passage = fold_for_match(quote.passage)
            if any(w in passage for w in wanted):
                rank = i
    return EvalResult(question, answer.answered, rank, tuple(ids))


def metrics(results: Sequence[EvalResult]) -> dict[str, Any]:
    answerable = [r for r in results if r.question.expect]
    unanswerable = [r for r in results if not r.question.expect]
    n = len(answerable)

    def recall(k: int) -> float:
        return sum(1 for r in answerable if r.rank is not None and r.rank <= k) / n if n else 0.0

    mrr = sum(1.0 / r.rank for r in answerable if r.rank is not None and r.rank <= 5) / n if n else 0.0
    refused = sum(1 for r in unanswerable if not r.answered)
    wrongly = sum(1 for r in answerable if not r.answered)
    return {
        "answerable": n,
        "unanswerable": len(unanswerable),
        "recall@1": round(recall(1), 4),
        "recall@3": round(recall(3), 4),
        "recall@5": round(recall(5), 4),
        "mrr@5": round(mrr, 4),
        "refused_unanswerable": refused,
        "refused_unanswerable_rate": round(refused / len(unanswerable), 4) if unanswerable else 0.0,
        "wrongly_refused": wrongly,
        "wrongly_refused_rate": round(wrongly / n, 4) if n else 0.0,
    }


def evaluate(questions: Sequence[EvalQuestion], ask: Callable[[str], Answer]) -> tuple[dict, list[EvalResult]]:
    results = [judge(q, ask(q.q)) for q in questions]
    return metrics(results), results


def has_followups(questions: Sequence[EvalQuestion]) -> bool:
    return any(q.after for q in questions)


def evaluate_in_context(
    questions: Sequence[EvalQuestion], ask: Callable[[str, Sequence[str]], Answer], *, context: bool = True
) -> tuple[dict, list[EvalResult]]:
    """`evaluate` for follow-ups: each question asked after its `after` questions (`context`), or alone.

    Run both ways, the two figures show what reading a follow-up in its conversation is worth.
    """
    results = [judge(q, ask(q.q, q.after if context else ())) for q in questions]
    return metrics(results), results
