"""/corpus against the fake Discord: admins add (upload or URL), list and remove; others are refused
privately and nothing changes; an uploaded article is answerable by a member's /ask at once."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.corpus.articles import DEFAULT_CORPUS_DIR, load_corpus
from bot.corpus.ingest import Limits
from bot.discord_shell.exts.corpus import check_attachment, list_text
from tests.discord_shell.helpers import is_ephemeral, plain, visible_text
from tests.fake_discord.server import MANAGE_GUILD
from tests.webpages import DATA, serve

CLOUD_ACT_SLUG = "what-the-us-cloud-act-means-for-data-stored-in-european"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, target, ignore=shutil.ignore_patterns(".lock"))
    return target


def attachment(fake: Any, url: str, filename: str, size: int, content_type: str | None) -> tuple[str, dict]:
    aid = str(fake.snowflake())
    data = {"id": aid, "filename": filename, "size": size, "url": url, "proxy_url": url}
    if content_type:
        data["content_type"] = content_type
    return aid, {"attachments": {aid: data}}


def files(corpus: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (corpus / "articles").iterdir()}


async def test_corpus_commands_are_hidden_by_default_and_guild_only(fake, run_bot, corpus):
    await run_bot(corpus_dir=str(corpus))
    cmd = fake.find_command("corpus")
    assert int(cmd["default_member_permissions"]) == MANAGE_GUILD
    assert {o["name"] for o in cmd["options"]} == {"add", "list", "remove"}
    assert cmd.get("contexts") in (None, [0]) and cmd.get("dm_permission") in (None, False)


async def test_member_without_rights_is_refused_privately_and_nothing_changes(fake, run_bot, corpus):
    bot = await run_bot(corpus_dir=str(corpus))
    before, snap = files(corpus), bot.knowledge.snapshot
    body = (DATA / "cloud-act-explained.txt").read_bytes()
    async with serve({"/cloud-act.txt": ("text/plain", body)}) as site:
        aid, resolved = attachment(fake, site.url("/cloud-act.txt"), "cloud-act.txt", len(body), "text/plain")
        for name, options, extra in [
            ("corpus add", {"file": aid}, {"resolved": resolved}),
            ("corpus add", {"url": site.url("/article")}, {}),
            ("corpus remove", {"slug": "microsoft-explicit-transparent-customer-data-azure"}, {}),
            ("corpus list", {}, {}),
        ]:
            inter = await fake.dispatch_slash(name, options, user=fake.alice, **extra)
            reply = await fake.wait_for_reply(inter)
            assert is_ephemeral(reply)
            assert "Only server managers and the bot's configured admins" in visible_text(reply)
    assert files(corpus) == before
    assert bot.knowledge.snapshot is snap


async def test_admin_upload_is_answerable_by_a_member_at_once(fake, run_bot, corpus):
    bot = await run_bot(corpus_dir=str(corpus))
    body = (DATA / "cloud-act-explained.txt").read_bytes()
    async with serve({"/att/cloud-act.txt": ("text/plain; charset=utf-8", body)}) as site:
        aid, resolved = attachment(fake, site.url("/att/cloud-act.txt"), "cloud-act.txt", len(body),
                                   "text/plain; charset=utf-8")
        inter = await fake.dispatch_slash("corpus add", {"file": aid, "publisher": "Fixture News"},
                                          user=fake.mod, resolved=resolved)
        reply = await fake.wait_for_reply(inter, timeout=30)
    text = visible_text(reply)
    assert is_ephemeral(reply)
    assert "What the US CLOUD Act means" in text and f"`{CLOUD_ACT_SLUG}`" in text
    count = sum(1 for p in bot.knowledge.snapshot.passages if p.article_slug == CLOUD_ACT_SLUG)
    assert f"{count} passages" in text and count > 5
    stored = {a.slug: a for a in load_corpus(corpus).articles}[CLOUD_ACT_SLUG]
    assert stored.publisher == "Fixture News"

    ask = await fake.dispatch_slash("ask", {"question": "When was the CLOUD Act signed into law?"}, user=fake.alice)
    answer = await fake.wait_for_reply(ask)
    answer_text = plain(visible_text(answer))
    assert "23 March 2018" in answer_text
    assert "What the US CLOUD Act means" in answer["embeds"][0]["footer"]["text"] or (
        "What the US CLOUD Act means" in answer_text)

    sources = await fake.wait_for_reply(await fake.dispatch_slash("sources", user=fake.alice))
    assert "What the US CLOUD Act means" in visible_text(sources)


async def test_configured_admin_user_adds_from_url_then_duplicate_is_refused_then_removes(fake, run_bot, corpus):
    bot = await run_bot(corpus_dir=str(corpus), admin_user_ids=[fake.bob.id])
    async with serve() as site:
        inter = await fake.dispatch_slash("corpus add", {"url": site.url("/article")}, user=fake.bob)
        reply = await fake.wait_for_reply(inter, timeout=30)
        assert "Microsoft completes EU Data Boundary" in visible_text(reply)
        slug = "microsoft-completes-eu-data-boundary-for-its-cloud-services"
        assert slug in {a.slug for a in bot.knowledge.snapshot.articles}

        before = files(corpus)
        again = await fake.dispatch_slash("corpus add", {"url": site.url("/article")}, user=fake.bob)
        refused = visible_text(await fake.wait_for_reply(again, timeout=30))
        assert "Not added" in refused and "already in the corpus" in refused and slug in refused
        assert files(corpus) == before

        pdf = await fake.dispatch_slash("corpus add", {"url": site.url("/report.pdf")}, user=fake.bob)
        assert "application/pdf" in visible_text(await fake.wait_for_reply(pdf, timeout=30))

    listed = visible_text(await fake.wait_for_reply(await fake.dispatch_slash("corpus list", user=fake.bob)))
    assert slug in listed and "2 articles" in listed

    choices = await fake.wait_for_reply(
        await fake.dispatch_autocomplete("corpus remove", {"slug": "bound"}, "slug", user=fake.bob))
    assert [c["value"] for c in choices["choices"]] == [slug]

    removed = await fake.wait_for_reply(await fake.dispatch_slash("corpus remove", {"slug": slug}, user=fake.bob))
    assert "Removed" in visible_text(removed)
    assert slug not in {a.slug for a in bot.knowledge.snapshot.articles}
    missing = await fake.wait_for_reply(await fake.dispatch_slash("corpus remove", {"slug": slug}, user=fake.bob))
    assert "Not removed" in visible_text(missing)


async def test_oversized_and_wrong_type_uploads_are_refused_before_download(fake, run_bot, corpus):
    await run_bot(corpus_dir=str(corpus), max_upload_bytes=1000)
    before = files(corpus)
    async with serve({"/big.txt": ("text/plain", b"x" * 5000)}) as site:
        for filename, size, ctype, words in [
            ("big.txt", 5000, "text/plain", "the limit is 1000 bytes"),
            ("photo.png", 500, "image/png", "image/png"),
        ]:
            aid, resolved = attachment(fake, site.url("/big.txt"), filename, size, ctype)
            inter = await fake.dispatch_slash("corpus add", {"file": aid}, user=fake.mod, resolved=resolved)
            reply = await fake.wait_for_reply(inter)
            assert is_ephemeral(reply) and words in visible_text(reply)
    assert files(corpus) == before


async def test_add_without_source_asks_for_one(fake, run_bot, corpus):
    await run_bot(corpus_dir=str(corpus))
    reply = await fake.wait_for_reply(await fake.dispatch_slash("corpus add", {"title": "x"}, user=fake.mod))
    assert "Please give a `url`" in visible_text(reply)


def test_check_attachment_and_list_text_helpers():
    limits = Limits(max_bytes=2048)
    assert check_attachment("a.md", 100, None, limits) is None
    assert check_attachment("a.md", 100, "application/octet-stream", limits) is not None
    assert check_attachment("page", 100, "text/html; charset=utf-8", limits) is None
    # only the configured types: a .txt announced as text/csv is not taken on its file name
    assert check_attachment("a.txt", 100, "text/csv", limits) is not None
    assert "2 KB" in (check_attachment("a.txt", 4096, "text/plain", limits) or "")
    rows = [(f"slug-{i}", "A title *with* markdown " * 3, 10) for i in range(100)]
    text = list_text(rows)
    assert len(text) <= 2000 and "more" in text and "\\*with\\*" in text
