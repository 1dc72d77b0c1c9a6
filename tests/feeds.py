"""A news site on 127.0.0.1 for the bulk-import tests: an RSS feed of two dozen entries linking to
the fixture articles as pages (HTML with menus and cookie banners, text, Markdown), plus one page
that 404s, one PDF, one duplicate, one entry that fails once with 503, and an Atom feed.

`FeedSite.hits` counts requests per path and `peak` the most requests in flight at once, so the
tests can check retries and the concurrency bounds. Nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from aiohttp import web

from tests.paths import MULTI_ARTICLES

#: The fixture articles the feed links to (20 good ones: HTML, text and Markdown).
GOOD = (
    "eu-data-boundary.html", "aws-european-sovereign-cloud.html", "apple-icloud-china-guizhou.html",
    "dutch-dpia-office365.html", "eucs-sovereignty-requirements.html", "microsoft-cloud-for-sovereignty.html",
    "microsoft-dublin-warrant-ruling.html", "s3ns-thales-google.html",
    "cloud-act-explained.txt", "data-privacy-framework-adequacy.txt", "gdpr-day-one.txt", "meta-dpc-fine.txt",
    "helsingor-chromebook-ban.txt", "russia-linkedin-blocked.txt",
    "schrems-ii-ruling.md", "gaia-x-launch.md", "new-sccs-adopted.md", "privacy-shield-adopted.md",
    "safe-harbour-invalidated.md", "uk-us-data-bridge.md",
)
TYPES = {".html": "text/html", ".txt": "text/plain", ".md": "text/markdown"}
#: The date the feed gives every entry (text pages have none of their own).
ENTRY_DATE = "Tue, 14 Jan 2025 08:00:00 GMT"
#: Bad entries: (path, what goes wrong)
MISSING, PDF, DUPLICATE, FLAKY = "/news/missing", "/news/report.pdf", "/news/again/cloud-act", "/news/flaky"
FLAKY_FILE = "edpb-supplementary-measures.md"


def page_path(name: str) -> str:
    return f"/news/{Path(name).stem}"


@dataclass
class FeedSite:
    base: str
    hits: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    peak: int = 0
    #: while clear, pages after the first `serve_before_block` wait (to interrupt an import half-way)
    unblock: asyncio.Event = field(default_factory=asyncio.Event)
    serve_before_block: int | None = None
    served: int = 0
    #: requests wait (up to a few seconds) until this many are in flight, so concurrency shows
    rendezvous: int = 1
    user_agents: set[str] = field(default_factory=set)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    @property
    def feed_url(self) -> str:
        return self.url("/feed.xml")

    @property
    def good_urls(self) -> list[str]:
        return [self.url(page_path(n)) for n in GOOD]


def rss(site_base: str, entries: list[tuple[str, str]], *, title: str = "Sovereign Cloud Digest") -> bytes:
    items = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(site_base + p)}</link>"
        f"<pubDate>{ENTRY_DATE}</pubDate><guid>{escape(site_base + p)}</guid></item>\n"
        for p, t in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{escape(site_base)}/</link><description>News</description>\n"
        f"{items}</channel></rss>\n"
    ).encode()


def atom(site_base: str, entries: list[tuple[str, str]]) -> bytes:
    body = "".join(
        f'<entry><title>{escape(t)}</title><link href="{escape(p)}"/><id>{escape(site_base + p)}</id>'
        "<updated>2024-06-01T10:00:00Z</updated></entry>\n"
        for p, t in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Atom Digest</title><id>{escape(site_base)}/atom</id><updated>2024-06-01T10:00:00Z</updated>"
        f'<link href="{escape(site_base)}/atom.xml" rel="self"/>\n{body}</feed>\n'
    ).encode()


def feed_entries() -> list[tuple[str, str]]:
    """(path, entry title): 20 good pages, a 404, a PDF, a duplicate link target, a flaky page = 24."""
    entries = [(page_path(n), f"Entry for {Path(n).stem}") for n in GOOD]
    entries[10:10] = [(MISSING, "A story that was taken down"), (PDF, "The annual report (PDF)")]
    entries.append((DUPLICATE, "The CLOUD Act explained, again"))
    entries.append((FLAKY, "EDPB supplementary measures"))
    return entries


@asynccontextmanager
async def serve_feed_site(*, max_wait: float = 5.0) -> AsyncIterator[FeedSite]:
    """Serve the site on 127.0.0.1 on a free port."""
    holder: dict[str, FeedSite] = {}

    def site() -> FeedSite:
        return holder["site"]

    arrived = asyncio.Condition()

    async def track(request: web.Request, handler):  # type: ignore[no-untyped-def]
        s = site()
        s.hits[request.path] += 1
        s.user_agents.add(request.headers.get("User-Agent", ""))
        s.in_flight += 1
        s.peak = max(s.peak, s.in_flight)
        async with arrived:
            arrived.notify_all()
        try:
            if s.rendezvous > 1:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max_wait), arrived:
                        await arrived.wait_for(lambda: site().in_flight >= s.rendezvous or s.peak >= s.rendezvous)
            return await handler(request)
        finally:
            s.in_flight -= 1

    async def feed(request: web.Request) -> web.Response:
        return web.Response(body=rss(site().base, feed_entries()), content_type="application/rss+xml")

    async def atom_feed(request: web.Request) -> web.Response:
        entries = [(page_path(n), f"Atom entry {n}") for n in GOOD[:3]]
        return web.Response(body=atom(site().base, entries), content_type="application/atom+xml")

    async def page(request: web.Request) -> web.Response:
        s = site()
        name = request.match_info["name"]
        match = [n for n in (*GOOD, FLAKY_FILE) if Path(n).stem == name]
        if not match:
            raise web.HTTPNotFound()
        if s.serve_before_block is not None and s.served >= s.serve_before_block:
            await s.unblock.wait()
        s.served += 1
        path = MULTI_ARTICLES / match[0]
        return web.Response(body=path.read_bytes(), content_type=TYPES[path.suffix], charset="utf-8")

    async def duplicate(request: web.Request) -> web.Response:
        body = (MULTI_ARTICLES / "cloud-act-explained.txt").read_bytes()
        return web.Response(body=body, content_type="text/plain", charset="utf-8")

    async def flaky(request: web.Request) -> web.Response:
        if site().hits[request.path] == 1:
            raise web.HTTPServiceUnavailable()
        body = (MULTI_ARTICLES / FLAKY_FILE).read_bytes()
        return web.Response(body=body, content_type="text/markdown", charset="utf-8")

    async def always_busy(request: web.Request) -> web.Response:
        raise web.HTTPTooManyRequests(headers={"Retry-After": "0"})

    async def pdf(request: web.Request) -> web.Response:
        return web.Response(body=b"%PDF-1.4 fake", content_type="application/pdf")

    async def to_page(request: web.Request) -> web.Response:
        raise web.HTTPFound(page_path(GOOD[0]))

    app = web.Application(middlewares=[web.middleware(track)])
    app.router.add_get("/feed.xml", feed)
    app.router.add_get("/atom.xml", atom_feed)
    app.router.add_get(DUPLICATE, duplicate)
    app.router.add_get(FLAKY, flaky)
    app.router.add_get(PDF, pdf)
    app.router.add_get("/busy", always_busy)
    app.router.add_get("/moved", to_page)
    app.router.add_get("/news/{name}", page)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    port = runner.addresses[0][1]
    holder["site"] = FeedSite(f"http://127.0.0.1:{port}")
    try:
        yield holder["site"]
    finally:
        holder["site"].unblock.set()
        await runner.cleanup()
