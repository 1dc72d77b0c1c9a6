"""Conversations against the fake Discord: answers in threads, follow-ups, help forums, manners."""

from __future__ import annotations

import json
import logging

from tests.discord_shell.helpers import LAWSUIT_QUESTION, UNANSWERABLE_QUESTION, button_ids, plain, visible_text
from tests.fake_discord.server import CREATE_PUBLIC_THREADS, EMBED_LINKS, MANAGE_THREADS

ECPA_QUESTION = "What is the ECPA?"
ECPA_FOLLOW_UP = "And how old is that law?"


async def _thread_answer(fake, mid: int, count: int = 1) -> tuple[dict, dict]:
    """The thread the bot started from message `mid`, and its `count`-th message there."""
    thread = await fake.wait_for(lambda: fake.thread_from(mid))
    return thread, await fake.wait_for_thread_message(int(thread["id"]), count)


async def _quiet_after(fake, channel: int, action) -> None:
    """Run `action` (messages the bot must ignore), then a question it answers: once that answer is
    in, the bot has handled the earlier messages too (it reads the gateway in order)."""
    await action()
    mid = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
    await fake.wait_for_reply(mid)


async def test_question_in_answer_channel_is_answered_in_a_new_thread(fake, run_bot):
    await run_bot(answer_channel_ids=[fake.answers])
    mid = await fake.dispatch_message(LAWSUIT_QUESTION, channel=fake.answers)
    thread, answer = await _thread_answer(fake, mid)
    assert thread["name"] == LAWSUIT_QUESTION and thread["parent_id"] == str(fake.answers)
    assert thread["owner_id"] == str(fake.bot_user.id)
    text = plain(visible_text(answer))
    assert "paragraph" in text and ("filed its lawsuit" in text or "sued the United States" in text)
    assert "ask:vote:up" in button_ids(answer)
    assert not fake.bot_messages(fake.answers), "nothing buries the channel: the answer is in the thread"
    start = next(r for r in fake.requests if r.path.endswith(f"/messages/{mid}/threads"))
    assert start.body["auto_archive_duration"] in (60, 1440, 4320, 10080)


async def test_long_question_names_its_thread_within_discords_100_characters(fake, run_bot):
    await run_bot(answer_channel_ids=[fake.answers])
    question = "Why did Microsoft " + "really " * 30 + "sue the US government?"
    mid = await fake.dispatch_message(question, channel=fake.answers)
    thread, _ = await _thread_answer(fake, mid)
    assert len(thread["name"]) <= 100 and thread["name"].startswith("Why did Microsoft really")
    assert thread["name"].endswith("…")


async def test_follow_up_in_the_thread_is_read_with_the_earlier_question(fake, run_bot):
    await run_bot(answer_channel_ids=[fake.answers])
    mid = await fake.dispatch_message(ECPA_QUESTION, channel=fake.answers)
    thread, _ = await _thread_answer(fake, mid)
    tid = int(thread["id"])
    follow = await fake.dispatch_message(ECPA_FOLLOW_UP, channel=tid)  # no mention needed
    reply = await fake.wait_for_reply(follow)
    assert reply["channel_id"] == str(tid)
    assert "30 years old" in plain(visible_text(reply))
    assert "Read with the earlier question about ECPA." in visible_text(reply)
    # a follow-up on another subject is read alone: no note
    other = await fake.dispatch_message(LAWSUIT_QUESTION, channel=tid)
    reply = await fake.wait_for_reply(other)
    assert "paragraph" in visible_text(reply) and "earlier question" not in visible_text(reply)


async def test_what_about_follow_up_takes_the_earlier_question(fake, run_bot):
    await run_bot(answer_channel_ids=[fake.answers])
    mid = await fake.dispatch_message("Does Microsoft compete with Amazon?", channel=fake.answers)
    thread, _ = await _thread_answer(fake, mid)
    follow = await fake.dispatch_message("What about Google?", channel=int(thread["id"]))
    reply = await fake.wait_for_reply(follow)
    assert "Google" in plain(visible_text(reply))
    assert "Read as the earlier question, about Google instead of Amazon." in visible_text(reply)


