"""Retrieval and refusal metrics over a question file (format in DESIGN.md).

For answerable questions (non-empty `expect`): Recall@1/3/5 and MRR@5, where a returned passage
is a hit when any expected string occurs in it (case-insensitive, curly quotes folded, white
space runs folded). For unanswerable ones (`expect: []`): how many were refused. Also how many
answerable questions were wrongly refused.

On a corpus of many articles a question may name the article that answers it (`article:`, a file
name of the development corpus or an article slug): then the share of hits whose citation names
that article is reported too, at rank 1 and in the top 3.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.engine.models import Answer, Article
from bot.engine.text import fold_for_match
from bot.engine.yaml_files import YamlFileError, load_yaml_file


class EvalFileError(Exception):
    pass


@dataclass(frozen=True)
class EvalQuestion:
    q: str
    expect: tuple[str, ...]
    kind: str = ""
    article: str = ""  # the article that answers it, as written in the file (file name or slug)
    after: tuple[str, ...] = ()  # a follow-up's earlier questions in its conversation, oldest first


@dataclass(frozen=True)
class EvalResult:
    question: EvalQuestion
    answered: bool
    rank: int | None  # 1-based rank of the first passage containing an expected string
    passage_ids: tuple[str, ...]
    article_slugs: tuple[str, ...] = ()  # the article each returned quote cites
    expected_slug: str | None = None  # the slug `question.article` names in this corpus

    @property
    def hit_slug(self) -> str | None:
        return self.article_slugs[self.rank - 1] if self.rank is not None else None

    @property
    def right_article(self) -> bool | None:
        """Whether the hit cites the expected article (None: no hit or no `article:`)."""
        if self.rank is None or self.expected_slug is None:
            return None
        return self.hit_slug == self.expected_slug


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
        article = item.get("article", item.get("source", ""))
        if not isinstance(article, str):
            raise EvalFileError(f"{path}: question {i} ('article') must be a file name or a slug")
        after = item.get("after", [])
        if isinstance(after, str):
            after = [after]
        if not isinstance(after, list) or not all(isinstance(a, str) and a.strip() for a in after):
            raise EvalFileError(f"{path}: question {i} ('after') must be a list of earlier questions")
        out.append(EvalQuestion(item["q"], tuple(expect), str(item.get("kind", "")), article.strip(), tuple(after)))
    return out


def resolve_articles(
    questions: Sequence[EvalQuestion], corpus: Sequence[Article], folders: Sequence[Path]
) -> dict[str, str]:
    """Map every `article:` name to the slug of the corpus article it names.

    A name is a slug of the corpus, or a file in one of `folders` (the development corpus's
    sources): the file is read through the ingest path and matched by its content hash, so the
    mapping holds whatever slug the title made. An unknown name is an EvalFileError naming it.
    """
    from bot.corpus.articles import body_hash
    from bot.corpus.ingest import IngestError, ingest_file

    by_slug = {a.slug: a.slug for a in corpus}
    by_hash = {a.sha256: a.slug for a in corpus}
    out: dict[str, str] = {}
    for name in sorted({q.article for q in questions if q.article}):
        if name in by_slug:
            out[name] = name
            continue
        path = next((Path(f) / name for f in folders if (Path(f) / name).is_file()), None)
        if path is None:
            where = ", ".join(str(f) for f in folders) or "no folder"
            raise EvalFileError(f"article {name!r} is neither a slug of the corpus nor a file in {where}")
        try:
            slug = by_hash.get(body_hash(ingest_file(path).paragraphs))
        except IngestError as exc:
            raise EvalFileError(f"article {name!r}: {path} cannot be read: {exc}") from None
        if slug is None:
            raise EvalFileError(f"article {name!r} ({path}) is not in the corpus; add it first")
        out[name] = slug
    return out


def judge(question: EvalQuestion, answer: Answer, expected_slug: str | None = None) -> EvalResult:
    rank = None
    wanted = [fold_for_match(e) for e in question.expect if e.strip()]
    ids = []
    slugs = []
    for i, quote in enumerate(answer.quotes, start=1):
        ids.append(quote.citation.passage_id)
        slugs.append(quote.citation.article_slug)
        if rank is None and answer.answered:
            passage = fold_for_match(quote.passage)
            if any(w in passage for w in wanted):
                rank = i
    return EvalResult(question, answer.answered, rank, tuple(ids), tuple(slugs), expected_slug)


def metrics(results: Sequence[EvalResult]) -> dict[str, Any]:
    answerable = [r for r in results if r.question.expect]
    unanswerable = [r for r in results if not r.question.expect]
    n = len(answerable)

    def recall(k: int) -> float:
        return sum(1 for r in answerable if r.rank is not None and r.rank <= k) / n if n else 0.0

    mrr = sum(1.0 / r.rank for r in answerable if r.rank is not None and r.rank <= 5) / n if n else 0.0
    refused = sum(1 for r in unanswerable if not r.answered)
    wrongly = sum(1 for r in answerable if not r.answered)
    named = [r for r in answerable if r.expected_slug is not None]

    def right_article(k: int) -> float | None:
        hits = [r for r in named if r.rank is not None and r.rank <= k]
        return round(sum(1 for r in hits if r.right_article) / len(hits), 4) if hits else None

    by_article = {}
    if named:
        by_article = {
            "with_article": len(named),
            "right_article@1": right_article(1),
            "right_article@3": right_article(3),
        }
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
        **by_article,
    }


def evaluate(
    questions: Sequence[EvalQuestion],
    ask: Callable[[str], Answer],
    slugs: dict[str, str] | None = None,
) -> tuple[dict, list[EvalResult]]:
    """Ask every question; `slugs` maps `article:` names to slugs (see `resolve_articles`)."""
    slugs = slugs or {}
    results = [judge(q, ask(q.q), slugs.get(q.article)) for q in questions]
    return metrics(results), results


def has_followups(questions: Sequence[EvalQuestion]) -> bool:
    return any(q.after for q in questions)


def evaluate_in_context(
    questions: Sequence[EvalQuestion],
    ask: Callable[[str, Sequence[str]], Answer],
    slugs: dict[str, str] | None = None,
    *,
    context: bool = True,
) -> tuple[dict, list[EvalResult]]:
    """`evaluate` for follow-ups: each question asked after its `after` questions (`context`), or alone.

    Run both ways, the two figures show what reading a follow-up in its conversation is worth.
    """
    slugs = slugs or {}
    results = [judge(q, ask(q.q, q.after if context else ()), slugs.get(q.article)) for q in questions]
    return metrics(results), results
