"""The index snapshot kept on disk: loaded instead of rebuilt, rebuilt (with one log line) whenever
it does not fit, updated by an add or remove, and never the cause of a different answer."""

from __future__ import annotations

import errno
import json
import logging
import shutil
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest
import yaml

import bot.corpus.knowledge as knowledge
from bot.corpus.admin import draft_to_article
from bot.corpus.articles import DEFAULT_CORPUS_DIR, add_article
from bot.corpus.ingest import ingest_file
from bot.corpus.knowledge import SNAPSHOT_FILE, Knowledge, build_snapshot, snapshot_stamp
from bot.corpus.snapshot_file import SnapshotUnusable, corpus_generation, read_snapshot, write_snapshot
from bot.engine.glossary import Glossary
from bot.engine.segments import Segments, merge_segments
from bot.engine.store import STORE_FORMAT, Store
from tests.paths import MULTI, MULTI_ARTICLES, SEED_SETS

SEED_SLUG = "microsoft-explicit-transparent-customer-data-azure"
#: A few articles besides the seed, so titles score and several articles share words.
EXTRA = ("cloud-act-explained.txt", "eu-data-boundary.html", "gdpr-day-one.txt")


def _questions() -> list[str]:
    out: list[str] = []
    for path in (SEED_SETS / "dev_questions.yaml", MULTI / "four_articles_questions.yaml"):
        out += [q["q"] for q in yaml.safe_load(path.read_text("utf-8"))["questions"]]
    return out


QUESTIONS = _questions()


def _copy(tmp_path: Path, extra: tuple[str, ...] = EXTRA) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, target, ignore=shutil.ignore_patterns(".cache", ".lock"))
    for name in extra:
        add_article(target, draft_to_article(ingest_file(MULTI_ARTICLES / name)))
    return target


@pytest.fixture(scope="module")
def multi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _copy(tmp_path_factory.mktemp("multi"))


def answers(kb: Knowledge) -> list[dict]:
    return [kb.ask(q, top_k=5).to_json() for q in QUESTIONS]


def explanations(kb: Knowledge) -> list[dict]:
    glossary = kb.snapshot.glossary
    assert isinstance(glossary, Glossary)
    return [glossary.explain(e).to_json() for e in glossary]