async def test_mention_in_another_channel_gets_a_thread_only_when_always(fake, run_bot):
    await run_bot(reply_in_thread="always")
    mid = await fake.dispatch_message(f"{fake.bot_user.mention} {ECPA_QUESTION}")
    thread, answer = await _thread_answer(fake, mid)
    assert thread["name"] == ECPA_QUESTION, "the mention is not part of the thread's name"
    assert "paragraph" in visible_text(answer)
    follow = await fake.dispatch_message(ECPA_FOLLOW_UP, channel=int(thread["id"]))
    assert "30 years old" in plain(visible_text(await fake.wait_for_reply(follow)))


async def test_never_replies_in_the_channel_and_slash_ask_answers_the_interaction(fake, run_bot):
    await run_bot(answer_channel_ids=[fake.answers], reply_in_thread="never")
    mid = await fake.dispatch_message(LAWSUIT_QUESTION, channel=fake.answers)
    assert "paragraph" in visible_text(await fake.wait_for_reply(mid))
    inter = await fake.dispatch_slash("ask", {"question": LAWSUIT_QUESTION}, channel=fake.answers)
    assert "paragraph" in visible_text(await fake.wait_for_reply(inter))
    assert not fake.threads()


async def test_slash_ask_in_an_answer_channel_starts_no_thread(fake, run_bot):
    await run_bot(answer_channel_ids=[fake.answers], reply_in_thread="always")
    inter = await fake.dispatch_slash("ask", {"question": LAWSUIT_QUESTION}, channel=fake.answers)
    assert "paragraph" in visible_text(await fake.wait_for_reply(inter))
    assert not fake.threads()


async def test_without_create_threads_it_replies_in_the_channel_and_logs_once(fake, run_bot, caplog):
    fake.deny_bot(CREATE_PUBLIC_THREADS, channel=fake.answers)
    await run_bot(answer_channel_ids=[fake.answers])
    caplog.set_level(logging.WARNING, logger="bot.discord_shell.exts.ask")
    for question in (LAWSUIT_QUESTION, ECPA_QUESTION):
        mid = await fake.dispatch_message(question, channel=fake.answers)
        reply = await fake.wait_for_reply(mid)
        assert "paragraph" in visible_text(reply)
    assert not fake.threads()
    warnings = [r for r in caplog.records if "instead of a thread" in r.getMessage()]
    assert len(warnings) == 1 and "Create Public Threads" in warnings[0].getMessage()


async def test_thread_answer_without_embed_links_is_plain_text(fake, run_bot):
    fake.deny_bot(EMBED_LINKS, channel=fake.answers)  # threads take their parent's permissions
    await run_bot(answer_channel_ids=[fake.answers])
    mid = await fake.dispatch_message(ECPA_QUESTION, channel=fake.answers)
    thread, answer = await _thread_answer(fake, mid)
    assert not answer["embeds"] and "paragraph" in answer["content"]
    follow = await fake.dispatch_message(ECPA_FOLLOW_UP, channel=int(thread["id"]))
    reply = await fake.wait_for_reply(follow)
    assert "*Read with the earlier question about ECPA.*" in reply["content"]
    assert len(reply["content"]) <= 2000


async def test_refused_follow_up_says_how_it_was_read(fake, run_bot):
    await run_bot(answer_channel_ids=[fake.answers])
    mid = await fake.dispatch_message(LAWSUIT_QUESTION, channel=fake.answers)
    thread, _ = await _thread_answer(fake, mid)
    follow = await fake.dispatch_message("What is its share price today?", channel=int(thread["id"]))
    reply = await fake.wait_for_reply(follow)
    text = visible_text(reply)
    assert "No answer" in text and "Read with the earlier question about US and Microsoft." in text


async def test_archived_or_locked_thread_gets_no_answer(fake, run_bot):
    await run_bot(answer_channel_ids=[fake.answers])
    mid = await fake.dispatch_message(ECPA_QUESTION, channel=fake.answers)
    thread, _ = await _thread_answer(fake, mid)
    tid = int(thread["id"])

    async def in_closed_thread() -> None:
        await fake.set_thread(tid, locked=True)
        await fake.dispatch_message(ECPA_FOLLOW_UP, channel=tid, author=fake.mod)
        await fake.set_thread(tid, locked=False, archived=True)
        await fake.dispatch_message(ECPA_FOLLOW_UP, channel=tid, author=fake.mod)

    await _quiet_after(fake, tid, in_closed_thread)
    assert len(fake.bot_messages(tid)) == 1, "only the first answer; nothing once the thread was closed"


