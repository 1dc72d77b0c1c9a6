"""`python -m bot run`: the Discord bot (token from the environment)."""

from __future__ import annotations

import argparse


def cmd_run(args: argparse.Namespace) -> int:
    from bot.discord_shell.client import run_from_cli

    return run_from_cli(args.config, str(args.corpus) if args.corpus else None)
