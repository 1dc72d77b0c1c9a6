"""Command line: `python -m bot ask|eval|run|glossary|add|list|remove|bench`.

Argument handling only; the work is done by the core modules. Exit codes: 0 success,
1 failure (bad corpus, no token, ...), 2 usage error (as argparse).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from bot.articles import DEFAULT_CORPUS_DIR, CorpusError

log = logging.getLogger("bot")


def _corpus_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--corpus", type=Path, default=None,
        help=f"corpus directory (default: the bundled {DEFAULT_CORPUS_DIR.name}/)",
    )


def _load(args: argparse.Namespace):
    from bot.knowledge import Knowledge

    kb = Knowledge.load(args.corpus or DEFAULT_CORPUS_DIR)
    for err in kb.snapshot.errors:
        print(f"warning: skipped broken article file {err}", file=sys.stderr)
    return kb


def cmd_ask(args: argparse.Namespace) -> int:
    question = " ".join(args.question)
    if not question.strip():
        print("error: the question is empty; usage: python -m bot ask \"QUESTION\"", file=sys.stderr)
        return 2
    if args.top_k < 1 or args.top_k > 25:
        print("error: --top-k must be between 1 and 25", file=sys.stderr)
        return 2
    kb = _load(args)
    answer = kb.ask(question, top_k=args.top_k)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        from bot.render import render_text

        print(render_text(answer, coverage=kb.coverage()))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.evaluate import EvalFileError, evaluate, load_questions

    try:
        questions = load_questions(args.file)
    except EvalFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    kb = _load(args)
    summary, results = evaluate(questions, lambda q: kb.ask(q, top_k=5))
    if args.json:
        payload = {
            "metrics": summary,
            "questions": [
                {"q": r.question.q, "kind": r.question.kind, "expect": list(r.question.expect),
                 "answered": r.answered, "rank": r.rank, "passage_ids": list(r.passage_ids)}
                for r in results
            ],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    if args.misses:
        for r in results:
            if r.question.expect and (r.rank != 1):
                print(f"  MISS rank={r.rank} answered={r.answered}: {r.question.q}  -> {r.passage_ids[:3]}")
            if not r.question.expect and r.answered:
                print(f"  NOT REFUSED: {r.question.q}  -> {r.passage_ids[:1]}")
    s = summary
    print(f"questions: {s['answerable']} answerable, {s['unanswerable']} unanswerable")
    print(f"Recall@1  {s['recall@1']:.3f}")
    print(f"Recall@3  {s['recall@3']:.3f}")
    print(f"Recall@5  {s['recall@5']:.3f}")
    print(f"MRR@5     {s['mrr@5']:.3f}")
    print(f"unanswerable refused: {s['refused_unanswerable']}/{s['unanswerable']} "
          f"({s['refused_unanswerable_rate']:.0%})")
    print(f"answerable wrongly refused: {s['wrongly_refused']}/{s['answerable']} "
          f"({s['wrongly_refused_rate']:.0%})")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bot.client import run_from_cli

    return run_from_cli(args.config, str(args.corpus) if args.corpus else None)


def cmd_bench(argv: list[str]) -> int:
    """Benchmark the engine; the whole Answer is also timed on the bundled corpus."""
    from bot.bench import main as bench_main
    from bot.knowledge import Knowledge

    kb = Knowledge.load(DEFAULT_CORPUS_DIR)
    texts = [p.full_text for p in kb.snapshot.passages]
    return bench_main(argv, answer_fn=kb.ask, vocabulary_texts=texts)


def _lazy(module: str, name: str):
    """Import a command's module only when it runs, so `ask` stays fast and light."""

    def run(args: argparse.Namespace) -> int:
        import importlib

        return getattr(importlib.import_module(module), name)(args)

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Answers questions about cloud data sovereignty from a curated corpus, with quotes.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ask", help="answer a question from the corpus")
    p.add_argument("question", nargs="+", help="the question (quote it)")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.add_argument("--top-k", type=int, default=3, help="how many quotes at most (default 3)")
    _corpus_arg(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="measure retrieval on a question file")
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true")
    p.add_argument("--misses", action="store_true", help="list the questions not answered at rank 1")
    _corpus_arg(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("run", help="run the Discord bot (token from the environment)")
    p.add_argument("--config", default=None, help="config YAML (see config.example.yaml)")
    _corpus_arg(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("glossary", help="look up a glossary term, or list all terms")
    p.add_argument("term", nargs="*", help="term or alias (typos are forgiven); omit to list all")
    p.add_argument("--json", action="store_true")
    _corpus_arg(p)
    p.set_defaults(func=_lazy("bot.glossary_cli", "cmd_glossary"))

    p = sub.add_parser("add", help="add an article from a file or an http(s) URL")
    p.add_argument("source", help="path to a .txt, .md or .html file, or an http(s) URL")
    p.add_argument("--title")
    p.add_argument("--url")
    p.add_argument("--publisher")
    p.add_argument("--published", help="YYYY-MM-DD (or YYYY-MM, YYYY)")
    _corpus_arg(p)
    p.set_defaults(func=_lazy("bot.corpus_admin", "cmd_add"))

    p = sub.add_parser("list", help="list the corpus articles")
    p.add_argument("--json", action="store_true")
    _corpus_arg(p)
    p.set_defaults(func=_lazy("bot.corpus_admin", "cmd_list"))

    p = sub.add_parser("remove", help="remove an article by slug")
    p.add_argument("slug")
    _corpus_arg(p)
    p.set_defaults(func=_lazy("bot.corpus_admin", "cmd_remove"))

    sub.add_parser("bench", help="benchmark the search engine (see bench --help)", add_help=False)
    sub.add_parser("tune", help="choose BM25 parameters and the relevance threshold (see tune --help)",
                   add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "bench":
            return cmd_bench(argv[1:])
        if argv and argv[0] == "tune":
            from bot.tune import main as tune_main

            return tune_main(argv[1:])
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `python -m bot ask ... | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
