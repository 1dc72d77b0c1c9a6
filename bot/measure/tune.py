"""Choosing the BM25 variant and the relevance threshold on a question file, honestly.

`python -m bot tune FILE` prints
1. a retrieval grid: Recall@1/3 and MRR@5 of every rank-bm25 variant and (k1, b) pair, on the
   answerable questions, ranking only (no refusals);
2. the relevance threshold chosen by k-fold cross-validation: for each fold the threshold is
   fitted on the other folds (maximising refused-unanswerable minus 3 x wrongly-refused) and
   scored on the held-out fold, so the reported rates are those of unseen questions.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.corpus.articles import DEFAULT_CORPUS_DIR
from bot.corpus.knowledge import Knowledge
from bot.engine.answer import rank_hits
from bot.engine.reading import interpret, search_reading, truecase
from bot.engine.search import SearchIndex, passage_terms
from bot.engine.snapshot import Snapshot
from bot.engine.text import fold_for_match
from bot.measure.evaluate import EvalQuestion, load_questions

#: Wrongly refusing an answerable question costs this many correctly refused unanswerable ones.
REFUSAL_COST = 3.0


@dataclass(frozen=True)
class Sample:
    answerable: bool
    coverage: float  # best coverage among the candidates


def _rank(index: SearchIndex, snap: Snapshot, q: EvalQuestion) -> int | None:
    reading, hits = search_reading(interpret(truecase(q.q, snap), snap), snap, 20, index)
    wanted = [fold_for_match(e) for e in q.expect]
    ranked = rank_hits(hits, reading.concepts, index, q.q, phrases=reading.phrases)
    for i, (hit, _, _) in enumerate(ranked[:5], start=1):
        if any(w in fold_for_match(hit.passage.full_text) for w in wanted):
            return i
    return None


def retrieval_grid(snap: Snapshot, questions: Sequence[EvalQuestion]) -> list[tuple[str, float, float, dict]]:
    answerable = [q for q in questions if q.expect]
    tokens = [passage_terms(p) for p in snap.passages]
    rows = []
    for variant in ("okapi", "plus", "l"):
        for k1 in (0.9, 1.2, 1.5, 2.0):
            for b in (0.3, 0.5, 0.75, 0.9):
                index = SearchIndex(snap.articles, snap.passages, tokens, variant=variant, k1=k1, b=b)
                ranks = [_rank(index, snap, q) for q in answerable]
                n = len(ranks) or 1
                r1 = sum(1 for r in ranks if r == 1) / n
                r3 = sum(1 for r in ranks if r is not None and r <= 3) / n
                mrr = sum(1 / r for r in ranks if r) / n
                rows.append((variant, k1, b, {"recall@1": r1, "recall@3": r3, "mrr@5": mrr}))
    rows.sort(key=lambda r: (-r[3]["recall@1"], -r[3]["mrr@5"]))
    return rows


def samples(snap: Snapshot, questions: Sequence[EvalQuestion]) -> list[Sample]:
    out = []
    for q in questions:
        reading, hits = search_reading(interpret(truecase(q.q, snap), snap), snap, 20)
        ranked = rank_hits(hits, reading.concepts, snap.index, q.q, phrases=reading.phrases)
        best = max((cov for _, cov, _ in ranked), default=0.0)
        out.append(Sample(bool(q.expect), best))
    return out


def _objective(data: Sequence[Sample], tau: float) -> float:
    ans = [s for s in data if s.answerable]
    una = [s for s in data if not s.answerable]
    wrong = sum(1 for s in ans if s.coverage < tau) / (len(ans) or 1)
    refused = sum(1 for s in una if s.coverage < tau) / (len(una) or 1)
    return refused - REFUSAL_COST * wrong


def fit_threshold(data: Sequence[Sample]) -> float:
    cands = sorted({round(s.coverage, 4) for s in data} | {0.0})
    # thresholds halfway between observed values generalise better than the values themselves
    mids = sorted([(a + b) / 2 for a, b in zip(cands, cands[1:], strict=False)] + [cands[0] + 1e-6])
    best = max(_objective(data, t) for t in mids)
    # of the equally good thresholds, the middle one (in rank among the candidates): ties come from
    # stretches where no question's outcome changes, or where gains and losses cancel exactly
    ties = [t for t in mids if _objective(data, t) == best]
    return ties[len(ties) // 2]


def cross_validate(data: Sequence[Sample], folds: int = 5, repeats: int = 20, seed: int = 7) -> dict:
    rng = random.Random(seed)
    wrong = refused = n_ans = n_una = 0
    taus: list[float] = []
    for _ in range(repeats):
        order = list(data)
        rng.shuffle(order)
        for f in range(folds):
            test = order[f::folds]
            train = [s for i, s in enumerate(order) if i % folds != f]
            tau = fit_threshold(train)
            taus.append(tau)
            for s in test:
                if s.answerable:
                    n_ans += 1
                    wrong += s.coverage < tau
                else:
                    n_una += 1
                    refused += s.coverage < tau
    taus.sort()
    return {
        "held_out_wrongly_refused_rate": wrong / (n_ans or 1),
        "held_out_refused_unanswerable_rate": refused / (n_una or 1),
        "threshold_median": taus[len(taus) // 2],
        "threshold_range": (taus[0], taus[-1]),
        "threshold_on_all": fit_threshold(data),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bot tune", description=__doc__.split("\n")[0])
    p.add_argument("files", type=Path, nargs="+", help="question files (several are pooled)")
    p.add_argument("--corpus", type=Path, default=None)
    p.add_argument("--no-grid", action="store_true", help="skip the BM25 parameter grid")
    args = p.parse_args(argv)
    kb = Knowledge.load(args.corpus or DEFAULT_CORPUS_DIR)
    questions = [q for f in args.files for q in load_questions(f)]
    snap = kb.snapshot
    if not args.no_grid:
        print("variant  k1    b     R@1    R@3    MRR@5   (ranking only, answerable questions)")
        for variant, k1, b, m in retrieval_grid(snap, questions)[:15]:
            print(f"{variant:7}  {k1:<4}  {b:<4}  {m['recall@1']:.3f}  {m['recall@3']:.3f}  {m['mrr@5']:.3f}")
    data = samples(snap, questions)
    cv = cross_validate(data)
    print("\nrelevance threshold (min coverage), 5-fold cross-validation x 20:")
    print(f"  held-out answerable wrongly refused: {cv['held_out_wrongly_refused_rate']:.1%}")
    print(f"  held-out unanswerable refused:       {cv['held_out_refused_unanswerable_rate']:.1%}")
    lo, hi = cv["threshold_range"]
    print(f"  fitted thresholds: median {cv['threshold_median']:.3f} (range {lo:.3f}-{hi:.3f}); "
          f"on all questions {cv['threshold_on_all']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
