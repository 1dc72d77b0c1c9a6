"""The question history on a real SQLite file: schema and migrations, feedback import, retention,
reports, and the writer's behaviour when the file is damaged, locked or shared by processes."""

from __future__ import annotations

import json
import logging
import multiprocessing
import sqlite3
import time
from pathlib import Path

import pytest

from bot.corpus import history
from bot.corpus.history import (
    DAY,
    SCHEMA_VERSION,
    HistoryCorrupt,
    HistoryError,
    HistoryLocked,
    HistoryMissing,
    HistoryTooNew,
    HistoryWriter,
    QuestionRecord,
    VoteRecord,
    gaps_report,
    import_feedback,
    new_key,
    normalise_question,
    open_history,
    percentile,
    prune,
    record_question,
    record_vote,
    stats_report,
)


def q(text: str, answered: bool = False, **kw) -> QuestionRecord:
    return QuestionRecord(new_key(), text, answered, **kw)


def rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


# --- schema -------------------------------------------------------------------------------------


def test_a_new_file_gets_the_current_schema_in_wal_mode(db):
    conn = open_history(db)
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0
    conn.close()
    open_history(db).close()  # opening again changes nothing
    assert rows(db, "SELECT count(*) FROM schema_version") == [(1,)]


def test_a_file_from_a_newer_bot_is_refused_and_left_as_it_was(db):
    open_history(db).close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    before = db.read_bytes()
    with pytest.raises(HistoryTooNew, match=r"newer than this bot.*Nothing was changed"):
        open_history(db)
    assert db.read_bytes() == before


def test_forward_migrations_upgrade_an_older_file_and_keep_its_rows(db, monkeypatch):
    conn = open_history(db)
    record_question(conn, q("Kept across the upgrade?"))
    conn.close()
    step = ("ALTER TABLE questions ADD COLUMN language TEXT NOT NULL DEFAULT 'en'",)
    monkeypatch.setattr(history, "MIGRATIONS", history.MIGRATIONS + (step,))
    monkeypatch.setattr(history, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    conn = open_history(db)
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION + 1,)]
    assert conn.execute("SELECT question, language FROM questions").fetchall() == [("Kept across the upgrade?", "en")]
    conn.close()


def test_a_damaged_file_is_named_and_never_overwritten(db):
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not an SQLite database\n" * 200)
    before = db.read_bytes()
    with pytest.raises(HistoryCorrupt, match="damaged or not an SQLite database"):
        open_history(db)
    assert db.read_bytes() == before


def test_a_missing_file_is_reported_when_not_to_be_created(db):
    with pytest.raises(HistoryMissing, match="no question history"):
        open_history(db, create=False)
    assert not db.exists()


# --- rows ---------------------------------------------------------------------------------------


def test_any_text_is_stored_verbatim_with_parameters_only(db):
    tricky = [
        "'); DROP TABLE questions; --",
        "Qu'est-ce que le « Privacy Shield » ? 🇪🇺 データ主権",
        "x" * 5000,
        'quotes " and \\ backslashes %s {0} ?',
        "nul\x00inside",
    ]
    conn = open_history(db)
    for text in tricky:
        record_question(conn, q(text, lacking=(text[:20],)))
        record_vote(conn, VoteRecord(text, ("a#1",), "down"))
    got = [r[0] for r in conn.execute("SELECT question FROM questions ORDER BY id")]
    assert got == tricky
    assert [r[0] for r in conn.execute("SELECT question FROM votes ORDER BY id")] == tricky
    conn.close()


def test_a_key_is_recorded_once_however_often_it_is_written(db):
    conn = open_history(db)
    rec = q("Written twice?")
    assert record_question(conn, rec) is True
    assert record_question(conn, rec) is False
    assert conn.execute("SELECT count(*) FROM questions").fetchone() == (1,)
    conn.close()


def test_dm_questions_keep_no_ids():
    with pytest.raises(ValueError):
        QuestionRecord(new_key(), "Why?", False, place="dm", channel_id=123)
    with pytest.raises(ValueError):
        VoteRecord("Why?", (), "sideways")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("What is the capital of Australia?", "WHAT IS THE CAPITAL OF AUSTRALIA"),
        ("what  is the capital of australia ?!", "What is the capital of Australia?"),
        ("Où est Zürich?", "ou est zurich"),
        ("Ｗｈａｔ is GDPR?", "what is gdpr"),
    ],
)
def test_questions_differing_in_case_spacing_and_punctuation_group_together(a, b):
    assert normalise_question(a) == normalise_question(b)


