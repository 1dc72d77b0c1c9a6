"""/corpus against the fake Discord: admins add (upload or URL), list and remove; others are refused
privately and nothing changes; an uploaded article is answerable by a member's /ask at once."""

from __future__ import annotations

import asyncio
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


# --- feeds (issue 14) ---------------------------------------------------------------------------------------


async def test_admin_imports_a_feed_with_a_progress_message_then_the_summary(fake, run_bot, corpus):
    from tests.feeds import MISSING, PDF, serve_feed_site

    bot = await run_bot(corpus_dir=str(corpus))
    async with serve_feed_site() as site:
        inter = await fake.dispatch_slash("corpus add", {"url": site.feed_url}, user=fake.mod)
        first = await fake.wait_for_reply(inter, timeout=30)
        assert is_ephemeral(first)
        assert "Importing 24 items from **Sovereign Cloud Digest**" in visible_text(first)
        mid = first["id"]
        final = await fake.wait_for(
            lambda: fake.messages[int(mid)] if "Imported" in (fake.messages[int(mid)].get("content") or "") else None,
            timeout=60,
        )
    text = final["content"]
    assert "21 added, 1 already present, 2 failed (24 items)" in text and "searchable now" in text
    assert f"<{site.url(MISSING)}> — The page answered HTTP 404" in text and site.url(PDF) in text
    assert len(bot.knowledge.snapshot.articles) == 22  # one reload, with every new article
    edits = [r for r in fake.requests if r.method == "PATCH" and r.path.endswith("/messages/@original")]
    assert edits and all(r.body.get("allowed_mentions") == {"parse": []} for r in edits)

    ask = await fake.dispatch_slash("ask", {"question": "When was the CLOUD Act signed into law?"}, user=fake.alice)
    answer = plain(visible_text(await fake.wait_for_reply(ask)))
    assert "23 March 2018" in answer and "What the US CLOUD Act means" in answer


async def test_links_to_private_addresses_are_refused_unless_configured(fake, run_bot, corpus):
    from tests.feeds import serve_feed_site

    await run_bot(corpus_dir=str(corpus), allow_private_urls=False)
    before = files(corpus)
    async with serve_feed_site() as site:
        inter = await fake.dispatch_slash("corpus add", {"url": site.feed_url}, user=fake.mod)
        text = visible_text(await fake.wait_for_reply(inter, timeout=30))
        assert sum(site.hits.values()) == 0
    assert "Not added" in text and "loopback" in text
    assert files(corpus) == before


async def test_progress_edits_at_most_every_few_seconds_and_the_last_one_is_awaited():
    from bot.corpus.bulk import ADDED, ItemResult
    from bot.discord_shell.exts.corpus import ProgressEditor

    now = [0.0]
    edited: list[tuple[float, str]] = []

    async def edit(text: str) -> None:
        edited.append((now[0], text))

    editor = ProgressEditor(edit, "Feed *one*", every=3.0, clock=lambda: now[0])
    editor.planned(30)
    for i in range(30):
        now[0] += 0.5
        editor.item_done(ItemResult(f"u{i}", ADDED), i + 1, 30)
        await asyncio.sleep(0)  # let an edit that was started run
    await editor.finish()
    times = [t for t, _ in edited]
    assert len(times) == 5 and all(b - a >= 3.0 for a, b in zip([0.0, *times], times, strict=False))
    assert "Feed \\*one\\*" in edited[-1][1] and "30/30 done (30 added" in edited[-1][1]


def test_import_summary_fits_one_message():
    from bot.corpus.bulk import ADDED, FAILED, ImportSummary, ItemResult
    from bot.discord_shell.exts.corpus import import_summary_text

    results = tuple(ItemResult(f"https://example.org/{i}", FAILED, "The page answered HTTP 404 Not Found.")
                    for i in range(300)) + (ItemResult("https://example.org/ok", ADDED, slug="ok", title="OK *t*"),)
    text = import_summary_text(ImportSummary(results), "Big feed")
    assert len(text) <= 2000 and "1 added, 0 already present, 300 failed" in text and "more" in text
