"""The discord.py shell: a small `Bot` subclass whose `setup_hook` opens the knowledge base off the
event loop, loads one extension per feature from `bot.discord_shell.exts` and syncs the slash commands.

`run_from_cli` is what `python -m bot run` calls; tests build the very same bot with `create_bot`
and `await bot.start(token)` against a fake Discord on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.corpus.history import HistoryWriter
from bot.discord_shell.config import DEFAULT_API_BASE_URL, Config, ConfigError, load_config
from bot.discord_shell.exts import extension_names
from bot.discord_shell.outside import describe_error, setup_logging
from bot.discord_shell.views import send_ephemeral

if TYPE_CHECKING:
    from bot.corpus.knowledge import Knowledge

__all__ = ["Bot", "ShardedBot", "apply_api_base", "create_bot", "run_from_cli"]

log = logging.getLogger(__name__)

_REAL_GATEWAY = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY


def apply_api_base(url: str) -> None:
    """Point discord.py's REST client at `url` (e.g. a fake Discord in tests).

    discord.py builds every REST URL, webhooks and interaction callbacks included, from
    `discord.http.Route.BASE`; it is a class attribute, so this is process-wide.
    """
    discord.http.Route.BASE = url.rstrip("/")
    if url.rstrip("/") == DEFAULT_API_BASE_URL:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = _REAL_GATEWAY


class CommandTree(app_commands.CommandTree):
    """Turns any error in a slash command into an ephemeral apology; the traceback goes to the log."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        if isinstance(error, app_commands.CheckFailure):
            message = str(error) or "You can't use this command here."
            await send_ephemeral(interaction, message)
            return
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error("error in /%s (interaction %s)", command, interaction.id, exc_info=error)
        await send_ephemeral(
            interaction, "Sorry, something went wrong while answering. The error was logged; please try again."
        )


class _BotMixin:
    """Shared by the plain and the auto-sharded bot."""

    config: Config
    knowledge: Knowledge
    #: The question history; its own worker thread does every write and read (bot.corpus.history).
    history: HistoryWriter

    def _init_common(self, config: Config, knowledge: Knowledge | None) -> dict[str, Any]:
        self.config = config
        self.history = HistoryWriter(
            config.history_path, keep_days=config.history_days, feedback=config.feedback_path,
            record_questions=config.history,
        )
        if knowledge is not None:
            self.knowledge = knowledge
        intents = discord.Intents.default()
        # Privileged; only needed to read questions in answer channels that do not mention the bot.
        intents.message_content = config.wants_message_content
        intents.presences = False
        intents.members = False
        return {
            "command_prefix": commands.when_mentioned,  # no prefix commands; slash commands only
            "help_command": None,
            "intents": intents,
            "allowed_mentions": discord.AllowedMentions.none(),  # no answer can ever ping anyone
            "tree_cls": CommandTree,
            "max_messages": 1000,
        }

    async def login(self, token: str) -> None:
        apply_api_base(self.config.api_base_url)
        await super().login(token)  # type: ignore[misc]

    async def setup_hook(self) -> None:
        bot: commands.Bot = self  # type: ignore[assignment]
        if self.config.api_base_url != DEFAULT_API_BASE_URL:
            # A non-Discord API (a fake in tests): ask it where its gateway is. discord.py connects
            # unsharded bots to DEFAULT_GATEWAY, so that is what we point at it.
            url = await self._gateway_url()
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
            log.info("using API %s and gateway %s", self.config.api_base_url, url)
        if not hasattr(self, "knowledge"):
            from bot.corpus.knowledge import Knowledge

            self.knowledge = await Knowledge.open(self.config.corpus_dir)
        await asyncio.to_thread(self.config.data_dir.mkdir, parents=True, exist_ok=True)
        self.history.start()
        self.history.open_soon()  # creates or upgrades the file, imports feedback.jsonl, prunes
        for name in extension_names():
            await bot.load_extension(name)
            log.info("loaded extension %s", name)
        await self.sync_commands()

    async def _gateway_url(self) -> str:
        """The gateway URL announced by the API: GET /gateway/bot, falling back to GET /gateway."""
        bot: commands.Bot = self  # type: ignore[assignment]
        # Only "url" is read: a minimal API need not send "shards" or "session_start_limit".
        for path in ("/gateway/bot", "/gateway"):
            try:
                data = await bot.http.request(discord.http.Route("GET", path))
                return str(data["url"])
            except (discord.HTTPException, KeyError, TypeError) as exc:
                log.debug("no gateway URL from %s (%s)", path, exc)
        raise discord.GatewayNotFound()

    async def sync_commands(self) -> None:
        """Sync to the configured guilds (instant) or globally (may take a while to show up)."""
        bot: commands.Bot = self  # type: ignore[assignment]
        try:
            if self.config.guild_ids:
                for guild_id in self.config.guild_ids:
                    guild = discord.Object(id=guild_id)
                    bot.tree.copy_global_to(guild=guild)
                    synced = await bot.tree.sync(guild=guild)
                    log.info("synced %d commands to guild %s", len(synced), guild_id)
            else:
                synced = await bot.tree.sync()
                log.info("synced %d global commands", len(synced))
        except Exception:  # a sync failure must not stop mentions and DMs from working
            log.exception("could not sync slash commands; the bot keeps running with the old ones")

    async def close(self) -> None:
        await super().close()  # type: ignore[misc]
        await asyncio.to_thread(self.history.close)  # the queued history writes go in first

    async def on_ready(self) -> None:
        bot: commands.Bot = self  # type: ignore[assignment]
        log.info("ready as %s (id %s) in %d guild(s)", bot.user, bot.user and bot.user.id, len(bot.guilds))

    async def on_message(self, message: discord.Message) -> None:
        """Disable prefix-command processing: questions are handled by the ask extension."""


