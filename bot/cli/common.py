"""What every command shares: the `--corpus` option and loading the corpus with its warnings."""

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


def load_knowledge(args: argparse.Namespace) -> Knowledge:
    """The corpus of `--corpus` (or the bundled one), built; broken files are warned about."""
    from bot.corpus.knowledge import Knowledge  # heavy: only commands that search pay for it

    return Knowledge.load(args.corpus or DEFAULT_CORPUS_DIR)  # broken files: logged once as warnings