async def test_bots_and_the_bot_itself_are_never_answered_in_a_thread(fake, run_bot):
    await run_bot(answer_channel_ids=[fake.answers])
    mid = await fake.dispatch_message(ECPA_QUESTION, channel=fake.answers)
    thread, _ = await _thread_answer(fake, mid)
    tid = int(thread["id"])

    async def bots_talk() -> None:
        await fake.dispatch_message(ECPA_FOLLOW_UP, channel=tid, author=fake.other_bot)
        await fake.dispatch_message(ECPA_FOLLOW_UP, channel=tid, author=fake.bot_user)

    await _quiet_after(fake, tid, bots_talk)
    sent = [m for m in fake.bot_messages(tid) if m["embeds"] or m.get("message_reference")]  # not the fake's own
    assert len(sent) == 1


async def test_follow_ups_obey_the_cooldown(fake, run_bot):
    await run_bot(answer_channel_ids=[fake.answers], cooldown_questions=1, cooldown_seconds=3600)
    mid = await fake.dispatch_message(ECPA_QUESTION, channel=fake.answers)
    thread, _ = await _thread_answer(fake, mid)
    follow = await fake.dispatch_message(ECPA_FOLLOW_UP, channel=int(thread["id"]))
    note = await fake.wait_for_reply(follow)
    assert "try again in" in note["content"] and not note["embeds"]


async def test_a_restarted_bot_keeps_answering_in_its_threads(fake, run_bot):
    bot = await run_bot(answer_channel_ids=[fake.answers])
    mid = await fake.dispatch_message(ECPA_QUESTION, channel=fake.answers)
    thread, _ = await _thread_answer(fake, mid)
    await bot.close()
    await run_bot(answer_channel_ids=[fake.answers])  # learns its threads from GUILD_CREATE
    follow = await fake.dispatch_message(ECPA_FOLLOW_UP, channel=int(thread["id"]))
    reply = await fake.wait_for_reply(follow)
    assert "30 years old" in plain(visible_text(reply))
    # the thread's memory is gone, but its first question is read back from the message it started from
    assert "Read with the earlier question about ECPA." in visible_text(reply)


async def test_new_forum_post_is_answered_once_in_its_thread(fake, run_bot):
    forum = fake.add_forum("help", tags=["needs-human", "answered"])
    await run_bot(forum_channel_ids=[forum])
    tid = await fake.start_forum_post(forum, "Microsoft lawsuit", "Why did Microsoft sue the US government?")
    reply = await fake.wait_for_reply(tid)
    assert reply["channel_id"] == str(tid)
    assert "paragraph" in visible_text(reply)
    assert not fake.channels[tid]["applied_tags"]
    # follow-ups in the post work as in the bot's threads
    follow = await fake.dispatch_message("When did it file?", channel=tid)
    assert "filed its lawsuit" in plain(visible_text(await fake.wait_for_reply(follow)))
    assert len([m for m in fake.bot_messages(tid) if m["embeds"]]) == 2, "one answer to the post, one to the follow-up"


async def test_follow_up_in_a_forum_post_after_a_restart_is_read_with_the_post(fake, run_bot):
    forum = fake.add_forum("help")
    bot = await run_bot(forum_channel_ids=[forum])
    tid = await fake.start_forum_post(forum, "ECPA", "What is the ECPA?")
    await fake.wait_for_reply(tid)
    await bot.close()
    await run_bot(forum_channel_ids=[forum])
    follow = await fake.dispatch_message(ECPA_FOLLOW_UP, channel=tid)
    reply = await fake.wait_for_reply(follow)
    assert "30 years old" in plain(visible_text(reply))
    assert "Read with the earlier question about ECPA." in visible_text(reply)


async def test_more_sources_under_a_follow_up_pages_the_same_reading_after_a_restart(fake, run_bot, tmp_path):
    bot = await run_bot(answer_channel_ids=[fake.answers], top_k=1)
    mid = await fake.dispatch_message("What did Dorn say about Privacy Shield?", channel=fake.answers)
    thread, _ = await _thread_answer(fake, mid)
    follow = await fake.dispatch_message("What did he say about trust?", channel=int(thread["id"]))
    reply = await fake.wait_for_reply(follow)
    assert "ask:more" in button_ids(reply) and "Read with the earlier question" in visible_text(reply)
    records = [json.loads(p.read_text("utf-8"))["record"] for p in (tmp_path / "data" / "answers").glob("*.json")]
    assert any(r.get("after") == ["What did Dorn say about Privacy Shield?"] for r in records)
    await bot.close()
    await run_bot(answer_channel_ids=[fake.answers], top_k=1)  # the answer is read again from its record
    turned = await fake.click_button(reply, "ask:more")
    page = await fake.wait_for_reply(turned)
    assert "page 2" in visible_text(page) and page["embeds"]


