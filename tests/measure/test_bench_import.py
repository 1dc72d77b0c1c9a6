"""`python -m bot bench-import` (issue 14): generated articles are distinct and import cleanly; the
report has the bulk figure, the one-by-one estimate and (with --large) the one-more figure."""

from __future__ import annotations

from pathlib import Path

from bot.corpus.ingest import ingest_file
from bot.measure.bench_import import render, run, write_articles


def test_generated_articles_are_distinct_and_readable(tmp_path: Path) -> None:
    paths = write_articles(tmp_path, 9, seed=3)
    assert {p.suffix for p in paths} == {".txt", ".md", ".html"}
    drafts = [ingest_file(p) for p in paths]
    assert len({d.title for d in drafts}) == 9 and len({d.paragraphs for d in drafts}) == 9
    assert all(len(d.paragraphs) >= 8 for d in drafts)


def test_bench_import_reports_bulk_one_by_one_and_one_more() -> None:
    result = run(count=6, sample=1, large=12, seed=0)
    assert result["bulk"]["added"] == 6 and result["bulk"]["rebuild_s"] > 0
    assert result["one_by_one_cli"]["estimated_total_s"] > 0
    assert result["one_more"]["corpus_articles"] == 13  # the seed and the 12
    text = render(result)
    assert "bulk: 6 articles" in text and "one more article into 13 articles" in text
