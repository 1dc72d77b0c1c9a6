"""Config loading and validation: every bad key is named."""

from __future__ import annotations

import pytest

from bot.discord_shell.config import (
    DEFAULT_API_BASE_URL,
    DEFAULT_CORPUS_DIR,
    Config,
    ConfigError,
    config_from_mapping,
    load_config,
)
from tests.paths import ROOT

REPO = ROOT


def test_defaults_without_a_file():
    config = load_config(None, environ={})
    assert config == Config(data_dir=config.data_dir)
    assert config.token_env == "DISCORD_TOKEN"
    assert config.api_base_url == DEFAULT_API_BASE_URL
    assert config.corpus_dir == DEFAULT_CORPUS_DIR and (DEFAULT_CORPUS_DIR / "articles").is_dir()
    assert not config.sharded and not config.wants_message_content


def test_example_config_loads_as_shipped():
    config = load_config(REPO / "config.example.yaml", environ={})
    assert config.guild_ids == () and config.api_base_url == DEFAULT_API_BASE_URL
    assert config.corpus_dir == DEFAULT_CORPUS_DIR


def test_example_config_documents_every_key():
    text = (REPO / "config.example.yaml").read_text(encoding="utf-8")
    for name in Config.__dataclass_fields__:
        assert f"{name}:" in text, name


def test_values_are_parsed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = config_from_mapping(
        {
            "guild_ids": [123, "456"],
            "answer_channel_ids": [789],
            "top_k": 5,
            "cooldown_seconds": 2.5,
            "corpus_dir": "mycorpus",
            "data_dir": "state",
            "log_level": "debug",
            "shard_count": 4,
            "shard_ids": [2, 3],
        },
        environ={},
    )
    assert config.guild_ids == (123, 456)
    assert config.corpus_dir == tmp_path / "mycorpus" and config.data_dir == tmp_path / "state"
    assert config.feedback_path == tmp_path / "state" / "feedback.jsonl"
    assert config.log_level == "DEBUG" and config.cooldown_seconds == 2.5
    assert config.sharded and config.shard_ids == (2, 3)
    assert config.wants_message_content


def test_history_keys(tmp_path):
    config = config_from_mapping({"data_dir": str(tmp_path), "history": False, "history_days": 30}, environ={})
    assert (config.history, config.history_days) == (False, 30)
    assert config.history_path == tmp_path / "history.sqlite3"
    assert Config().history and Config().history_days == 90


def test_environment_overrides_api_base_url():
    config = config_from_mapping(
        {"api_base_url": "https://example.org/api/v10"}, environ={"DISCORD_API_BASE_URL": "http://127.0.0.1:9/api/v10/"}
    )
    assert config.api_base_url == "http://127.0.0.1:9/api/v10"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"tokn_env": "X"}, "tokn_env"),
        ({"token_env": "abc.def-ghi"}, "token_env"),
        ({"top_k": "3"}, "top_k"),
        ({"top_k": True}, "top_k"),
        ({"top_k": 0}, "top_k"),
        ({"top_k": 11}, "top_k"),
        ({"guild_ids": 123}, "guild_ids"),
        ({"guild_ids": [-1]}, "guild_ids"),
        ({"admin_role_ids": ["abc"]}, "admin_role_ids"),
        ({"cooldown_seconds": -1}, "cooldown_seconds"),
        ({"log_level": "LOUD"}, "log_level"),
        ({"api_base_url": "discord.com"}, "api_base_url"),
        ({"shard_ids": [0]}, "shard_ids"),
        ({"shard_count": 2, "shard_ids": [2]}, "shard_ids"),
        ({"message_content_intent": "yes"}, "message_content_intent"),
        ({"view_timeout_seconds": 3600}, "view_timeout_seconds"),
        ({"top_k": 5, "more_sources_limit": 4}, "more_sources_limit"),
        ({"history": "no"}, "history"),
        ({"history_days": 0}, "history_days"),
        ({"history_days": 1.5}, "history_days"),
    ],
)
def test_bad_values_name_the_key(data, key):
    with pytest.raises(ConfigError, match=key):
        config_from_mapping(data, environ={})


def test_bad_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("top_k: [1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(listy)
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing\n", encoding="utf-8")
    assert load_config(empty, environ={}).top_k == 3


def test_every_unknown_key_is_reported_with_did_you_mean(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("topk: 3\ncooldown_second: 5\nfavourite_colour: blue\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    message = str(info.value)
    assert "'topk' (did you mean 'top_k'?)" in message
    assert "'cooldown_second' (did you mean 'cooldown_seconds'?)" in message
    assert "'favourite_colour'" in message and "'favourite_colour' (did you mean" not in message
    assert message.startswith("unknown config keys ")