def test_different_questions_do_not_group():
    assert normalise_question("Did Microsoft sue the US?") != normalise_question("Did the US sue Microsoft?")
    assert normalise_question("???") == "???"  # nothing but punctuation still has a group


def test_feedback_jsonl_is_imported_once_and_kept(db):
    feedback = db.parent / "feedback.jsonl"
    feedback.parent.mkdir(parents=True)
    lines = [
        json.dumps({"question": "Why did Microsoft sue?", "passage_ids": ["a#7"], "vote": "down",
                    "time": "2026-11-30T10:00:00+00:00"}),
        "not json at all",
        json.dumps({"question": "Why did Microsoft sue?", "passage_ids": ["a#7"], "vote": "up",
                    "time": "2026-11-30T11:00:00+00:00"}),
        json.dumps({"question": "No vote here"}),
    ]
    feedback.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = feedback.read_bytes()
    conn = open_history(db, feedback=feedback)
    assert conn.execute("SELECT vote, source FROM votes ORDER BY voted_at").fetchall() == [
        ("down", "feedback.jsonl"), ("up", "feedback.jsonl")]
    assert import_feedback(conn, feedback) == 0
    conn.close()
    open_history(db, feedback=feedback).close()
    assert rows(db, "SELECT count(*) FROM votes") == [(2,)]
    assert feedback.read_bytes() == before


def test_rows_older_than_the_retention_are_deleted(db):
    now = time.time()
    conn = open_history(db)
    record_question(conn, q("Old?", asked_at=now - 91 * DAY))
    record_question(conn, q("Recent?", asked_at=now - 89 * DAY))
    record_vote(conn, VoteRecord("Old?", (), "up", voted_at=now - 91 * DAY))
    assert prune(conn, 90, now=now) == 2
    assert conn.execute("SELECT question FROM questions").fetchall() == [("Recent?",)]
    assert conn.execute("SELECT count(*) FROM votes").fetchone() == (0,)
    conn.close()


def test_the_writer_prunes_at_start_and_daily(db):
    now = [time.time()]
    conn = open_history(db)
    record_question(conn, q("Two days old", asked_at=now[0] - 2 * DAY))
    record_question(conn, q("Fresh", asked_at=now[0]))
    conn.close()
    writer = HistoryWriter(db, keep_days=1, clock=lambda: now[0])
    writer.start()
    writer.open_soon().result(10)
    assert rows(db, "SELECT question FROM questions") == [("Fresh",)]
    now[0] += 1.5 * DAY
    writer.record_question(q("Later", asked_at=now[0])).result(10)  # type: ignore[union-attr]
    writer.close()
    assert rows(db, "SELECT question FROM questions") == [("Later",)]


# --- reports --------------------------------------------------------------------------------------


def test_gaps_groups_refused_questions_and_lists_answers_voted_down(db):
    now = time.time()
    conn = open_history(db)
    for text in ("What is the capital of Australia?", "what is the capital of australia", "WHAT IS THE CAPITAL OF AUSTRALIA?"):
        record_question(conn, q(text, lacking=("capital", "Australia"), reason="nothing about: capital"))
    record_question(conn, q("Who is the judge?", lacking=("judge",)))
    record_question(conn, q("Too old to count?", asked_at=now - 8 * DAY))
    answered = q("Why did Microsoft sue?", True, passage_ids=("microsoft#7", "microsoft#8.2"))
    record_question(conn, answered)
    for vote in ("down", "down", "up"):
        record_vote(conn, VoteRecord(answered.question, answered.passage_ids, vote, question_key=answered.key))
    record_vote(conn, VoteRecord("Another?", ("other#3",), "down"))
    report = gaps_report(conn, 7, now=now)
    conn.close()
    first, second = report.refused_groups
    assert (first.count, first.normalized) == (3, "what is the capital of australia")
    assert len(first.wordings) == 3 and first.lacking == ("capital", "Australia")
    assert (second.count, second.lacking) == (1, ("judge",))
    assert report.questions == 5 and report.refused == 4
    top, other = report.voted_down
    assert (top.question, top.down, top.up) == ("Why did Microsoft sue?", 2, 1)
    assert [(c.article_slug, c.paragraph) for c in top.cited] == [("microsoft", 7), ("microsoft", 8)]
    assert other.down == 1
    data = report.to_json()
    assert data["refused_groups"][0]["count"] == 3 and data["voted_down"][0]["cited"][0]["paragraph"] == 7


