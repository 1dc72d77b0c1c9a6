"""Polite, bounded downloading for imports of many links: the network half of `bot.corpus.bulk`.

One `Fetcher` per import shares one HTTP session. It keeps the single-page limits of
`bot.corpus.ingest` (size, content type, time) and adds what fetching a hundred links needs:

- at most `max_concurrent` downloads at once and at most `per_host` per site (host and port);
- a User-Agent that says what is fetching and why;
- retries with exponential back-off on 429 and 5xx answers (at most `retries`), honouring a
  short `Retry-After`, with the download slot given back while it waits;
- only http and https, at every redirect hop (redirects are followed here, not by aiohttp, so
  each hop is checked); and no loopback, private, link-local or otherwise non-public address
  unless `allow_private` is set. The check runs in the DNS resolver the connection itself uses,
  so a host name cannot resolve to a public address for the check and an internal one for the
  connection; literal IP addresses are checked before any connection is made.

A link in someone else's feed therefore cannot make the bot fetch an internal service.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from bot.corpus.ingest import (
    DEFAULT_CONTENT_TYPES,
    Fetched,
    IngestError,
    Limits,
    parse_content_type,
    read_body,
)

if TYPE_CHECKING:
    import aiohttp

log = logging.getLogger(__name__)

USER_AGENT = "sovereignty-bot/0.1 (article import for a curated news corpus; at most 2 connections per site)"
#: Media types a news feed is served with (besides text/html pages and the text types of Limits).
FEED_CONTENT_TYPES: tuple[str, ...] = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)
_REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class FetchPolicy:
    """How an import downloads: the per-page limits plus concurrency, retries and address rules."""

    limits: Limits = field(default_factory=Limits)
    max_concurrent: int = 4
    per_host: int = 2
    retries: int = 2
    backoff: float = 1.0  # seconds before the first retry, doubled for each further one
    max_backoff: float = 30.0  # a longer Retry-After is not waited for: the item fails
    allow_private: bool = False
    user_agent: str = USER_AGENT

    @property
    def accepted_types(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.limits.content_types + FEED_CONTENT_TYPES))


class PrivateAddressError(OSError):
    """Raised inside the resolver (an OSError, so aiohttp passes it through as a DNS failure)."""


def address_refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address may not be fetched (loopback, private, ...), or None when it is public."""
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    for attr, what in (
        ("is_loopback", "a loopback"),
        ("is_private", "a private"),
        ("is_link_local", "a link-local"),
        ("is_multicast", "a multicast"),
        ("is_reserved", "a reserved"),
        ("is_unspecified", "an unspecified"),
    ):
        if getattr(ip, attr):
            return f"{what} address ({ip})"
    if not ip.is_global:
        return f"a non-public address ({ip})"
    return None


def _private_refusal(host: str, what: str) -> IngestError:
    return IngestError(
        f"{host} is {what}; links to internal addresses are refused (the command line's --allow-private "
        "permits them, for testing)."
    )


