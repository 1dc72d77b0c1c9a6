"""Stemming from several threads at once gives the same terms as from one (questions run in worker
threads while an index rebuild tokenises in another)."""

from __future__ import annotations

import random
import string
import sys
import threading

import snowballstemmer

from bot.engine import text


def test_concurrent_stemming_matches_a_private_stemmer() -> None:
    rng = random.Random(7)
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 14))) for _ in range(40_000)]
    reference = snowballstemmer.stemmer("english")
    expected = {w: text._STEM_FIXES.get(s, s) for w in words for s in [reference.stemWord(w)]}
    text.stem.cache_clear()  # cold cache: every call reaches the stemmer
    errors: list[BaseException] = []
    results: list[dict[str, str]] = [{}, {}, {}]

    def work(slot: int) -> None:
        try:
            for w in words[slot::2] if slot < 2 else words:
                results[slot][w] = text.stem(w)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert not errors
    for got in results:
        wrong = {w: s for w, s in got.items() if s != expected[w]}
        assert not wrong, f"{len(wrong)} words stemmed wrongly, e.g. {list(wrong.items())[:3]}"