def test_stats_counts_days_shares_times_citations_and_votes(db):
    now = time.time()
    conn = open_history(db)
    for i in range(100):
        record_question(conn, q(f"Question {i}", i % 4 != 0, passage_ids=(f"art{i % 2}#1",) if i % 4 else (),
                                answer_ms=float(i + 1), asked_at=now - (i % 3) * DAY))
    record_vote(conn, VoteRecord("Question 1", ("art1#1",), "up"))
    record_vote(conn, VoteRecord("Question 2", ("art0#1",), "up"))
    record_vote(conn, VoteRecord("Question 3", ("art1#1",), "down"))
    stats = stats_report(conn, 7, now=now)
    conn.close()
    assert stats.questions == 100 and stats.answered == 75 and stats.answered_share == 0.75
    assert len(stats.per_day) in (3, 4) and sum(n for _, n, _ in stats.per_day) == 100
    assert (stats.p50_ms, stats.p99_ms) == (50.0, 99.0)
    assert {s for s, _ in stats.cited_articles} == {"art0", "art1"}
    assert (stats.votes_up, stats.votes_down) == (2, 1)
    assert stats.to_json()["votes"]["balance"] == 1


def test_percentile_is_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([5.0], 99) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0


# --- the writer when the file is unusable ----------------------------------------------------------


def test_a_locked_file_skips_recording_with_one_warning_and_catches_up_later(db, caplog):
    open_history(db).close()
    now = [time.time()]
    writer = HistoryWriter(db, busy_timeout=0.05, retry_seconds=60, clock=lambda: now[0])
    writer.start()
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    with caplog.at_level(logging.WARNING, logger="bot.corpus.history"):
        for i in range(5):
            writer.record_question(q(f"While locked {i}"))
        writer.open_soon().result(10)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "locked" in warnings[0].getMessage()
    assert isinstance(writer.problem, HistoryLocked) and writer.backlog == 5
    blocker.execute("ROLLBACK")
    blocker.close()
    now[0] += 61
    writer.record_question(q("After the lock")).result(10)  # type: ignore[union-attr]
    writer.close()
    assert writer.problem is None and writer.backlog == 0
    assert sorted(r[0] for r in rows(db, "SELECT question FROM questions")) == sorted(
        [f"While locked {i}" for i in range(5)] + ["After the lock"])


def test_a_damaged_file_fails_votes_and_reports_clearly_but_never_raises_on_questions(db, caplog):
    db.parent.mkdir(parents=True)
    db.write_bytes(b"garbage" * 1000)
    writer = HistoryWriter(db)
    writer.start()
    with caplog.at_level(logging.WARNING, logger="bot.corpus.history"):
        for i in range(3):
            writer.record_question(q(f"Lost? {i}")).result(10)  # type: ignore[union-attr]
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1

    import asyncio

    async def vote_and_read() -> None:
        with pytest.raises(HistoryCorrupt):
            await writer.record_vote(VoteRecord("Lost?", (), "up"))
        with pytest.raises(HistoryError, match="damaged"):
            await writer.gaps(7)

    asyncio.run(vote_and_read())
    writer.close()
    assert db.read_bytes() == b"garbage" * 1000


def test_recording_can_be_turned_off(db):
    writer = HistoryWriter(db, record_questions=False)
    writer.start()
    assert writer.record_question(q("Not kept")) is None
    writer.open_soon().result(10)
    writer.close()
    assert rows(db, "SELECT count(*) FROM questions") == [(0,)]


# --- several processes ------------------------------------------------------------------------------


def _write_many(path: str, prefix: str, count: int, start: multiprocessing.synchronize.Event) -> None:
    writer = HistoryWriter(Path(path))
    writer.start()
    start.wait(30)
    futures = [writer.record_question(q(f"{prefix} {i}")) for i in range(count)]
    for f in futures:
        f.result(60)  # type: ignore[union-attr]
    writer.close()
    assert writer.backlog == 0


def test_two_processes_writing_at_once_lose_no_row_and_count_none_twice(db):
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_write_many, args=(str(db), name, 300, start)) for name in ("A", "B")]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    got = [r[0] for r in rows(db, "SELECT question FROM questions")]
    assert len(got) == 600 and set(got) == {f"{n} {i}" for n in "AB" for i in range(300)}
