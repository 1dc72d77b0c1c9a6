"""A fake Discord: REST API v10 and the gateway websocket, served on 127.0.0.1 for tests.

The real discord.py client connects to it (`api_base_url` in the bot's config). The test drives
it like Discord users would: `dispatch_message`, `dispatch_slash`, `dispatch_autocomplete`,
`click_button`; then awaits what the bot sent with `wait_for_reply` / `wait_for_request`.

Every request is recorded and validated against Discord's limits (see `limits.py`), the 3-second
acknowledgement rule and the allowed-mentions rule; violations are collected in `violations` and
the `fake` fixture fails the test at teardown if there are any. Unknown routes are answered 404
and count as violations too, so a new discord.py call never goes unnoticed.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from . import limits

log = logging.getLogger("fake_discord")

DISCORD_EPOCH_MS = 1420070400000
MESSAGE_CONTENT_INTENT = 1 << 15
LOADING = 1 << 7
MANAGE_GUILD = 1 << 5
ADMINISTRATOR = 1 << 3
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
# view, send, embed, history, reactions, commands, and (as @everyone has by default) public threads
BASIC_PERMISSIONS = ((1 << 10) | (1 << 11) | (1 << 14) | (1 << 16) | (1 << 6) | (1 << 31)
                     | CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS)
THREAD_TYPES = (10, 11, 12)
ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)
THREAD_NAME = 100
APPLIED_TAGS = 5


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class FakeUser:
    id: int
    username: str
    bot: bool = False
    role_ids: tuple[int, ...] = ()
    permissions: int = BASIC_PERMISSIONS

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.username.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }

    def member(self, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.role_ids],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "pending": False,
        }
        if with_user:
            data["user"] = self.payload()
        return data

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass
class Recorded:
    """One REST request the bot made."""

    method: str
    path: str  # below /api/v10, e.g. /channels/123/messages
    query: dict[str, str]
    body: Any
    status: int = 200
    at: float = field(default_factory=time.monotonic)


@dataclass
class FakeInteraction:
    id: int
    token: str
    type: int  # 2 command, 3 component, 4 autocomplete
    user: FakeUser
    channel_id: int
    guild_id: int | None
    payload: dict[str, Any]
    dispatched_at: float
    message_id: int | None = None  # for components: the message the button is on
    ack_type: int | None = None
    acked_at: float | None = None
    original_id: int | None = None  # the response message (type 4/5)
    followup_ids: list[int] = field(default_factory=list)
    choices: list[dict[str, Any]] | None = None

    @property
    def acknowledged(self) -> bool:
        return self.ack_type is not None


class GatewayConnection:
    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.seq = 0
        self.shard: tuple[int, int] = (0, 1)
        self.intents = 0
        self.session_id = ""
        self.identified = False

    async def send(self, op: int, d: Any, t: str | None = None) -> None:
        payload: dict[str, Any] = {"op": op, "d": d, "s": None, "t": t}
        if op == 0:
            self.seq += 1
            payload["s"] = self.seq
        if not self.ws.closed:
            await self.ws.send_str(json.dumps(payload))


class FakeDiscord:
    """The fake server. `await start()`, point the bot at `base_url`, `await close()`."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.minimal_gateway_reply = False
        self.app_id = self.snowflake()
        self.bot_user = FakeUser(self.app_id, "sovbot", bot=True)
        self.guild_id = self.snowflake()
        self.everyone_role = self.guild_id
        self.mod_role = self.snowflake()
        self.bot_role = self.snowflake()
        self.bot_user.role_ids = (self.bot_role,)
        #: Each role's guild-wide permissions (the @everyone role's id is the guild's id).
        self.role_permissions: dict[int, int] = {
            self.everyone_role: BASIC_PERMISSIONS,
            self.mod_role: BASIC_PERMISSIONS | MANAGE_GUILD,
            self.bot_role: BASIC_PERMISSIONS,
        }
        self.general = self.snowflake()
        self.answers = self.snowflake()
        self.alice = FakeUser(self.snowflake(), "alice")
        self.bob = FakeUser(self.snowflake(), "bob")
        self.mod = FakeUser(self.snowflake(), "mod", role_ids=(self.mod_role,),
                            permissions=BASIC_PERMISSIONS | MANAGE_GUILD)
        self.other_bot = FakeUser(self.snowflake(), "otherbot", bot=True)
        self.users = {u.id: u for u in (self.bot_user, self.alice, self.bob, self.mod, self.other_bot)}
        self.channels: dict[int, dict[str, Any]] = {
            self.general: self._text_channel(self.general, "general", 0),
            self.answers: self._text_channel(self.answers, "ask-here", 1),
        }
        self.dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self.requests: list[Recorded] = []
        self.violations: list[str] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.deleted: set[int] = set()
        self.interactions: dict[int, FakeInteraction] = {}
        self._by_token: dict[str, FakeInteraction] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.connections: list[GatewayConnection] = []
        self.identify_payloads: list[dict[str, Any]] = []
        self._tick = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- ids and payloads ---------------------------------------------------------------------

    def snowflake(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._ids) & 0x3FFFFF)

    def _text_channel(self, cid: int, name: str, position: int) -> dict[str, Any]:
        return {
            "id": str(cid), "type": 0, "guild_id": str(self.guild_id), "name": name, "position": position,
            "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None,
            "last_message_id": None, "rate_limit_per_user": 0, "flags": 0,
        }

    def _role(self, rid: int, name: str, permissions: int, *, managed: bool = False,
              position: int = 0, bot_id: int | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(rid), "name": name, "permissions": str(permissions), "position": position,
            "color": 0, "hoist": False, "managed": managed, "mentionable": False, "flags": 0,
            "icon": None, "unicode_emoji": None,
        }
        if bot_id is not None:
            data["tags"] = {"bot_id": str(bot_id)}
        return data

    def guild_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.guild_id), "name": "Sovereignty Fans", "icon": None, "splash": None,
            "discovery_splash": None, "owner_id": str(self.mod.id), "afk_channel_id": None,
            "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
            "explicit_content_filter": 0, "mfa_level": 0, "application_id": None,
            "system_channel_id": None, "system_channel_flags": 0, "rules_channel_id": None,
            "vanity_url_code": None, "description": None, "banner": None, "premium_tier": 0,
            "preferred_locale": "en-US", "public_updates_channel_id": None, "nsfw_level": 0,
            "premium_progress_bar_enabled": False, "features": [], "emojis": [], "stickers": [],
            "roles": [
                self._role(self.everyone_role, "@everyone", self.role_permissions[self.everyone_role]),
                self._role(self.mod_role, "Moderators", self.role_permissions[self.mod_role], position=1),
                self._role(self.bot_role, "sovbot", self.role_permissions[self.bot_role], managed=True,
                           position=2, bot_id=self.bot_user.id),
            ],
            "joined_at": "2024-01-01T00:00:00+00:00", "large": False, "unavailable": False,
            "member_count": len(self.users),
            "members": [u.member() for u in self.users.values()],
            "channels": [c for c in self.channels.values() if c["type"] not in THREAD_TYPES],
            # like Discord: the active threads travel with the guild, so a restarted bot knows them
            "threads": [c for c in self.channels.values()
                        if c["type"] in THREAD_TYPES and not c["thread_metadata"]["archived"]],
            "presences": [],
            "voice_states": [], "stage_instances": [], "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    # --- permissions (set them before the bot connects: they travel in GUILD_CREATE) ----------

    def deny_bot(self, permission: int, channel: int | None = None) -> None:
        """Take `permission` from the bot: in one channel by a permission overwrite on its role, or
        guild-wide by removing it from @everyone and the bot's role."""
        if channel is None:
            for rid in (self.everyone_role, *self.bot_user.role_ids):
                self.role_permissions[rid] &= ~permission
            return
        overwrites = self.channels[channel]["permission_overwrites"]
        overwrites.append({"id": str(self.bot_role), "type": 0, "allow": "0", "deny": str(permission)})

    def allow_bot(self, permission: int) -> None:
        """Give the bot's role `permission` guild-wide (before the bot connects)."""
        self.role_permissions[self.bot_role] |= permission

    # --- forums and threads -------------------------------------------------------------------

    def add_forum(self, name: str, tags: list[str] = ()) -> int:
        """A forum channel with these tag names; add it before the bot connects (it travels in GUILD_CREATE)."""
        cid = self.snowflake()
        channel = self._text_channel(cid, name, len(self.channels))
        channel.update({
            "type": 15, "default_auto_archive_duration": 1440, "default_thread_rate_limit_per_user": 0,
            "available_tags": [{"id": str(self.snowflake()), "name": t, "moderated": False, "emoji_id": None,
                                "emoji_name": None} for t in tags],
            "default_reaction_emoji": None, "default_sort_order": None, "default_forum_layout": 0,
        })
        self.channels[cid] = channel
        return cid

    def _thread_payload(self, tid: int, parent: int, owner: int, name: str, duration: int = 1440) -> dict[str, Any]:
        return {
            "id": str(tid), "type": 11, "guild_id": str(self.guild_id), "parent_id": str(parent),
            "owner_id": str(owner), "name": name, "last_message_id": None, "message_count": 0,
            "member_count": 1, "rate_limit_per_user": 0, "flags": 0, "total_message_sent": 0,
            "applied_tags": [],
            "thread_metadata": {"archived": False, "auto_archive_duration": duration,
                                "archive_timestamp": _now_iso(), "locked": False,
                                "create_timestamp": _now_iso()},
        }

    def threads(self, parent: int | None = None) -> list[dict[str, Any]]:
        return [c for c in self.channels.values()
                if c["type"] in THREAD_TYPES and (parent is None or c["parent_id"] == str(parent))]

    def thread_from(self, message_id: int) -> dict[str, Any] | None:
        """The thread started from message `message_id` (a thread's id is its starter message's)."""
        channel = self.channels.get(message_id)
        return channel if channel is not None and channel["type"] in THREAD_TYPES else None

    async def wait_for_thread_message(self, thread_id: int, count: int = 1, timeout: float = 15.0) -> dict[str, Any]:
        """The bot's `count`-th message in a thread, once it has been sent."""
        def check() -> dict[str, Any] | None:
            sent = self.bot_messages(thread_id)
            return sent[count - 1] if len(sent) >= count else None

        return await self.wait_for(check, timeout)

    async def start_forum_post(self, forum: int, title: str, content: str, *,
                               author: FakeUser | None = None) -> int:
        """A member opens a post in a forum: THREAD_CREATE, then its first message (whose id is the
        thread's), as Discord sends them. Returns the post's (thread's) id."""
        author = author or self.alice
        tid = self.snowflake()
        thread = self._thread_payload(tid, forum, author.id, title)
        self.channels[tid] = thread
        await self._dispatch("THREAD_CREATE", {**thread, "newly_created": True}, self.guild_id)
        await self.dispatch_message(content, author=author, channel=tid, message_id=tid)
        return tid

    async def set_thread(self, thread_id: int, *, archived: bool | None = None, locked: bool | None = None) -> None:
        """A moderator archives or locks a thread (THREAD_UPDATE)."""
        meta = self.channels[thread_id]["thread_metadata"]
        if archived is not None:
            meta["archived"] = archived
        if locked is not None:
            meta["locked"] = locked
        await self._dispatch("THREAD_UPDATE", self.channels[thread_id], self.guild_id)

    def bot_permissions(self, channel_id: int) -> int:
        """The bot's permissions in a guild channel, computed the way Discord does (roles, then the
        channel's @everyone, role and member overwrites); everything in a DM."""
        if channel_id not in self.channels:
            return BASIC_PERMISSIONS
        if self.channels[channel_id]["type"] in THREAD_TYPES:  # a thread has its parent's permissions
            return self.bot_permissions(int(self.channels[channel_id]["parent_id"]))
        roles = (self.everyone_role, *self.bot_user.role_ids)
        perms = 0
        for rid in roles:
            perms |= self.role_permissions.get(rid, 0)
        if perms & ADMINISTRATOR:
            return ~0
        overwrites = {int(o["id"]): o for o in self.channels[channel_id].get("permission_overwrites") or []}
        everyone = overwrites.get(self.everyone_role)
        if everyone:
            perms = (perms & ~int(everyone["deny"])) | int(everyone["allow"])
        allow = deny = 0
        for rid in self.bot_user.role_ids:
            if rid in overwrites:
                allow |= int(overwrites[rid]["allow"])
                deny |= int(overwrites[rid]["deny"])
        perms = (perms & ~deny) | allow
        member = overwrites.get(self.bot_user.id)
        if member:
            perms = (perms & ~int(member["deny"])) | int(member["allow"])
        return perms

    def _without_forbidden_embeds(self, channel_id: int, body: dict[str, Any], what: str) -> dict[str, Any]:
        """Like Discord: without Embed Links a bot's embeds are dropped from the message it sends or
        edits, and a message left with nothing to show is refused (403 Missing Permissions)."""
        if not body.get("embeds") or self.bot_permissions(channel_id) & EMBED_LINKS:
            return body
        log.info("%s: the bot lacks Embed Links in channel %s; its embeds are dropped", what, channel_id)
        body = {**body, "embeds": []}
        if not (body.get("content") or body.get("components") or body.get("files") or body.get("attachments")):
            raise _HTTPError(403, "Missing Permissions", 50013)
        return body

    def dm_channel_id(self, user: FakeUser) -> int:
        if user.id not in self.dm_channels:
            self.dm_channels[user.id] = self.snowflake()
        return self.dm_channels[user.id]

    def _dm_channel_payload(self, user: FakeUser) -> dict[str, Any]:
        return {"id": str(self.dm_channel_id(user)), "type": 1, "recipients": [user.payload()],
                "last_message_id": None, "flags": 0}

    def _channel_payload(self, channel_id: int) -> dict[str, Any]:
        if channel_id in self.channels:
            return self.channels[channel_id]
        for uid, cid in self.dm_channels.items():
            if cid == channel_id:
                return self._dm_channel_payload(self.users[uid])
        raise KeyError(channel_id)

    def _is_dm(self, channel_id: int) -> bool:
        return channel_id in self.dm_channels.values()

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        for conn in self.connections:
            if not conn.ws.closed:
                await conn.ws.close(code=1000)
        if self._runner is not None:
            await self._runner.cleanup()

    def _changed(self) -> None:
        self._tick.set()
        self._tick = asyncio.Event()

    def violate(self, problem: str) -> None:
        log.error("Discord rule violated: %s", problem)
        self.violations.append(problem)
        self._changed()

    # --- waiting ------------------------------------------------------------------------------

    async def wait_for(self, check: Callable[[], Any], timeout: float = 15.0) -> Any:
        """Wait until `check()` returns something truthy (re-checked on every change); return it."""
        async with asyncio.timeout(timeout):
            while True:
                result = check()
                if result:
                    return result
                await self._tick.wait()

    async def wait_for_request(
        self, predicate: Callable[[Recorded], bool], timeout: float = 15.0, *, since: int = 0
    ) -> Recorded:
        def check() -> Recorded | None:
            return next((r for r in self.requests[since:] if predicate(r)), None)

        return await self.wait_for(check, timeout)

    async def wait_until_identified(self, count: int = 1, timeout: float = 15.0) -> None:
        await self.wait_for(lambda: sum(c.identified for c in self.connections) >= count, timeout)

    async def wait_for_reply(self, target: int | FakeInteraction, timeout: float = 15.0) -> dict[str, Any]:
        """The bot's visible answer to a user message id or to an interaction.

        For a message: the bot message that replies to it. For an interaction: the response
        message (after a deferral: once it has been filled in), or the autocomplete choices, or the
        updated message for a component click answered with an update.
        """
        if isinstance(target, FakeInteraction):
            inter = target

            def check_interaction() -> dict[str, Any] | None:
                if inter.ack_type == 8:
                    return {"choices": inter.choices}
                if inter.ack_type == 7 and inter.message_id is not None:
                    return self.messages[inter.message_id]
                if inter.ack_type == 6 and inter.followup_ids:
                    return self.messages[inter.followup_ids[0]]
                if inter.original_id is not None:
                    msg = self.messages[inter.original_id]
                    if not msg["flags"] & LOADING:
                        return msg
                return None

            return await self.wait_for(check_interaction, timeout)
        message_id = target

        def check_message() -> dict[str, Any] | None:
            for msg in self.messages.values():
                ref = msg.get("message_reference") or {}
                if msg["author"]["id"] == str(self.bot_user.id) and ref.get("message_id") == str(message_id):
                    return msg
            return None

        return await self.wait_for(check_message, timeout)

    def bot_messages(self, channel_id: int | None = None) -> list[dict[str, Any]]:
        return [
            m for m in self.messages.values()
            if m["author"]["id"] == str(self.bot_user.id)
            and (channel_id is None or m["channel_id"] == str(channel_id))
        ]

    def assert_clean(self) -> None:
        pending = [i for i in self.interactions.values() if not i.acknowledged]
        problems = list(self.violations)
        problems += [f"interaction {i.id} (type {i.type}) was never acknowledged" for i in pending]
        assert not problems, "fake Discord saw rule violations:\n" + "\n".join(problems)

    # --- gateway ------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        conn = GatewayConnection(ws)
        self.connections.append(conn)
        await conn.send(10, {"heartbeat_interval": 41250})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op, d = data.get("op"), data.get("d")
            if op == 1:
                await conn.send(11, None)
            elif op == 2:
                await self._identify(conn, d)
            elif op == 6:
                conn.session_id = d.get("session_id", "")
                conn.seq = d.get("seq") or conn.seq
                conn.identified = True
                await conn.send(0, {}, "RESUMED")
                self._changed()
            # presence updates, voice state, request members: ignored
        self._changed()
        return ws

    async def _identify(self, conn: GatewayConnection, d: dict[str, Any]) -> None:
        self.identify_payloads.append(d)
        if d.get("token") != self.expected_token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        conn.intents = int(d.get("intents", 0))
        if conn.intents & MESSAGE_CONTENT_INTENT and not self.message_content_allowed:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard = d.get("shard") or [0, 1]
        conn.shard = (int(shard[0]), int(shard[1]))
        conn.session_id = f"session-{self.snowflake()}"
        guilds = [{"id": str(self.guild_id), "unavailable": True}] if self._owns(conn, self.guild_id) else []
        await conn.send(0, {
            "v": 10, "user": self.bot_user.payload(), "guilds": guilds, "session_id": conn.session_id,
            "resume_gateway_url": self.gateway_url, "shard": list(conn.shard),
            "application": {"id": str(self.app_id), "flags": 0}, "private_channels": [],
            "relationships": [], "user_settings": {}, "presences": [], "geo_ordered_rtc_regions": [],
        }, "READY")
        if guilds:
            await conn.send(0, self.guild_payload(), "GUILD_CREATE")
        conn.identified = True
        self._changed()

    expected_token = "fake-token"
    #: Whether the application may use the privileged message-content intent (Developer Portal).
    message_content_allowed = True

    def _owns(self, conn: GatewayConnection, guild_id: int | None) -> bool:
        shard_id, count = conn.shard
        if guild_id is None:
            return shard_id == 0  # DMs go to shard 0
        return (guild_id >> 22) % count == shard_id

    async def _dispatch(self, event: str, data: dict[str, Any], guild_id: int | None,
                        *, required: bool = True) -> None:
        conns = [c for c in self.connections if c.identified and not c.ws.closed and self._owns(c, guild_id)]
        if not conns and required:
            raise AssertionError(f"no gateway connection to deliver {event} (is the bot connected?)")
        for conn in conns:
            payload = data
            if event == "MESSAGE_CREATE":
                payload = self._redact_content(conn, data)
            await conn.send(0, payload, event)

    def _redact_content(self, conn: GatewayConnection, data: dict[str, Any]) -> dict[str, Any]:
        """Without the message-content intent Discord blanks content except in DMs, mentions and own messages."""
        if conn.intents & MESSAGE_CONTENT_INTENT or "guild_id" not in data:
            return data
        me = str(self.bot_user.id)
        if data["author"]["id"] == me or any(u["id"] == me for u in data.get("mentions", [])):
            return data
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

    # --- driving the bot: users act -----------------------------------------------------------

    async def dispatch_message(
        self,
        content: str,
        *,
        author: FakeUser | None = None,
        channel: int | None = None,
        dm: bool = False,
        mentions: list[FakeUser] | None = None,
        mention_roles: list[int] | None = None,
        mention_everyone: bool = False,
        reply_to: int | None = None,
        message_id: int | None = None,
    ) -> int:
        """A user posts a message; returns its id. `dm=True` sends it to the bot directly.

        `reply_to`: the message id this one replies to (with the default "ping" on, so the replied-to
        author is in `mentions`, as Discord does).
        """
        author = author or self.alice
        if dm:
            channel_id = self.dm_channel_id(author)
        else:
            channel_id = channel or self.general
        if mentions is None:
            mentions = [u for u in self.users.values() if f"<@{u.id}>" in content or f"<@!{u.id}>" in content]
            if reply_to is not None:
                replied = self.users.get(int(self.messages[reply_to]["author"]["id"]))
                if replied is not None and replied not in mentions:
                    mentions.append(replied)
        if mention_roles is None:
            mention_roles = [int(r) for r in re.findall(r"<@&(\d+)>", content)]
        message_id = message_id or self.snowflake()
        data: dict[str, Any] = {
            "id": str(message_id), "channel_id": str(channel_id), "author": author.payload(),
            "content": content, "timestamp": _now_iso(), "edited_timestamp": None, "tts": False,
            "mention_everyone": mention_everyone or "@everyone" in content,
            "mentions": [u.payload() for u in mentions], "mention_roles": [str(r) for r in mention_roles],
            "attachments": [], "embeds": [], "pinned": False, "type": 0, "flags": 0, "components": [],
            "nonce": str(message_id),
        }
        if reply_to is not None:
            data["type"] = 19
            data["message_reference"] = {"message_id": str(reply_to), "channel_id": str(channel_id),
                                         "type": 0}
            data["referenced_message"] = self.messages[reply_to]
        if not dm:
            data["guild_id"] = str(self.guild_id)
            data["member"] = author.member(with_user=False)
        self.messages[message_id] = data
        await self._dispatch("MESSAGE_CREATE", data, None if dm else self.guild_id)
        return message_id

    def _base_interaction(self, kind: int, data: dict[str, Any] | None, user: FakeUser,
                          channel_id: int, dm: bool) -> FakeInteraction:
        iid = self.snowflake()
        token = f"itoken-{iid}"
        payload: dict[str, Any] = {
            "id": str(iid), "application_id": str(self.app_id), "type": kind, "token": token,
            "version": 1, "locale": "en-US", "entitlements": [], "attachment_size_limit": 8 * 1024 * 1024,
            "channel_id": str(channel_id), "channel": self._channel_payload(channel_id),
            # Discord always grants an app Embed Links and Attach Files for its interaction responses
            "app_permissions": str(self.bot_permissions(channel_id) | EMBED_LINKS | ATTACH_FILES),
        }
        if data is not None:
            payload["data"] = data
        if dm:
            payload["user"] = user.payload()
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"0": str(self.app_id)}
        else:
            payload["guild_id"] = str(self.guild_id)
            payload["guild_locale"] = "en-US"
            payload["guild"] = {"id": str(self.guild_id), "locale": "en-US", "features": []}
            payload["member"] = {**user.member(), "permissions": str(user.permissions)}
            payload["context"] = 0
            payload["authorizing_integration_owners"] = {"0": str(self.guild_id)}
        inter = FakeInteraction(iid, token, kind, user, channel_id, None if dm else self.guild_id,
                                payload, time.monotonic())
        self.interactions[iid] = inter
        self._by_token[token] = inter
        return inter

    def find_command(self, name: str, *, dm: bool = False) -> dict[str, Any]:
        scopes = [None] if dm else [self.guild_id, None]
        for scope in scopes:
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == 1:
                    return cmd
        raise AssertionError(f"/{name} is not registered (registered: {self.command_names()})")

    def command_names(self) -> dict[str, list[str]]:
        return {str(k): [c["name"] for c in v] for k, v in self.commands.items()}

    def _command_data(self, name: str, options: dict[str, Any], dm: bool,
                      focused: str | None = None) -> dict[str, Any]:
        """`name` may be "corpus add" (subcommand); option types come from the registered command."""
        parts = name.split()
        cmd = self.find_command(parts[0], dm=dm)
        defs = cmd.get("options") or []
        chain: list[dict[str, Any]] = []
        for sub in parts[1:]:
            spec = next((o for o in defs if o["name"] == sub and o["type"] in (1, 2)), None)
            if spec is None:
                raise AssertionError(f"/{name}: no subcommand {sub!r}")
            chain.append({"name": sub, "type": spec["type"], "options": []})
            defs = spec.get("options") or []
        opts = []
        for key, value in options.items():
            spec = next((o for o in defs if o["name"] == key), None)
            if spec is None:
                raise AssertionError(f"/{name} has no option {key!r}")
            opt = {"name": key, "type": spec["type"], "value": value}
            if focused == key:
                opt["focused"] = True
            opts.append(opt)
        if chain:
            chain[-1]["options"] = opts
            for outer, inner in zip(chain, chain[1:], strict=False):
                outer["options"] = [inner]
            opts = [chain[0]]
        data = {"id": cmd["id"], "name": parts[0], "type": 1, "options": opts}
        if not dm:
            data["guild_id"] = str(self.guild_id)
        return data

    async def dispatch_slash(self, name: str, options: dict[str, Any] | None = None, *,
                             user: FakeUser | None = None, channel: int | None = None,
                             dm: bool = False, resolved: dict[str, Any] | None = None) -> FakeInteraction:
        user = user or self.alice
        channel_id = self.dm_channel_id(user) if dm else (channel or self.general)
        data = self._command_data(name, options or {}, dm)
        if resolved:
            data["resolved"] = resolved
        inter = self._base_interaction(2, data, user, channel_id, dm)
        await self._dispatch("INTERACTION_CREATE", inter.payload, None if dm else self.guild_id)
        return inter

    async def dispatch_autocomplete(self, name: str, options: dict[str, Any], focused: str, *,
                                    user: FakeUser | None = None, channel: int | None = None,
                                    dm: bool = False) -> FakeInteraction:
        user = user or self.alice
        channel_id = self.dm_channel_id(user) if dm else (channel or self.general)
        data = self._command_data(name, options, dm, focused=focused)
        inter = self._base_interaction(4, data, user, channel_id, dm)
        await self._dispatch("INTERACTION_CREATE", inter.payload, None if dm else self.guild_id)
        return inter

    def buttons(self, message: dict[str, Any] | int) -> list[dict[str, Any]]:
        msg = self.messages[message] if isinstance(message, int) else message
        return [c for row in msg.get("components") or [] for c in row.get("components") or [] if c.get("type") == 2]

    async def click_button(self, message: dict[str, Any] | int, custom_id: str, *,
                           user: FakeUser | None = None) -> FakeInteraction:
        user = user or self.alice
        msg_id = message if isinstance(message, int) else int(message["id"])
        msg = self.messages[msg_id]
        button = next((b for b in self.buttons(msg) if b.get("custom_id") == custom_id), None)
        if button is None:  # "ask:more" names the button whose custom_id is ask:more:<state>
            button = next((b for b in self.buttons(msg) if str(b.get("custom_id")).startswith(custom_id + ":")), None)
        if button is None:
            raise AssertionError(f"no button {custom_id!r} on message {msg_id}: {self.buttons(msg)}")
        if button.get("disabled"):
            raise AssertionError(f"button {custom_id!r} is disabled; a user cannot click it")
        channel_id = int(msg["channel_id"])
        dm = self._is_dm(channel_id)
        custom_id = button["custom_id"]
        inter = self._base_interaction(3, {"custom_id": custom_id, "component_type": 2}, user, channel_id, dm)
        inter.payload["message"] = msg
        inter.message_id = msg_id
        await self._dispatch("INTERACTION_CREATE", inter.payload, None if dm else self.guild_id)
        return inter

    # --- REST ---------------------------------------------------------------------------------

    async def _unknown(self, request: web.Request) -> web.Response:
        self.violate(f"request outside /api/v10: {request.method} {request.path}")
        return _json({"message": "404: Not Found", "code": 0}, 404)

    async def _body(self, request: web.Request) -> Any:
        if request.content_type.startswith("multipart/"):
            body: dict[str, Any] = {"files": []}
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body.update(json.loads(await part.text()))  # type: ignore[union-attr]
                else:
                    data = await part.read()  # type: ignore[union-attr]
                    body["files"].append({"name": part.filename, "size": len(data)})  # type: ignore[union-attr]
            return body
        raw = await request.read()
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body = await self._body(request)
        rec = Recorded(request.method, path, dict(request.query), body)
        self.requests.append(rec)
        auth = request.headers.get("Authorization", "")
        needs_auth = not path.startswith(("/webhooks/", "/interactions/"))
        if needs_auth and auth != f"Bot {self.expected_token}":
            rec.status = 401
            self._changed()
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        try:
            status, payload = await self._route(request.method, path, request.query, body)
        except _HTTPError as exc:
            status, payload = exc.status, {"message": exc.message, "code": exc.code}
        rec.status = status
        self._changed()
        if status == 204:
            return web.Response(status=204)
        return _json(payload, status)

    async def _route(self, method: str, path: str, query: Any, body: Any) -> tuple[int, Any]:
        app = str(self.app_id)
        for pattern, handler in self._routes():
            m = re.fullmatch(pattern, f"{method} {path}")
            if m:
                return await handler(body=body, query=query, app=app, **m.groupdict())
        self.violate(f"unknown route {method} {path}")
        return 404, {"message": "404: Not Found", "code": 0}

    def _routes(self) -> list[tuple[str, Callable[..., Any]]]:
        return [
            (r"GET /users/@me", self._r_me),
            (r"GET /oauth2/applications/@me", self._r_app),
            (r"GET /applications/@me", self._r_app),
            (r"GET /gateway(/bot)?", self._r_gateway),
            (r"(?P<verb>PUT|GET) /applications/(?P<aid>\d+)/commands", self._r_commands),
            (r"(?P<verb>PUT|GET) /applications/(?P<aid>\d+)/guilds/(?P<gid>\d+)/commands", self._r_commands),
            (r"POST /channels/(?P<cid>\d+)/messages", self._r_create_message),
            (r"POST /channels/(?P<cid>\d+)/messages/(?P<mid>\d+)/threads", self._r_start_thread),
            (r"(?P<verb>GET|PATCH) /channels/(?P<cid>\d+)", self._r_channel),
            (r"(?P<verb>PATCH|GET|DELETE) /channels/(?P<cid>\d+)/messages/(?P<mid>\d+)", self._r_message),
            (r"POST /channels/(?P<cid>\d+)/typing", self._r_no_content),
            (r"(PUT|DELETE) /channels/(?P<cid>\d+)/messages/(?P<mid>\d+)/reactions/.*", self._r_no_content),
            (r"POST /users/@me/channels", self._r_open_dm),
            (r"POST /interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback", self._r_callback),
            (r"POST /webhooks/(?P<aid>\d+)/(?P<token>[^/]+)", self._r_followup),
            (r"(?P<verb>PATCH|GET|DELETE) /webhooks/(?P<aid>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)",
             self._r_webhook_message),
        ]

    async def _r_me(self, **_: Any) -> tuple[int, Any]:
        return 200, {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "flags": 0}

    async def _r_app(self, **_: Any) -> tuple[int, Any]:
        return 200, {
            "id": str(self.app_id), "name": "sovbot", "icon": None, "description": "", "bot_public": True,
            "bot_require_code_grant": False, "owner": self.mod.payload(), "verify_key": "0" * 64,
            "flags": 0, "team": None, "summary": "", "rpc_origins": [], "bot": self.bot_user.payload(),
        }

    async def _r_gateway(self, **_: Any) -> tuple[int, Any]:
        if self.minimal_gateway_reply:  # an API that announces only where its gateway is
            return 200, {"url": self.gateway_url}
        return 200, {"url": self.gateway_url, "shards": 1,
                     "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0,
                                             "max_concurrency": 1}}

    async def _r_commands(self, body: Any, verb: str, aid: str, app: str, gid: str | None = None,
                          **_: Any) -> tuple[int, Any]:
        if aid != app:
            raise _HTTPError(403, "wrong application", 50001)
        scope = int(gid) if gid else None
        if verb == "GET":
            return 200, self.commands.get(scope, [])
        for p in limits.check_commands(body or []):
            self.violate(f"command sync: {p}")
        stored = []
        for cmd in body or []:
            stored.append({
                **cmd, "id": str(self.snowflake()), "application_id": app, "version": str(self.snowflake()),
                "type": cmd.get("type", 1), "options": cmd.get("options", []),
                "default_member_permissions": cmd.get("default_member_permissions"),
                "nsfw": cmd.get("nsfw", False), **({"guild_id": gid} if gid else {}),
            })
        self.commands[scope] = stored
        return 200, stored

    def _store_bot_message(self, channel_id: int, body: dict[str, Any], *, flags: int = 0,
                           interaction: FakeInteraction | None = None) -> dict[str, Any]:
        mid = self.snowflake()
        msg: dict[str, Any] = {
            "id": str(mid), "channel_id": str(channel_id), "author": self.bot_user.payload(),
            "content": body.get("content") or "", "timestamp": _now_iso(), "edited_timestamp": None,
            "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": [], "embeds": body.get("embeds") or [], "pinned": False,
            "type": 0, "flags": flags | int(body.get("flags") or 0),
            "components": body.get("components") or [], "allowed_mentions": body.get("allowed_mentions"),
        }
        if not self._is_dm(channel_id):
            msg["guild_id"] = str(self.guild_id)
        if body.get("message_reference"):
            msg["message_reference"] = {
                k: str(v) if k.endswith("_id") else v for k, v in body["message_reference"].items()
            }
            msg["type"] = 19
        replied_to = None
        if msg.get("message_reference"):
            original = self.messages.get(int(msg["message_reference"].get("message_id") or 0))
            replied_to = original["author"]["id"] if original else None
        msg["pinged"] = limits.pinged(msg["content"], body.get("allowed_mentions"), replied_to)
        if interaction is not None:
            msg["type"] = 20 if interaction.type == 2 else 0
            msg["webhook_id"] = str(self.app_id)
            msg["application_id"] = str(self.app_id)
            msg["interaction_metadata"] = {"id": str(interaction.id), "type": interaction.type,
                                           "user": interaction.user.payload(),
                                           "authorizing_integration_owners": {}}
        self.messages[mid] = msg
        return msg

    def _check_send(self, body: Any, what: str) -> None:
        if not isinstance(body, dict):
            self.violate(f"{what}: body is not a JSON object")
            return
        for p in limits.check_message(body, send=True):
            self.violate(f"{what}: {p}")

    async def _r_create_message(self, body: Any, cid: str, **_: Any) -> tuple[int, Any]:
        channel_id = int(cid)
        if channel_id not in self.channels and not self._is_dm(channel_id):
            raise _HTTPError(404, "Unknown Channel", 10003)
        self._check_send(body, f"POST /channels/{cid}/messages")
        self._check_thread_send(channel_id)
        body = self._without_forbidden_embeds(channel_id, body or {}, f"POST /channels/{cid}/messages")
        ref = (body or {}).get("message_reference")
        if ref and ref.get("fail_if_not_exists", True) and int(ref["message_id"]) not in self.messages:
            raise _HTTPError(400, "Unknown message", 10008)
        msg = self._store_bot_message(channel_id, body or {})
        # Discord echoes the bot's own messages back through the gateway.
        await self._dispatch("MESSAGE_CREATE", msg, None if self._is_dm(channel_id) else self.guild_id,
                             required=False)
        return 200, msg

    def _check_thread_send(self, channel_id: int) -> None:
        """Sending in a thread needs Send Messages in Threads; an archived or locked thread takes nothing."""
        channel = self.channels.get(channel_id)
        if channel is None or channel["type"] not in THREAD_TYPES:
            return
        if not self.bot_permissions(channel_id) & SEND_MESSAGES_IN_THREADS:
            raise _HTTPError(403, "Missing Permissions", 50013)
        meta = channel["thread_metadata"]
        if meta["archived"] or meta["locked"]:
            self.violate(f"message sent in {'locked' if meta['locked'] else 'archived'} thread {channel_id}")
            raise _HTTPError(400, "Thread is archived", 50083)
        channel["message_count"] += 1
        channel["total_message_sent"] += 1

    async def _r_start_thread(self, body: Any, cid: str, mid: str, **_: Any) -> tuple[int, Any]:
        """POST /channels/{cid}/messages/{mid}/threads: a public thread from a message, with its id."""
        channel_id, message_id = int(cid), int(mid)
        channel = self.channels.get(channel_id)
        if channel is None:
            raise _HTTPError(404, "Unknown Channel", 10003)
        msg = self.messages.get(message_id)
        if msg is None or msg["channel_id"] != cid:
            raise _HTTPError(404, "Unknown Message", 10008)
        body = body or {}
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= THREAD_NAME:
            self.violate(f"thread name of {len(name) if isinstance(name, str) else name!r} chars (1-{THREAD_NAME})")
            raise _HTTPError(400, "Invalid Form Body", 50035)
        duration = body.get("auto_archive_duration", 1440)
        if duration not in ARCHIVE_DURATIONS:
            self.violate(f"auto_archive_duration {duration!r} is not one of {ARCHIVE_DURATIONS}")
            raise _HTTPError(400, "Invalid Form Body", 50035)
        if channel["type"] not in (0, 5):
            raise _HTTPError(400, "Cannot execute action on this channel type", 50024)
        if not self.bot_permissions(channel_id) & CREATE_PUBLIC_THREADS:
            raise _HTTPError(403, "Missing Permissions", 50013)
        if message_id in self.channels:
            raise _HTTPError(400, "A thread has already been created for this message", 160004)
        thread = self._thread_payload(message_id, channel_id, self.bot_user.id, name, duration)
        self.channels[message_id] = thread
        msg["thread"] = thread
        await self._dispatch("THREAD_CREATE", {**thread, "newly_created": True}, self.guild_id, required=False)
        return 201, thread

    async def _r_channel(self, body: Any, verb: str, cid: str, **_: Any) -> tuple[int, Any]:
        channel_id = int(cid)
        if channel_id not in self.channels:
            if verb == "GET" and self._is_dm(channel_id):
                return 200, self._channel_payload(channel_id)
            raise _HTTPError(404, "Unknown Channel", 10003)
        channel = self.channels[channel_id]
        if verb == "GET":
            return 200, channel
        body = body or {}
        if channel["type"] not in THREAD_TYPES:
            self.violate(f"PATCH /channels/{cid}: the bot edits only threads")
            raise _HTTPError(403, "Missing Permissions", 50013)
        if channel["owner_id"] != str(self.bot_user.id) and not self.bot_permissions(channel_id) & MANAGE_THREADS:
            raise _HTTPError(403, "Missing Permissions", 50013)
        if "applied_tags" in body:
            tags = [str(t) for t in body["applied_tags"] or []]
            forum = self.channels.get(int(channel["parent_id"])) or {}
            known = {t["id"] for t in forum.get("available_tags") or []}
            if len(tags) > APPLIED_TAGS or not set(tags) <= known:
                self.violate(f"PATCH /channels/{cid}: applied_tags {tags} (at most {APPLIED_TAGS} of {known})")
                raise _HTTPError(400, "Invalid Form Body", 50035)
            channel["applied_tags"] = tags
        for key in ("archived", "locked"):
            if key in body:
                channel["thread_metadata"][key] = bool(body[key])
        if "name" in body:
            channel["name"] = body["name"]
        await self._dispatch("THREAD_UPDATE", channel, self.guild_id, required=False)
        return 200, channel

    def _edit(self, msg: dict[str, Any], body: dict[str, Any], what: str) -> dict[str, Any]:
        for p in limits.check_message(body, send=False):
            self.violate(f"{what}: {p}")
        for key in ("content", "embeds", "components", "flags"):
            if key in body and body[key] is not None:
                msg[key] = body[key]
        if "flags" in body:
            msg["flags"] = int(body.get("flags") or 0) | (msg["flags"] & limits.EPHEMERAL)
        msg["edited_timestamp"] = _now_iso()
        return msg

    async def _r_message(self, body: Any, verb: str, cid: str, mid: str, **_: Any) -> tuple[int, Any]:
        msg = self.messages.get(int(mid))
        if msg is None or int(mid) in self.deleted or msg["channel_id"] != cid:
            raise _HTTPError(404, "Unknown Message", 10008)
        if verb == "GET":
            return 200, msg
        if msg["author"]["id"] != str(self.bot_user.id):
            raise _HTTPError(403, "Cannot edit a message authored by another user", 50005)
        if verb == "DELETE":
            self.deleted.add(int(mid))
            return 204, None
        body = self._without_forbidden_embeds(int(cid), body or {}, f"PATCH message {mid}")
        return 200, self._edit(msg, body, f"PATCH message {mid}")

    async def _r_no_content(self, **_: Any) -> tuple[int, Any]:
        return 204, None

    async def _r_open_dm(self, body: Any, **_: Any) -> tuple[int, Any]:
        user = self.users.get(int((body or {}).get("recipient_id", 0)))
        if user is None:
            raise _HTTPError(400, "Unknown User", 10013)
        return 200, self._dm_channel_payload(user)

    async def _r_callback(self, body: Any, query: Any, iid: str, token: str, **_: Any) -> tuple[int, Any]:
        inter = self.interactions.get(int(iid))
        if inter is None or inter.token != token:
            raise _HTTPError(404, "Unknown interaction", 10062)
        if inter.acknowledged:
            self.violate(f"interaction {iid} acknowledged twice")
            raise _HTTPError(400, "Interaction has already been acknowledged.", 40060)
        elapsed = time.monotonic() - inter.dispatched_at
        if elapsed > limits.ACK_SECONDS:
            self.violate(f"interaction {iid} acknowledged after {elapsed:.2f}s (limit {limits.ACK_SECONDS}s)")
            raise _HTTPError(404, "Unknown interaction", 10062)
        kind = int((body or {}).get("type", 0))
        data = (body or {}).get("data") or {}
        inter.ack_type, inter.acked_at = kind, time.monotonic()
        allowed = {2: {4, 5}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}.get(inter.type, set())
        if kind not in allowed:
            self.violate(f"interaction {iid} of type {inter.type} answered with callback type {kind}")
        resource: dict[str, Any] | None = None
        if kind == 4:
            self._check_send(data, f"interaction {iid} response")
            msg = self._store_bot_message(inter.channel_id, data, interaction=inter)
            inter.original_id = int(msg["id"])
            resource = {"type": 4, "message": msg}
        elif kind == 5:
            msg = self._store_bot_message(inter.channel_id, {"content": ""},
                                          flags=LOADING | int(data.get("flags") or 0), interaction=inter)
            inter.original_id = int(msg["id"])
            resource = {"type": 5, "message": msg}
        elif kind == 7:
            if inter.message_id is None:
                self.violate(f"interaction {iid}: UPDATE_MESSAGE without a message")
            else:
                msg = self._edit(self.messages[inter.message_id], data, f"interaction {iid} update")
                resource = {"type": 7, "message": msg}
        elif kind == 8:
            choices = data.get("choices") or []
            for p in limits.check_choices(choices):
                self.violate(f"autocomplete {iid}: {p}")
            inter.choices = choices
        elif kind == 9:
            if not data.get("custom_id") or not data.get("title") or len(data.get("title", "")) > 45:
                self.violate(f"interaction {iid}: modal needs a custom_id and a title of 1-45 chars")
        self._changed()
        original = self.messages.get(inter.original_id or 0)
        result: dict[str, Any] = {"interaction": {
            "id": iid, "type": inter.type,
            "response_message_id": str(inter.original_id) if inter.original_id else None,
            "response_message_loading": bool(original and original["flags"] & LOADING),
            "response_message_ephemeral": bool(original and original["flags"] & limits.EPHEMERAL),
        }}
        if resource is not None:
            result["resource"] = resource
        if query.get("with_response") in ("1", "true", "True"):
            return 200, result
        return 204, None

    def _token_interaction(self, aid: str, token: str, app: str) -> FakeInteraction:
        inter = self._by_token.get(token)
        if aid != app or inter is None:
            raise _HTTPError(404, "Unknown Webhook", 10015)
        if not inter.acknowledged:
            self.violate(f"webhook call for interaction {inter.id} before it was acknowledged")
            raise _HTTPError(404, "Unknown Webhook", 10015)
        return inter

    async def _r_followup(self, body: Any, aid: str, token: str, app: str, **_: Any) -> tuple[int, Any]:
        inter = self._token_interaction(aid, token, app)
        body = body or {}
        original = self.messages.get(inter.original_id or 0)
        if original is not None and original["flags"] & LOADING:
            # The first follow-up after a deferral fills in the "thinking…" message.
            for p in limits.check_message(body, send=True):
                self.violate(f"follow-up for {inter.id}: {p}")
            msg = self._edit(original, body, f"follow-up for {inter.id}")
            msg["flags"] &= ~LOADING
            inter.followup_ids.append(int(msg["id"]))
            return 200, msg
        self._check_send(body, f"follow-up for {inter.id}")
        msg = self._store_bot_message(inter.channel_id, body, interaction=inter)
        inter.followup_ids.append(int(msg["id"]))
        return 200, msg

    async def _r_webhook_message(self, body: Any, verb: str, aid: str, token: str, mid: str, app: str,
                                 **_: Any) -> tuple[int, Any]:
        inter = self._token_interaction(aid, token, app)
        if mid == "@original":
            if inter.original_id is None and inter.ack_type in (6, 7) and inter.message_id is not None:
                message_id = inter.message_id  # the component's message is the "original" of an update
            else:
                message_id = inter.original_id or 0
        else:
            message_id = int(mid)
        msg = self.messages.get(message_id)
        if msg is None or message_id in self.deleted:
            raise _HTTPError(404, "Unknown Message", 10008)
        if verb == "GET":
            return 200, msg
        if verb == "DELETE":
            self.deleted.add(message_id)
            return 204, None
        msg = self._edit(msg, body or {}, f"edit of interaction {inter.id} message")
        msg["flags"] &= ~LOADING
        return 200, msg


class _HTTPError(Exception):
    def __init__(self, status: int, message: str, code: int) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


def _json(payload: Any, status: int = 200) -> web.Response:
    # discord.py only parses JSON when Content-Type is exactly "application/json".
    return web.Response(status=status, body=json.dumps(payload).encode(),
                        headers={"Content-Type": "application/json"})
