"""`python -m bot gaps` and `python -m bot stats`: the question history, read from the terminal.

Both read `<data-dir>/history.sqlite3` (the bot's `data_dir`, default `./data`) and print a report
or, with `--json`, the same report as JSON. A missing, damaged, locked or too-new file is one line
on stderr saying what is wrong, and exit code 1; the file is never created or changed by a report
(beyond the schema upgrade an older bot's file needs).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from bot.corpus.articles import DEFAULT_CORPUS_DIR, load_corpus
from bot.corpus.history import (
    HISTORY_FILE,
    GapsReport,
    HistoryError,
    Stats,
    describe,
    gaps_report,
    open_history,
    stats_report,
)

T = TypeVar("T")

MAX_DAYS = 3650


def _check_days(days: int) -> str | None:
    if days < 1 or days > MAX_DAYS:
        return f"error: --days must be between 1 and {MAX_DAYS}"
    return None


def _read(args: argparse.Namespace, build: Callable[[sqlite3.Connection], T]) -> T | None:
    """`build(conn)` on the history, or None after one line on stderr saying what is wrong."""
    path = Path(args.data_dir).expanduser() / HISTORY_FILE
    try:
        with closing(open_history(path, create=False)) as conn:
            return build(conn)
    except HistoryError as exc:
        print(f"error: {exc}", file=sys.stderr)
    except (sqlite3.Error, OSError) as exc:  # a failure in the middle of the read
        print(f"error: {describe(exc, path)}", file=sys.stderr)
    return None


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _titles(corpus: Path | None) -> dict[str, str]:
    try:
        return {a.slug: a.title for a in load_corpus(corpus or DEFAULT_CORPUS_DIR).articles}
    except Exception:  # titles are a courtesy: slugs are shown without them
        return {}


def render_gaps(report: GapsReport, titles: dict[str, str]) -> str:
    lines = [
        f"Knowledge gaps, the last {report.days} day(s) (since {_day(report.since)}): "
        f"{report.questions} question(s) asked, {report.refused} refused.",
        "",
        "Refused questions, most asked first:",
    ]
    for g in report.refused_groups:
        lines.append(f"  {g.count:>4}x  {g.wordings[0]}")
        if len(g.wordings) > 1:
            more = " ..." if len(g.wordings) > 4 else ""
            lines.append(f"         also worded: {' | '.join(g.wordings[1:4])}{more}")
        if g.lacking:
            lines.append(f"         the corpus lacks: {', '.join(g.lacking[:8])}")
        lines.append(f"         last asked {_day(g.last_asked)}")
    if not report.refused_groups:
        lines.append("  (none)")
    lines += ["", "Answers voted down, most down-votes first:"]
    for v in report.voted_down:
        lines.append(f"  down {v.down} / up {v.up}  {v.question}")
        for c in v.cited:
            title = titles.get(c.article_slug)
            where = f'"{title}" ({c.article_slug})' if title else c.article_slug
            lines.append(f"         cites {where}, paragraph {c.paragraph}  [{c.passage_id}]")
    if not report.voted_down:
        lines.append("  (none)")
    return "\n".join(lines)


def render_stats(stats: Stats) -> str:
    share = stats.answered_share
    lines = [
        f"Questions, the last {stats.days} day(s) (since {_day(stats.since)}): {stats.questions}, "
        f"answered {stats.answered}" + (f" ({share:.0%})" if share is not None else ""),
        "",
        "Per day (UTC): questions, answered",
    ]
    lines += [f"  {day}  {n:>5}  {a:>5}" for day, n, a in stats.per_day] or ["  (none)"]
    if stats.p50_ms is not None and stats.p99_ms is not None:
        lines += ["", f"Answer time: p50 {stats.p50_ms:.0f} ms, p99 {stats.p99_ms:.0f} ms"]
    lines += ["", "Most cited articles (answers citing them):"]
    lines += [f"  {n:>5}  {slug}" for slug, n in stats.cited_articles] or ["  (none)"]
    balance = stats.votes_up - stats.votes_down
    lines += ["", f"Votes: {stats.votes_up} up, {stats.votes_down} down (balance {balance:+d})"]
    return "\n".join(lines)


def cmd_gaps(args: argparse.Namespace) -> int:
    problem = _check_days(args.days)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    report = _read(args, lambda conn: gaps_report(conn, args.days))
    if report is None:
        return 1
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(render_gaps(report, _titles(args.corpus)))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    problem = _check_days(args.days)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    stats = _read(args, lambda conn: stats_report(conn, args.days))
    if stats is None:
        return 1
    print(json.dumps(stats.to_json(), ensure_ascii=False, indent=2) if args.json else render_stats(stats))
    return 0