async def test_forum_post_from_the_title_alone(fake, run_bot):
    forum = fake.add_forum("help")
    await run_bot(forum_channel_ids=[forum])
    tid = await fake.start_forum_post(forum, "How old is the ECPA?", "")
    assert "30 years old" in plain(visible_text(await fake.wait_for_reply(tid)))


async def test_unanswerable_forum_post_gets_one_short_line_and_the_tag(fake, run_bot):
    forum = fake.add_forum("help", tags=["answered", "needs-human"])
    fake.allow_bot(MANAGE_THREADS)
    await run_bot(forum_channel_ids=[forum])
    tid = await fake.start_forum_post(forum, "Geography", UNANSWERABLE_QUESTION)
    reply = await fake.wait_for_reply(tid)
    assert not reply["embeds"] and "\n" not in reply["content"] and len(reply["content"]) < 120
    assert "couldn't find" in reply["content"]
    tag = next(t["id"] for t in fake.channels[forum]["available_tags"] if t["name"] == "needs-human")
    await fake.wait_for(lambda: fake.channels[tid]["applied_tags"] == [tag])


async def test_unanswered_post_without_manage_threads_is_not_tagged_and_logged_once(fake, run_bot, caplog):
    forum = fake.add_forum("help", tags=["needs-human"])
    await run_bot(forum_channel_ids=[forum])
    caplog.set_level(logging.WARNING, logger="bot.discord_shell.exts.ask")
    for title in ("Geography", "More geography"):
        tid = await fake.start_forum_post(forum, title, UNANSWERABLE_QUESTION)
        assert "couldn't find" in (await fake.wait_for_reply(tid))["content"]
        assert not fake.channels[tid]["applied_tags"]
    assert len([r for r in caplog.records if "Manage Threads" in r.getMessage()]) == 1
    assert not [r for r in fake.requests if r.method == "PATCH"], "no request Discord would refuse"


async def test_forum_posts_by_bots_and_other_forums_are_left_alone(fake, run_bot):
    forum = fake.add_forum("help")
    other = fake.add_forum("showcase")
    await run_bot(forum_channel_ids=[forum])

    async def not_for_the_bot() -> None:
        await fake.start_forum_post(forum, LAWSUIT_QUESTION, "", author=fake.other_bot)
        await fake.start_forum_post(other, LAWSUIT_QUESTION, "")

    await _quiet_after(fake, forum, not_for_the_bot)
    assert all(not fake.bot_messages(int(t["id"])) for t in fake.threads())


async def test_forum_channels_ask_for_the_message_content_intent(fake, run_bot):
    forum = fake.add_forum("help")
    bot = await run_bot(forum_channel_ids=[forum])
    assert bot.intents.message_content


async def test_help_tells_about_follow_ups_and_help_forums(fake, run_bot):
    forum = fake.add_forum("help")
    await run_bot(answer_channel_ids=[fake.answers], forum_channel_ids=[forum])
    inter = await fake.dispatch_slash("help")
    text = visible_text(await fake.wait_for_reply(inter))
    assert "follow-up" in text and "help forum" in text


async def test_thread_questions_and_forum_posts_go_to_the_history(fake, run_bot):
    import sqlite3

    forum = fake.add_forum("help")
    bot = await run_bot(answer_channel_ids=[fake.answers], forum_channel_ids=[forum])
    mid = await fake.dispatch_message(ECPA_QUESTION, channel=fake.answers)
    thread, _ = await _thread_answer(fake, mid)
    await fake.wait_for_reply(await fake.dispatch_message(ECPA_FOLLOW_UP, channel=int(thread["id"])))
    tid = await fake.start_forum_post(forum, "Geography", UNANSWERABLE_QUESTION)
    await fake.wait_for_reply(tid)
    await bot.close()  # the queued history writes go in first
    conn = sqlite3.connect(bot.config.history_path)
    try:
        rows = conn.execute("SELECT question, answered FROM questions ORDER BY id").fetchall()
    finally:
        conn.close()
    assert rows == [(ECPA_QUESTION, 1), (ECPA_FOLLOW_UP, 1), (f"Geography. {UNANSWERABLE_QUESTION}", 0)]
