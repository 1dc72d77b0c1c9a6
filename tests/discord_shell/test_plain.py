"""Channels without Embed Links: answers arrive as plain-text quotes and citations."""

from __future__ import annotations

from bot.discord_shell.plain import page_messages, page_text
from bot.engine.models import Answer, Citation, Quote
from tests.discord_shell.helpers import LAWSUIT_QUESTION, button_ids, plain
from tests.fake_discord.server import EMBED_LINKS


def _assert_plain_answer(messages) -> str:
    assert messages, "the bot answered"
    for m in messages:
        assert not m["embeds"], "no embeds where the bot may not show them"
        assert 0 < len(m["content"]) <= 2000
    text = plain("\n".join(m["content"] for m in messages))
    assert "paragraph" in text and "TechWeekEurope" in text, text
    assert "Microsoft" in text and "“" in text
    return text


async def test_mention_reply_without_embed_links_is_plain_text(fake, run_bot):
    fake.deny_bot(EMBED_LINKS, channel=fake.general)  # a permission overwrite on the bot's role
    await run_bot()
    mid = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
    reply = await fake.wait_for_reply(mid)
    messages = await fake.wait_for(
        lambda: [m for m in fake.bot_messages(fake.general) if button_ids(m)] and fake.bot_messages(fake.general)
    )
    _assert_plain_answer(messages)
    assert reply["message_reference"]["message_id"] == str(mid)
    assert "<https://" in reply["content"], "the link is kept, without a preview"


async def test_answer_channel_without_embed_links_guild_wide_and_paging(fake, run_bot):
    fake.deny_bot(EMBED_LINKS)  # neither @everyone nor the bot's role has it
    await run_bot(answer_channel_ids=[fake.answers], reply_in_thread="never")
    mid = await fake.dispatch_message(LAWSUIT_QUESTION, channel=fake.answers)
    await fake.wait_for_reply(mid)
    messages = await fake.wait_for(
        lambda: [m for m in fake.bot_messages(fake.answers) if button_ids(m)] and fake.bot_messages(fake.answers)
    )
    first = _assert_plain_answer(messages)
    with_buttons = next(m for m in messages if button_ids(m))
    assert "ask:more" in button_ids(with_buttons)
    turned = await fake.click_button(with_buttons, "ask:more", user=fake.alice)
    page2 = await fake.wait_for_reply(turned)
    assert not page2["embeds"] and len(page2["content"]) <= 2000
    assert "Sources 4–" in page2["content"] and plain(page2["content"]) != first


async def test_channels_with_embed_links_still_get_embeds(fake, run_bot):
    fake.deny_bot(EMBED_LINKS, channel=fake.answers)
    await run_bot()
    mid = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
    assert (await fake.wait_for_reply(mid))["embeds"]


def _quote(i: int, words: int) -> Quote:
    text = " ".join(f"word{i}-{n}" for n in range(words)) + "."
    citation = Citation("art", f"Article {i}", "Publisher", "2016-04", i, f"art#{i}", "https://example.org/a")
    return Quote(text=text, marked=text, passage=text, score=1.0, citation=citation)


def test_long_answers_are_split_between_quotes_within_2000_chars():
    quotes = [_quote(i, 250) for i in range(1, 6)]  # about 2,300 characters each
    answer = Answer(question="q", answered=True, quotes=tuple(quotes))
    messages = page_messages(answer, quotes, header="Sources 1–5 of 9")
    assert len(messages) >= 5 and all(len(m) <= 2000 for m in messages)
    for q in quotes:
        assert sum(q.citation.label in m for m in messages) == 1, "every quote keeps its citation"
    one = page_text(answer, quotes, header="Sources 1–5 of 9")
    assert len(one) <= 2000 and all(q.citation.label in one for q in quotes)
    short = [_quote(i, 5) for i in range(1, 4)]
    assert page_messages(Answer("q", True, tuple(short)), short) == [page_text(Answer("q", True, tuple(short)), short)]


async def test_slash_ask_keeps_its_embeds_where_messages_may_not_embed(fake, run_bot):
    """Discord grants Embed Links to interaction responses, so /ask needs no fallback."""
    fake.deny_bot(EMBED_LINKS, channel=fake.general)
    await run_bot()
    inter = await fake.dispatch_slash("ask", {"question": LAWSUIT_QUESTION})
    reply = await fake.wait_for_reply(inter)
    assert reply["embeds"] and "paragraph" in reply["embeds"][0]["footer"]["text"]
    turned = await fake.click_button(reply, "ask:more", user=fake.alice)
    assert (await fake.wait_for_reply(turned))["embeds"]
