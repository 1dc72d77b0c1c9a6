"""What every command shares: the `--corpus` and `--data-dir` options and loading the corpus with its warnings."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot.corpus.articles import DEFAULT_CORPUS_DIR

if TYPE_CHECKING:
    from bot.corpus.knowledge import Knowledge


def add_corpus_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--corpus", type=Path, default=None,
        help=f"corpus directory (default: the bundled {DEFAULT_CORPUS_DIR.name}/)",
    )


#: The bot's default data_dir (config key `data_dir`), relative to the working directory.
DEFAULT_DATA_DIR = Path("data")


def add_history_options(p: argparse.ArgumentParser, *, days: bool = True) -> None:
    """`--data-dir` (where history.sqlite3 is); for the reports also `--days` and `--json`."""
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR,
                   help="the bot's data_dir, which holds history.sqlite3 (default: ./data)")
    if days:
        p.add_argument("--days", type=int, default=7, help="how many days back to look (default 7)")
        p.add_argument("--json", action="store_true", help="print the report as JSON")


def load_knowledge(args: argparse.Namespace) -> Knowledge:
    """The corpus of `--corpus` (or the bundled one), built; broken files are warned about."""
    from bot.corpus.knowledge import Knowledge  # heavy: only commands that search pay for it

    return Knowledge.load(args.corpus or DEFAULT_CORPUS_DIR)  # broken files: logged once as warnings
