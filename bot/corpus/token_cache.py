"""Disk cache of tokenised passages, one JSON file per article content hash.

Tokenising is the slowest part of a (re)build, and most articles do not change between restarts or
additions, so their tokens are kept on disk keyed by the article's content hash plus a signature of
the tokeniser (a tokeniser change must not serve stale tokens). The cache is disposable: a missing
directory is recreated, and a corrupt or unreadable entry is logged and recomputed, never fatal.
JSON, not pickle, so a tampered cache file cannot execute code.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.corpus.articles import file_mode

log = logging.getLogger(__name__)

_FORMAT = 1  # bump when the file layout changes
_SAFE_KEY = re.compile(r"[^A-Za-z0-9_.-]")


class TokenCache:
    """`get_or_compute(key, compute)` returns cached tokens or computes, stores and returns them.

    `signature` identifies the tokeniser (e.g. a version string plus its settings); entries written
    under another signature are ignored and recomputed.
    """

    def __init__(self, cache_dir: Path, signature: str = "") -> None:
        self.cache_dir = Path(cache_dir)
        self.signature = signature
        # The signature is part of the file name, so entries of two tokenisers never collide, and a
        # stale one is recognised (and pruned) without being read.
        self._sig = hashlib.sha256(f"{_FORMAT}:{signature}".encode()).hexdigest()[:16]

    def path_for(self, key: str) -> Path:
        """File holding the tokens of `key` under the current signature."""
        return self.cache_dir / f"{_SAFE_KEY.sub('_', key)}.{self._sig}.json"

    def get_or_compute(self, key: str, compute: Callable[[], list[list[str]]]) -> list[list[str]]:
        """Cached tokens for `key` if a valid entry exists, else `compute()` (stored for next time)."""
        cached = self._read(key)
        if cached is not None:
            return cached
        tokens = compute()
        self._write(key, tokens)
        return tokens

    def _read(self, key: str) -> list[list[str]] | None:
        path = self.path_for(key)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("token cache: cannot read %s (%s); re-tokenising", path, exc)
            return None
        try:
            doc = json.loads(raw)
            if not isinstance(doc, dict) or doc.get("key") != key or doc.get("signature") != self.signature:
                raise ValueError("entry belongs to another key or tokeniser")
            tokens = doc["tokens"]
            if not isinstance(tokens, list) or not all(
                isinstance(p, list) and all(isinstance(t, str) for t in p) for p in tokens
            ):
                raise ValueError("tokens are not a list of lists of strings")
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("token cache: corrupt entry %s (%s); re-tokenising", path, exc)
            return None
        return tokens

    def _write(self, key: str, tokens: list[list[str]]) -> None:
        """Atomic write (temp file + os.replace); a failure only costs the next start a re-tokenise."""
        path = self.path_for(key)
        entry = {"key": key, "signature": self.signature, "tokens": tokens}
        payload = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        tmp_name = None
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=self.cache_dir, prefix=".tmp-", suffix=".json")
            os.fchmod(fd, file_mode())  # readable like the articles it caches, not mkstemp's 0600
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            os.replace(tmp_name, path)
            tmp_name = None
        except OSError as exc:
            # a read-only corpus directory is legitimate: tokens are simply recomputed next start
            log.info("token cache: cannot write %s (%s)", path, exc)
        finally:
            if tmp_name is not None:
                try:
                    os.unlink(tmp_name)
                except OSError:
                    pass

    def prune(self, keep: set[str]) -> int:
        """Delete entries whose key is not in `keep` or whose signature is stale; return how many."""
        wanted = {self.path_for(k).name for k in keep}
        removed = 0
        try:
            entries = list(self.cache_dir.iterdir())
        except OSError:
            return 0
        for entry in entries:
            if entry.suffix != ".json" or entry.name in wanted:
                continue
            try:
                entry.unlink()
                removed += 1
            except OSError as exc:
                log.warning("token cache: cannot remove %s (%s)", entry, exc)
        return removed
