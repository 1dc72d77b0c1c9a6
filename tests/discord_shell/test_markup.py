"""Discord markup in questions: mentions, emoji and channel links read as a member sees them."""

from __future__ import annotations

from bot.discord_shell.markup import read_markup
from tests.discord_shell.helpers import LAWSUIT_QUESTION, plain, visible_text


def test_markup_is_read_as_shown_or_dropped():
    names = {42: "general"}.get
    assert read_markup("<@123> <@!456> <@&789> why?", names).split() == ["why?"]
    assert read_markup("see <#42> and <#7>", names) == "see #general and #channel"
    assert read_markup("is <:azure:1578019022212038662> <a:spin:9> cloud", names).split() == ["is", "cloud"]
    assert read_markup("try </ask:123> or </corpus add:9>") == "try /ask or /corpus add"
    assert read_markup("on <t:1460764800:D>?") == "on 16 April 2016?"
    assert read_markup("plain <text> stays") == "plain <text> stays"


async def test_question_with_mentions_emoji_and_channel_link_is_answered(fake, run_bot):
    await run_bot()
    question = (f"{fake.bot_user.mention} <@{fake.bob.id}> <@&{fake.mod_role}> <:thinking:1578019022212038662> "
                f"{LAWSUIT_QUESTION} <#{fake.general}>")
    reply = await fake.wait_for_reply(await fake.dispatch_message(question))
    text = plain(visible_text(reply))
    assert "No answer" not in text and "paragraph" in text, text
    assert "1578019022212038662" not in text and str(fake.bob.id) not in text


async def test_zero_width_character_inside_a_word_in_slash_ask(fake, run_bot):
    await run_bot()
    inter = await fake.dispatch_slash("ask", {"question": f"<@{fake.bob.id}> How old is the EC\u200bPA?"})
    text = plain(visible_text(await fake.wait_for_reply(inter)))
    assert "No answer" not in text and "ECPA" in text, text
