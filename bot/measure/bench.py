"""`python -m bot bench`: our BM25 index against plain `rank_bm25` on a seeded synthetic corpus.

Why synthetic: the bundled corpus is tiny, and the question is how the bot behaves when a community
has added thousands of articles. Passages are 40-120 tokens drawn from a Zipf vocabulary of
pseudo-words; questions are 3-8 "content" words (the most frequent ranks, which a tokeniser would
drop as stopwords, are excluded) drawn with the same Zipf weights, so they hit the corpus.
Everything derives from one seed, so a run is reproducible.

Reported per size: build time, memory the finished index adds and the peak during the build
(tracemalloc, measured in a second build so the timed one is not slowed by tracing), p50/p99/QPS of
retrieval including query tokenisation and top-5 selection, the same for `rank_bm25` (skipped above
`--rank-bm25-max` passages because it costs most of a second per question; the per-question time is
then extrapolated linearly from the largest measured size and marked as an estimate), and the ratio.
Also the largest event-loop lag while the largest index is rebuilt in a worker thread.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.engine.bm25 import BM25Index
from bot.engine.search import BM25_VARIANT

VOCAB_SIZE = 60_000
ZIPF_S = 1.07
STOPWORD_RANKS = 50  # the most frequent ranks stand in for stopwords: never used in questions
TOP_K = 5
RANK_BM25_MAX_QUERIES = 50  # rank_bm25 costs ~O(N) Python per question: cap its question count
#: Whole-answer timing on the bundled corpus: answered and refused questions, as members ask them.
DEFAULT_QUESTIONS = (
    "Why did Microsoft sue the US government?",
    "How old is the ECPA?",
    "What is WP29?",
    "What are the EU Model Clauses?",
    "Has the US government ever seized disks in a Microsoft data centre?",
    "How many lawful requests did Microsoft receive after the Paris attacks?",
    "Privacy Shield",
    "Which constitutional protection does Microsoft say is being violated?",
    "What is the capital of Australia?",
    "How much does AWS S3 storage cost per GB?",
)
#: Above this many passages rank_bm25's memory is read from the process size, not tracemalloc:
#: tracing millions of small dicts would take minutes and distort the build time.
TRACE_MAX = 30_000


def _tokenizer() -> Callable[[str], list[str]]:
    """The bot's tokeniser if it exists yet, else lower-cased whitespace splitting."""
    try:
        from bot.engine.text import tokenize  # type: ignore[attr-defined]
    except ImportError:
        return lambda text: text.lower().split()
    return tokenize


def _pseudo_words(count: int, rng: np.random.Generator, tokenize: Callable[[str], list[str]]) -> list[str]:
    """`count` distinct pronounceable words that the tokeniser leaves unchanged (so questions hit)."""
    consonants = list("bdfgklmnprstvz")
    vowels = list("aeiou")
    syllables = [c + v for c in consonants for v in vowels]
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < count:
        n_syl = rng.integers(2, 5, size=count)
        picks = rng.integers(0, len(syllables), size=(count, 4))
        for row, n in zip(picks.tolist(), n_syl.tolist(), strict=True):
            word = "".join(syllables[i] for i in row[:n])
            if word in seen:
                continue
            seen.add(word)
            if tokenize(word) == [word]:
                words.append(word)
                if len(words) == count:
                    break
    return words


def make_corpus(
    n_passages: int, n_queries: int, seed: int, tokenize: Callable[[str], list[str]] | None = None
) -> tuple[list[list[str]], list[str]]:
    """Seeded synthetic corpus: (tokenised passages, question texts)."""
    tokenize = tokenize or _tokenizer()
    rng = np.random.default_rng(seed)
    vocab = _pseudo_words(VOCAB_SIZE, rng, tokenize)
    p = 1.0 / np.arange(1, VOCAB_SIZE + 1) ** ZIPF_S
    p /= p.sum()
    lens = rng.integers(40, 121, size=n_passages)
    ids = rng.choice(VOCAB_SIZE, size=int(lens.sum()), p=p)
    flat = np.array(vocab, dtype=object)[ids].tolist()
    bounds = np.concatenate(([0], np.cumsum(lens))).tolist()
    passages = [flat[bounds[i] : bounds[i + 1]] for i in range(n_passages)]
    qp = p[STOPWORD_RANKS:] / p[STOPWORD_RANKS:].sum()
    questions = []
    for n_words in rng.integers(3, 9, size=n_queries).tolist():
        picks = rng.choice(VOCAB_SIZE - STOPWORD_RANKS, size=n_words, p=qp) + STOPWORD_RANKS
        questions.append(" ".join(vocab[i] for i in picks.tolist()))
    return passages, questions


