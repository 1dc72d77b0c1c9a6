"""The bot's configuration: one YAML file, validated into a frozen dataclass at start.

Every key is optional; an empty or missing file gives a bot that works with only the token
environment variable set. A wrong key, type or value fails at once with a `ConfigError` that names
the key, so a typo never turns into a silently ignored setting.

The token itself is never part of the configuration (only the *name* of the environment variable
holding it), so a Config can be logged or shown without leaking it.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bot.corpus.articles import DEFAULT_CORPUS_DIR
from bot.engine.yaml_files import YamlFileError, load_yaml_file

__all__ = [
    "API_BASE_ENV",
    "DEFAULT_API_BASE_URL",
    "DEFAULT_CORPUS_DIR",
    "Config",
    "ConfigError",
    "load_config",
]

#: Discord's real REST base; `api_base_url` / `DISCORD_API_BASE_URL` point the bot elsewhere (tests).
DEFAULT_API_BASE_URL = "https://discord.com/api/v10"
#: Environment variable that overrides `api_base_url` from the file.
API_BASE_ENV = "DISCORD_API_BASE_URL"

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
#: Where answers go: `never` in a thread, in threads for questions in `answer_channels`, or `always`.
REPLY_IN_THREAD = ("never", "answer_channels", "always")
MAX_EMBEDS_PER_MESSAGE = 10  # Discord's limit; one embed per quote, so top_k can be at most this


class ConfigError(ValueError):
    """The configuration file is missing, unreadable or has a bad key; the message names the key."""


@dataclass(frozen=True)
class Config:
    """Validated settings. See `config.example.yaml` for what each key means."""

    token_env: str = "DISCORD_TOKEN"
    api_base_url: str = DEFAULT_API_BASE_URL
    guild_ids: tuple[int, ...] = ()
    answer_channel_ids: tuple[int, ...] = ()
    reply_in_thread: str = "answer_channels"
    forum_channel_ids: tuple[int, ...] = ()
    forum_unanswered_tag: str | None = "needs-human"
    message_content_intent: bool | None = None  # None: on when questions come without a mention
    top_k: int = 3
    more_sources_limit: int = 15
    cooldown_questions: int = 20
    cooldown_seconds: float = 60.0
    view_timeout_seconds: float = 600.0
    corpus_dir: Path = DEFAULT_CORPUS_DIR
    data_dir: Path = field(default_factory=lambda: Path.cwd() / "data")
    admin_role_ids: tuple[int, ...] = ()
    admin_user_ids: tuple[int, ...] = ()
    # the question history (<data_dir>/history.sqlite3): on or off, and how many days it keeps
    history: bool = True
    history_days: int = 90
    # adding articles (/corpus add): limits, and how often shards look for each other's changes
    max_upload_bytes: int = 2 * 1024 * 1024
    max_download_bytes: int = 2 * 1024 * 1024
    fetch_timeout_seconds: float = 20.0
    allowed_content_types: tuple[str, ...] = (
        "text/html", "application/xhtml+xml", "text/plain", "text/markdown", "text/x-markdown",
    )
    corpus_watch_seconds: float = 3.0
    # links to loopback/private addresses (a feed's entries included): refused unless this is on
    allow_private_urls: bool = False
    log_level: str = "INFO"
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None

    @property
    def sharded(self) -> bool:
        return self.shard_count is not None or self.shard_ids is not None

    @property
    def wants_message_content(self) -> bool:
        """Whether to ask Discord for the privileged message-content intent."""
        if self.message_content_intent is None:
            # answer channels, help forums and the bot's own threads take questions without a mention
            return bool(self.answer_channel_ids or self.forum_channel_ids or self.reply_in_thread == "always")
        return self.message_content_intent

    @property
    def feedback_path(self) -> Path:
        """Where bots before the history database appended votes; imported once into the history."""
        return self.data_dir / "feedback.jsonl"

    @property
    def history_path(self) -> Path:
        return self.data_dir / "history.sqlite3"

    def with_overrides(self, **changes: Any) -> Config:
        return replace(self, **changes)


# --- validators: each takes (key, raw value) and returns the clean value or raises ConfigError ---


def _type_name(value: Any) -> str:
    return type(value).__name__


def _int(key: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"config key '{key}' must be an integer, not {_type_name(value)} ({value!r})")
    if minimum is not None and value < minimum:
        raise ConfigError(f"config key '{key}' must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"config key '{key}' must be at most {maximum}, got {value}")
    return value


def _number(key: str, value: Any, *, minimum: float = 0.0, maximum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"config key '{key}' must be a number, not {_type_name(value)} ({value!r})")
    if value < minimum:
        raise ConfigError(f"config key '{key}' must be at least {minimum:g}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"config key '{key}' must be at most {maximum:g}, got {value}")
    return float(value)


def _snowflake(key: str, value: Any) -> int:
    """A Discord id: a positive integer (quoted digits are accepted, YAML users often quote ids)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"config key '{key}' must contain Discord ids (positive integers), got {value!r}")
    return value


