"""Shared fixtures.

Discord: `fake` serves a fake Discord (REST v10 + gateway) on 127.0.0.1 and fails the test at
teardown if the bot broke any Discord rule; `run_bot(**config)` starts the real bot against it
(the same `create_bot` + `bot.start(token)` path as `python -m bot run`) and returns it once ready.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fake_discord import FakeDiscord


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    try:
        yield server
    finally:
        await server.close()
    server.assert_clean()


def write_bot_config(path: Path, fake: FakeDiscord, data_dir: Path, **overrides: Any) -> Path:
    """A config file for a bot talking to `fake` (cooldown off unless a test sets it)."""
    settings: dict[str, Any] = {
        "api_base_url": fake.base_url,
        "data_dir": str(data_dir),
        "guild_ids": [fake.guild_id],
        "cooldown_seconds": 0,
        "log_level": "DEBUG",
        "allow_private_urls": True,  # the test pages are served on 127.0.0.1
    }
    settings.update(overrides)
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return path


@pytest.fixture
async def run_bot(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    from bot.discord_shell.client import apply_api_base, create_bot
    from bot.discord_shell.config import DEFAULT_API_BASE_URL, load_config

    started: list[tuple[Any, asyncio.Task[None]]] = []

    async def start(**overrides: Any) -> Any:
        path = write_bot_config(tmp_path / "config.yaml", fake, tmp_path / "data", **overrides)
        config = load_config(path, environ={})
        bot = create_bot(config, guild_ready_timeout=0.05)
        task = asyncio.create_task(bot.start(fake.expected_token))
        started.append((bot, task))
        shards = config.shard_count if config.sharded and config.shard_ids is None else len(config.shard_ids or [1])
        identified = asyncio.create_task(fake.wait_until_identified(shards, timeout=30))
        done, _ = await asyncio.wait({identified, task}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            identified.cancel()
            task.result()  # raises the start-up error
            raise AssertionError("the bot stopped before connecting")
        identified.result()
        async with asyncio.timeout(30):
            await bot.wait_until_ready()
        return bot

    yield start
    for bot, task in started:
        await bot.close()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await task
    apply_api_base(DEFAULT_API_BASE_URL)
