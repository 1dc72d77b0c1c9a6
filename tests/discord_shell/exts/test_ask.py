"""The ask extension against the fake Discord: the real bot, real gateway, real REST calls."""

from __future__ import annotations

import asyncio
import json
import sqlite3

from tests.discord_shell.helpers import (
    LAWSUIT_QUESTION,
    UNANSWERABLE_QUESTION,
    button_ids,
    buttons_live,
    is_ephemeral,
    plain,
    visible_text,
)

LAWSUIT_WORDS = "filed its lawsuit on Thursday"


async def test_mention_question_is_answered_with_quote_and_citation(fake, run_bot):
    await run_bot()
    mid = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
    reply = await fake.wait_for_reply(mid)
    text = plain(visible_text(reply))
    assert "Microsoft" in text and "sue" in text.lower()
    assert any("**" in (e.get("description") or "") for e in reply["embeds"]), "matched words are bold"
    footers = [e["footer"]["text"] for e in reply["embeds"]]
    assert all("paragraph" in f and "TechWeekEurope" in f for f in footers), footers
    assert reply["embeds"][0]["url"].startswith("https://")
    assert reply["message_reference"]["message_id"] == str(mid)
    assert "ask:vote:up" in button_ids(reply) and "ask:vote:down" in button_ids(reply)


async def test_slash_ask_is_answered_publicly(fake, run_bot):
    await run_bot()
    inter = await fake.dispatch_slash("ask", {"question": LAWSUIT_QUESTION})
    reply = await fake.wait_for_reply(inter)
    assert not is_ephemeral(reply)
    text = plain(visible_text(reply))
    assert LAWSUIT_WORDS in text or "sued the United States government" in text
    assert "paragraph" in text


async def test_unanswerable_question_says_what_corpus_covers(fake, run_bot):
    await run_bot()
    inter = await fake.dispatch_slash("ask", {"question": UNANSWERABLE_QUESTION})
    reply = await fake.wait_for_reply(inter)
    text = visible_text(reply)
    assert "No answer" in text
    assert "corpus holds" in text
    assert "/sources" in text
    assert "ask:more" not in button_ids(reply)


async def test_mentions_in_question_ping_nobody(fake, run_bot):
    await run_bot()
    question = f"{fake.bot_user.mention} @everyone <@&{fake.mod_role}> <@{fake.bob.id}> why did Microsoft sue?"
    mid = await fake.dispatch_message(question)
    reply = await fake.wait_for_reply(mid)
    assert reply["allowed_mentions"]["parse"] == [] and not reply["allowed_mentions"].get("replied_user")
    assert reply["pinged"] == []
    inter = await fake.dispatch_slash("ask", {"question": f"@everyone <@&{fake.mod_role}> Microsoft lawsuit"})
    reply = await fake.wait_for_reply(inter)
    assert reply["allowed_mentions"]["parse"] == []
    assert reply["pinged"] == []
    # (the fake also checks allowed_mentions on every send and fails the test otherwise)


async def test_cooldown_answers_with_ephemeral_retry_note(fake, run_bot):
    await run_bot(cooldown_questions=1, cooldown_seconds=3600)
    first = await fake.dispatch_slash("ask", {"question": LAWSUIT_QUESTION})
    assert not is_ephemeral(await fake.wait_for_reply(first))
    second = await fake.dispatch_slash("ask", {"question": "What is Azure?"})
    note = await fake.wait_for_reply(second)
    assert is_ephemeral(note)
    assert "try again in" in note["content"]
    # another member is not affected
    other = await fake.dispatch_slash("ask", {"question": LAWSUIT_QUESTION}, user=fake.bob)
    assert not is_ephemeral(await fake.wait_for_reply(other))
    # the cooldown is shared with mentions
    mid = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
    assert "try again in" in (await fake.wait_for_reply(mid))["content"]


async def test_over_long_and_empty_questions_get_clear_ephemeral_replies(fake, run_bot):
    await run_bot()
    long = await fake.dispatch_slash("ask", {"question": "why " * 400})
    reply = await fake.wait_for_reply(long)
    assert is_ephemeral(reply) and "1,000 characters" in reply["content"]
    empty = await fake.dispatch_slash("ask", {"question": "   "})
    reply = await fake.wait_for_reply(empty)
    assert is_ephemeral(reply) and "include a question" in reply["content"]
    mid = await fake.dispatch_message(fake.bot_user.mention)
    assert "include a question" in (await fake.wait_for_reply(mid))["content"]


async def test_more_sources_pages_for_the_asker_only(fake, run_bot):
    bot = await run_bot()
    inter = await fake.dispatch_slash("ask", {"question": LAWSUIT_QUESTION})
    answer = await buttons_live(bot, await fake.wait_for_reply(inter))
    assert "ask:more" in button_ids(answer)
    first_page = visible_text(answer)

    refused = await fake.click_button(answer, "ask:more", user=fake.bob)
    note = await fake.wait_for_reply(refused)
    assert is_ephemeral(note) and "Only the person who asked" in note["content"]
    assert visible_text(fake.messages[int(answer["id"])]) == first_page

    turned = await fake.click_button(answer, "ask:more", user=fake.alice)
    page2 = await fake.wait_for_reply(turned)
    assert page2["id"] == answer["id"]
    assert visible_text(page2) != first_page
    assert "Sources 4–" in page2["embeds"][0]["author"]["name"]
    back = await fake.click_button(page2, "ask:prev", user=fake.alice)
    assert "Sources 1–3" in visible_text(await fake.wait_for_reply(back))


