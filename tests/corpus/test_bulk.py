"""Bulk import (issue 14): a feed, a folder, a list of links, in one command, with a summary; bounded,
polite fetching; one rebuild; an interrupted import leaves whole articles only."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

from bot.corpus.articles import DEFAULT_CORPUS_DIR, DuplicateArticleError, import_running, load_corpus
from bot.corpus.bulk import ADDED, FAILED, PRESENT, CorpusWriter, Importer, import_sources, read_link_list
from bot.corpus.fetch import Fetcher, FetchPolicy, address_refusal, check_url
from bot.corpus.ingest import IngestError
from bot.corpus.knowledge import Knowledge
from bot.engine.models import Article
from tests.feeds import DUPLICATE, FLAKY, GOOD, MISSING, PDF, page_path, serve_feed_site
from tests.paths import MULTI_ARTICLES, ROOT

SEED_SLUG = "microsoft-explicit-transparent-customer-data-azure"
LOCAL = FetchPolicy(allow_private=True, backoff=0.01)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, target, ignore=shutil.ignore_patterns(".lock", ".cache"))
    return target


async def cli(*args: str) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


def by_title(corpus: Path) -> dict[str, Article]:
    return {a.title: a for a in load_corpus(corpus).articles}


# --- the check of the issue: a feed on 127.0.0.1, twice, then questions --------------------------------


async def test_feed_import_adds_good_reports_bad_then_second_run_adds_nothing(corpus: Path) -> None:
    async with serve_feed_site() as site:
        code, out, err = await cli("add", site.feed_url, "--corpus", str(corpus), "--allow-private", "--json")
        assert code == 1, err
        summary = json.loads(out)
        assert summary["counts"] == {"added": 21, "present": 1, "failed": 2, "items": 24}, summary
        failed = {f["source"]: f["reason"] for f in summary["failed"]}
        assert "HTTP 404" in failed[site.url(MISSING)]
        assert "application/pdf" in failed[site.url(PDF)]
        [dup] = summary["present"]
        assert dup["source"] == site.url(DUPLICATE) and "same text" in dup["reason"]
        assert site.hits[FLAKY] == 2  # one 503, one retry
        assert summary["rebuild_seconds"] is not None
        # one plain line per item on stderr (not a terminal), numbered
        assert "importing 24 items" in err and "[24/24]" in err
        stored = load_corpus(corpus).articles
        assert len(stored) == 22  # the seed + 21
        # boilerplate of the HTML pages is gone
        text = "\n".join(p for a in stored for p in a.paragraphs)
        for junk in ("Accept all cookies", "Cookie settings", "Subscribe to our newsletter"):
            assert junk not in text
        # text pages have no date of their own: the feed entry's is used
        cloud = by_title(corpus)["What the US CLOUD Act means for data stored in European data centres"]
        assert cloud.published == "2025-01-14" and cloud.url == site.url(page_path("cloud-act-explained.txt"))

        cloud_page = page_path("cloud-act-explained.txt")
        assert site.hits[cloud_page] == 1
        code, out, err = await cli("add", site.feed_url, "--corpus", str(corpus), "--allow-private")
        assert code == 1  # the 404 and the PDF still fail
        assert "0 added, 22 already present, 2 failed" in out
        # a link the corpus holds is not downloaded again (pages whose canonical link differs are, to compare)
        assert site.hits[cloud_page] == 1 and site.hits["/feed.xml"] == 2
        assert len(load_corpus(corpus).articles) == 22

    # questions that only the imported articles answer cite them
    kb = Knowledge.load(corpus)
    answer = kb.ask("When was the CLOUD Act signed into law?")
    assert answer.answered and answer.quotes[0].citation.article_slug == cloud.slug
    answer = kb.ask("How much will AWS invest in Brandenburg?")
    assert answer.answered and "brandenburg" in answer.quotes[0].citation.article_slug


async def test_a_folder_of_the_same_articles_gives_the_same_corpus(corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "saved" / "nested"
    folder.mkdir(parents=True)
    for name in GOOD:
        shutil.copy(MULTI_ARTICLES / name, folder / name)
    (folder / "notes.json").write_text("{}")  # not an article kind: left alone
    (folder / ".hidden.txt").write_text("Hidden\n\nnot imported")
    from_folder = tmp_path / "from-folder"
    shutil.copytree(corpus, from_folder)
    summary = await import_sources(from_folder, [str(tmp_path / "saved")], policy=LOCAL)
    assert len(summary.added) == len(GOOD) and summary.ok

    async with serve_feed_site() as site:
        summary = await import_sources(corpus, site.good_urls, policy=LOCAL)
    assert len(summary.added) == len(GOOD) and summary.ok
    web, files = by_title(corpus), by_title(from_folder)
    assert web.keys() == files.keys()
    for title, article in web.items():
        assert article.paragraphs == files[title].paragraphs, title


async def test_list_file_pages_atom_feed_and_duplicates_within_one_import(corpus: Path, tmp_path: Path) -> None:
    async with serve_feed_site() as site:
        links = tmp_path / "reading-list.txt"
        links.write_text(
            "# my reading list\n"
            f"{site.url(page_path(GOOD[0]))}\n\n"
            f"{site.url(page_path(GOOD[0]))}/   # the same link again\n"
            f"{site.url('/atom.xml')}\n"
            "ftp://example.org/not-http\n",
            encoding="utf-8",
        )
        assert read_link_list(links)[1].endswith("/")
        summary = await import_sources(corpus, [], lists=[links], policy=LOCAL)
    statuses = [(r.source.removeprefix(site.base), r.status) for r in summary.results]
    # GOOD[0] added once; the repeat is present; the Atom feed's three entries (the first is GOOD[0] again)
    assert statuses.count((page_path(GOOD[0]), ADDED)) == 1
    assert sum(1 for s in summary.results if s.status == ADDED) == 3
    assert any(r.status == FAILED and "ftp" in r.source for r in summary.results)
    assert not summary.ok


async def test_metadata_options_apply_to_one_item_only(corpus: Path, tmp_path: Path) -> None:
    from bot.corpus.ingest import Metadata

    with pytest.raises(IngestError, match="apply to one file or page"):
        await import_sources(corpus, [str(MULTI_ARTICLES)], metadata=Metadata(title="One title for all"))
    assert len(load_corpus(corpus).articles) == 1


# --- polite fetching ---------------------------------------------------------------------------------------


async def test_at_most_two_downloads_per_site_and_four_in_all(corpus: Path) -> None:
    async with serve_feed_site() as a, serve_feed_site() as b, serve_feed_site() as c:
        for site in (a, b, c):
            site.rendezvous = 2  # each request waits (a few seconds at most) for a second one
        urls = [s.url(page_path(name)) for name in GOOD[:4] for s in (a, b, c)]
        policy = FetchPolicy(allow_private=True)
        async with Importer(corpus, policy) as importer:
            summary = await importer.run(await importer.plan(urls))
            peak = importer.fetcher.peak
    assert len(summary.added) == 4 and len(summary.present) == 8  # the same four articles on three sites
    assert max(a.peak, b.peak, c.peak) == 2  # never more than two at one site...
    assert peak <= 4  # ...nor four in all


async def test_retries_back_off_then_give_up_and_the_user_agent_says_who(corpus: Path) -> None:
    async with serve_feed_site() as site:
        async with Fetcher(LOCAL) as fetcher:
            with pytest.raises(IngestError, match=r"HTTP 429.*tried 3 times"):
                await fetcher.get(site.url("/busy"))
            got = await fetcher.get(site.url(FLAKY))
            moved = await fetcher.get(site.url("/moved"))
    assert site.hits["/busy"] == 3  # the first try and two retries
    assert got.data and site.hits[FLAKY] == 2
    assert moved.url.endswith(page_path(GOOD[0]))
    from bot.corpus.fetch import USER_AGENT

    assert site.user_agents == {USER_AGENT} and USER_AGENT.startswith("sovereignty-bot/")


async def test_loopback_and_private_addresses_are_refused_without_allow_private(corpus: Path) -> None:
    async with serve_feed_site() as site:
        summary = await import_sources(corpus, [site.feed_url], policy=FetchPolicy())
        assert site.hits["/feed.xml"] == 0  # refused before connecting
        [result] = summary.results
        assert result.status == FAILED and "loopback" in result.reason and "--allow-private" in result.reason
        url = site.feed_url.replace("127.0.0.1", "localhost")
        summary = await import_sources(corpus, [url], policy=FetchPolicy())
        assert summary.results[0].status == FAILED and sum(site.hits.values()) == 0
    for bad in ("http://10.1.2.3/x", "http://192.168.0.1/", "http://[::1]/", "http://169.254.169.254/latest",
                "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/"):
        with pytest.raises(IngestError):
            check_url(bad, allow_private=False)
    assert check_url("http://10.1.2.3/x", allow_private=True) == "10.1.2.3"
    for bad in ("file:///etc/passwd", "ftp://example.org/x", "gopher://x/"):
        with pytest.raises(IngestError, match="Only http"):
            check_url(bad, allow_private=True)
    import ipaddress

    assert address_refusal(ipaddress.ip_address("93.184.216.34")) is None


async def test_a_name_resolving_to_a_private_address_is_refused_by_the_resolver() -> None:
    from bot.corpus.fetch import PrivateAddressError, _guarded_resolver

    resolver = _guarded_resolver(False)

    class Inner:
        async def resolve(self, host, port, family):  # type: ignore[no-untyped-def]
            return [{"hostname": host, "host": "10.0.0.7", "port": port, "family": family, "proto": 0, "flags": 0}]

        async def close(self) -> None:
            pass

    resolver._inner = Inner()  # type: ignore[attr-defined]
    with pytest.raises(PrivateAddressError, match="10.0.0.7"):
        await resolver.resolve("intranet.example.org", 80)
    await resolver.close()


# --- writing: one at a time, whole or absent; one reload ---------------------------------------------------


def test_writer_sees_another_process_adds_and_never_reuses_a_slug(corpus: Path) -> None:
    from bot.corpus.articles import add_article

    writer = CorpusWriter(corpus)
    first = Article(slug="", title="Same title", publisher="P", paragraphs=("One text about clouds.",))
    add_article(corpus, first)  # another process, after the writer read the corpus
    again = writer.add(Article(slug="", title="Same title", publisher="P", paragraphs=("Another text.",)))
    assert again.slug == "same-title-2"
    from bot.corpus.articles import DuplicateArticleError

    with pytest.raises(DuplicateArticleError):
        writer.add(first)


async def test_a_running_bot_picks_the_batch_up_with_one_reload(corpus: Path) -> None:
    kb = Knowledge.load(corpus)
    reloads = 0
    original = kb.reload

    async def counting(**kwargs):  # type: ignore[no-untyped-def]
        nonlocal reloads
        reloads += 1
        return await original(**kwargs)

    kb.reload = counting  # type: ignore[method-assign]
    watcher = asyncio.create_task(kb.watch(0.01))
    try:
        async with serve_feed_site() as site:
            site.serve_before_block = 3  # three pages at once, then hold the rest

            async def release_later() -> None:
                while len(load_corpus(corpus).articles) < 4:
                    await asyncio.sleep(0.02)
                assert import_running(corpus)
                await asyncio.sleep(0.1)  # several watcher ticks while the import is marked running
                site.unblock.set()

            releaser = asyncio.create_task(release_later())
            links = corpus.parent / "links.txt"  # links from a list are fetched while the import runs
            links.write_text("\n".join(site.good_urls[:8]), encoding="utf-8")
            summary = await import_sources(corpus, [], lists=[links], policy=LOCAL)
            await releaser
        assert len(summary.added) == 8 and not import_running(corpus)
        async with asyncio.timeout(15):
            while len(kb.snapshot.articles) < 9:
                await asyncio.sleep(0.01)
        assert reloads == 1
    finally:
        watcher.cancel()
        with pytest.raises(asyncio.CancelledError):
            await watcher


@pytest.mark.parametrize("how", ["kill", "interrupt"])
async def test_an_import_stopped_half_way_leaves_whole_articles_only(corpus: Path, how: str) -> None:
    async with serve_feed_site() as site:
        site.serve_before_block = 5
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "add", site.feed_url, "--corpus", str(corpus), "--allow-private",
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(60):
            while len(list((corpus / "articles").glob("*.md"))) < 4:
                await asyncio.sleep(0.02)
        proc.send_signal(signal.SIGKILL if how == "kill" else signal.SIGINT)
        _, err = await proc.communicate()
    if how == "interrupt":
        assert proc.returncode == 130 and "interrupted" in err.decode()
    else:
        assert proc.returncode == -signal.SIGKILL
    code, out, err = await cli("list", "--corpus", str(corpus))
    assert code == 0 and err == "" and "articles" in out
    loaded = load_corpus(corpus)
    assert loaded.errors == () and 4 <= len(loaded.articles) < 22


async def test_xml_that_is_not_a_feed_is_refused_not_stored_as_text(corpus: Path) -> None:
    from tests.webpages import serve

    sitemap = b'<?xml version="1.0"?><urlset><url><loc>https://example.org/a</loc></url></urlset>'
    async with serve({"/sitemap.xml": ("application/xml", sitemap)}) as site:
        summary = await import_sources(corpus, [site.url("/sitemap.xml")], policy=LOCAL)
    [result] = summary.results
    assert result.status == FAILED and "not an RSS or Atom feed" in result.reason
    assert len(load_corpus(corpus).articles) == 1


def test_progress_on_a_terminal_is_a_bar_and_otherwise_one_line_per_item() -> None:
    import io

    from bot.cli.corpus import BarProgress, LineProgress
    from bot.corpus.bulk import ItemResult

    stream = io.StringIO()
    lines = LineProgress(stream)
    lines.planned(2)
    lines.item_done(ItemResult("a.md", ADDED, slug="a", title="A", paragraphs=1, passages=1), 1, 2)
    lines.item_done(ItemResult("b.md", FAILED, "no text"), 2, 2)
    assert stream.getvalue().splitlines() == [
        "importing 2 items", '[1/2] added: a.md -> `a` "A" (1 paragraph, 1 passage)', "[2/2] failed: b.md: no text"]
    stream = io.StringIO()
    bar = BarProgress(stream)
    bar.planned(2)
    bar.item_done(ItemResult("a.md", PRESENT, "same text as x"), 1, 2)
    bar.item_done(ItemResult("b.md", FAILED, "no text"), 2, 2)
    bar.close()
    out = stream.getvalue()
    assert "2/2" in out and "failed: b.md: no text" in out and "present=1" in out


def test_the_writer_reads_unchanged_files_from_its_index_and_rereads_changed_ones(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.corpus.bulk as bulk

    writer = CorpusWriter(corpus)
    for i in range(3):
        writer.add(Article(slug="", title=f"Indexed {i}", publisher="P", paragraphs=(f"Indexed text {i}.",)))
    writer.flush()
    writer.save_index()
    assert (corpus / bulk.INDEX_PATH).is_file()

    parsed: list[str] = []
    real = bulk.parse_article
    monkeypatch.setattr(bulk, "parse_article", lambda path, text: parsed.append(path.name) or real(path, text))
    edited = corpus / "articles" / "indexed-1.md"
    edited.write_text(edited.read_text("utf-8").replace("Indexed text 1.", "Edited text, longer than before."))
    again = CorpusWriter(corpus)
    assert parsed == ["indexed-1.md"]  # only the changed file is parsed
    with pytest.raises(DuplicateArticleError, match="same text"):
        again.add(Article(slug="", title="Other", publisher="P", paragraphs=("Edited text, longer than before.",)))
    with pytest.raises(DuplicateArticleError, match="indexed-2"):
        again.add(Article(slug="", title="Other", publisher="P", paragraphs=("Indexed text 2.",)))
    stored = again.add(Article(slug="", title="Other", publisher="P", paragraphs=("Indexed text 1.",)))
    assert stored.slug == "other"


async def test_a_page_without_a_title_or_date_takes_the_feed_entrys(corpus: Path) -> None:
    from tests.feeds import rss
    from tests.webpages import serve

    paragraphs = "".join(
        f"<p>Paragraph {i} on where the provider keeps the data, which law reaches it, and who may ask.</p>"
        for i in range(6)
    )
    page = f"<html><body><div>{paragraphs}</div></body></html>".encode()
    extra = {"/untitled": ("text/html; charset=utf-8", page), "/feed.xml": ("application/rss+xml", b"")}
    async with serve(extra) as site:
        extra["/feed.xml"] = ("application/rss+xml", rss(site.base, [("/untitled", "The entry's own title")]))
        summary = await import_sources(corpus, [site.url("/feed.xml")], policy=LOCAL)
    [result] = summary.results
    assert result.status == ADDED and result.title == "The entry's own title", result
    assert result.article is not None and result.article.published == "2025-01-14"


def test_cli_usage_errors_and_a_list_of_files(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli.main import main

    assert main(["add", "--corpus", str(corpus)]) == 2
    assert "give at least one SOURCE" in capsys.readouterr().err
    assert main(["add", str(MULTI_ARTICLES), "--title", "One for all", "--corpus", str(corpus)]) == 2
    assert "apply to one file or page" in capsys.readouterr().err
    links = tmp_path / "list.txt"
    links.write_text("# not links\nnotes.md\n", encoding="utf-8")
    code = main(["add", str(MULTI_ARTICLES / "gdpr-day-one.txt"), "--from-list", str(links), "--corpus", str(corpus),
                 "--no-rebuild"])
    out = capsys.readouterr().out
    assert code == 1 and "1 added, 0 already present, 1 failed" in out and "'notes.md'" in out
    assert not (corpus / ".cache" / "tokens").exists() or not any((corpus / ".cache" / "tokens").iterdir())
