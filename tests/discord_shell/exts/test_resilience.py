"""Slow answers, expiring buttons, sharding and other conditions a real deployment meets."""

from __future__ import annotations

import asyncio
import threading

from tests.discord_shell.helpers import LAWSUIT_QUESTION, button_ids, buttons_live, is_ephemeral, visible_text


async def test_slow_answer_is_deferred_within_three_seconds(fake, run_bot, monkeypatch):
    bot = await run_bot()
    real_ask = bot.knowledge.ask
    release = threading.Event()

    def slow(question, top_k=3, after=()):
        release.wait(timeout=30)  # blocks a worker thread, never the event loop
        return real_ask(question, top_k=top_k)

    monkeypatch.setattr(bot.knowledge, "ask", slow)
    inter = await fake.dispatch_slash("ask", {"question": LAWSUIT_QUESTION})
    await fake.wait_for(lambda: inter.ack_type == 5)  # "thinking…" was sent while the core works
    release.set()
    reply = await fake.wait_for_reply(inter)
    assert "paragraph" in visible_text(reply) and not is_ephemeral(reply)
    assert reply["id"] == str(inter.original_id), "the deferred message is filled in"


async def test_event_loop_keeps_serving_while_the_core_works(fake, run_bot, monkeypatch):
    bot = await run_bot()
    real_ask = bot.knowledge.ask
    release = threading.Event()

    def slow_for_alice(question, top_k=3, after=()):
        if "slow" in question:
            release.wait(timeout=30)
        return real_ask(question, top_k=top_k)

    monkeypatch.setattr(bot.knowledge, "ask", slow_for_alice)
    slow_msg = await fake.dispatch_message(f"{fake.bot_user.mention} slow: {LAWSUIT_QUESTION}")
    quick = await fake.dispatch_slash("help", user=fake.bob)
    assert "/ask" in visible_text(await fake.wait_for_reply(quick))
    release.set()
    assert "paragraph" in visible_text(await fake.wait_for_reply(slow_msg))


async def test_buttons_are_disabled_when_they_expire(fake, run_bot):
    bot = await run_bot(view_timeout_seconds=1)
    mid = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
    answer = await buttons_live(bot, await fake.wait_for_reply(mid))
    assert button_ids(answer)
    message_id = int(answer["id"])
    await fake.wait_for(
        lambda: all(b.get("disabled") for b in fake.buttons(message_id)), timeout=30
    )


async def test_slash_answer_buttons_are_disabled_with_the_bot_token(fake, run_bot):
    """/ask answers expire after their interaction token may have: the bot edits them itself."""
    bot = await run_bot(view_timeout_seconds=1)
    inter = await fake.dispatch_slash("ask", {"question": LAWSUIT_QUESTION})
    answer = await buttons_live(bot, await fake.wait_for_reply(inter))
    message_id = int(answer["id"])
    await fake.wait_for(lambda: all(b.get("disabled") for b in fake.buttons(message_id)), timeout=30)
    edits = [r for r in fake.requests if r.method == "PATCH" and r.path.endswith(f"/messages/{message_id}")]
    assert any(r.path.startswith("/channels/") for r in edits), [r.path for r in edits]


async def test_sharded_bot_answers(fake, run_bot):
    bot = await run_bot(shard_count=2)
    assert bot.shard_count == 2
    shards = sorted(c.shard for c in fake.connections if c.identified)
    assert shards == [(0, 2), (1, 2)]
    mid = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
    assert "paragraph" in visible_text(await fake.wait_for_reply(mid))
    inter = await fake.dispatch_slash("ask", {"question": LAWSUIT_QUESTION})
    assert "paragraph" in visible_text(await fake.wait_for_reply(inter))


async def test_over_long_mention_gets_a_clear_reply(fake, run_bot):
    await run_bot()
    mid = await fake.dispatch_message(f"{fake.bot_user.mention} " + "why " * 300)
    reply = await fake.wait_for_reply(mid)
    assert "1,000 characters" in reply["content"]


async def test_without_the_intent_unaddressed_channel_messages_are_invisible(fake, run_bot):
    # answer channel configured but the privileged intent forced off: Discord blanks the content,
    # so the bot must stay quiet rather than complain about an "empty question"
    await run_bot(answer_channel_ids=[fake.answers], message_content_intent=False, reply_in_thread="never")
    since = len(fake.requests)
    await fake.dispatch_message(LAWSUIT_QUESTION, channel=fake.answers)
    mid = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}", channel=fake.answers)
    await fake.wait_for_reply(mid)
    await asyncio.sleep(0)
    posts = [r for r in fake.requests[since:] if r.method == "POST" and r.path.endswith("/messages")]
    assert len(posts) == 1


async def test_bot_role_mention_counts_as_a_mention(fake, run_bot):
    # Discord's client sometimes inserts the bot's managed role instead of the bot user. Whether
    # Discord then delivers the content without the privileged intent is not documented: use it.
    await run_bot(message_content_intent=True)
    mid = await fake.dispatch_message(f"<@&{fake.bot_role}> {LAWSUIT_QUESTION}")
    assert "paragraph" in visible_text(await fake.wait_for_reply(mid))


async def test_mention_listed_without_the_token_is_a_question(fake, run_bot):
    await run_bot()
    mid = await fake.dispatch_message(f"@sovbot {LAWSUIT_QUESTION}", mentions=[fake.bot_user])
    assert "paragraph" in visible_text(await fake.wait_for_reply(mid))


async def test_a_reply_to_the_bot_is_not_a_new_question(fake, run_bot):
    await run_bot()
    mid = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
    answer = await fake.wait_for_reply(mid)
    since = len(fake.requests)
    await fake.dispatch_message("thanks, that helps!", reply_to=int(answer["id"]))
    # a later question is answered, and nothing was said in between
    later = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
    await fake.wait_for_reply(later)
    posts = [r for r in fake.requests[since:] if r.method == "POST" and r.path.endswith("/messages")]
    assert len(posts) == 1


async def test_bot_starts_when_the_api_announces_only_a_gateway_url(fake, run_bot):
    """An independent Discord-like API may answer GET /gateway/bot with nothing but "url"."""
    fake.minimal_gateway_reply = True
    await run_bot()
    msg = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
    reply = await fake.wait_for_reply(msg)
    assert "paragraph" in visible_text(reply)


async def test_message_from_an_uncached_guild_is_not_taken_for_a_dm(fake, run_bot):
    """Before its GUILD_CREATE arrives, a guild's chatter must not be answered as if it were a DM."""
    await run_bot()
    unknown_guild = fake.snowflake()
    channel = fake.snowflake()
    chatter_id = fake.snowflake()
    chatter = {
        "id": str(chatter_id), "channel_id": str(channel), "guild_id": str(unknown_guild),
        "author": fake.alice.payload(), "member": fake.alice.member(with_user=False),
        "content": "anyone around for lunch?", "timestamp": "2026-11-29T12:00:00+00:00",
        "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
        "mention_roles": [], "attachments": [], "embeds": [], "pinned": False, "type": 0, "flags": 0,
        "components": [], "nonce": str(chatter_id),
    }
    fake.messages[chatter_id] = chatter
    await fake._dispatch("MESSAGE_CREATE", chatter, None)
    # a question asked afterwards is answered, so the bot has seen the chatter by then
    asked = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
    await fake.wait_for_reply(asked)
    await asyncio.sleep(0.2)  # room for a wrong reply to the chatter to arrive, were one coming
    sent_there = [r for r in fake.requests if r.method == "POST" and r.path == f"/channels/{channel}/messages"]
    assert sent_there == []
