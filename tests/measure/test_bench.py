"""Smoke run of the benchmark at tiny sizes: it runs and reports the expected fields."""

from __future__ import annotations

import json

import pytest

from bot.measure import bench


def test_main_json_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--sizes", "30,200", "--queries", "5", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["seed"] == 0 and result["queries"] == 5
    assert [row["passages"] for row in result["sizes"]] == [30, 200]
    for row in result["sizes"]:
        for key in ("build_s", "index_mb", "build_peak_mb", "p50_ms", "p99_ms", "qps"):
            assert key in row["engine"]
            assert key in row["rank_bm25"]
        assert row["ratio_p50"] > 0
    assert {"max_ms", "passages", "ticks"} <= set(result["loop_lag"])


def test_rank_bm25_skipped_above_max_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    result = bench.run_bench([30, 100], queries=3, seed=1, json_out=False, rank_bm25_max=30,
                             answer_fn=lambda q: q.upper())
    big = result["sizes"][1]
    assert big["rank_bm25_estimated"] is True and "p50_ms" in big["rank_bm25"]
    assert result["answer"]["questions"] > 0
    bench.print_table(result)
    out = capsys.readouterr().out
    assert "rank_bm25" in out and "est." in out and "loop lag" in out


def test_corpus_is_reproducible() -> None:
    assert bench.make_corpus(20, 3, seed=5) == bench.make_corpus(20, 3, seed=5)
    passages, questions = bench.make_corpus(50, 4, seed=5)
    assert all(40 <= len(p) <= 120 for p in passages)
    assert all(3 <= len(q.split()) <= 8 for q in questions)


def test_bad_sizes() -> None:
    with pytest.raises(SystemExit):
        bench.main(["--sizes", "a,b"])
