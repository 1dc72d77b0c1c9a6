"""The token cache is disposable: hits avoid work, anything wrong with it only costs a recompute."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from bot.corpus.token_cache import TokenCache

TOKENS = [["cloud", "sovereignty"], ["data", "act", "ünïcode"], []]


class Counter:
    def __init__(self, value: list[list[str]]) -> None:
        self.calls = 0
        self.value = value

    def __call__(self) -> list[list[str]]:
        self.calls += 1
        return self.value


def test_miss_then_hit(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "tok", signature="v1")
    compute = Counter(TOKENS)
    assert cache.get_or_compute("abc123", compute) == TOKENS
    assert cache.get_or_compute("abc123", compute) == TOKENS
    assert compute.calls == 1
    # A new instance (a restart) reads the same entry.
    assert TokenCache(tmp_path / "tok", signature="v1").get_or_compute("abc123", compute) == TOKENS
    assert compute.calls == 1
    assert not list((tmp_path / "tok").glob(".tmp-*"))


def test_corrupt_entry_is_logged_and_recomputed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache = TokenCache(tmp_path, signature="v1")
    compute = Counter(TOKENS)
    cache.get_or_compute("k", compute)
    bad_tokens = b'{"key": "k", "signature": "v1", "tokens": [1]}'
    for garbage in (b"{not json", b'{"key": "k"}', bad_tokens, b"\xff\xfe"):
        cache.path_for("k").write_bytes(garbage)
        with caplog.at_level(logging.WARNING, logger="bot.corpus.token_cache"):
            assert cache.get_or_compute("k", compute) == TOKENS
        assert "corrupt" in caplog.text
        caplog.clear()
    assert compute.calls == 5
    assert cache.get_or_compute("k", compute) == TOKENS  # the recompute repaired the entry
    assert compute.calls == 5


def test_unreadable_entry_is_recomputed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache = TokenCache(tmp_path, signature="v1")
    cache.path_for("k").mkdir(parents=True)  # a directory where the file should be: read fails
    compute = Counter(TOKENS)
    with caplog.at_level(logging.WARNING, logger="bot.corpus.token_cache"):
        assert cache.get_or_compute("k", compute) == TOKENS
    assert compute.calls == 1
    assert "token cache" in caplog.text


def test_deleted_directory(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "tok", signature="v1")
    compute = Counter(TOKENS)
    cache.get_or_compute("k", compute)
    shutil.rmtree(tmp_path / "tok")
    assert cache.get_or_compute("k", compute) == TOKENS
    assert compute.calls == 2
    assert cache.path_for("k").exists()


def test_signature_change_invalidates(tmp_path: Path) -> None:
    compute = Counter(TOKENS)
    TokenCache(tmp_path, signature="v1").get_or_compute("k", compute)
    other = Counter([["different"]])
    assert TokenCache(tmp_path, signature="v2").get_or_compute("k", other) == [["different"]]
    assert other.calls == 1
    assert TokenCache(tmp_path, signature="v1").get_or_compute("k", compute) == TOKENS
    assert compute.calls == 1


def test_prune(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path, signature="v1")
    for key in ("a", "b", "c"):
        cache.get_or_compute(key, Counter([[key]]))
    TokenCache(tmp_path, signature="old").get_or_compute("a", Counter([["stale"]]))
    assert cache.prune({"a", "c"}) == 2  # "b" and the stale-signature "a"
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([cache.path_for("a").name, cache.path_for("c").name])
    compute = Counter([["x"]])
    assert cache.get_or_compute("a", compute) == [["a"]] and compute.calls == 0
    assert TokenCache(tmp_path / "missing", signature="v1").prune(set()) == 0


def test_keys_are_made_safe_for_file_names(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path, signature="v1")
    compute = Counter(TOKENS)
    assert cache.get_or_compute("../../etc/passwd", compute) == TOKENS
    assert cache.path_for("../../etc/passwd").parent == tmp_path
    assert cache.get_or_compute("../../etc/passwd", compute) == TOKENS
    assert compute.calls == 1


def test_cache_files_are_readable_like_the_articles(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        TokenCache(tmp_path / "tok", signature="v1").get_or_compute("abc123", Counter(TOKENS))
    finally:
        os.umask(old)
    (entry,) = (tmp_path / "tok").glob("*.json")
    assert entry.stat().st_mode & 0o777 == 0o644