def _snowflakes(key: str, value: Any) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError(f"config key '{key}' must be a list of Discord ids, not {_type_name(value)}")
    ids = tuple(_snowflake(key, v) for v in value)
    if len(set(ids)) != len(ids):
        raise ConfigError(f"config key '{key}' lists the same id twice")
    return ids


def _str(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"config key '{key}' must be a non-empty string, got {value!r}")
    return value.strip()


def _token_env(key: str, value: Any) -> str:
    name = _str(key, value)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ConfigError(
            f"config key '{key}' must be the NAME of an environment variable (letters, digits, _), "
            "not the token itself"
        )
    return name


def _url(key: str, value: Any) -> str:
    url = _str(key, value).rstrip("/")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"config key '{key}' must be an http(s) URL such as {DEFAULT_API_BASE_URL}, got {value!r}")
    return url


def _path(key: str, value: Any) -> Path:
    # Relative paths are relative to the current working directory (documented in the example).
    return Path(_str(key, value)).expanduser().resolve()


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigError(f"config key '{key}' must be true or false, not {value!r}")


def _optional_bool(key: str, value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ConfigError(f"config key '{key}' must be true, false or null, not {value!r}")


def _reply_in_thread(key: str, value: Any) -> str:
    choice = _str(key, value).lower()
    if choice not in REPLY_IN_THREAD:
        raise ConfigError(f"config key '{key}' must be one of {', '.join(REPLY_IN_THREAD)}, got {value!r}")
    return choice


def _tag_name(key: str, value: Any) -> str | None:
    """A forum tag's name (Discord allows 20 characters); null = add no tag."""
    if value is None:
        return None
    name = _str(key, value)
    if len(name) > 20:
        raise ConfigError(f"config key '{key}' must be a forum tag name of at most 20 characters, got {value!r}")
    return name


def _log_level(key: str, value: Any) -> str:
    level = _str(key, value).upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"config key '{key}' must be one of {', '.join(LOG_LEVELS)}, got {value!r}")
    return level


def _optional(validator: Callable[[str, Any], Any]) -> Callable[[str, Any], Any]:
    def check(key: str, value: Any) -> Any:
        return None if value is None else validator(key, value)

    return check


