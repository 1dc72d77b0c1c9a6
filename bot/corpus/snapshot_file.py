"""The search snapshot kept on disk: one file of raw numpy arrays behind a JSON header.

Layout of `<corpus>/.cache/snapshot.bin`:

    MAGIC (8 bytes) | header length (8 bytes, little-endian) | header (UTF-8 JSON) | padding |
    payload: the arrays, each at a 64-byte aligned offset

The header holds the store's `meta`, each array's dtype, shape and offset, the stamp the file was
made for (`Stamp`: file format, store format, tokenizer signature, corpus generation) and a sha256
over the header's other fields and the whole payload. Arrays are only numbers and bytes, with a
dtype from a short list, and are read with `np.frombuffer` over a read-only memory map: nothing
is unpickled, so a tampered file can at worst be rejected, never run code.

Reading checks, cheapest first: magic and header, the stamp (a changed article, glossary or
synonyms file, another tokenizer or format), the file's length, then the checksum (the payload is
read through once, in chunks, before it is mapped, so the process does not count it as resident).
Any failure returns the reason and the caller rebuilds. Writing goes to a temporary file in the
same directory, renamed over the old one: a reader (another shard, the CLI beside a running bot)
sees the old file or the new one, never half of one. It is not fsynced: after a crash a torn file
fails its checksum and is rebuilt.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import logging
import mmap
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.corpus.articles import corpus_stamp, file_mode
from bot.engine.store import STORE_FORMAT, Store

log = logging.getLogger(__name__)

MAGIC = b"SOVSNAP\n"
#: Bump when the file layout changes.
FILE_FORMAT = 1
_ALIGN = 64
_CHUNK = 1 << 22
_DTYPES = frozenset({"|u1", "<i4", "<i8", "<f8"})
_MAX_HEADER = 64 << 20
#: The side files whose contents change what a snapshot holds, besides the articles.
AUX_FILES = ("glossary.yaml", "synonyms.yaml")


@dataclass(frozen=True)
class Stamp:
    """What a snapshot was made from: it is only used when all of these match."""

    file_format: int
    store_format: int
    code: str  # tokenizer signature and everything else that decides the arrays (see knowledge)
    generation: str  # hash of the corpus files (see `corpus_generation`)

    def to_json(self) -> dict[str, Any]:
        return {"file_format": self.file_format, "store_format": self.store_format, "code": self.code,
                "generation": self.generation}


@dataclass(frozen=True)
class Generation:
    """The corpus files as they are now: the article stamp (`corpus_stamp`) and a hash of it plus
    the glossary and synonyms files' contents."""

    articles: tuple[tuple[str, int, int], ...]
    aux: str  # hash of the side files
    digest: str


def aux_digest(corpus_dir: Path) -> str:
    h = hashlib.sha256()
    for name in AUX_FILES:
        try:
            data = (Path(corpus_dir) / name).read_bytes()
        except FileNotFoundError:
            h.update(f"{name}:none;".encode())
            continue
        except OSError as exc:
            h.update(f"{name}:unreadable {exc.__class__.__name__};".encode())
            continue
        h.update(f"{name}:{hashlib.sha256(data).hexdigest()};".encode())
    return h.hexdigest()


def make_generation(articles: tuple[tuple[str, int, int], ...], aux: str) -> Generation:
    h = hashlib.sha256(json.dumps([list(a) for a in articles]).encode())
    h.update(aux.encode())
    return Generation(articles, aux, h.hexdigest())


def corpus_generation(corpus_dir: Path) -> Generation:
    """The generation of the corpus now: file names, sizes and modification times of the
    articles (what `corpus_stamp` and the watcher compare), and the side files' sha256."""
    return make_generation(corpus_stamp(corpus_dir), aux_digest(corpus_dir))


