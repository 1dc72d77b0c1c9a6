"""`python -m bot bench-import`: how long adding many articles takes, in bulk and one by one.

The articles are generated (seeded) from the paragraphs of the test fixture articles, each with a
title and a sentence of its own so no two are duplicates, and written to a folder as a third
each of .txt, .md and .html files (HTML goes through trafilatura, like a saved web page).

Measured, on a copy of the bundled corpus:

- **bulk**: `python -m bot add FOLDER` in-process (plan, extract, write each file atomically), then
  the one rebuild of the search snapshot: total time and time per article;
- **one by one today**: `python -m bot add FILE --no-rebuild` as a separate process for a sample of
  the articles when the corpus is nearly empty and again when it holds the whole batch (each add
  re-reads the corpus to look for duplicates, so the cost grows with the corpus); the total for
  the batch is estimated from the two as a straight line. The bot's own `/corpus add` also rebuilds
  the snapshot after every article: its cost per article is measured the same way;
- **one more**: with `--large N` (default 10,000), a corpus of N generated articles is made in
  bulk and its snapshot built once, then one more article is added with the rebuild, timed.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.corpus.articles import DEFAULT_CORPUS_DIR, load_corpus

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "data" / "multi" / "articles"
ROOT = Path(__file__).resolve().parents[2]


def _paragraph_pool() -> list[str]:
    from bot.corpus.ingest import ingest_file

    pool: list[str] = []
    for path in sorted(FIXTURES.iterdir()):
        if path.suffix in (".txt", ".md", ".html"):
            pool.extend(p for p in ingest_file(path).paragraphs if len(p) > 80)
    if not pool:  # an installed package without the tests: plain filler
        pool = [f"Cloud data sovereignty paragraph number {i} about providers, laws and data centres." * 2
                for i in range(200)]
    return pool


def write_articles(folder: Path, count: int, seed: int = 0, start: int = 0) -> list[Path]:
    """`count` distinct article files (.txt, .md, .html in turn) in `folder`."""
    rng = random.Random(seed + start)
    pool = _paragraph_pool()
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for i in range(start, start + count):
        title = f"Generated report {i}: " + " ".join(rng.sample(pool, 1)[0].split()[:6]).rstrip(".,;:")
        paragraphs = rng.sample(pool, rng.randint(8, 14))
        paragraphs.insert(rng.randint(0, len(paragraphs)), f"This is generated article number {i} of the benchmark.")
        kind = (".txt", ".md", ".html")[i % 3]
        if kind == ".txt":
            text = title + "\n" + "\n".join(paragraphs) + "\n"
        elif kind == ".md":
            front = yaml.safe_dump({"title": title, "publisher": "Bench Wire", "published": f"2024-05-0{1 + i % 9}"},
                                   allow_unicode=True, width=1000)
            text = f"---\n{front}---\n\n" + "\n\n".join(paragraphs) + "\n"
        else:
            body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
            text = (
                f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
                "<meta property='og:site_name' content='Bench Herald'></head><body>"
                "<nav><a href='/'>Home</a> <a href='/cloud'>Cloud</a></nav>"
                f"<article><h1>{html.escape(title)}</h1>\n{body}</article>"
                "<footer>Subscribe to our newsletter. All rights reserved.</footer></body></html>"
            )
        path = folder / f"article-{i:05d}{kind}"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _fresh_corpus(where: Path) -> Path:
    target = where / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, target, ignore=shutil.ignore_patterns(".lock", ".import.lock", ".cache"))
    return target


def _bulk(corpus: Path, sources: Sequence[str], *, rebuild: bool) -> tuple[float, float | None, int]:
    from bot.corpus.bulk import import_sources
    from bot.corpus.knowledge import build_snapshot

    async def rebuild_once() -> None:
        await asyncio.to_thread(build_snapshot, corpus)

    summary = asyncio.run(import_sources(corpus, list(sources), rebuild=rebuild_once if rebuild else None))
    if summary.failed:
        raise RuntimeError(f"bench articles failed to import: {summary.failed[:3]}")
    return summary.seconds, summary.rebuild_seconds, len(summary.added)


def _cli_add(corpus: Path, path: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "add", str(path), "--corpus", str(corpus), "--no-rebuild"],
                   check=True, env=env, cwd=ROOT, capture_output=True)
    return time.perf_counter() - t


def _bot_add(corpus: Path, paths: Sequence[Path]) -> float:
    """Seconds per article of the bot's single add (store + full snapshot rebuild), as /corpus add did."""
    from bot.corpus.admin import draft_to_article
    from bot.corpus.ingest import ingest_file
    from bot.corpus.knowledge import Knowledge

    async def go() -> float:
        kb = await Knowledge.open(corpus)
        t = time.perf_counter()
        for path in paths:
            await kb.add(draft_to_article(ingest_file(path)))
        return (time.perf_counter() - t) / len(paths)

    return asyncio.run(go())


