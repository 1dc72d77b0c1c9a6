"""A tiny web server on 127.0.0.1 for ingest tests: article pages, a slow page, an endless body,
a PDF, a 404 and a redirect. Nothing leaves the machine."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from tests.paths import MULTI_ARTICLES

DATA = MULTI_ARTICLES


@dataclass
class Site:
    base: str
    release: asyncio.Event  # set it to let the slow page finish

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


@asynccontextmanager
async def serve(extra: dict[str, tuple[str, bytes]] | None = None) -> AsyncIterator[Site]:
    """Serve the fixture pages; `extra` maps a path to (content type, body)."""
    release = asyncio.Event()
    html = (DATA / "eu-data-boundary.html").read_bytes()

    async def article(request: web.Request) -> web.Response:
        return web.Response(body=html, content_type="text/html", charset="utf-8")

    async def slow(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(body=html, content_type="text/html")

    async def endless(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        await resp.prepare(request)
        chunk = b"<p>" + b"sovereignty " * 5000 + b"</p>\n"
        try:
            while True:  # never ends: the client must stop reading at its limit
                await resp.write(chunk)
        except (ConnectionResetError, RuntimeError, asyncio.CancelledError):
            pass
        return resp

    async def declared(request: web.Request) -> web.Response:
        return web.Response(body=b"<html><body>" + b"x" * 300_000 + b"</body></html>", content_type="text/html")

    async def pdf(request: web.Request) -> web.Response:
        return web.Response(body=b"%PDF-1.4 fake", content_type="application/pdf")

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("/article")

    async def other(request: web.Request) -> web.Response:
        ctype, body = (extra or {})[request.path]
        return web.Response(body=body, headers={"Content-Type": ctype})

    app = web.Application()
    app.router.add_get("/article", article)
    app.router.add_get("/slow", slow)
    app.router.add_get("/endless", endless)
    app.router.add_get("/declared-large", declared)
    app.router.add_get("/report.pdf", pdf)
    app.router.add_get("/moved", redirect)
    for path in extra or {}:
        app.router.add_get(path, other)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield Site(f"http://127.0.0.1:{port}", release)
    finally:
        release.set()
        await runner.cleanup()
