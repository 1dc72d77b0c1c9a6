"""`python -m bot ask "QUESTION"`: one answer, for the terminal or as JSON.

Nothing is recorded unless `--record` is given (then the question goes to the history in
`--data-dir`, marked as asked from the command line), so trying the CLI does not pollute it.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from contextlib import closing
from pathlib import Path

from bot.cli.common import load_knowledge
from bot.engine.models import Answer

log = logging.getLogger(__name__)


def record(data_dir: Path, answer: Answer, generation: str, answer_ms: float) -> None:
    """Store the question in the history; a failure is one warning (the answer was printed)."""
    from bot.corpus.history import HISTORY_FILE, HistoryError, QuestionRecord, new_key, open_history, record_question

    rec = QuestionRecord(
        key=new_key(), question=answer.question, answered=answer.answered, place="cli", reason=answer.reason,
        lacking=answer.lacking, passage_ids=tuple(q.citation.passage_id for q in answer.quotes),
        generation=generation, answer_ms=round(answer_ms, 3),
    )
    path = Path(data_dir).expanduser() / HISTORY_FILE
    try:
        with closing(open_history(path)) as conn:
            record_question(conn, rec)
    except HistoryError as exc:
        print(f"warning: the question was not recorded: {exc}", file=sys.stderr)


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
    started = time.perf_counter()
    answer = kb.ask(question, top_k=args.top_k, after=after)
    elapsed_ms = (time.perf_counter() - started) * 1000
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        from bot.cli.render import render_text

        print(render_text(answer, coverage=kb.coverage()))
    if getattr(args, "record", False):
        record(args.data_dir, answer, kb.generation, elapsed_ms)
    return 0