class Bot(_BotMixin, commands.Bot):
    def __init__(self, config: Config, *, knowledge: Knowledge | None = None, **options: Any) -> None:
        super().__init__(**{**self._init_common(config, knowledge), **options})


class ShardedBot(_BotMixin, commands.AutoShardedBot):
    def __init__(self, config: Config, *, knowledge: Knowledge | None = None, **options: Any) -> None:
        kwargs = self._init_common(config, knowledge)
        if config.shard_count is not None:
            kwargs["shard_count"] = config.shard_count
        if config.shard_ids is not None:
            kwargs["shard_ids"] = list(config.shard_ids)
        super().__init__(**{**kwargs, **options})


def create_bot(config: Config, *, knowledge: Knowledge | None = None, **options: Any) -> Bot | ShardedBot:
    """The bot for `config`: auto-sharded when shard_count / shard_ids are set."""
    cls = ShardedBot if config.sharded else Bot
    return cls(config, knowledge=knowledge, **options)


async def _run(config: Config, token: str) -> None:
    bot = create_bot(config)
    loop = asyncio.get_running_loop()
    stopping = False

    def stop() -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            log.info("shutting down")
            loop.create_task(bot.close())

    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - Windows
            pass
    async with bot:
        await bot.start(token)


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def run_from_cli(config_path: str | None, corpus: str | None) -> int:
    """`python -m bot run`: returns the exit code; problems are one line on stderr, no traceback."""
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        return _error(str(exc))
    if corpus:
        config = config.with_overrides(corpus_dir=Path(corpus).expanduser().resolve())
    token = os.environ.get(config.token_env, "").strip()
    if not token:
        return _error(
            f"no Discord bot token: set the {config.token_env} environment variable "
            "(the config key token_env names the variable)"
        )
    if not config.corpus_dir.is_dir():
        return _error(f"config key 'corpus_dir': {config.corpus_dir} is not a directory")
    try:
        config.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _error(f"config key 'data_dir': cannot create {config.data_dir} ({exc.strerror or exc})")
    setup_logging(logging.getLevelName(config.log_level), token)

    from bot.corpus.articles import CorpusError

    try:
        asyncio.run(_run(config, token))
    except KeyboardInterrupt:
        return 0
    except discord.LoginFailure:
        return _error(f"Discord rejected the token in {config.token_env}; check it in the Developer Portal")
    except discord.PrivilegedIntentsRequired:
        return _error(
            "the message-content intent is not enabled for this bot; enable it in the Developer Portal "
            "or remove answer_channel_ids and forum_channel_ids / set message_content_intent: false"
        )
    except CorpusError as exc:
        return _error(f"cannot load the corpus: {exc}")
    except (OSError, aiohttp.ClientError, discord.GatewayNotFound, discord.HTTPException) as exc:
        return _error(f"cannot connect to Discord at {config.api_base_url}: {describe_error(exc, token)}")
    except discord.ConnectionClosed as exc:
        reason = describe_error(Exception(exc.reason), token) if exc.reason else "no reason given"
        return _error(f"Discord closed the gateway connection (code {exc.code}): {reason}")
    except Exception as exc:  # anything else: the traceback goes to the log, the user gets one line
        logging.getLogger(__name__).exception("the bot stopped on an unexpected error")
        return _error(f"the bot stopped on an unexpected error ({type(exc).__name__}); see the log")
    return 0
