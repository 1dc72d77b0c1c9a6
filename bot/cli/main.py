"""Command line: `python -m bot ask|eval|run|glossary|add|list|remove|gaps|stats|bench|bench-import|tune`.

The parser and the dispatch; each command group's handling is in its own module of bot.cli, the
work in the core. A command's module is imported only when it runs, so `ask` stays light.
Exit codes: 0 success, 1 failure (bad corpus, no token, ...), 2 usage error (as argparse).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bot.cli.common import add_corpus_option, add_history_options
from bot.corpus.articles import CorpusError

log = logging.getLogger("bot")


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
    p.add_argument("--after", action="append", default=[], metavar="EARLIER_QUESTION",
                   help="an earlier question of the conversation (repeatable, oldest first): a follow-up "
                        "such as 'And how old is that law?' is read with it")
    p.add_argument("--record", action="store_true",
                   help="record the question in the history (<data-dir>/history.sqlite3); off by default")
    add_corpus_option(p)
    add_history_options(p, days=False)
    p.set_defaults(func=_lazy("bot.cli.ask", "cmd_ask"))

    p = sub.add_parser("eval", help="measure retrieval on a question file")
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true")
    p.add_argument("--misses", action="store_true", help="list the questions not answered at rank 1")
    p.add_argument("--without-context", action="store_true",
                   help="ask follow-ups (questions with 'after:') alone, without their earlier questions")
    p.add_argument(
        "--articles",
        type=Path,
        action="append",
        metavar="DIR",
        help="where the files named by 'article:' are (repeatable; default: articles/ beside FILE)",
    )
    add_corpus_option(p)
    p.set_defaults(func=_lazy("bot.cli.measure", "cmd_eval"))

    p = sub.add_parser("run", help="run the Discord bot (token from the environment)")
    p.add_argument("--config", default=None, help="config YAML (see config.example.yaml)")
    add_corpus_option(p)
    p.set_defaults(func=_lazy("bot.cli.run", "cmd_run"))

    p = sub.add_parser("glossary", help="look up a glossary term, or list all terms")
    p.add_argument("term", nargs="*", help="term or alias (typos are forgiven); omit to list all")
    p.add_argument("--json", action="store_true")
    add_corpus_option(p)
    p.set_defaults(func=_lazy("bot.cli.glossary", "cmd_glossary"))

    p = sub.add_parser("add", help="add articles from files, folders, links or RSS/Atom feeds")
    p.add_argument("source", nargs="*",
                   help="a .txt, .md or .html file, a folder (its .txt/.md/.html/.htm files, recursively), "
                        "or an http(s) URL of a page or of an RSS/Atom feed")
    p.add_argument("--from-list", action="append", metavar="FILE",
                   help="a text file of links, one per line ('#' comments); may be repeated")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--allow-private", action="store_true",
                   help="allow links to loopback and private addresses (for testing; refused by default)")
    p.add_argument("--no-rebuild", action="store_true",
                   help="do not rebuild the search index at the end (the next start does)")
    p.add_argument("--title")
    p.add_argument("--url")
    p.add_argument("--publisher")
    p.add_argument("--published", help="YYYY-MM-DD (or YYYY-MM, YYYY)")
    add_corpus_option(p)
    p.set_defaults(func=_lazy("bot.cli.corpus", "cmd_add"))

    p = sub.add_parser("list", help="list the corpus articles")
    p.add_argument("--json", action="store_true")
    add_corpus_option(p)
    p.set_defaults(func=_lazy("bot.cli.corpus", "cmd_list"))

    p = sub.add_parser("remove", help="remove an article by slug")
    p.add_argument("slug")
    add_corpus_option(p)
    p.set_defaults(func=_lazy("bot.cli.corpus", "cmd_remove"))

    p = sub.add_parser("gaps", help="questions the corpus could not answer, and answers voted down")
    add_history_options(p)
    add_corpus_option(p)  # only for article titles
    p.set_defaults(func=_lazy("bot.cli.history", "cmd_gaps"))

    p = sub.add_parser("stats", help="questions per day, answered share, answer times, citations, votes")
    add_history_options(p)
    p.set_defaults(func=_lazy("bot.cli.history", "cmd_stats"))

    sub.add_parser("bench", help="benchmark the search engine (see bench --help)", add_help=False)
    sub.add_parser("bench-import", help="time adding 1,000 articles in bulk against one by one (see --help)",
                   add_help=False)
    sub.add_parser("tune", help="choose BM25 parameters and the relevance threshold (see tune --help)",
                   add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in ("bench", "tune", "bench-import"):  # they parse their own arguments
            from bot.cli import measure

            command = {"bench": measure.cmd_bench, "tune": measure.cmd_tune, "bench-import": measure.cmd_bench_import}
            return command[argv[0]](argv[1:])
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