def _core_bytes(core: dict[str, Any]) -> bytes:
    return json.dumps(core, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _layout(arrays: dict[str, np.ndarray]) -> tuple[dict[str, list[Any]], int]:
    table: dict[str, list[Any]] = {}
    offset = 0
    for name in sorted(arrays):
        arr = arrays[name]
        dtype = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
        if dtype.str not in _DTYPES:
            raise ValueError(f"array {name} has dtype {arr.dtype}, which a snapshot does not store")
        table[name] = [dtype.str, list(arr.shape), offset]
        offset += arr.nbytes
        offset += -offset % _ALIGN
    return table, offset


def write_snapshot(path: Path, store: Store, stamp: Stamp) -> None:
    """Write atomically (temporary file + rename). Raises OSError when the directory is not writable."""
    path = Path(path)
    arrays = {n: np.ascontiguousarray(a) for n, a in store.arrays.items()}
    table, size = _layout(arrays)
    core = {"stamp": stamp.to_json(), "meta": store.meta, "arrays": table, "payload_size": size}
    core_bytes = _core_bytes(core)
    pad = bytes(_ALIGN)
    # The digest is 64 hex digits whatever it is: the header is written with a placeholder, the
    # payload is hashed in a second thread while it is written (hashlib and write both release the
    # GIL), then the header is written again with the digest, before the rename.
    placeholder = "0" * 64
    header = json.dumps({"core": core, "sha256": placeholder}, ensure_ascii=False).encode("utf-8")
    start = len(MAGIC) + 8 + len(header)
    lead_pad = -start % _ALIGN
    names = sorted(arrays)

    def hash_payload() -> str:
        digest = hashlib.sha256(core_bytes)
        for name in names:
            arr = arrays[name]
            digest.update(memoryview(arr).cast("B") if arr.nbytes else b"")
            digest.update(pad[: -arr.nbytes % _ALIGN])
        return digest.hexdigest()

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".snapshot-", suffix=".tmp")
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            hashed = pool.submit(hash_payload)
            os.fchmod(fd, file_mode())
            with os.fdopen(fd, "wb") as fh:
                fh.write(MAGIC + struct.pack("<Q", len(header)) + header + pad[:lead_pad])
                for name in names:
                    arr = arrays[name]
                    if arr.nbytes:
                        fh.write(memoryview(arr).cast("B"))
                    fh.write(pad[: -arr.nbytes % _ALIGN])
                final = json.dumps({"core": core, "sha256": hashed.result()}, ensure_ascii=False).encode("utf-8")
                assert len(final) == len(header)
                fh.seek(len(MAGIC) + 8)
                fh.write(final)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def saved_generation(path: Path) -> str | None:
    """The corpus generation the file at `path` was written for, from its header alone (None when
    there is no readable snapshot there): whether a delta still goes with the main file."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(MAGIC) + 8)
            if len(head) < len(MAGIC) + 8 or head[: len(MAGIC)] != MAGIC:
                return None
            (header_len,) = struct.unpack("<Q", head[len(MAGIC) :])
            if header_len > _MAX_HEADER:
                return None
            found = json.loads(fh.read(header_len))["core"]["stamp"]["generation"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found if isinstance(found, str) else None


class SnapshotUnusable(Exception):
    """The file cannot be used; the message says why (for the one log line)."""


def read_snapshot(path: Path, stamp: Stamp) -> Store:
    """The store in `path` if it was made for `stamp` and is whole; else SnapshotUnusable(why).

    A missing file raises FileNotFoundError (the first start of a corpus).
    """
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        head = fh.read(len(MAGIC) + 8)
        if len(head) < len(MAGIC) + 8 or head[: len(MAGIC)] != MAGIC:
            raise SnapshotUnusable("it is truncated or not a snapshot file")
        (header_len,) = struct.unpack("<Q", head[len(MAGIC) :])
        if header_len > min(_MAX_HEADER, size):
            raise SnapshotUnusable("it is truncated (the header is cut off)")
        raw = fh.read(header_len)
        if len(raw) != header_len:
            raise SnapshotUnusable("it is truncated (the header is cut off)")
        try:
            header = json.loads(raw)
            core, expected = header["core"], header["sha256"]
            found = core["stamp"]
            table, payload_size = core["arrays"], int(core["payload_size"])
        except (ValueError, KeyError, TypeError) as exc:
            raise SnapshotUnusable(f"its header is unreadable ({exc.__class__.__name__})") from None
        if not isinstance(found, dict):
            raise SnapshotUnusable("its header is unreadable (no stamp)")
        for key, what in (("file_format", "file format"), ("store_format", "snapshot format"),
                          ("code", "tokenizer or engine version"), ("generation", "corpus")):
            if found.get(key) != getattr(stamp, key):
                if key == "generation":
                    raise SnapshotUnusable("the corpus changed since it was written")
                raise SnapshotUnusable(f"it was written for another {what}")
        start = len(MAGIC) + 8 + header_len
        start += -start % _ALIGN
        if size != start + payload_size:
            raise SnapshotUnusable(f"it is truncated ({size} bytes, {start + payload_size} expected)")
        digest = hashlib.sha256(_core_bytes(core))
        fh.seek(start)
        buf = bytearray(_CHUNK)
        view = memoryview(buf)
        left = payload_size
        while left:
            n = fh.readinto(view[: min(_CHUNK, left)])
            if not n:
                raise SnapshotUnusable("it is truncated")
            digest.update(view[:n])
            left -= n
        if digest.hexdigest() != expected:
            raise SnapshotUnusable("its checksum does not match (the file was changed or damaged)")
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else None
    arrays: dict[str, np.ndarray] = {}
    try:
        for name, (dtype, shape, offset) in table.items():
            if dtype not in _DTYPES:
                raise SnapshotUnusable(f"array {name} has an unexpected type {dtype!r}")
            dt = np.dtype(dtype)
            count = int(np.prod(shape)) if shape else 1
            if offset < 0 or offset + count * dt.itemsize > payload_size:
                raise SnapshotUnusable(f"array {name} lies outside the file")
            arrays[name] = np.frombuffer(mm, dtype=dt, count=count, offset=start + offset).reshape(shape)
    except (TypeError, ValueError) as exc:
        raise SnapshotUnusable(f"its array table is unreadable ({exc})") from None
    meta = core.get("meta")
    if not isinstance(meta, dict) or meta.get("format") != STORE_FORMAT:
        raise SnapshotUnusable("its metadata is unreadable")
    return Store(arrays, meta)
