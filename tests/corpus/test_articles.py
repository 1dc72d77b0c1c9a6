"""The corpus on disk: atomic add and remove, duplicates refused, slugs unique, crash safety."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from bot.corpus.articles import (
    DEFAULT_CORPUS_DIR,
    ArticleNotFoundError,
    DuplicateArticleError,
    add_article,
    corpus_lock,
    corpus_stamp,
    load_corpus,
    normalise_url,
    remove_article,
    restore_file,
)
from bot.engine.models import Article


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A private copy of the bundled corpus: tests never write to the real one."""
    target = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, target, ignore=shutil.ignore_patterns(".lock"))
    return target


def article(title: str = "A new article", body: str = "Some text about data sovereignty.", **kw: object) -> Article:
    return Article(slug="", title=title, publisher="Test", paragraphs=(body, "Second paragraph."), **kw)


def files(corpus: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((corpus / "articles").iterdir())}


def test_add_stores_under_a_slug_from_the_title(corpus: Path) -> None:
    stored = add_article(corpus, article("Schrems II: What Now?"))
    assert stored.slug == "schrems-ii-what-now"
    assert stored.added and stored.sha256
    loaded = {a.slug: a for a in load_corpus(corpus).articles}
    assert loaded["schrems-ii-what-now"].paragraphs == stored.paragraphs
    assert (corpus / ".lock").exists()


def test_same_title_gets_a_new_unique_slug_and_old_slugs_stay(corpus: Path) -> None:
    first = add_article(corpus, article("Same title", "First body."))
    second = add_article(corpus, article("Same title", "Another body."))
    assert (first.slug, second.slug) == ("same-title", "same-title-2")


@pytest.mark.parametrize(
    "dup",
    [
        article("Other title", "SOME   text about data   sovereignty."),  # same normalised text
        article("Other title", "Different.", url="http://www.example.org/a/"),  # same URL, normalised
    ],
)
def test_duplicates_are_refused_naming_the_existing_article(corpus: Path, dup: Article) -> None:
    add_article(corpus, article(url="https://example.org/a"))
    before = files(corpus)
    with pytest.raises(DuplicateArticleError, match=r'"A new article" \(slug a-new-article\)') as info:
        add_article(corpus, dup)
    assert info.value.existing.slug == "a-new-article"
    assert files(corpus) == before


def test_normalise_url() -> None:
    assert normalise_url("HTTP://WWW.Example.org/a/#top") == normalise_url("https://example.org/a")
    assert normalise_url("https://example.org/a?id=1") != normalise_url("https://example.org/a?id=2")


def test_remove_deletes_and_unknown_slug_suggests(corpus: Path) -> None:
    stored = add_article(corpus, article("To be removed"))
    with pytest.raises(ArticleNotFoundError, match="did you mean to-be-removed"):
        remove_article(corpus, "to-be-remove")
    removed = remove_article(corpus, stored.slug)
    assert removed.article.title == "To be removed"
    assert not (corpus / "articles" / f"{stored.slug}.md").exists()
    restore_file(corpus, stored.slug, removed.data)
    assert (corpus / "articles" / f"{stored.slug}.md").read_bytes() == removed.data
    with pytest.raises(ArticleNotFoundError):
        remove_article(corpus, "../../etc/passwd")


def test_crash_between_write_and_rename_leaves_the_corpus_intact(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = files(corpus)
    stamp = corpus_stamp(corpus)

    def crash(src: str, dst: str) -> None:
        raise OSError("simulated crash before rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        add_article(corpus, article())
    monkeypatch.undo()
    assert files(corpus) == before  # no half file, no temporary file left behind
    assert corpus_stamp(corpus) == stamp


def test_a_temporary_file_left_by_a_killed_process_is_ignored(corpus: Path) -> None:
    (corpus / "articles" / ".half-written.abc123.tmp").write_text("---\ntitle: half", encoding="utf-8")
    loaded = load_corpus(corpus)
    assert loaded.errors == ()
    assert len(loaded.articles) == 1
    add_article(corpus, article())  # still writable


def test_concurrent_adds_from_threads_never_clash(corpus: Path) -> None:
    errors: list[BaseException] = []

    def add(i: int) -> None:
        try:
            add_article(corpus, article("Concurrent", f"Body number {i}."))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    slugs = sorted(a.slug for a in load_corpus(corpus).articles if a.title == "Concurrent")
    assert len(slugs) == 8 == len(set(slugs))


def test_lock_is_exclusive_between_openers(corpus: Path) -> None:
    import fcntl

    with corpus_lock(corpus):
        with open(corpus / ".lock", "a+b") as fh:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o027, 0o640)])
def test_written_articles_take_the_usual_mode_under_the_umask(corpus: Path, umask: int, expected: int) -> None:
    """A bot service running as another user must be able to read what `python -m bot add` wrote."""
    old = os.umask(umask)
    try:
        stored = add_article(corpus, article(title=f"Mode {umask:o}", body=f"Readable text {umask}."))
    finally:
        os.umask(old)
    path = corpus / "articles" / f"{stored.slug}.md"
    assert path.stat().st_mode & 0o777 == expected
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")], "no temporary file left"
