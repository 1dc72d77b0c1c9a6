"""/gaps and the question history against the fake Discord: members ask and vote, an admin sees
the gaps, a member is refused, the command line reads the same groups from the bot's data_dir,
and a damaged history never stops the bot from answering."""

from __future__ import annotations

import json
import logging
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.discord_shell.exts.gaps import PAGE_CHARS, gap_pages
from tests.discord_shell.helpers import (
    LAWSUIT_QUESTION,
    buttons_live,
    full_button_ids,
    is_ephemeral,
    plain,
    visible_text,
)
from tests.paths import ROOT

CAPITAL = "What is the capital of Australia?"


def rows(bot, sql: str) -> list[tuple]:
    conn = sqlite3.connect(bot.config.history_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


async def ask(fake, text: str, user, *, slash: bool = False, dm: bool = False) -> dict:
    if slash:
        return await fake.wait_for_reply(await fake.dispatch_slash("ask", {"question": text}, user=user))
    content = text if dm else f"{fake.bot_user.mention} {text}"
    return await fake.wait_for_reply(await fake.dispatch_message(content, author=user, dm=dm))


async def test_admins_see_the_repeated_question_first_members_are_refused_and_the_cli_agrees(fake, run_bot, tmp_path):
    bot = await run_bot()
    await ask(fake, CAPITAL, fake.alice)
    await ask(fake, "what is the capital of australia", fake.alice, slash=True)
    await ask(fake, "WHAT IS THE CAPITAL OF AUSTRALIA", fake.alice, dm=True)
    await ask(fake, "Who won the football world cup?", fake.bob)
    answer = await buttons_live(bot, await ask(fake, LAWSUIT_QUESTION, fake.bob))
    for voter in (fake.alice, fake.bob):
        vote = await fake.click_button(answer, "ask:vote:down", user=voter)
        assert "Thanks" in (await fake.wait_for_reply(vote))["content"]

    refused = await fake.wait_for_reply(await fake.dispatch_slash("gaps", {}, user=fake.alice))
    assert is_ephemeral(refused) and "Only server managers and the bot's configured admins" in refused["content"]
    assert "capital" not in visible_text(refused).lower()

    reply = await fake.wait_for_reply(await fake.dispatch_slash("gaps", {"days": 7}, user=fake.mod))
    assert is_ephemeral(reply)
    text = plain(visible_text(reply))
    refused_part, voted_part = text.split("Answers voted down", 1)
    assert "3× “What is the capital of Australia?” (and 2 other wordings)" in refused_part
    assert refused_part.index("3×") < refused_part.index("1×")
    assert "1× “Who won the football world cup?”" in refused_part
    assert "the corpus lacks: Australia, capital" in refused_part
    assert "👎 2 · 👍 0" in voted_part and LAWSUIT_QUESTION in voted_part
    assert "Microsoft Knows It Needs" in voted_part and "paragraph" in voted_part
    assert "5 questions asked, 4 refused" in reply["embeds"][0]["footer"]["text"]

    # the terminal shows the same groups from the bot's data directory
    out = cli("gaps", "--json", "--data-dir", str(bot.config.data_dir))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    groups = [(g["count"], g["normalized"]) for g in data["refused_groups"]]
    assert groups == [(3, "what is the capital of australia"), (1, "who won the football world cup")]
    assert data["voted_down"][0]["down"] == 2 and data["voted_down"][0]["cited"][0]["paragraph"]

    stats = json.loads(cli("stats", "--json", "--data-dir", str(bot.config.data_dir)).stdout)
    assert stats["questions"] == 5 and stats["answered"] == 1
    assert stats["votes"] == {"up": 0, "down": 2, "balance": -2}
    assert stats["answer_ms"]["p50"] is not None

    # what the history keeps about where: ids in a guild, only "dm" in a DM, never a user
    places = rows(bot, "SELECT place, guild_id, channel_id FROM questions ORDER BY id")
    assert places[2] == ("dm", None, None)
    assert places[0] == ("guild", str(fake.guild_id), str(fake.general))
    raw = "\n".join(map(str, rows(bot, "SELECT * FROM questions") + rows(bot, "SELECT * FROM votes")))
    for user in (fake.alice, fake.bob, fake.mod):
        assert str(user.id) not in raw and user.username not in raw


async def test_a_long_report_is_paged_with_buttons_within_discord_limits(fake, run_bot):
    bot = await run_bot()
    for i in range(30):
        await ask(fake, f"Does the corpus mention zebra number {i} " + "and a long tail " * 40, fake.alice)
    inter = await fake.dispatch_slash("gaps", {}, user=fake.mod)
    first = await fake.wait_for_reply(inter)
    assert [i.rsplit(":", 2)[0] for i in full_button_ids(first)] == ["gaps:prev", "gaps:next"]
    footer = first["embeds"][0]["footer"]["text"]
    assert footer.startswith("Page 1 of ")
    pages = int(footer.split("Page 1 of ")[1].split(" ")[0])
    assert pages >= 4
    seen = [visible_text(first)]
    message = first
    for _ in range(pages - 1):
        click = await fake.click_button(message, "gaps:next", user=fake.mod)
        message = await fake.wait_for_reply(click)
        seen.append(visible_text(message))
    assert f"Page {pages} of {pages}" in message["embeds"][0]["footer"]["text"]
    assert len(set(seen)) == pages
    assert sum(plain(s).count("1× ") for s in seen) == 30  # every group on exactly one page
    assert [b.get("disabled", False) for b in fake.buttons(message)] == [False, True]
    # (the fake fails the test if any embed broke a Discord limit)
    assert bot.history.problem is None


def test_pages_never_exceed_the_budget():
    entries = [("Refused questions, most asked first", "x" * 900) for _ in range(20)]
    pages = gap_pages(entries)
    assert all(len(p) <= PAGE_CHARS + 200 for p in pages)
    assert "(continued)" in pages[1] and "(continued)" not in pages[0]


async def test_a_damaged_history_never_stops_the_answers_and_gaps_says_what_is_wrong(fake, run_bot, tmp_path, caplog):
    data = tmp_path / "data"
    data.mkdir()
    damaged = data / "history.sqlite3"
    damaged.write_bytes(b"\x00\x01 not a database " * 500)
    before = damaged.read_bytes()
    with caplog.at_level(logging.WARNING, logger="bot.corpus.history"):
        bot = await run_bot()
        for _ in range(2):
            reply = await ask(fake, LAWSUIT_QUESTION, fake.alice, slash=True)
            assert "paragraph" in plain(visible_text(reply))
        reply = await buttons_live(bot, await ask(fake, LAWSUIT_QUESTION, fake.alice))
        vote = await fake.click_button(reply, "ask:vote:up", user=fake.bob)
        note = await fake.wait_for_reply(vote)
        assert "could not be saved" in note["content"] and "Thanks" not in note["content"]
        gaps = await fake.wait_for_reply(await fake.dispatch_slash("gaps", {}, user=fake.mod))
    assert is_ephemeral(gaps) and "damaged or not an SQLite database" in gaps["content"]
    assert str(tmp_path) not in gaps["content"]  # no server paths in Discord
    warnings = [r for r in caplog.records if r.name == "bot.corpus.history" and r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert damaged.read_bytes() == before

    out = cli("gaps", "--data-dir", str(data))
    assert out.returncode == 1 and "damaged or not an SQLite database" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


async def test_history_false_records_no_questions(fake, run_bot):
    bot = await run_bot(history=False)
    answer = await buttons_live(bot, await ask(fake, LAWSUIT_QUESTION, fake.alice))
    await ask(fake, CAPITAL, fake.alice)
    vote = await fake.click_button(answer, "ask:vote:up", user=fake.bob)
    assert "Thanks" in (await fake.wait_for_reply(vote))["content"]
    assert rows(bot, "SELECT count(*) FROM questions") == [(0,)]
    assert rows(bot, "SELECT vote, question_id FROM votes") == [("up", None)]


async def test_an_old_feedback_file_is_imported_once_when_the_bot_starts(fake, run_bot, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    line = {"question": LAWSUIT_QUESTION, "passage_ids": ["microsoft-explicit-transparent-customer-data-azure#3"],
            "vote": "down", "time": "2026-12-01T09:00:00+00:00"}
    (data / "feedback.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    bot = await run_bot()
    reply = await fake.wait_for_reply(await fake.dispatch_slash("gaps", {"days": 90}, user=fake.mod))
    assert "👎 1 · 👍 0" in visible_text(reply)
    await bot.close()
    bot = await run_bot()
    await fake.wait_for_reply(await fake.dispatch_slash("gaps", {}, user=fake.mod))
    assert rows(bot, "SELECT count(*), source FROM votes") == [(1, "feedback.jsonl")]
    assert Path(data / "feedback.jsonl").exists()


def test_ask_records_only_with_record(tmp_path):
    data = tmp_path / "data"
    out = cli("ask", CAPITAL, "--data-dir", str(data))
    assert out.returncode == 0 and not data.exists()
    out = cli("ask", CAPITAL, "--record", "--data-dir", str(data))
    assert out.returncode == 0, out.stderr
    conn = sqlite3.connect(data / "history.sqlite3")
    try:
        assert conn.execute("SELECT question, place, answered, guild_id FROM questions").fetchall() == [
            (CAPITAL, "cli", 0, None)]
    finally:
        conn.close()


def test_gaps_from_the_terminal_says_what_is_wrong_with_the_file(tmp_path):
    from bot.corpus.history import SCHEMA_VERSION, open_history

    data = tmp_path / "data"
    out = cli("gaps", "--data-dir", str(data))
    assert out.returncode == 1 and "no question history" in out.stderr and not data.exists()
    open_history(data / "history.sqlite3").close()
    conn = sqlite3.connect(data / "history.sqlite3")
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 5,))
    conn.commit()
    conn.close()
    for command in ("gaps", "stats"):
        out = cli(command, "--data-dir", str(data))
        assert out.returncode == 1 and "newer than this bot understands" in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1
    assert cli("gaps", "--days", "0", "--data-dir", str(data)).returncode == 2


def test_gaps_text_output_names_the_groups_and_the_cited_article(tmp_path):
    from bot.corpus.history import QuestionRecord, VoteRecord, new_key, open_history, record_question, record_vote

    data = tmp_path / "data"
    conn = open_history(data / "history.sqlite3")
    for text in (CAPITAL, CAPITAL.upper()):
        record_question(conn, QuestionRecord(new_key(), text, False, lacking=("capital", "Australia")))
    slug = "microsoft-explicit-transparent-customer-data-azure"
    record_vote(conn, VoteRecord(LAWSUIT_QUESTION, (f"{slug}#7",), "down"))
    conn.close()
    out = cli("gaps", "--data-dir", str(data))
    assert out.returncode == 0, out.stderr
    assert f"2x  {CAPITAL}" in out.stdout and "the corpus lacks: capital, Australia" in out.stdout
    assert "Microsoft Knows It Needs" in out.stdout and "paragraph 7" in out.stdout
    stats = cli("stats", "--data-dir", str(data))
    assert "answered 0 (0%)" in stats.stdout and "1 down" in stats.stdout
