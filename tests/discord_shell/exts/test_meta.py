"""/sources and /help against the fake Discord."""

from __future__ import annotations

from tests.discord_shell.helpers import is_ephemeral, visible_text


async def test_sources_lists_the_articles(fake, run_bot):
    bot = await run_bot()
    inter = await fake.dispatch_slash("sources")
    reply = await fake.wait_for_reply(inter)
    text = visible_text(reply)
    for article, count in bot.knowledge.sources():
        assert article.title in text
        assert article.publisher in text
        assert f"{count} passage" in text
        if article.url:
            assert article.url in text


async def test_help_says_how_to_ask(fake, run_bot):
    await run_bot()
    inter = await fake.dispatch_slash("help")
    reply = await fake.wait_for_reply(inter)
    assert is_ephemeral(reply)
    text = visible_text(reply)
    assert "/ask" in text and "/sources" in text and "More sources" in text
    assert "/glossary" in text, "the help names every command a member can use"
    assert "/corpus" in text and "admin" in text, "the help says /corpus exists for admins"


async def test_commands_are_synced_to_the_configured_guild(fake, run_bot):
    await run_bot()
    names = {c["name"] for c in fake.commands[fake.guild_id]}
    assert {"ask", "sources", "help"} <= names
    assert None not in fake.commands, "guild ids configured: no global sync"


async def test_global_sync_without_guild_ids(fake, run_bot):
    await run_bot(guild_ids=[])
    assert {"ask", "sources", "help"} <= {c["name"] for c in fake.commands[None]}
    inter = await fake.dispatch_slash("help")
    assert "/ask" in visible_text(await fake.wait_for_reply(inter))