def _shard_ids(key: str, value: Any) -> tuple[int, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise ConfigError(f"config key '{key}' must be a non-empty list of shard numbers (0, 1, ...)")
    ids = tuple(_int(key, v, minimum=0) for v in value)
    if len(set(ids)) != len(ids):
        raise ConfigError(f"config key '{key}' lists the same shard twice")
    return ids


def _content_types(key: str, value: Any) -> tuple[str, ...]:
    """Media types such as text/html (lower-cased, no parameters)."""
    if not isinstance(value, list) or not value:
        raise ConfigError(f"config key '{key}' must be a non-empty list of media types such as text/html")
    out = []
    for v in value:
        if not isinstance(v, str) or not re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", v.strip().lower()):
            raise ConfigError(f"config key '{key}' must list media types such as text/html, got {v!r}")
        out.append(v.strip().lower())
    return tuple(dict.fromkeys(out))


_VALIDATORS: dict[str, Callable[[str, Any], Any]] = {
    "token_env": _token_env,
    "api_base_url": _url,
    "guild_ids": _snowflakes,
    "answer_channel_ids": _snowflakes,
    "reply_in_thread": _reply_in_thread,
    "forum_channel_ids": _snowflakes,
    "forum_unanswered_tag": _tag_name,
    "message_content_intent": _optional_bool,
    "top_k": lambda k, v: _int(k, v, minimum=1, maximum=MAX_EMBEDS_PER_MESSAGE),
    "more_sources_limit": lambda k, v: _int(k, v, minimum=1, maximum=50),
    "cooldown_questions": lambda k, v: _int(k, v, minimum=1),
    "cooldown_seconds": lambda k, v: _number(k, v, minimum=0.0, maximum=86400.0),
    # Interaction tokens expire after 15 minutes, so buttons cannot outlive that.
    "view_timeout_seconds": lambda k, v: _number(k, v, minimum=1.0, maximum=900.0),
    "corpus_dir": _path,
    "data_dir": _path,
    "admin_role_ids": _snowflakes,
    "admin_user_ids": _snowflakes,
    "history": _bool,
    "history_days": lambda k, v: _int(k, v, minimum=1, maximum=3650),
    "max_upload_bytes": lambda k, v: _int(k, v, minimum=1, maximum=100 * 1024 * 1024),
    "max_download_bytes": lambda k, v: _int(k, v, minimum=1, maximum=100 * 1024 * 1024),
    "fetch_timeout_seconds": lambda k, v: _number(k, v, minimum=0.1, maximum=600.0),
    "allowed_content_types": _content_types,
    # 0 turns the watcher off (a single bot process never needs it)
    "corpus_watch_seconds": lambda k, v: _number(k, v, minimum=0.0, maximum=3600.0),
    "allow_private_urls": lambda k, v: bool(_optional_bool(k, v)),
    "log_level": _log_level,
    "shard_count": _optional(lambda k, v: _int(k, v, minimum=1)),
    "shard_ids": _shard_ids,
}

assert set(_VALIDATORS) == {f.name for f in fields(Config)}, "every Config field needs a validator"


def _unknown_keys(keys: list[Any]) -> str:
    """Every unknown key at once (an admin fixes them in one go), each with a "did you mean"."""
    parts = []
    for key in keys:
        close = difflib.get_close_matches(str(key).lower().replace("-", "_"), list(_VALIDATORS), n=1, cutoff=0.6)
        parts.append(f"'{key}' (did you mean '{close[0]}'?)" if close else f"'{key}'")
    noun = "key" if len(keys) == 1 else "keys"
    known = ", ".join(sorted(_VALIDATORS))
    return f"unknown config {noun} {', '.join(parts)} (known keys: {known})"


def config_from_mapping(data: Mapping[str, Any] | None, *, environ: Mapping[str, str] | None = None) -> Config:
    """Validate a parsed YAML mapping. `environ` (default os.environ) supplies DISCORD_API_BASE_URL."""
    environ = os.environ if environ is None else environ
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"the config file must be a mapping of keys to values, not {_type_name(data)}")
    unknown = [key for key in data if not isinstance(key, str) or key not in _VALIDATORS]
    if unknown:
        raise ConfigError(_unknown_keys(unknown))
    values: dict[str, Any] = {key: _VALIDATORS[key](key, raw) for key, raw in data.items()}
    override = environ.get(API_BASE_ENV, "").strip()
    if override:
        values["api_base_url"] = _url(API_BASE_ENV, override)
    config = Config(**values)
    _check_together(config)
    return config


def _check_together(config: Config) -> None:
    if config.more_sources_limit < config.top_k:
        raise ConfigError(
            f"config key 'more_sources_limit' ({config.more_sources_limit}) must be at least top_k ({config.top_k})"
        )
    if config.shard_ids is not None:
        if config.shard_count is None:
            raise ConfigError("config key 'shard_ids' needs 'shard_count' (the total number of shards)")
        bad = [s for s in config.shard_ids if s >= config.shard_count]
        if bad:
            raise ConfigError(
                f"config key 'shard_ids' has shard {bad[0]}, but shards are numbered 0..{config.shard_count - 1}"
            )


def load_config(path: str | Path | None = None, *, environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate a YAML config file; None means "all defaults"."""
    if path is None:
        return config_from_mapping({}, environ=environ)
    path = Path(path)
    try:
        data = load_yaml_file(path)
    except YamlFileError as exc:
        raise ConfigError(f"config file {exc}") from None
    config = config_from_mapping(data, environ=environ)
    logging.getLogger(__name__).debug("loaded config from %s", path)
    return config
