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


def test_startup_corpus_is_written_through_ingest_and_measured(tmp_path, capsys) -> None:
    from bot.corpus.articles import load_corpus
    from bot.measure import startup

    corpus = startup.generate_corpus(tmp_path / "corpus-3", 3, seed=1)
    loaded = load_corpus(corpus)
    assert len(loaded.articles) == 3 and loaded.errors == ()
    assert (corpus / "glossary.yaml").is_file()
    assert startup.generate_corpus(tmp_path / "corpus-3", 3, seed=1) == corpus  # reused, not rewritten
    result = startup.run_startup([3], tmp_path, seed=1, large=False)
    (row,) = result["sizes"]
    assert row["articles"] == 3 and row["passages"] > 3
    for key in ("cold", "rebuild", "add", "ask_after_add", "remove", "ask_after_remove"):
        assert row[key]["s"] > 0 and row[key]["rss_mb"] > 0
    assert len(row["warm"]) == startup.WARM_RUNS and row["snapshot_mb"] > 0
    answers = row["answers"]  # the whole answer path, per question, from the saved snapshot
    assert answers["questions"] > 100 and 0 < answers["p50_ms"] <= answers["p99_ms"]
    assert len(load_corpus(corpus).articles) == 3  # the add was removed again
    startup.print_startup(result)
    out = capsys.readouterr().out
    assert "warm" in out and "whole answer path" in out


def test_startup_option_parses_sizes() -> None:
    with pytest.raises(SystemExit):
        bench.main(["--startup", "--articles", "x"])
