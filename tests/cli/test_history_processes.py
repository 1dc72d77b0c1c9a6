"""Two `python -m bot run` processes (shard 0 and shard 1) share one data_dir while 100 questions
are asked: every question is in the history exactly once."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from collections import Counter
from collections.abc import AsyncIterator

import pytest
import yaml

from tests.cli.test_run import _env
from tests.fake_discord import FakeDiscord


@pytest.fixture
async def fake_two_shards() -> AsyncIterator[FakeDiscord]:
    """A fake whose guild lives on shard 1 of 2 (DMs always go to shard 0), so both processes answer."""
    while True:
        server = FakeDiscord()
        if (server.guild_id >> 22) % 2 == 1:
            break
        await asyncio.sleep(0.002)  # snowflakes carry the time: the next millisecond gives another id
    await server.start()
    try:
        yield server
    finally:
        await server.close()
    server.assert_clean()


def question(i: int) -> str:
    if i % 4 == 3:
        return f"What is the capital of Australia, asked for the {i}th time?"
    return f"Why did Microsoft sue the US government (question {i})?"


async def test_two_bot_processes_record_every_question_exactly_once(fake_two_shards, tmp_path):
    fake = fake_two_shards
    data = tmp_path / "data"
    procs = []
    for shard in (0, 1):
        config = tmp_path / f"shard{shard}.yaml"
        config.write_text(yaml.safe_dump({
            "api_base_url": fake.base_url, "data_dir": str(data), "guild_ids": [fake.guild_id],
            "cooldown_seconds": 0, "shard_count": 2, "shard_ids": [shard], "log_level": "INFO",
        }), encoding="utf-8")
        procs.append(await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config), cwd=tmp_path,
            env=_env(DISCORD_TOKEN=fake.expected_token),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        ))
    try:
        await fake.wait_until_identified(2, timeout=90)
        asked = []
        for i in range(100):
            if i % 2:
                asked.append(await fake.dispatch_message(question(i), author=fake.alice, dm=True))
            else:
                asked.append(await fake.dispatch_message(f"{fake.bot_user.mention} {question(i)}", author=fake.bob))
        for mid in asked:
            await fake.wait_for_reply(mid, timeout=120)
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        errors = [(await asyncio.wait_for(p.communicate(), timeout=60))[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    conn = sqlite3.connect(data / "history.sqlite3")
    try:
        got = conn.execute("SELECT question, place, answered FROM questions").fetchall()
    finally:
        conn.close()
    counts = Counter(q for q, _, _ in got)
    assert set(counts) == {question(i) for i in range(100)}
    assert set(counts.values()) == {1}, [q for q, n in counts.items() if n > 1]
    assert Counter(place for _, place, _ in got) == {"dm": 50, "guild": 50}  # one process each
    assert 0 < sum(answered for _, _, answered in got) < 100
    for err in errors:
        assert "history is off" not in err and "Traceback" not in err
