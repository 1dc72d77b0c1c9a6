"""`python -m bot ask "QUESTION"`: one answer, for the terminal or as JSON."""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli.common import load_knowledge


def cmd_ask(args: argparse.Namespace) -> int:
    question = " ".join(args.question)
    if not question.strip():
        print("error: the question is empty; usage: python -m bot ask \"QUESTION\"", file=sys.stderr)
        return 2
    if args.top_k < 1 or args.top_k > 25:
        print("error: --top-k must be between 1 and 25", file=sys.stderr)
        return 2
    after = [" ".join(q.split()) for q in args.after]
    if any(not q for q in after):
        print("error: --after needs an earlier question, e.g. --after \"What is the ECPA?\"", file=sys.stderr)
        return 2
    kb = load_knowledge(args)
    answer = kb.ask(question, top_k=args.top_k, after=after)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        from bot.cli.render import render_text

        print(render_text(answer, coverage=kb.coverage()))
    return 0
