"""`python -m bot eval|bench|tune`: measuring the engine (the work is in bot.measure)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.cli.common import load_knowledge
from bot.corpus.articles import DEFAULT_CORPUS_DIR

if TYPE_CHECKING:
    from bot.engine.models import Answer


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.measure.evaluate import (
        EvalFileError,
        evaluate_in_context,
        has_followups,
        load_questions,
        resolve_articles,
    )

    try:
        questions = load_questions(args.file)
    except EvalFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    kb = load_knowledge(args)
    folders = args.articles or [args.file.parent / "articles"]
    try:
        slugs = resolve_articles(questions, kb.snapshot.articles, folders)
    except EvalFileError as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 1

    def ask(question: str, after: Sequence[str]) -> Answer:
        return kb.ask(question, top_k=5, after=after)

    followups = has_followups(questions)
    # a follow-up set: questions read after their earlier ones, and the same alone for comparison
    summary, results = evaluate_in_context(questions, ask, slugs, context=not args.without_context)
    alone = (evaluate_in_context(questions, ask, slugs, context=False)[0]
             if followups and not args.without_context else None)
    if args.json:
        payload = {
            "metrics": summary,
            **({"metrics_without_context": alone} if alone is not None else {}),
            "questions": [
                {"q": r.question.q, "kind": r.question.kind, "expect": list(r.question.expect),
                 "article": r.question.article or None, "expected_slug": r.expected_slug,
                 "answered": r.answered, "rank": r.rank, "passage_ids": list(r.passage_ids),
                 "article_slugs": list(r.article_slugs), "right_article": r.right_article}
                for r in results
            ],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    if args.misses:
        for r in results:
            if r.question.expect and (r.rank != 1 or r.right_article is False):
                print(f"  MISS rank={r.rank} answered={r.answered}: {r.question.q}  -> {r.passage_ids[:3]}")
                if r.expected_slug is not None:
                    cited = r.hit_slug or (r.article_slugs[0] if r.article_slugs else "nothing")
                    print(f"       expected article {r.expected_slug}, cited {cited}")
            if not r.question.expect and r.answered:
                print(f"  NOT REFUSED: {r.question.q}  -> {r.passage_ids[:1]}")
    s = summary
    if followups:
        print("read " + ("alone (--without-context)" if args.without_context else "after their earlier questions"))
    print(f"questions: {s['answerable']} answerable, {s['unanswerable']} unanswerable")
    print(f"Recall@1  {s['recall@1']:.3f}")
    print(f"Recall@3  {s['recall@3']:.3f}")
    print(f"Recall@5  {s['recall@5']:.3f}")
    print(f"MRR@5     {s['mrr@5']:.3f}")
    print(f"unanswerable refused: {s['refused_unanswerable']}/{s['unanswerable']} "
          f"({s['refused_unanswerable_rate']:.0%})")
    print(f"answerable wrongly refused: {s['wrongly_refused']}/{s['answerable']} "
          f"({s['wrongly_refused_rate']:.0%})")
    if "with_article" in s:
        def share(value: float | None) -> str:
            return "no hits" if value is None else f"{value:.0%}"

        print(f"right article on hits: {share(s['right_article@1'])} at rank 1, "
              f"{share(s['right_article@3'])} in the top 3 ({s['with_article']} questions name one)")
    if alone is not None:
        print(f"without context: Recall@1 {alone['recall@1']:.3f}, Recall@3 {alone['recall@3']:.3f}, "
              f"unanswerable refused {alone['refused_unanswerable']}/{alone['unanswerable']}, "
              f"answerable wrongly refused {alone['wrongly_refused']}/{alone['answerable']}")
    return 0


def cmd_bench(argv: list[str]) -> int:
    """Benchmark the engine; the whole Answer is also timed on the bundled corpus."""
    from bot.corpus.knowledge import Knowledge
    from bot.measure.bench import main as bench_main

    if "--startup" in argv:
        return bench_main(argv)
    kb = Knowledge.load(DEFAULT_CORPUS_DIR)
    texts = [p.full_text for p in kb.snapshot.passages]
    return bench_main(argv, answer_fn=kb.ask, vocabulary_texts=texts)


def cmd_bench_import(argv: list[str]) -> int:
    """Time bulk import against adding one by one (bot.measure.bench_import)."""
    from bot.measure.bench_import import main as bench_import_main

    return bench_import_main(argv)


def cmd_tune(argv: list[str]) -> int:
    from bot.measure.tune import main as tune_main

    return tune_main(argv)