def check_url(url: str, *, allow_private: bool) -> str:
    """The URL's host, or IngestError: not http(s), no host, or a literal non-public IP address."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise IngestError(f"Only http(s) links can be added, got {url!r}.")
    host = parts.hostname
    if not allow_private:
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            ip = None
        if ip is not None:
            what = address_refusal(ip)
            if what:
                raise _private_refusal(host, what)
        elif host.rstrip(".").lower() == "localhost" or host.rstrip(".").lower().endswith(".localhost"):
            raise _private_refusal(host, "a loopback name")
    return host


def _guarded_resolver(allow_private: bool) -> aiohttp.abc.AbstractResolver:
    """The default resolver, refusing every answer that holds a non-public address."""
    import aiohttp
    from aiohttp.resolver import DefaultResolver

    class GuardedResolver(aiohttp.abc.AbstractResolver):
        def __init__(self) -> None:
            self._inner = DefaultResolver()

        async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET):  # type: ignore[no-untyped-def]
            answers = await self._inner.resolve(host, port, family)
            if not allow_private:
                for answer in answers:
                    what = address_refusal(ipaddress.ip_address(answer["host"]))
                    if what:
                        raise PrivateAddressError(f"{host} resolves to {what}")
            return answers

        async def close(self) -> None:
            await self._inner.close()

    return GuardedResolver()


@dataclass(frozen=True)
class _Retry:
    status: int
    reason: str
    delay: float


class Fetcher:
    """Downloads for one import: `async with Fetcher(policy) as f: await f.get(url)`."""

    def __init__(self, policy: FetchPolicy = FetchPolicy()) -> None:
        self.policy = policy
        self._all = asyncio.Semaphore(max(1, policy.max_concurrent))
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._session: aiohttp.ClientSession | None = None
        #: how many downloads run now / ran at most at once (for the log and the tests)
        self.active = 0
        self.peak = 0

    async def __aenter__(self) -> Fetcher:
        import aiohttp

        connector = aiohttp.TCPConnector(
            resolver=_guarded_resolver(self.policy.allow_private),
            limit=max(1, self.policy.max_concurrent),
            limit_per_host=max(1, self.policy.per_host),
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": self.policy.user_agent},
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _host_slot(self, url: str) -> asyncio.Semaphore:
        parts = urlsplit(url)
        key = f"{(parts.hostname or '').lower()}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
        if key not in self._hosts:
            self._hosts[key] = asyncio.Semaphore(max(1, self.policy.per_host))
        return self._hosts[key]

    async def get(self, url: str, accept: tuple[str, ...] | None = None) -> Fetched:
        """Download `url` (redirects followed and checked, retries with back-off) or IngestError."""
        policy = self.policy
        accept = accept or policy.accepted_types
        current = url.strip()
        redirects = 0
        attempt = 0
        while True:
            check_url(current, allow_private=policy.allow_private)
            outcome = await self._once(current, accept, attempt)
            if isinstance(outcome, Fetched):
                return outcome
            if isinstance(outcome, str):  # a redirect: the next hop is checked again
                redirects += 1
                if redirects > policy.limits.max_redirects:
                    raise IngestError("The link redirects too many times.")
                current, attempt = outcome, 0
                continue
            if attempt >= policy.retries or outcome.delay > policy.max_backoff:
                tries = f" (tried {attempt + 1} times)" if attempt else ""
                raise IngestError(f"The page answered HTTP {outcome.status} {outcome.reason}".rstrip() + f"{tries}.")
            attempt += 1
            log.info("HTTP %d from %s; retry %d in %.1f s", outcome.status, current, attempt, outcome.delay)
            await asyncio.sleep(outcome.delay)  # outside the slots: others may download meanwhile

    def _delay(self, retry_after: str | None, attempt: int) -> float:
        """Back-off before retry `attempt + 1`: doubling from `backoff`, or the server's Retry-After seconds."""
        base = min(self.policy.backoff * (2**attempt), self.policy.max_backoff)
        if retry_after and retry_after.strip().isdigit():
            return max(base, float(retry_after.strip()))
        return base

    async def _once(self, url: str, accept: tuple[str, ...], attempt: int) -> Fetched | str | _Retry:
        import aiohttp

        assert self._session is not None, "use `async with Fetcher(...)`"
        limits = self.policy.limits
        timeout = aiohttp.ClientTimeout(total=limits.fetch_timeout)
        # the site's slot first: a download waiting for its site holds none of the four overall slots
        async with self._host_slot(url), self._all:
            self.active += 1
            self.peak = max(self.peak, self.active)
            try:
                async with self._session.get(url, timeout=timeout, allow_redirects=False) as resp:
                    if resp.status in _REDIRECTS and resp.headers.get("Location"):
                        return urljoin(url, resp.headers["Location"])
                    if resp.status == 429 or 500 <= resp.status <= 599:
                        delay = self._delay(resp.headers.get("Retry-After"), attempt)
                        return _Retry(resp.status, resp.reason or "", delay)
                    if resp.status != 200:
                        raise IngestError(f"The page answered HTTP {resp.status} {resp.reason or ''}".rstrip() + ".")
                    media, charset = parse_content_type(resp.headers.get("Content-Type"))
                    if media and media not in accept:
                        allowed = ", ".join(a for a in accept if a in DEFAULT_CONTENT_TYPES) or ", ".join(accept)
                        raise IngestError(
                            f"That source is {media}, which cannot be added as an article (accepted: {allowed}, "
                            "or an RSS/Atom feed)."
                        )
                    return Fetched(str(resp.url), media, charset, await read_body(resp, limits.max_bytes))
            except TimeoutError:
                raise IngestError(f"The page did not answer within {limits.fetch_timeout:g} seconds.") from None
            except aiohttp.ClientConnectorDNSError as exc:
                if isinstance(exc.os_error, PrivateAddressError):
                    raise _private_refusal(urlsplit(url).hostname or url, str(exc.os_error).split(" resolves to ", 1)[-1]
                                           ) from None
                raise IngestError(f"The site's name could not be resolved ({urlsplit(url).hostname}).") from None
            except aiohttp.InvalidURL:
                raise IngestError(f"That link is not a valid URL: {url!r}.") from None
            except aiohttp.ClientError as exc:
                raise IngestError(f"The page could not be fetched ({exc.__class__.__name__}: {exc}).") from None
            finally:
                self.active -= 1