async def test_votes_are_stored_in_the_history_before_the_thanks_without_user_names(fake, run_bot, tmp_path):
    bot = await run_bot()
    mid = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
    answer = await buttons_live(bot, await fake.wait_for_reply(mid))
    up = await fake.click_button(answer, "ask:vote:up", user=fake.bob)
    assert "Thanks" in (await fake.wait_for_reply(up))["content"]
    # thanked only once stored: the vote is in the database the moment the thanks arrives
    assert [v for (v,) in _rows(bot, "SELECT vote FROM votes")] == ["up"]
    down = await fake.click_button(answer, "ask:vote:down", user=fake.alice)
    assert "Thanks" in (await fake.wait_for_reply(down))["content"]
    again = await fake.click_button(answer, "ask:vote:down", user=fake.alice)
    assert "already" in (await fake.wait_for_reply(again))["content"]

    votes = _rows(bot, "SELECT v.vote, v.question, v.passage_ids, q.question FROM votes v "
                       "JOIN questions q ON q.id = v.question_id ORDER BY v.id")
    assert [v[0] for v in votes] == ["up", "down"]
    for _, question, passage_ids, linked in votes:
        assert question == linked == LAWSUIT_QUESTION  # each vote is linked to the question it judges
        ids = json.loads(passage_ids)
        assert ids and all("#" in p for p in ids)
    raw = "\n".join(str(row) for table in ("questions", "votes") for row in _rows(bot, f"SELECT * FROM {table}"))
    for user in (fake.alice, fake.bob):
        assert user.username not in raw and str(user.id) not in raw


def _rows(bot, sql):
    conn = sqlite3.connect(bot.config.history_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def test_bot_survives_an_exception_in_a_command(fake, run_bot, monkeypatch, caplog):
    bot = await run_bot()
    real_ask = bot.knowledge.ask
    calls = {"n": 0}

    def flaky(question, top_k=3, after=()):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("index exploded")
        return real_ask(question, top_k=top_k)

    monkeypatch.setattr(bot.knowledge, "ask", flaky)
    inter = await fake.dispatch_slash("ask", {"question": LAWSUIT_QUESTION})
    apology = await fake.wait_for_reply(inter)
    assert is_ephemeral(apology) and "Sorry" in apology["content"]
    assert "index exploded" in caplog.text

    calls["n"] = 0
    mid = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
    assert "Sorry" in (await fake.wait_for_reply(mid))["content"]

    again = await fake.dispatch_slash("ask", {"question": LAWSUIT_QUESTION})
    assert "paragraph" in visible_text(await fake.wait_for_reply(again))


async def test_dm_question_is_answered(fake, run_bot):
    await run_bot()
    mid = await fake.dispatch_message(LAWSUIT_QUESTION, dm=True)
    reply = await fake.wait_for_reply(mid)
    assert reply["channel_id"] == str(fake.dm_channel_id(fake.alice))
    assert "paragraph" in visible_text(reply)


async def test_answer_channel_needs_no_mention(fake, run_bot):
    bot = await run_bot(answer_channel_ids=[fake.answers], reply_in_thread="never")
    assert bot.intents.message_content, "answer channels need the message-content intent"
    mid = await fake.dispatch_message(LAWSUIT_QUESTION, channel=fake.answers)
    assert "paragraph" in visible_text(await fake.wait_for_reply(mid))


async def test_ignores_own_other_bots_and_unaddressed_messages(fake, run_bot):
    bot = await run_bot()
    assert not bot.intents.message_content, "no privileged intent without answer channels"
    since = len(fake.requests)
    await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}", author=fake.other_bot)
    await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}", author=fake.bot_user)
    await fake.dispatch_message(LAWSUIT_QUESTION)  # general channel, no mention
    # a later addressed question is answered, and it is the only reply
    mid = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
    await fake.wait_for_reply(mid)
    posts = [r for r in fake.requests[since:] if r.method == "POST" and r.path.endswith("/messages")]
    assert len(posts) == 1


async def test_a_vote_that_cannot_be_stored_is_not_thanked(fake, run_bot, monkeypatch):
    """Issue 11, item 6: store, then thank; a failed write says so and the person may vote again."""
    bot = await run_bot()
    mid = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
    answer = await buttons_live(bot, await fake.wait_for_reply(mid))
    real_record_vote = bot.history.record_vote

    async def broken(vote):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bot.history, "record_vote", broken)
    up = await fake.click_button(answer, "ask:vote:up", user=fake.bob)
    note = await fake.wait_for_reply(up)
    assert is_ephemeral(note)
    assert "could not be saved" in note["content"] and "Thanks" not in note["content"]

    monkeypatch.setattr(bot.history, "record_vote", real_record_vote)
    again = await fake.click_button(answer, "ask:vote:up", user=fake.bob)
    assert "Thanks" in (await fake.wait_for_reply(again))["content"]
    assert [v for (v,) in _rows(bot, "SELECT vote FROM votes")] == ["up"]


async def test_a_slow_vote_store_is_deferred_and_thanked_once_stored(fake, run_bot, monkeypatch):
    bot = await run_bot()
    mid = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
    answer = await buttons_live(bot, await fake.wait_for_reply(mid))
    release = asyncio.Event()
    stored = []

    async def slow(vote):  # a database busy with another process
        await release.wait()
        stored.append(vote)

    monkeypatch.setattr(bot.history, "record_vote", slow)
    click = await fake.click_button(answer, "ask:vote:down", user=fake.bob)
    await fake.wait_for(lambda: click.ack_type == 6)  # acknowledged in time, nothing said yet
    assert not click.followup_ids and not stored
    release.set()
    note = await fake.wait_for_reply(click)
    assert is_ephemeral(note) and "Thanks" in note["content"]
    assert [v.vote for v in stored] == ["down"]
