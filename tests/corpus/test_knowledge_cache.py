"""The on-disk token cache as the knowledge base uses it: hit, miss, corrupt, deleted.

The builds that must read the token cache pass persist=False: a saved index snapshot
(tests/corpus/test_snapshot_file.py) would otherwise spare them reading it at all.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

import bot.corpus.knowledge as knowledge
from bot.corpus.articles import DEFAULT_CORPUS_DIR
from bot.corpus.knowledge import CACHE_DIR, Knowledge, build_snapshot

QUESTION = "How old is the ECPA?"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, target, ignore=shutil.ignore_patterns(".cache"))
    return target


def _entries(corpus: Path) -> list[Path]:
    return sorted((corpus / CACHE_DIR).glob("*.json"))


def _count_tokenising(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    real = knowledge.passage_terms

    def counting(passage):
        calls[0] += 1
        return real(passage)

    monkeypatch.setattr(knowledge, "passage_terms", counting)
    return calls


def test_first_build_fills_the_cache_and_the_second_reads_it(corpus: Path, monkeypatch) -> None:
    calls = _count_tokenising(monkeypatch)
    first = build_snapshot(corpus)
    assert calls[0] == len(first.passages) and len(_entries(corpus)) == 1
    calls[0] = 0
    second = build_snapshot(corpus, persist=False)
    assert calls[0] == 0, "a restart must not re-tokenise an unchanged article"
    assert Knowledge(second).ask(QUESTION).quotes[0].text == Knowledge(first).ask(QUESTION).quotes[0].text


def test_only_the_changed_article_is_tokenised_again(corpus: Path, monkeypatch) -> None:
    build_snapshot(corpus)
    extra = corpus / "articles" / "second-article.md"
    extra.write_text("---\ntitle: Second\npublisher: Test\n---\nA paragraph about data residency.\n", "utf-8")
    calls = _count_tokenising(monkeypatch)
    snap = build_snapshot(corpus)
    assert calls[0] == 1  # the new article's one passage; the seed came from the cache
    assert len(snap.articles) == 2 and len(_entries(corpus)) == 2


def test_a_removed_article_leaves_no_cache_entry(corpus: Path) -> None:
    build_snapshot(corpus)
    extra = corpus / "articles" / "second-article.md"
    extra.write_text("---\ntitle: Second\npublisher: Test\n---\nOne paragraph.\n", "utf-8")
    build_snapshot(corpus)
    extra.unlink()
    build_snapshot(corpus)
    assert len(_entries(corpus)) == 1


def test_a_corrupt_entry_is_logged_and_rebuilt(corpus: Path, monkeypatch, caplog) -> None:
    build_snapshot(corpus)
    (entry,) = _entries(corpus)
    entry.write_text("{not json", "utf-8")
    calls = _count_tokenising(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="bot.corpus.token_cache"):
        snap = build_snapshot(corpus, persist=False)
    assert calls[0] == len(snap.passages)
    assert any("token cache" in r.getMessage() for r in caplog.records)
    assert Knowledge(snap).ask(QUESTION).answered


def test_a_deleted_cache_directory_is_rebuilt(corpus: Path) -> None:
    build_snapshot(corpus)
    shutil.rmtree(corpus / ".cache")
    snap = build_snapshot(corpus)  # the snapshot went with the directory: rebuilt from scratch
    assert Knowledge(snap).ask(QUESTION).answered and len(_entries(corpus)) == 1


def test_an_entry_that_does_not_fit_the_passages_is_not_trusted(corpus: Path, caplog) -> None:
    build_snapshot(corpus)
    (entry,) = _entries(corpus)
    entry.write_text(entry.read_text("utf-8").replace('"tokens":[[', '"tokens":[["bogus"],[', 1), "utf-8")
    with caplog.at_level(logging.WARNING):
        snap = build_snapshot(corpus, persist=False)
    assert Knowledge(snap).ask(QUESTION).quotes[0].citation.paragraph == 10
