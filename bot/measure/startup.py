"""`python -m bot bench --startup`: how long the command line takes to start on a large corpus.

Corpora of generated articles are written in the corpus format through the ingest path (a
Markdown source with front matter -> `make_draft` -> an article file, as `python -m bot add`
writes it), with the bundled glossary and synonyms. Each article has 20-30 paragraphs (some of
them headings) of 2-4 sentences taken from the bundled corpus, a quarter of their words replaced
by seeded Zipf-distributed pseudo-words (capitalised where the word was), so the vocabulary,
names and acronyms grow with the corpus as real news does.

Every figure is one `python -m bot ...` process, timed end to end from outside, with its peak
resident memory (the kernel's `ru_maxrss` of the child, as `/usr/bin/time -v` reports it):

* cold: no token cache and no snapshot (the first start of a corpus);
* rebuild: token cache warm, snapshot missing (what a start paid before the snapshot existed);
* warm: the snapshot on disk is used (three runs);
* add: `python -m bot add FILE` (updates the snapshot), then the next `ask`; then `remove`
  and the next `ask`, which leaves the corpus as generated.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

QUESTION = "How old is the ECPA?"
_ZIPF_S = 1.1
_VOCAB = 40_000
_REPLACE = 0.25
WARM_RUNS = 3


def _sentences(corpus_dir: Path) -> list[str]:
    from bot.corpus.articles import load_corpus
    from bot.engine.text import split_sentences

    out: list[str] = []
    for article in load_corpus(corpus_dir).articles:
        for para in article.paragraphs:
            out += [para[s:e] for s, e in split_sentences(para) if len(para[s:e].split()) >= 4]
    return out


def _pseudo_words(rng: np.random.Generator, count: int) -> list[str]:
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    syllables = [c + v for c in consonants for v in vowels]
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        n = int(rng.integers(2, 5))
        word = "".join(syllables[i] for i in rng.integers(0, len(syllables), size=n))
        if word not in seen:
            seen.add(word)
            out.append(word)
    return out


class Generator:
    """Seeded article sources (Markdown with front matter), one per call of `source(i)`."""

    def __init__(self, corpus_dir: Path, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.sentences = _sentences(corpus_dir)
        self.words = _pseudo_words(self.rng, _VOCAB)
        self.cdf = np.cumsum(1.0 / np.arange(1, _VOCAB + 1) ** _ZIPF_S)

    def _draw(self, n: int) -> list[str]:
        picks = np.searchsorted(self.cdf, self.rng.random(n) * self.cdf[-1])
        return [self.words[i] for i in np.minimum(picks, _VOCAB - 1).tolist()]

    def _sentence(self) -> str:
        words = self.sentences[int(self.rng.integers(len(self.sentences)))].split()
        swap = self.rng.random(len(words)) < _REPLACE
        fresh = iter(self._draw(int(swap.sum())))
        out = []
        for word, s in zip(words, swap.tolist(), strict=True):
            core = word.strip(".,;:!?\"'()\u201c\u201d\u2018\u2019")
            if s and len(core) > 3 and core.isalpha():
                new = next(fresh)
                new = new.capitalize() if core[0].isupper() else new
                word = word.replace(core, new, 1)
            out.append(word)
        return " ".join(out)

    def source(self, i: int, paragraphs_count: int | None = None) -> bytes:
        name = " ".join(w.capitalize() for w in self._draw(2))
        title = f"{name} and the {' '.join(self._draw(2))} question, part {i}"
        paragraphs = []
        for _ in range(paragraphs_count or int(self.rng.integers(20, 31))):
            if self.rng.random() < 0.08:
                paragraphs.append(" ".join(w.capitalize() for w in self._draw(int(self.rng.integers(2, 6)))))
            else:
                paragraphs.append(" ".join(self._sentence() for _ in range(int(self.rng.integers(2, 5)))))
        if not paragraphs[-1].endswith((".", "!", "?", "\u201d", '"')):
            paragraphs.append(self._sentence())
        day = 1 + i % 28
        front = f'---\ntitle: "{title}"\npublisher: "Generated News"\npublished: 2020-01-{day:02d}\n---\n\n'
        return (front + "\n\n".join(paragraphs) + "\n").encode("utf-8")


def generate_corpus(target: Path, n: int, seed: int = 0, template: Path | None = None,
                    progress: Callable[[int], None] | None = None) -> Path:
    """Write `n` generated articles into `target` (a new corpus with the bundled glossary and
    synonyms), through the ingest path, with unique slugs. Reused when already complete."""
    from bot.corpus.admin import draft_to_article
    from bot.corpus.articles import DEFAULT_CORPUS_DIR, body_hash, slugify, write_article
    from bot.corpus.ingest import make_draft

    template = template or DEFAULT_CORPUS_DIR
    done = target.with_name(target.name + ".complete")
    if done.is_file() and done.read_text() == f"{n} {seed}" and target.is_dir():
        return target
    shutil.rmtree(target, ignore_errors=True)
    (target / "articles").mkdir(parents=True)
    for name in ("glossary.yaml", "synonyms.yaml"):
        if (template / name).is_file():
            shutil.copy(template / name, target / name)
    gen = Generator(template, seed)
    taken: set[str] = set()
    for i in range(n):
        draft = make_draft(gen.source(i), name=f"generated-{i}.md")
        article = draft_to_article(draft)
        slug = slugify(article.title, taken)
        taken.add(slug)
        write_article(target, replace(article, slug=slug, added="2026-12-01", sha256=body_hash(article.paragraphs)))
        if progress is not None and (i + 1) % 1000 == 0:
            progress(i + 1)
    done.write_text(f"{n} {seed}")
    return target


def _run(args: list[str], module: bool = True) -> dict[str, Any]:
    """One `python -m bot ...` process: wall seconds, peak RSS (MB) and its exit code."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        t = time.perf_counter()
        command = [sys.executable, "-m", "bot", *args] if module else [sys.executable, *args]
        proc = subprocess.Popen(command, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        output, errors = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError(f"python -m bot {' '.join(args)} failed ({proc.returncode}): {errors.strip()}")
    return {"s": seconds, "rss_mb": usage.ru_maxrss / 1024, "output": output}


def _timed(args: list[str]) -> dict[str, float]:
    r = _run(args)
    return {"s": r["s"], "rss_mb": r["rss_mb"]}


def measure(corpus: Path, seed: int = 0) -> dict[str, Any]:
    """The start-up figures of one generated corpus (see the module docstring)."""
    from bot.corpus.knowledge import CACHE_DIR, SNAPSHOT_FILE

    ask = ["ask", QUESTION, "--corpus", str(corpus)]
    row: dict[str, Any] = {"articles": len(list((corpus / "articles").glob("*.md")))}
    shutil.rmtree(corpus / ".cache", ignore_errors=True)
    row["cold"] = _timed(ask)
    (corpus / SNAPSHOT_FILE).unlink()
    row["rebuild"] = _timed(ask)
    row["warm"] = [_timed(ask) for _ in range(WARM_RUNS)]
    row["snapshot_mb"] = (corpus / SNAPSHOT_FILE).stat().st_size / 1e6
    row["token_cache_mb"] = sum(p.stat().st_size for p in (corpus / CACHE_DIR).iterdir()) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        # generated from the bundled corpus: this process stays small (a child's peak RSS starts
        # at its parent's when it was forked)
        from bot.corpus.articles import DEFAULT_CORPUS_DIR

        gen = Generator(DEFAULT_CORPUS_DIR, seed + 1)
        source = Path(tmp) / "new-article.md"
        source.write_bytes(gen.source(10**6))
        added = _run(["add", str(source), "--corpus", str(corpus)])
        row["add"] = {"s": added["s"], "rss_mb": added["rss_mb"]}
        row["ask_after_add"] = _timed(ask)
        slug = added["output"].split("`")[1]
        row["remove"] = _timed(["remove", slug, "--corpus", str(corpus)])
        row["ask_after_remove"] = _timed(ask)
        # the same in a running bot: Knowledge.add (snapshot updated and saved), then the next answer
        source.write_bytes(gen.source(10**6 + 1))
        live = _run_python(_LIVE_ADD, str(corpus), str(source))
        row["live_add"] = json.loads(live["output"])
        row["live_add"]["rss_mb"] = live["rss_mb"]
        _timed(["remove", row["live_add"]["slug"], "--corpus", str(corpus)])
    row["passages"] = _passages(corpus)
    row["answers"] = measure_answers(corpus)
    return row


def answer_questions() -> list[str]:
    """The questions the answer path is timed on: every question of the seed dev set and of the
    multi-article sets A and B (answerable and not), as users ask them."""
    from bot.measure.evaluate import load_questions

    root = Path(__file__).resolve().parents[2] / "tests" / "data"
    files = [root / "seed" / "dev_questions.yaml", root / "multi" / "set_a_questions.yaml",
             root / "multi" / "set_b_questions.yaml"]
    return [q.q for f in files if f.is_file() for q in load_questions(f)]


def measure_answers(corpus: Path) -> dict[str, Any]:
    """p50/p99 of the whole answer path (reading, search, relevance rule, quotes) per question, in
    a fresh process started from the saved snapshot, and the memory its snapshot holds."""
    result = _run_python(_ANSWERS, str(corpus), json.dumps(answer_questions()))
    out = json.loads(result["output"])
    out["rss_mb"] = result["rss_mb"]
    return out


_ANSWERS = """
import json, resource, sys, time
import numpy as np
from bot.corpus.knowledge import Knowledge
def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20
base = rss()
kb = Knowledge.load(sys.argv[1])
questions = json.loads(sys.argv[2])
loaded = rss()
for q in questions[:20]:
    kb.ask(q, top_k=5)  # warm-up: first touches of the mapped snapshot
ms = []
for _ in range(2):
    for q in questions:
        t = time.perf_counter()
        kb.ask(q, top_k=5)
        ms.append((time.perf_counter() - t) * 1000)
after = rss()
print(json.dumps({"questions": len(questions), "p50_ms": float(np.percentile(ms, 50)),
                  "p99_ms": float(np.percentile(ms, 99)), "mean_ms": float(np.mean(ms)),
                  "snapshot_resident_mb": after - base, "after_load_mb": loaded - base}))
"""


_LIVE_ADD = """
import asyncio, json, sys, time
from bot.corpus.admin import draft_to_article
from bot.corpus.ingest import ingest_file
from bot.corpus.knowledge import Knowledge
async def main():
    t = time.perf_counter()
    kb = await Knowledge.open(sys.argv[1])
    start = time.perf_counter() - t
    article = draft_to_article(ingest_file(sys.argv[2]))
    installed = []
    real_install = kb.install
    def install(snap):
        installed.append(time.perf_counter())
        real_install(snap)
    kb.install = install
    t = time.perf_counter()
    stored, _ = await kb.add(article)
    add = time.perf_counter() - t
    searchable = installed[0] - t
    t = time.perf_counter()
    kb.ask("How old is the ECPA?")
    ask = time.perf_counter() - t
    print(json.dumps({"start_s": start, "add_s": add, "searchable_s": searchable, "answer_s": ask,
                      "slug": stored.slug}))
asyncio.run(main())
"""


def _run_python(script: str, *args: str) -> dict[str, Any]:
    return _run(["-c", script, *args], module=False)


def measure_large(base: Path, seed: int = 0, paragraphs: int = 5800) -> dict[str, Any]:
    """The bundled corpus plus one article of about 2 MB (issue 11: each `ask` took 3 s with it,
    the token cache warm, because the glossary tokenised its passages again on every start)."""
    from bot.corpus.articles import DEFAULT_CORPUS_DIR
    from bot.corpus.knowledge import SNAPSHOT_FILE

    corpus = base / "corpus-large"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.copytree(DEFAULT_CORPUS_DIR, corpus, ignore=shutil.ignore_patterns(".cache", ".lock"))
    source = base / "large-article.md"
    source.write_bytes(Generator(DEFAULT_CORPUS_DIR, seed + 2).source(0, paragraphs))
    row: dict[str, Any] = {"article_mb": source.stat().st_size / 1e6}
    row["add"] = _timed(["add", str(source), "--corpus", str(corpus)])
    ask = ["ask", QUESTION, "--corpus", str(corpus)]
    (corpus / SNAPSHOT_FILE).unlink()
    row["rebuild"] = _timed(ask)  # the token cache is warm: what every start paid before
    row["warm"] = [_timed(ask) for _ in range(WARM_RUNS)]
    row["passages"] = _passages(corpus)
    shutil.rmtree(corpus, ignore_errors=True)
    source.unlink()
    return row


def _passages(corpus: Path) -> int:
    """Passages in the saved snapshot (its arrays are mapped, not loaded: this process stays small)."""
    from bot.corpus.knowledge import SNAPSHOT_FILE, snapshot_stamp
    from bot.corpus.snapshot_file import corpus_generation, read_snapshot

    store = read_snapshot(corpus / SNAPSHOT_FILE, snapshot_stamp(corpus_generation(corpus)))
    return len(store["p_art"])


def run_startup(sizes: list[int], workdir: Path | None = None, seed: int = 0,
                log: Callable[[str], None] = lambda s: None, large: bool = True) -> dict[str, Any]:
    """Generate (or reuse) a corpus per size under `workdir` and measure each."""
    from bot.corpus.articles import DEFAULT_CORPUS_DIR

    own = workdir is None
    base = Path(tempfile.mkdtemp(prefix="bot-startup-")) if own else Path(workdir)
    base.mkdir(parents=True, exist_ok=True)
    rows = []
    big = None
    try:
        for n in sorted(sizes):
            t = time.perf_counter()
            corpus = generate_corpus(base / f"corpus-{n}", n, seed, DEFAULT_CORPUS_DIR,
                                     progress=lambda i, n=n: log(f"  generated {i}/{n} articles"))
            generate_s = time.perf_counter() - t
            log(f"measuring {n} articles")
            row = measure(corpus, seed)
            row["generate_s"] = generate_s
            rows.append(row)
        if large:
            log("measuring the bundled corpus with one 2 MB article")
            big = measure_large(base, seed)
    finally:
        if own:
            shutil.rmtree(base, ignore_errors=True)
    return {"question": QUESTION, "seed": seed, "sizes": rows, "large_article": big}


def _cell(r: dict[str, float]) -> str:
    return f"{r['s']:.2f} s / {r['rss_mb']:.0f} MB"


def print_startup(result: dict[str, Any]) -> None:
    print(f"start-up of `python -m bot ask {result['question']!r}` (wall time / peak RSS per process)")
    header = (f"{'articles':>8} | {'passages':>8} | {'cold':>16} | {'rebuild':>16} | {'warm (best..worst)':>28} | "
              f"{'add':>16} | {'ask after add':>16} | {'snapshot':>9}")
    print(header)
    print("-" * len(header))
    for row in result["sizes"]:
        warm = sorted(row["warm"], key=lambda r: r["s"])
        warm_cell = f"{warm[0]['s']:.2f}..{warm[-1]['s']:.2f} s / {max(r['rss_mb'] for r in warm):.0f} MB"
        print(f"{row['articles']:>8} | {row['passages']:>8} | {_cell(row['cold']):>16} | {_cell(row['rebuild']):>16} | "
              f"{warm_cell:>28} | {_cell(row['add']):>16} | {_cell(row['ask_after_add']):>16} | "
              f"{row['snapshot_mb']:>6.0f} MB")
        print(f"{'':>8}   remove {_cell(row['remove'])}, ask after remove {_cell(row['ask_after_remove'])}")
        ans = row.get("answers")
        if ans:
            print(f"{'':>8}   whole answer path, {ans['questions']} questions x2: p50 {ans['p50_ms']:.1f} ms, "
                  f"p99 {ans['p99_ms']:.1f} ms (mean {ans['mean_ms']:.1f} ms); snapshot resident "
                  f"{ans['snapshot_resident_mb']:.0f} MB after the questions "
                  f"({ans['after_load_mb']:.0f} MB after load)")
        live = row.get("live_add")
        if live:
            print(f"{'':>8}   in a running bot: Knowledge.add {live['add_s']:.2f} s (questions answered from "
                  f"the new snapshot after {live['searchable_s']:.2f} s, the rest is saving it), next answer "
                  f"{live['answer_s'] * 1000:.0f} ms (start {live['start_s']:.2f} s, peak {live['rss_mb']:.0f} MB)")
    big = result.get("large_article")
    if big:
        warm = sorted(big["warm"], key=lambda r: r["s"])
        print(f"bundled corpus + one {big['article_mb']:.1f} MB article ({big['passages']} passages): "
              f"add {_cell(big['add'])}; ask with the token cache but no snapshot {_cell(big['rebuild'])}; "
              f"warm ask {warm[0]['s']:.2f}..{warm[-1]['s']:.2f} s / {max(r['rss_mb'] for r in warm):.0f} MB")


def sources(n: int, seed: int = 0) -> Iterator[bytes]:
    """`n` generated article sources (for tests and for trying the ingest path by hand)."""
    from bot.corpus.articles import DEFAULT_CORPUS_DIR

    gen = Generator(DEFAULT_CORPUS_DIR, seed)
    for i in range(n):
        yield gen.source(i)