def _loaded_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on a build must come from the file: reading the articles would fail."""

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError("the snapshot was rebuilt instead of loaded")

    monkeypatch.setattr(knowledge, "_full_store", refuse)


def _one(store: Store | Segments) -> Store:
    """A store, or main + delta merged as the next merge would write them."""
    if isinstance(store, Segments):
        return knowledge._with_dup(Segments(merge_segments(store)), knowledge._dup_all(store)).main
    return store


def assert_same_store(a: Store | Segments, b: Store | Segments) -> None:
    a, b = _one(a), _one(b)
    assert sorted(a.arrays) == sorted(b.arrays)
    for name in a.arrays:
        x, y = np.asarray(a[name]), np.asarray(b[name])
        assert x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y), name
    meta_a = {k: v for k, v in a.meta.items() if k != "generation"}
    meta_b = {k: v for k, v in b.meta.items() if k != "generation"}
    assert json.dumps(meta_a, sort_keys=True) == json.dumps(meta_b, sort_keys=True)


def saved(corpus: Path) -> Segments:
    """What a start reads back: the main file and the delta beside it that fit the corpus now."""
    return knowledge._read_segments(corpus, corpus_generation(corpus))


# -- loading instead of rebuilding ----------------------------------------------------------------
def test_a_second_start_loads_the_snapshot_and_answers_the_same(multi: Path, monkeypatch) -> None:
    fresh = Knowledge(build_snapshot(multi, persist=False))
    build_snapshot(multi)  # writes it
    assert (multi / SNAPSHOT_FILE).is_file()
    _loaded_only(monkeypatch)
    loaded = Knowledge(build_snapshot(multi))
    assert answers(loaded) == answers(fresh)
    assert explanations(loaded) == explanations(fresh)
    assert [a.slug for a in loaded.snapshot.articles] == [a.slug for a in fresh.snapshot.articles]
    assert list(loaded.snapshot.articles) == list(fresh.snapshot.articles)
    assert list(loaded.snapshot.passages) == list(fresh.snapshot.passages)
    assert loaded.snapshot.stamp == fresh.snapshot.stamp
    assert loaded.sources() == fresh.sources() and loaded.coverage() == fresh.coverage()


def test_the_dev_questions_get_the_same_answers_on_the_seed_corpus(tmp_path: Path, monkeypatch) -> None:
    corpus = _copy(tmp_path, extra=())
    fresh = Knowledge(build_snapshot(corpus, persist=False))
    build_snapshot(corpus)
    _loaded_only(monkeypatch)
    loaded = Knowledge(build_snapshot(corpus))
    assert answers(loaded) == answers(fresh)
    assert explanations(loaded) == explanations(fresh)


def test_snapshot_arrays_are_read_only_memory_maps(multi: Path) -> None:
    build_snapshot(multi)
    snap = build_snapshot(multi)
    arr = snap.store.main["bm_tf"]
    assert not arr.flags.writeable
    assert isinstance(arr.base, memoryview) or arr.base is not None


# -- whatever does not fit is rebuilt, with one line saying why -----------------------------------
def _rebuild_reason(corpus: Path, caplog: pytest.LogCaptureFixture) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bot.corpus.knowledge"):
        kb = Knowledge(build_snapshot(corpus))
    assert answers(kb) == EXPECTED[corpus]
    return [r.getMessage() for r in caplog.records if r.name == "bot.corpus.knowledge"]


EXPECTED: dict[Path, list[dict]] = {}


@pytest.fixture()
def seed(tmp_path: Path) -> Path:
    corpus = _copy(tmp_path, extra=())
    EXPECTED[corpus] = answers(Knowledge(build_snapshot(corpus, persist=False)))
    build_snapshot(corpus)
    return corpus


def test_a_truncated_snapshot_is_rebuilt(seed: Path, caplog) -> None:
    path = seed / SNAPSHOT_FILE
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    (line,) = _rebuild_reason(seed, caplog)
    assert "truncated" in line
    assert path.read_bytes() == data  # rewritten whole
    assert _rebuild_reason(seed, caplog) == []  # and used from then on


def test_a_snapshot_stamped_right_but_laid_out_wrong_is_rebuilt(seed: Path, caplog, monkeypatch) -> None:
    """A code change that moved arrays without bumping STORE_FORMAT: rebuilt, never a crash."""
    real = knowledge._snapshot_of
    calls = []

    def missing_array(*args, **kwargs):  # the saved file, read before and again under the lock
        calls.append(1)
        if len(calls) <= 2:
            raise KeyError("bm_tf")
        return real(*args, **kwargs)

    monkeypatch.setattr(knowledge, "_snapshot_of", missing_array)
    (line,) = _rebuild_reason(seed, caplog)
    assert "do not fit" in line and "bm_tf" in line


@pytest.mark.parametrize("cut", [0, 5, 20])
def test_a_snapshot_cut_in_its_header_is_rebuilt(seed: Path, caplog, cut: int) -> None:
    path = seed / SNAPSHOT_FILE
    path.write_bytes(path.read_bytes()[:cut])
    (line,) = _rebuild_reason(seed, caplog)
    assert "truncated" in line


def test_a_hand_edited_payload_fails_its_checksum(seed: Path, caplog) -> None:
    path = seed / SNAPSHOT_FILE
    data = bytearray(path.read_bytes())
    data[-len(data) // 3] ^= 0x40  # one bit somewhere in the arrays
    path.write_bytes(bytes(data))
    (line,) = _rebuild_reason(seed, caplog)
    assert "checksum" in line


def test_a_hand_edited_header_fails_its_checksum(seed: Path, caplog) -> None:
    path = seed / SNAPSHOT_FILE
    data = path.read_bytes()
    # a glossary definition in the header, changed but the same length
    edited = data.replace(b"Electronic Communications Privacy Act", b"Electronic Communications Privacy Axe", 1)
    assert edited != data
    path.write_bytes(edited)
    (line,) = _rebuild_reason(seed, caplog)
    assert "checksum" in line


def test_another_engine_version_is_rebuilt(seed: Path, caplog, monkeypatch) -> None:
    monkeypatch.setattr(knowledge, "_CODE_SIGNATURE", "another-tokenizer")
    (line,) = _rebuild_reason(seed, caplog)
    assert "another tokenizer or engine version" in line


def test_an_edited_glossary_file_is_a_new_generation(seed: Path, caplog) -> None:
    path = seed / "glossary.yaml"
    path.write_text(path.read_text("utf-8") + "\n# a comment\n", "utf-8")
    (line,) = _rebuild_reason(seed, caplog)
    assert "corpus changed" in line


def test_an_edited_article_is_a_new_generation(seed: Path, caplog) -> None:
    (article,) = (seed / "articles").glob("*.md")
    text = article.read_text("utf-8")
    article.write_text(text.replace("The ECPA is 30 years old.", "The ECPA is thirty years old."), "utf-8")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bot.corpus.knowledge"):
        kb = Knowledge(build_snapshot(seed))
    assert any("corpus changed" in r.getMessage() for r in caplog.records)
    assert "thirty years old" in kb.ask("How old is the ECPA?").quotes[0].text


def test_a_file_that_is_not_a_snapshot_is_rebuilt(seed: Path, caplog) -> None:
    (seed / SNAPSHOT_FILE).write_bytes(b"\x80\x04pickle? no thanks" * 100)
    (line,) = _rebuild_reason(seed, caplog)
    assert "not a snapshot" in line


def test_read_refuses_an_array_type_it_does_not_store(tmp_path: Path) -> None:
    store = Store({"x": np.array([1, 2, 3], dtype=np.int64)}, {"format": STORE_FORMAT})
    with pytest.raises(ValueError, match="dtype"):
        write_snapshot(tmp_path / "s.bin", Store({"x": np.array(["a"], dtype=object)}, {}),
                       snapshot_stamp(corpus_generation(tmp_path)))
    write_snapshot(tmp_path / "s.bin", store, snapshot_stamp(corpus_generation(tmp_path)))
    got = read_snapshot(tmp_path / "s.bin", snapshot_stamp(corpus_generation(tmp_path)))
    assert got["x"].tolist() == [1, 2, 3]


# -- read-only corpus directories and processes sharing one ---------------------------------------
def test_a_read_only_corpus_is_built_in_memory_with_one_warning(tmp_path: Path, caplog, monkeypatch) -> None:
    corpus = _copy(tmp_path, extra=())
    expected = answers(Knowledge(build_snapshot(corpus, persist=False)))
    shutil.rmtree(corpus / ".cache", ignore_errors=True)
    (corpus / ".cache").mkdir()
    real_mkstemp = tempfile.mkstemp

    def read_only(*args, dir=None, **kwargs):  # what a read-only mount answers (the tests run as root)
        if dir is not None and Path(dir).is_relative_to(corpus):
            raise PermissionError(errno.EROFS, "Read-only file system")
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    for _ in range(2):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            kb = Knowledge(build_snapshot(corpus))
        warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(warnings) == 1, [r.getMessage() for r in warnings]
        assert "cannot save the index snapshot" in warnings[0].getMessage()
        assert answers(kb) == expected


def test_readers_never_see_half_a_snapshot_while_another_process_writes(seed: Path) -> None:
    path = seed / SNAPSHOT_FILE
    stamp = snapshot_stamp(corpus_generation(seed))
    store = read_snapshot(path, stamp)
    copy = Store({n: np.array(a) for n, a in store.arrays.items()}, store.meta)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            while not stop.is_set():
                write_snapshot(path, copy, stamp)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(40):
            try:
                got = read_snapshot(path, stamp)
            except SnapshotUnusable as exc:  # pragma: no cover - the failure this test looks for
                raise AssertionError(f"a reader saw a half-written snapshot: {exc}") from None
            assert np.array_equal(got["bm_tf"], copy["bm_tf"])
    finally:
        stop.set()
        thread.join()
    assert not errors


# -- adding and removing update the snapshot as a full rebuild would make it ----------------------
async def test_add_and_remove_update_the_snapshot_like_a_full_rebuild(tmp_path: Path, monkeypatch) -> None:
    corpus = _copy(tmp_path, extra=("eu-data-boundary.html", "gdpr-day-one.txt"))
    kb = await Knowledge.open(corpus)
    calls: list[str] = []
    real_terms = knowledge.passage_terms

    def counting(passage):
        calls.append(passage.article_slug)
        return real_terms(passage)

    monkeypatch.setattr(knowledge, "passage_terms", counting)

    def no_full_build(*args: object, **kwargs: object) -> object:
        raise AssertionError("an add or remove must not rebuild the whole snapshot")

    monkeypatch.setattr(knowledge, "build_snapshot", no_full_build)
    monkeypatch.setattr(knowledge, "load_corpus", no_full_build)
    stored, count = await kb.add(draft_to_article(ingest_file(MULTI_ARTICLES / "cloud-act-explained.txt")))
    assert set(calls) == {stored.slug} and len(calls) == count  # only the new article was tokenised
    monkeypatch.undo()
    full = build_snapshot(corpus, persist=False)
    assert_same_store(kb.snapshot.store, full.store)
    assert kb.snapshot.store.delta is not None  # only the delta was written
    assert_same_store(saved(corpus), full.store)
    assert answers(kb) == answers(Knowledge(full))

    monkeypatch.setattr(knowledge, "build_snapshot", no_full_build)
    monkeypatch.setattr(knowledge, "load_corpus", no_full_build)
    slug = next(a.slug for a in kb.snapshot.articles if a.slug not in (stored.slug, SEED_SLUG))
    await kb.remove(slug)
    monkeypatch.undo()
    full = build_snapshot(corpus, persist=False)
    assert_same_store(kb.snapshot.store, full.store)
    assert answers(kb) == answers(Knowledge(full))


async def test_an_add_after_another_process_changed_the_corpus_rebuilds_in_full(tmp_path: Path) -> None:
    corpus = _copy(tmp_path, extra=())
    kb = await Knowledge.open(corpus)
    other = corpus / "articles" / "hand-written.md"
    other.write_text("---\ntitle: Hand written\npublisher: Test\n---\nA paragraph on data residency.\n", "utf-8")
    await kb.add(draft_to_article(ingest_file(MULTI_ARTICLES / "gdpr-day-one.txt")))
    assert "hand-written" in {a.slug for a in kb.snapshot.articles}
    full = build_snapshot(corpus, persist=False)
    assert_same_store(kb.snapshot.store, full.store)


def test_the_command_line_add_of_several_files_updates_the_saved_snapshot(tmp_path: Path, monkeypatch) -> None:
    """`python -m bot add A B` (a bulk import) updates the saved snapshot article by article
    instead of rebuilding it, and the result equals a full rebuild."""
    from bot.cli.main import main

    corpus = _copy(tmp_path, extra=("gdpr-day-one.txt",))
    build_snapshot(corpus)
    sources = [MULTI_ARTICLES / "cloud-act-explained.txt", MULTI_ARTICLES / "eu-data-boundary.html"]
    _loaded_only(monkeypatch)
    assert main(["add", *map(str, sources), "--corpus", str(corpus)]) == 0
    monkeypatch.undo()
    full = build_snapshot(corpus, persist=False)
    assert len(full.articles) == 4
    assert_same_store(saved(corpus), full.store)


def test_a_first_bulk_import_knows_the_articles_from_the_saved_snapshot(tmp_path: Path, monkeypatch) -> None:
    import bot.corpus.bulk as bulk

    corpus = _copy(tmp_path, extra=("gdpr-day-one.txt", "cloud-act-explained.txt"))
    build_snapshot(corpus)
    assert not (corpus / bulk.INDEX_PATH).exists()
    parsed: list[str] = []
    real = bulk.parse_article

    def counting(path, text):
        parsed.append(path.name)
        return real(path, text)

    monkeypatch.setattr(bulk, "parse_article", counting)
    writer = bulk.CorpusWriter(corpus)
    assert parsed == []  # slugs, titles, hashes and links came from the snapshot
    assert len(writer._known) == 3 and all(k.sha for k in writer._known.values())
    other = next(p for p in (corpus / "articles").glob("*.md") if p.stem != SEED_SLUG)
    other.write_text(other.read_text("utf-8") + "\nOne more paragraph.\n", "utf-8")
    bulk.CorpusWriter(corpus)
    # the snapshot no longer fits the corpus, so it vouches for nothing: every file is read
    assert sorted(parsed) == sorted(p.name for p in (corpus / "articles").glob("*.md"))


async def test_a_reload_after_another_process_added_articles_updates_the_snapshot_in_memory(
    tmp_path: Path, monkeypatch
) -> None:
    corpus = _copy(tmp_path, extra=("gdpr-day-one.txt",))
    kb = await Knowledge.open(corpus)
    for name in ("cloud-act-explained.txt", "eu-data-boundary.html"):  # another process, no snapshot update
        add_article(corpus, draft_to_article(ingest_file(MULTI_ARTICLES / name)))
    _loaded_only(monkeypatch)
    snap = await kb.reload()
    monkeypatch.undo()
    assert len(snap.articles) == 4
    assert_same_store(snap.store, build_snapshot(corpus, persist=False).store)
    assert_same_store(saved(corpus), snap.store)


async def test_a_snapshot_kept_with_a_broken_glossary_is_never_saved(tmp_path: Path) -> None:
    corpus = _copy(tmp_path, extra=())
    kb = await Knowledge.open(corpus)
    (corpus / "glossary.yaml").write_text("terms: 7\n", "utf-8")
    await kb.reload()
    add_article(corpus, draft_to_article(ingest_file(MULTI_ARTICLES / "gdpr-day-one.txt")))
    await kb.reload()  # updated in memory from the unsaved one
    with pytest.raises(SnapshotUnusable):
        read_snapshot(corpus / SNAPSHOT_FILE, snapshot_stamp(corpus_generation(corpus)))


# -- the delta beside the main file ---------------------------------------------------------------
async def test_a_delta_written_by_another_process_is_read_by_a_start_and_a_reload(tmp_path: Path, monkeypatch) -> None:
    corpus = _copy(tmp_path, extra=("gdpr-day-one.txt",))
    bot_kb = await Knowledge.open(corpus)  # a running bot
    main_bytes = (corpus / SNAPSHOT_FILE).read_bytes()
    cli = await Knowledge.open(corpus)  # the command line beside it
    await cli.add(draft_to_article(ingest_file(MULTI_ARTICLES / "cloud-act-explained.txt")))
    assert (corpus / SNAPSHOT_FILE).read_bytes() == main_bytes  # the main file is not rewritten
    assert (corpus / knowledge.DELTA_FILE).stat().st_size < len(main_bytes) / 4
    _loaded_only(monkeypatch)
    monkeypatch.setattr(knowledge, "_stepwise", lambda *a, **k: pytest.fail("the delta file was not read"))
    snap = await bot_kb.reload()
    started = Knowledge.load(corpus)
    monkeypatch.undo()
    full = Knowledge(build_snapshot(corpus, persist=False))
    assert len(snap.articles) == 3
    assert answers(bot_kb) == answers(full) == answers(started)
    assert explanations(bot_kb) == explanations(full)
    assert [a.slug for a, _ in bot_kb.sources()] == [a.slug for a, _ in full.sources()]


async def test_the_delta_is_merged_into_the_main_file_past_the_threshold(tmp_path: Path, monkeypatch) -> None:
    corpus = _copy(tmp_path, extra=("gdpr-day-one.txt",))
    kb = await Knowledge.open(corpus)
    await kb.add(draft_to_article(ingest_file(MULTI_ARTICLES / "cloud-act-explained.txt")))
    assert kb.snapshot.store.delta is not None
    monkeypatch.setattr(knowledge, "MERGE_MIN_PASSAGES", 0)
    slug = next(a.slug for a in kb.snapshot.articles if a.slug == SEED_SLUG)
    await kb.remove(slug)  # past the threshold now: one main file, no delta
    assert kb.snapshot.store.delta is None and not (corpus / knowledge.DELTA_FILE).exists()
    full = build_snapshot(corpus, persist=False)
    assert_same_store(kb.snapshot.store.main, full.store)
    assert_same_store(saved(corpus), full.store)
    assert answers(kb) == answers(Knowledge(full))


async def test_a_delta_whose_main_file_was_replaced_is_not_used(tmp_path: Path) -> None:
    corpus = _copy(tmp_path, extra=("gdpr-day-one.txt",))
    kb = await Knowledge.open(corpus)
    await kb.add(draft_to_article(ingest_file(MULTI_ARTICLES / "cloud-act-explained.txt")))
    (corpus / SNAPSHOT_FILE).unlink()  # e.g. merged by another process that then crashed
    snap = build_snapshot(corpus)  # rebuilt in full, with the same answers
    assert snap.store.delta is None
    assert answers(Knowledge(snap)) == answers(kb)