def _latency(fn: Callable[[str], object], questions: Sequence[str]) -> dict[str, float]:
    """p50/p99 per question in ms and QPS over the whole run (one warm-up call not counted)."""
    fn(questions[0])
    times = []
    start = time.perf_counter()
    for q in questions:
        t = time.perf_counter()
        fn(q)
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - start
    ms = np.array(times) * 1000
    return {
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "qps": len(questions) / total if total > 0 else float("inf"),
        "questions": len(questions),
    }


def _rss_mb() -> float:
    """Resident size of this process in MB (Linux /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _measure_build(build: Callable[[], object]) -> tuple[object, float, float, float]:
    """Build twice: once timed, once under tracemalloc. Returns (obj, seconds, added MB, peak MB)."""
    gc.collect()
    t = time.perf_counter()
    obj = build()
    seconds = time.perf_counter() - t
    del obj
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        obj = build()
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return obj, seconds, (current - before) / 1e6, (peak - before) / 1e6


def _bench_ours(passages: list[list[str]], questions: list[str], tokenize: Callable[[str], list[str]],
                variant: str) -> tuple[BM25Index, dict[str, Any]]:
    index, seconds, added, peak = _measure_build(lambda: BM25Index(passages, variant=variant))
    assert isinstance(index, BM25Index)
    lat = _latency(lambda q: index.top_k(tokenize(q), TOP_K), questions)
    return index, {"build_s": seconds, "index_mb": added, "build_peak_mb": peak, **lat}


def _bench_rank_bm25(passages: list[list[str]], questions: list[str], tokenize: Callable[[str], list[str]],
                     variant: str) -> dict[str, Any]:
    import rank_bm25

    cls = {"okapi": rank_bm25.BM25Okapi, "plus": rank_bm25.BM25Plus, "l": rank_bm25.BM25L}[variant]
    if len(passages) <= TRACE_MAX:
        model, seconds, added, peak = _measure_build(lambda: cls(passages))
    else:
        gc.collect()
        before = _rss_mb()
        t = time.perf_counter()
        model = cls(passages)
        seconds = time.perf_counter() - t
        gc.collect()
        added = _rss_mb() - before
        peak = float("nan")  # not traced at this size

    def query(q: str) -> list[int]:
        scores = model.get_scores(tokenize(q))  # type: ignore[attr-defined]
        return np.argsort(scores)[::-1][:TOP_K].tolist()

    lat = _latency(query, questions[:RANK_BM25_MAX_QUERIES])
    return {"build_s": seconds, "index_mb": added, "build_peak_mb": peak, **lat}


async def _loop_lag_during(build: Callable[[], object], tick_s: float = 0.005) -> dict[str, float]:
    """Largest lateness of a 5 ms ticker while `build` runs in a worker thread."""
    lags: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            t = time.perf_counter()
            await asyncio.sleep(tick_s)
            lags.append(time.perf_counter() - t - tick_s)

    task = asyncio.create_task(ticker())
    t = time.perf_counter()
    await asyncio.to_thread(build)
    seconds = time.perf_counter() - t
    done.set()
    await task
    arr = np.array(lags or [0.0]) * 1000
    return {"max_ms": float(arr.max()), "p99_ms": float(np.percentile(arr, 99)), "ticks": len(lags),
            "build_s": seconds}


def run_bench(
    sizes: list[int],
    queries: int = 200,
    seed: int = 0,
    json_out: bool = False,
    rank_bm25_max: int = 300_000,
    variant: str = BM25_VARIANT,
    answer_fn: Callable[[str], object] | None = None,
    answer_questions: Sequence[str] = DEFAULT_QUESTIONS,
    vocabulary_texts: Sequence[str] = (),
) -> dict[str, Any]:
    """Run the benchmark and return its results (`json_out` only matters to the printer in `main`).

    `answer_fn`, if given, is timed as a whole answer on `answer_questions` (the real corpus).
    `vocabulary_texts` (real passages, with their capitalised names), if given, are repeated to
    the largest size to time the rest of a snapshot build: the speller's vocabulary and the names
    acronyms stand for (`bot.engine.speller.Speller.from_texts`), which synthetic token lists cannot show.
    """
    tokenize = _tokenizer()
    result: dict[str, Any] = {
        "tokenizer": f"{tokenize.__module__}.{tokenize.__qualname__}",
        "seed": seed, "queries": queries, "top_k": TOP_K, "variant": variant,
        "rank_bm25_max": rank_bm25_max, "rank_bm25_max_queries": RANK_BM25_MAX_QUERIES,
        "vocab_size": VOCAB_SIZE, "zipf_s": ZIPF_S, "sizes": [],
    }
    last_rb: tuple[int, float] | None = None  # (size, p50 ms) of the largest measured rank_bm25 run
    largest: list[list[str]] | None = None
    for n in sorted(sizes):
        t = time.perf_counter()
        passages, questions = make_corpus(n, queries, seed, tokenize)
        for q in questions:
            # Warm the tokeniser's stem cache for both engines alike: in the bot it is warm from
            # tokenising the corpus, and the first engine measured should not pay for the second.
            tokenize(q)
        row: dict[str, Any] = {
            "passages": n, "tokens": sum(map(len, passages)), "generate_s": time.perf_counter() - t,
        }
        index, row["engine"] = _bench_ours(passages, questions, tokenize, variant)
        del index
        if n <= rank_bm25_max:
            row["rank_bm25"] = _bench_rank_bm25(passages, questions, tokenize, variant)
            row["rank_bm25_estimated"] = False
            last_rb = (n, row["rank_bm25"]["p50_ms"])
        elif last_rb is not None:
            row["rank_bm25"] = {"p50_ms": last_rb[1] * n / last_rb[0]}
            row["rank_bm25_estimated"] = True
        else:
            row["rank_bm25"] = None
            row["rank_bm25_estimated"] = False
        rb = row["rank_bm25"]
        row["ratio_p50"] = rb["p50_ms"] / row["engine"]["p50_ms"] if rb else None
        result["sizes"].append(row)
        largest = passages
    if largest is not None:
        passages = largest
        lag = asyncio.run(_loop_lag_during(lambda: BM25Index(passages, variant=variant)))
        result["loop_lag"] = {"passages": len(passages), **lag}
    if vocabulary_texts and largest is not None:
        from bot.engine.speller import Speller

        n = len(largest)
        texts = [vocabulary_texts[i % len(vocabulary_texts)] for i in range(n)]
        t = time.perf_counter()
        Speller.from_texts(texts)
        result["vocabulary"] = {"passages": n, "build_s": time.perf_counter() - t}
    if answer_fn is not None:
        for q in answer_questions:  # warm: a running bot has its passage caches filled
            answer_fn(q)
        result["answer"] = _latency(answer_fn, list(answer_questions) * 20)
    return result


def print_table(result: dict[str, Any]) -> None:
    """Human-readable side-by-side table of `run_bench`'s result."""
    print(f"BM25 ({result['variant']}) top-{result['top_k']}, seed {result['seed']}, "
          f"{result['queries']} questions per size, "
          f"vocabulary {result['vocab_size']} (Zipf s={result['zipf_s']})")
    print(f"rank_bm25 measured up to {result['rank_bm25_max']} passages "
          f"(at most {result['rank_bm25_max_queries']} questions); "
          "above that its time is extrapolated linearly (est.)")
    header = (f"{'passages':>9} | {'engine':<9} | {'build s':>8} | {'index MB':>8} | {'peak MB':>8} | "
              f"{'p50 ms':>8} | {'p99 ms':>8} | {'QPS':>8} | {'ratio p50':>9}")
    print(header)
    print("-" * len(header))
    for row in result["sizes"]:
        e = row["engine"]
        print(f"{row['passages']:>9} | {'ours':<9} | {e['build_s']:>8.2f} | {e['index_mb']:>8.1f} | "
              f"{e['build_peak_mb']:>8.1f} | {e['p50_ms']:>8.3f} | {e['p99_ms']:>8.3f} | {e['qps']:>8.0f} |")
        rb = row["rank_bm25"]
        ratio = f"{row['ratio_p50']:>8.0f}x" if row["ratio_p50"] else ""
        if rb is None:
            print(f"{'':>9} | {'rank_bm25':<9} | skipped")
        elif row["rank_bm25_estimated"]:
            print(f"{'':>9} | {'rank_bm25':<9} | {'':>8} | {'':>8} | {'':>8} | {rb['p50_ms']:>8.1f} | "
                  f"{'est.':>8} | {'':>8} | {ratio:>9}")
        else:
            print(f"{'':>9} | {'rank_bm25':<9} | {rb['build_s']:>8.2f} | {rb['index_mb']:>8.1f} | "
                  f"{rb['build_peak_mb']:>8.1f} | {rb['p50_ms']:>8.3f} | {rb['p99_ms']:>8.3f} | "
                  f"{rb['qps']:>8.1f} | {ratio:>9}")
    lag = result.get("loop_lag")
    if lag:
        print(f"event loop lag while rebuilding {lag['passages']} passages in a thread "
              f"({lag['build_s']:.2f} s): max {lag['max_ms']:.1f} ms, p99 {lag['p99_ms']:.1f} ms "
              f"over {lag['ticks']} ticks of 5 ms")
    voc = result.get("vocabulary")
    if voc:
        print(f"speller vocabulary and acronym names over {voc['passages']} real passages (repeated): "
              f"{voc['build_s']:.1f} s (also part of every snapshot build)")
    ans = result.get("answer")
    if ans:
        print(f"whole answer on the bundled corpus: p50 {ans['p50_ms']:.3f} ms, p99 {ans['p99_ms']:.3f} ms")


