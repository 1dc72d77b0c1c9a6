"""Live adds and removes: rebuilt off the loop, swapped in one step, old index serves meanwhile."""

from __future__ import annotations

from tests.paths import MULTI_ARTICLES
import asyncio
import shutil
import threading
from pathlib import Path

import pytest

import bot.corpus.knowledge as knowledge_mod
from bot.corpus.articles import DEFAULT_CORPUS_DIR, DuplicateArticleError, corpus_stamp, load_corpus
from bot.corpus.admin import draft_to_article
from bot.corpus.ingest import ingest_file
from bot.corpus.knowledge import Knowledge
from bot.engine.models import Article

DATA = MULTI_ARTICLES


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, target, ignore=shutil.ignore_patterns(".lock"))
    return target


def fixture_article(name: str) -> Article:
    return draft_to_article(ingest_file(DATA / name))


def cited(kb: Knowledge, question: str) -> list[str]:
    return [q.citation.article_slug for q in kb.ask(question).quotes]


async def test_added_article_is_answerable_at_once_and_removed_is_gone(corpus: Path) -> None:
    kb = await Knowledge.open(corpus)
    question = "When was the CLOUD Act signed into law?"
    stored, passages = await kb.add(fixture_article("cloud-act-explained.txt"))
    assert passages == sum(1 for p in kb.snapshot.passages if p.article_slug == stored.slug) > 5
    assert cited(kb, question)[0] == stored.slug
    assert not kb.changed_on_disk()
    removed = await kb.remove(stored.slug)
    assert removed.slug == stored.slug
    assert stored.slug not in cited(kb, question)
    assert [a.slug for a in kb.snapshot.articles] == ["microsoft-explicit-transparent-customer-data-azure"]


async def test_refused_add_leaves_corpus_and_index_as_before(corpus: Path) -> None:
    kb = await Knowledge.open(corpus)
    await kb.add(fixture_article("schrems-ii-ruling.md"))
    snap, stamp = kb.snapshot, corpus_stamp(corpus)
    with pytest.raises(DuplicateArticleError):
        await kb.add(fixture_article("schrems-ii-ruling.md"))
    assert kb.snapshot is snap
    assert corpus_stamp(corpus) == stamp


async def test_failed_rebuild_takes_the_new_file_out_again(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kb = await Knowledge.open(corpus)
    snap = kb.snapshot
    before = {p.name: p.read_bytes() for p in (corpus / "articles").iterdir()}

    def broken(*args: object, **kwargs: object) -> object:
        raise MemoryError("simulated failure while indexing")

    monkeypatch.setattr(knowledge_mod, "build_snapshot", broken)
    monkeypatch.setattr(knowledge_mod, "_updated", broken)  # the incremental update fails alike
    with pytest.raises(MemoryError):
        await kb.add(fixture_article("cloud-act-explained.txt"))
    with pytest.raises(MemoryError):
        await kb.remove("microsoft-explicit-transparent-customer-data-azure")
    assert kb.snapshot is snap
    assert {p.name: p.read_bytes() for p in (corpus / "articles").iterdir()} == before
    assert [a.slug for a in load_corpus(corpus).articles] == [a.slug for a in snap.articles]


async def test_questions_during_a_rebuild_are_answered_from_the_old_index(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = await Knowledge.open(corpus)
    old = kb.snapshot
    started, release = threading.Event(), threading.Event()
    real = knowledge_mod._updated

    def slow_update(*args: object, **kwargs: object) -> object:
        started.set()
        release.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(knowledge_mod, "_updated", slow_update)
    adding = asyncio.create_task(kb.add(fixture_article("eu-data-boundary.html")))
    await asyncio.to_thread(started.wait)
    # the loop is free and questions work while the index is being rebuilt
    answers = await asyncio.gather(*(asyncio.to_thread(kb.ask, "How old is the ECPA?") for _ in range(10)))
    assert all(a.answered for a in answers)
    assert kb.snapshot is old
    release.set()
    stored, _ = await adding
    assert kb.snapshot is not old
    assert stored.slug in {a.slug for a in kb.snapshot.articles}


async def test_many_adds_and_questions_at_once(corpus: Path) -> None:
    kb = await Knowledge.open(corpus)
    names = ["cloud-act-explained.txt", "schrems-ii-ruling.md", "eu-data-boundary.html"]
    extra = [
        Article(slug="", title=f"Note {i}", publisher="Test", paragraphs=(f"Sovereign cloud note number {i}.",))
        for i in range(3)
    ]
    questions = ["How old is the ECPA?", "Who is Microsoft's director of cloud computing?", "What is Privacy Shield?"]
    adds = [kb.add(fixture_article(n)) for n in names] + [kb.add(a) for a in extra]
    asks = [asyncio.to_thread(kb.ask, questions[i % 3]) for i in range(60)]
    results = await asyncio.gather(*adds, *asks)
    answers = results[len(adds):]
    assert all(a.answered for a in answers)
    slugs = {s.slug for s, _ in results[: len(adds)]}
    assert len(slugs) == 6
    assert slugs <= {a.slug for a in kb.snapshot.articles}
    assert slugs <= {a.slug for a in load_corpus(corpus).articles}


async def test_watcher_reloads_when_another_process_changes_the_corpus(corpus: Path) -> None:
    writer = await Knowledge.open(corpus)
    reader = await Knowledge.open(corpus)
    watcher = asyncio.create_task(reader.watch(interval=0.02))
    try:
        stored, _ = await writer.add(fixture_article("cloud-act-explained.txt"))
        async with asyncio.timeout(30):  # a safety net, not a timing assertion
            while stored.slug not in {a.slug for a in reader.snapshot.articles}:
                await asyncio.sleep(0.02)
        assert cited(reader, "When was the CLOUD Act signed into law?")[0] == stored.slug
    finally:
        watcher.cancel()
        with pytest.raises(asyncio.CancelledError):
            await watcher
