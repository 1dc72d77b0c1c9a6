"""The fake Discord itself: it must catch what real Discord would reject, or the bot tests prove little."""

from __future__ import annotations

import aiohttp
import pytest

from tests.fake_discord import FakeDiscord, limits


def test_limits_catch_oversized_embeds_and_content():
    assert limits.check_message({"content": "x" * 2001, "allowed_mentions": {"parse": []}}, send=True)
    big = [{"title": "t", "description": "d" * 4000} for _ in range(2)]
    assert any("6000" in p for p in limits.check_embeds(big))
    assert limits.check_embeds([{"title": "x" * 257}])
    assert limits.check_embeds([{"fields": [{"name": "n", "value": ""}]}])
    assert limits.check_embeds([{}] * 11)
    assert limits.check_message({"content": "", "allowed_mentions": {"parse": []}}, send=True)


def test_limits_catch_pinging_messages():
    assert limits.check_allowed_mentions({}, required=True)
    assert limits.check_allowed_mentions({"allowed_mentions": {"parse": ["everyone"]}}, required=True)
    assert limits.check_allowed_mentions({"allowed_mentions": {"parse": [], "replied_user": True}}, required=True)
    assert limits.pinged("@everyone <@1> <@&2>", None) == ["everyone", "user:1", "role:2"]
    assert limits.pinged("@everyone <@1> <@&2>", {"parse": []}) == []


def test_limits_catch_bad_commands_choices_and_components():
    assert limits.check_commands([{"name": "Ask", "description": "d"}])
    assert limits.check_commands([{"name": "ask", "description": "d" * 101}])
    assert limits.check_commands([{"name": "x" * 33, "description": "d"}])
    assert limits.check_choices([{"name": "n", "value": "v"}] * 26)
    assert limits.check_choices([{"name": "n" * 101, "value": "v"}])
    button = {"type": 2, "style": 1, "label": "b", "custom_id": "same"}
    assert limits.check_components([{"type": 1, "components": [button, button]}])
    assert limits.check_components([{"type": 1, "components": [dict(button, custom_id=str(i)) for i in range(6)]}])


async def _post(fake: FakeDiscord, path: str, payload: dict) -> int:
    async with aiohttp.ClientSession() as session:
        async with session.post(
            fake.base_url + path, json=payload, headers={"Authorization": f"Bot {fake.expected_token}"}
        ) as resp:
            return resp.status


async def test_server_records_violations_and_unknown_routes():
    fake = FakeDiscord()
    await fake.start()
    try:
        status = await _post(fake, f"/channels/{fake.general}/messages", {"content": "hi @everyone"})
        assert status == 200  # Discord would accept it, but it could ping everyone: a violation
        assert any("allowed_mentions" in v for v in fake.violations)
        assert await _post(fake, "/no/such/route", {}) == 404
        assert any("unknown route" in v for v in fake.violations)
        with pytest.raises(AssertionError, match="violations"):
            fake.assert_clean()
    finally:
        await fake.close()