def run(count: int, sample: int, large: int, seed: int) -> dict[str, Any]:
    out: dict[str, Any] = {"articles": count, "sample": sample}
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        tmpdir = Path(tmp)
        folder = tmpdir / "saved"
        write_articles(folder, count, seed)
        extra = write_articles(tmpdir / "extra", 2 * sample + 1, seed, start=count)

        corpus = _fresh_corpus(tmpdir / "bulk")
        seconds, rebuild, added = _bulk(corpus, [str(folder)], rebuild=True)
        total = seconds + (rebuild or 0.0)
        out["bulk"] = {"added": added, "import_s": round(seconds, 2), "rebuild_s": round(rebuild or 0.0, 2),
                       "total_s": round(total, 2), "per_article_ms": round(1000 * total / max(added, 1), 1)}

        # one by one: a sample at the start (nearly empty corpus) and at the end (the whole batch in)
        empty = _fresh_corpus(tmpdir / "single")
        _cli_add(_fresh_corpus(tmpdir / "warm-up"), extra[0])  # not counted: the first start compiles and caches
        start_cost = sum(_cli_add(empty, p) for p in extra[:sample]) / sample
        end_cost = sum(_cli_add(corpus, p) for p in extra[sample : 2 * sample]) / sample
        estimate = count * (start_cost + end_cost) / 2
        out["one_by_one_cli"] = {"per_article_s_at_start": round(start_cost, 3),
                                 "per_article_s_at_end": round(end_cost, 3),
                                 "estimated_total_s": round(estimate, 1)}
        bot_start = _bot_add(_fresh_corpus(tmpdir / "bot"), extra[2 * sample : 2 * sample + 1])
        bot_end = _bot_add(corpus, [extra[2 * sample]])
        out["one_by_one_bot_rebuild_each"] = {"per_article_s_at_start": round(bot_start, 3),
                                              "per_article_s_at_end": round(bot_end, 3),
                                              "estimated_total_s": round(count * (bot_start + bot_end) / 2, 1)}
        out["speedup_vs_cli"] = round(estimate / total, 1) if total else None

        if large:
            big = _fresh_corpus(tmpdir / "large")
            big_folder = tmpdir / "large-saved"
            write_articles(big_folder, large, seed + 1, start=100_000)
            made, _, _ = _bulk(big, [str(big_folder)], rebuild=False)
            from bot.corpus.knowledge import build_snapshot

            t = time.perf_counter()
            build_snapshot(big)
            full = time.perf_counter() - t
            before = len(load_corpus(big).articles)
            one = write_articles(tmpdir / "one-more", 1, seed + 2, start=900_000)
            seconds, rebuild, _ = _bulk(big, [str(one[0])], rebuild=True)
            out["one_more"] = {
                "corpus_articles": before,
                "bulk_import_s": round(made, 1),
                "first_full_build_s": round(full, 1),
                "add_s": round(seconds, 2),
                "rebuild_s": round(rebuild or 0.0, 2),
                "total_s": round(seconds + (rebuild or 0.0), 2),
            }
    return out


def render(result: dict[str, Any]) -> str:
    b = result["bulk"]
    c = result["one_by_one_cli"]
    k = result["one_by_one_bot_rebuild_each"]
    lines = [
        f"bulk: {b['added']} articles from a folder in {b['total_s']:.1f} s "
        f"(import {b['import_s']:.1f} s + one rebuild {b['rebuild_s']:.1f} s) = "
        f"{b['per_article_ms']:.0f} ms per article",
        f"one by one, `python -m bot add FILE` each ({result['sample']} sampled at each end): "
        f"{c['per_article_s_at_start']:.2f} s per article at the start, {c['per_article_s_at_end']:.2f} s at the end "
        f"-> about {c['estimated_total_s']:.0f} s for {result['articles']} ({result['speedup_vs_cli']}x the bulk time)",
        f"one by one in the bot (store + full rebuild each): {k['per_article_s_at_start']:.2f} s at the start, "
        f"{k['per_article_s_at_end']:.2f} s at the end -> about {k['estimated_total_s']:.0f} s",
    ]
    if "one_more" in result:
        m = result["one_more"]
        lines.append(
            f"one more article into {m['corpus_articles']:,} articles: {m['total_s']:.2f} s "
            f"(add {m['add_s']:.2f} s + rebuild {m['rebuild_s']:.2f} s; building that corpus took "
            f"{m['bulk_import_s']:.0f} s in bulk, its first full snapshot {m['first_full_build_s']:.0f} s)"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot bench-import", description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000, help="articles in the batch (default: %(default)s)")
    parser.add_argument("--sample", type=int, default=5,
                        help="one-by-one adds timed at each end of the batch (default: %(default)s)")
    parser.add_argument("--large", type=int, default=10_000,
                        help="corpus size for the one-more-article figure; 0 skips it (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.articles < 1 or args.sample < 1 or args.large < 0:
        parser.error("--articles and --sample must be at least 1, --large at least 0")
    result = run(args.articles, args.sample, args.large, args.seed)
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0