def _startup_main(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from bot.measure.startup import print_startup, run_startup

    try:
        sizes = [int(s) for s in args.articles.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--articles must be comma-separated integers, not {args.articles!r}")
    if not sizes or min(sizes) < 1:
        parser.error("--articles sizes must be positive")
    result = run_startup(sizes, args.workdir, args.seed, log=lambda line: print(line, file=sys.stderr, flush=True))
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
    else:
        print_startup(result)
    return 0


def main(
    argv: list[str] | None = None,
    answer_fn: Callable[[str], object] | None = None,
    vocabulary_texts: Sequence[str] = (),
) -> int:
    """CLI entry point: `python -m bot bench [--sizes 30,30000,300000] [--queries 200] [--json]`."""
    parser = argparse.ArgumentParser(prog="bot bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="30,30000,300000",
                        help="comma-separated passage counts (default: %(default)s)")
    parser.add_argument("--queries", type=int, default=200, help="questions per size (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="corpus and question seed (default: %(default)s)")
    parser.add_argument("--rank-bm25-max", type=int, default=300_000,
                        help="largest size plain rank_bm25 is measured at (default: %(default)s)")
    parser.add_argument("--variant", choices=("okapi", "plus", "l"), default=BM25_VARIANT,
                        help="rank-bm25 variant (default: the engine's, %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--startup", action="store_true",
                        help="measure start-up instead: `python -m bot ask` / `add` on generated corpora of "
                             "--articles sizes (cold, rebuild, warm from the saved snapshot, add + next answer)")
    parser.add_argument("--articles", default="1000,10000",
                        help="with --startup: comma-separated article counts (default: %(default)s)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="with --startup: keep the generated corpora here and reuse them (default: a "
                             "temporary directory, removed afterwards)")
    args = parser.parse_args(argv)
    if args.startup:
        return _startup_main(parser, args)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes must be comma-separated integers, not {args.sizes!r}")
    if not sizes or min(sizes) < 1 or args.queries < 1:
        parser.error("sizes and --queries must be positive")
    result = run_bench(sizes, args.queries, args.seed, args.json, args.rank_bm25_max, args.variant,
                       answer_fn=answer_fn, vocabulary_texts=vocabulary_texts)
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
