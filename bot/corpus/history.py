"""The question history: every question asked, answered or refused, and the votes on the answers,
in one SQLite file (`<data_dir>/history.sqlite3`, the standard library's `sqlite3`).

It is what lets curators see what the corpus is missing (`gaps`) and how the bot is doing
(`stats`). No user names or ids are stored: a question row holds the time, where it was asked
(guild and channel ids, or only "dm"), the question and its normalised form, the outcome, the
words the corpus lacked, the cited passage ids, the corpus generation and the answer time.

The schema is versioned (`schema_version`) and upgraded by forward migrations when a connection
opens; a file from a newer version of the bot is refused, untouched. Several processes (shards)
may share the file: WAL mode, a busy timeout, and every write in its own `BEGIN IMMEDIATE`
transaction; each question carries a unique key, so a retried write never counts twice.

`HistoryWriter` owns one worker thread with its own connection: the Discord shell hands it writes
and reads and never blocks its event loop. When the file is damaged, locked or unwritable it logs
one warning, keeps the questions it could not write in a small backlog, and tries again later.
No Discord import here: the command line uses the same functions.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import math
import queue
import re
import secrets
import sqlite3
import threading
import time
import unicodedata
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "DEFAULT_KEEP_DAYS",
    "HISTORY_FILE",
    "SCHEMA_VERSION",
    "GapsReport",
    "HistoryError",
    "HistoryWriter",
    "QuestionRecord",
    "Stats",
    "VoteRecord",
    "connect",
    "gaps_report",
    "import_feedback",
    "new_key",
    "normalise_question",
    "open_history",
    "prune",
    "record_question",
    "record_vote",
    "stats_report",
]

log = logging.getLogger(__name__)

HISTORY_FILE = "history.sqlite3"
FEEDBACK_FILE = "feedback.jsonl"
DEFAULT_KEEP_DAYS = 90
#: How long a writer waits for another process's lock before giving up on one write.
BUSY_TIMEOUT = 5.0
#: After a failure, questions are kept in the backlog and the file is tried again after this long.
RETRY_SECONDS = 60.0
#: At most this many unwritten questions are kept in memory while the file is unusable.
BACKLOG = 1000
DAY = 86400.0

T = TypeVar("T")

# --- the schema and its migrations -----------------------------------------------------------------

#: MIGRATIONS[v] upgrades a database from version v to v + 1 (version 0: an empty file).
#: Never edit a released step: add a new one, and bump SCHEMA_VERSION with it.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
        """CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            asked_at REAL NOT NULL,
            place TEXT NOT NULL CHECK (place IN ('guild', 'dm', 'cli')),
            guild_id TEXT,
            channel_id TEXT,
            question TEXT NOT NULL,
            normalized TEXT NOT NULL,
            answered INTEGER NOT NULL CHECK (answered IN (0, 1)),
            reason TEXT NOT NULL DEFAULT '',
            lacking TEXT NOT NULL DEFAULT '[]',
            passage_ids TEXT NOT NULL DEFAULT '[]',
            generation TEXT NOT NULL DEFAULT '',
            answer_ms REAL
        )""",
        "CREATE INDEX questions_by_time ON questions (asked_at)",
        "CREATE INDEX questions_refused ON questions (answered, asked_at)",
        """CREATE TABLE votes (
            id INTEGER PRIMARY KEY,
            voted_at REAL NOT NULL,
            question_id INTEGER REFERENCES questions (id) ON DELETE SET NULL,
            question TEXT NOT NULL,
            normalized TEXT NOT NULL,
            passage_ids TEXT NOT NULL DEFAULT '[]',
            vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
            source TEXT NOT NULL DEFAULT 'discord'
        )""",
        "CREATE INDEX votes_by_time ON votes (voted_at)",
        "CREATE INDEX votes_by_question ON votes (question_id)",
        "CREATE TABLE imports (name TEXT PRIMARY KEY, imported_at REAL NOT NULL, rows INTEGER NOT NULL)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


# --- errors: each says what is wrong with the file, in words an admin can act on ---------------------


class HistoryError(Exception):
    """The history database cannot be used; the message says why and what to do."""


class HistoryCorrupt(HistoryError):
    pass


class HistoryLocked(HistoryError):
    pass


class HistoryTooNew(HistoryError):
    pass


class HistoryMissing(HistoryError):
    pass


def describe(exc: BaseException, path: Path, busy_timeout: float = BUSY_TIMEOUT) -> HistoryError:
    """A `sqlite3`/OS error as a `HistoryError` that names the file and the problem."""
    if isinstance(exc, HistoryError):
        return exc
    text = str(exc)
    low = text.lower()
    if "locked" in low or "busy" in low:
        return HistoryLocked(
            f"the history database {path} is locked by another program (waited {busy_timeout:g} s); "
            "try again in a moment"
        )
    if isinstance(exc, sqlite3.DatabaseError) and (
        "not a database" in low or "malformed" in low or "corrupt" in low or "file is encrypted" in low
    ):
        return HistoryCorrupt(
            f"the history database {path} is damaged or not an SQLite database ({text}); move it aside "
            "(the bot then starts a new one) or restore it from a backup"
        )
    if isinstance(exc, OSError):
        return HistoryError(f"cannot open the history database {path} ({exc.strerror or exc})")
    return HistoryError(f"cannot use the history database {path} ({text})")


# --- values ------------------------------------------------------------------------------------------


def new_key() -> str:
    """A unique key for a question (the Discord shell uses its answer key, so votes find it)."""
    return secrets.token_hex(6)


@dataclass(frozen=True)
class QuestionRecord:
    """One question as the history keeps it. `place` is "guild", "dm" or "cli"; DMs keep no ids."""

    key: str
    question: str
    answered: bool
    place: str = "guild"
    guild_id: int | None = None
    channel_id: int | None = None
    reason: str = ""
    lacking: tuple[str, ...] = ()
    passage_ids: tuple[str, ...] = ()
    generation: str = ""
    answer_ms: float | None = None
    asked_at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        if self.place not in ("guild", "dm", "cli"):
            raise ValueError(f"place must be guild, dm or cli, not {self.place!r}")
        if self.place != "guild" and (self.guild_id is not None or self.channel_id is not None):
            raise ValueError("only guild questions keep guild and channel ids")


@dataclass(frozen=True)
class VoteRecord:
    """A 👍/👎 on an answer: the question it judges (by key when known) and the passages on screen."""

    question: str
    passage_ids: tuple[str, ...]
    vote: str  # "up" or "down"
    question_key: str | None = None
    voted_at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        if self.vote not in ("up", "down"):
            raise ValueError(f"vote must be up or down, not {self.vote!r}")


_WORD = re.compile(r"\w+")


def normalise_question(text: str) -> str:
    """The form questions are grouped by: case, accents, punctuation and spacing folded away.

    "What is the capital of Australia?" and "WHAT IS THE CAPITAL OF AUSTRALIA" group together.
    """
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    words = _WORD.findall(folded)
    return " ".join(words) if words else " ".join(folded.split())


# --- connections and migrations ---------------------------------------------------------------------


def _journal_mode_wal(conn: sqlite3.Connection, busy_timeout: float) -> tuple | None:
    """Switch to WAL. SQLite answers "locked" at once, without its busy handler, when another
    process is switching the same new file at the same moment: retry until the busy timeout."""
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            return conn.execute("PRAGMA journal_mode = WAL").fetchone()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def connect(path: Path, *, busy_timeout: float = BUSY_TIMEOUT) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, foreign keys on."""
    conn = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = _journal_mode_wal(conn, busy_timeout)
        if mode and str(mode[0]).lower() != "wal":
            log.debug("history database %s stays in %s journal mode", path, mode[0])
        conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    # one read of the table list: two (is there a schema_version? are there tables?) could fall on
    # either side of another process's first migration and see its tables without its version
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "schema_version" not in tables:
        if tables:
            raise HistoryError("the file holds tables but no schema_version: it is not a history database")
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def _too_new(path: Path, version: int) -> HistoryTooNew:
    return HistoryTooNew(
        f"the history database {path} has schema version {version}, newer than this bot understands "
        f"({SCHEMA_VERSION}); upgrade the bot, or point data_dir elsewhere. Nothing was changed."
    )


@contextmanager
def _write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken at once so concurrent writers queue on the busy timeout."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def migrate(conn: sqlite3.Connection, path: Path) -> int:
    """Bring the schema to SCHEMA_VERSION; returns the version found. A newer file is left untouched."""
    found = schema_version(conn)
    if found > SCHEMA_VERSION:
        raise _too_new(path, found)
    if found == SCHEMA_VERSION:
        return found
    with _write(conn):
        found = schema_version(conn)  # another process may have migrated meanwhile
        if found > SCHEMA_VERSION:
            raise _too_new(path, found)
        for version in range(found, SCHEMA_VERSION):
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
        conn.execute("DELETE FROM schema_version")
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
    if found < SCHEMA_VERSION:
        log.info("history database %s: schema %d -> %d", path, found, SCHEMA_VERSION)
    return found


def open_history(
    path: Path,
    *,
    create: bool = True,
    busy_timeout: float = BUSY_TIMEOUT,
    feedback: Path | None = None,
) -> sqlite3.Connection:
    """Open (or create) the history, migrated; `feedback` is a feedback.jsonl to import once.

    Raises `HistoryError` with a message for people: missing (create=False), damaged, locked, newer.
    """
    path = Path(path)
    if not create and not path.is_file():
        raise HistoryMissing(
            f"there is no question history at {path} yet (the bot creates it when it answers its first "
            "question; is --data-dir the bot's data_dir?)"
        )
    conn: sqlite3.Connection | None = None
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(path, busy_timeout=busy_timeout)
        migrate(conn, path)
        if feedback is not None:
            import_feedback(conn, feedback)
    except (sqlite3.Error, OSError, HistoryError) as exc:
        if conn is not None:
            conn.close()
        raise describe(exc, path, busy_timeout) from exc
    return conn


# --- writes ------------------------------------------------------------------------------------------


def _ids(value: int | None) -> str | None:
    return None if value is None else str(value)


def record_question(conn: sqlite3.Connection, rec: QuestionRecord) -> bool:
    """Store one question; False when its key was stored before (a retry), so nothing counts twice."""
    with _write(conn):
        cur = conn.execute(
            """INSERT OR IGNORE INTO questions (key, asked_at, place, guild_id, channel_id, question,
                   normalized, answered, reason, lacking, passage_ids, generation, answer_ms)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                rec.key, rec.asked_at, rec.place, _ids(rec.guild_id), _ids(rec.channel_id), rec.question,
                normalise_question(rec.question), int(rec.answered), rec.reason,
                json.dumps(list(rec.lacking), ensure_ascii=False),
                json.dumps(list(rec.passage_ids), ensure_ascii=False), rec.generation, rec.answer_ms,
            ),
        )
    return cur.rowcount == 1


def record_vote(conn: sqlite3.Connection, vote: VoteRecord, *, source: str = "discord") -> int:
    """Store one vote, linked to its question when the key is known; returns the vote's row id."""
    with _write(conn):
        question_id = None
        if vote.question_key:
            row = conn.execute("SELECT id FROM questions WHERE key = ?", (vote.question_key,)).fetchone()
            question_id = row[0] if row else None
        cur = conn.execute(
            """INSERT INTO votes (voted_at, question_id, question, normalized, passage_ids, vote, source)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (
                vote.voted_at, question_id, vote.question, normalise_question(vote.question),
                json.dumps(list(vote.passage_ids), ensure_ascii=False), vote.vote, source,
            ),
        )
    return int(cur.lastrowid or 0)


def prune(conn: sqlite3.Connection, keep_days: float, *, now: float | None = None) -> int:
    """Delete questions and votes older than `keep_days`; returns how many rows went."""
    cutoff = (time.time() if now is None else now) - keep_days * DAY
    with _write(conn):
        votes = conn.execute("DELETE FROM votes WHERE voted_at < ?", (cutoff,)).rowcount
        questions = conn.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,)).rowcount
    return int(votes) + int(questions)


def _parse_time(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


def import_feedback(conn: sqlite3.Connection, path: Path) -> int:
    """Import the votes of an older bot's feedback.jsonl, once (the file itself is kept as it is).

    Returns the votes imported (0 when there is no file or it was imported before). Lines that do
    not hold a vote are skipped and counted in one warning.
    """
    if not path.is_file():
        return 0
    if conn.execute("SELECT 1 FROM imports WHERE name = ?", (FEEDBACK_FILE,)).fetchone():
        return 0
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    with _write(conn):
        if conn.execute("SELECT 1 FROM imports WHERE name = ?", (FEEDBACK_FILE,)).fetchone():
            return 0  # another process imported it meanwhile
        imported = skipped = 0
        for line in lines:
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                vote = VoteRecord(
                    question=str(entry["question"]),
                    passage_ids=tuple(str(p) for p in entry.get("passage_ids") or ()),
                    vote=str(entry["vote"]),
                    voted_at=_parse_time(entry.get("time")) or path.stat().st_mtime,
                )
            except (ValueError, KeyError, TypeError, AttributeError):
                skipped += 1
                continue
            conn.execute(
                """INSERT INTO votes (voted_at, question_id, question, normalized, passage_ids, vote, source)
                   VALUES (?, NULL, ?, ?, ?, ?, 'feedback.jsonl')""",
                (vote.voted_at, vote.question, normalise_question(vote.question),
                 json.dumps(list(vote.passage_ids), ensure_ascii=False), vote.vote),
            )
            imported += 1
        conn.execute("INSERT INTO imports (name, imported_at, rows) VALUES (?, ?, ?)",
                     (FEEDBACK_FILE, time.time(), imported))
    if skipped:
        log.warning("%s: skipped %d line(s) that are not votes", path, skipped)
    log.info("imported %d vote(s) from %s (the file is kept)", imported, path)
    return imported


# --- reports -----------------------------------------------------------------------------------------


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _json_list(value: str) -> list[str]:
    try:
        data = json.loads(value)
    except ValueError:
        return []
    return [str(x) for x in data] if isinstance(data, list) else []


@dataclass(frozen=True)
class Cited:
    """A passage an answer cited, read from its id `<slug>#<paragraph>[.<part>]`."""

    passage_id: str
    article_slug: str
    paragraph: int | None

    @classmethod
    def parse(cls, passage_id: str) -> Cited:
        slug, _, rest = passage_id.partition("#")
        number = rest.split(".", 1)[0]
        return cls(passage_id, slug, int(number) if number.isdigit() else None)

    def to_json(self) -> dict[str, Any]:
        return {"passage_id": self.passage_id, "article_slug": self.article_slug, "paragraph": self.paragraph}


@dataclass(frozen=True)
class RefusedGroup:
    """Refused questions with one normalised form: how often, how they were worded, what was lacking."""

    normalized: str
    count: int
    wordings: tuple[str, ...]  # distinct wordings, the most used first (ties: first asked first)
    lacking: tuple[str, ...]  # the words the corpus lacked, most frequent first
    reason: str  # the latest refusal reason
    last_asked: float

    def to_json(self) -> dict[str, Any]:
        return {"normalized": self.normalized, "count": self.count, "example": self.wordings[0],
                "wordings": list(self.wordings), "lacking": list(self.lacking), "reason": self.reason,
                "last_asked": _iso(self.last_asked)}


@dataclass(frozen=True)
class VotedAnswer:
    """An answer (a question and the passages shown) with its 👎 and 👍 counts."""

    question: str
    normalized: str
    cited: tuple[Cited, ...]
    down: int
    up: int
    last_voted: float

    def to_json(self) -> dict[str, Any]:
        return {"question": self.question, "normalized": self.normalized, "down": self.down, "up": self.up,
                "cited": [c.to_json() for c in self.cited], "last_voted": _iso(self.last_voted)}


@dataclass(frozen=True)
class GapsReport:
    days: int
    since: float
    questions: int
    refused: int
    refused_groups: tuple[RefusedGroup, ...]
    voted_down: tuple[VotedAnswer, ...]

    def to_json(self) -> dict[str, Any]:
        return {"days": self.days, "since": _iso(self.since), "questions": self.questions, "refused": self.refused,
                "refused_groups": [g.to_json() for g in self.refused_groups],
                "voted_down": [v.to_json() for v in self.voted_down]}


def _since(days: int, now: float | None) -> float:
    return (time.time() if now is None else now) - days * DAY


def gaps_report(conn: sqlite3.Connection, days: int = 7, *, now: float | None = None) -> GapsReport:
    """The refused questions of the last `days` days grouped and counted, then the answers voted down."""
    since = _since(days, now)
    total, refused = conn.execute(
        "SELECT count(*), coalesce(sum(answered = 0), 0) FROM questions WHERE asked_at >= ?", (since,)
    ).fetchone()
    groups: dict[str, dict[str, Any]] = {}
    rows = conn.execute(
        """SELECT normalized, question, lacking, reason, asked_at FROM questions
           WHERE answered = 0 AND asked_at >= ? ORDER BY asked_at, id""",
        (since,),
    )
    for normalized, question, lacking, reason, asked_at in rows:  # oldest first
        g = groups.setdefault(normalized, {"count": 0, "wordings": Counter(), "lacking": Counter(), "shown": {}})
        g["count"] += 1
        g["wordings"][question] += 1
        g["reason"], g["last"] = reason, asked_at
        words: dict[str, str] = {}  # "Australia" and "AUSTRALIA" are one word, shown as first asked
        for word in _json_list(lacking):
            words.setdefault(word.casefold(), word)
        for folded, word in words.items():
            g["shown"].setdefault(folded, word)
        g["lacking"].update(words.keys())
    refused_groups = sorted(
        # wordings: the most used first, ties in the order first asked
        (RefusedGroup(n, g["count"], tuple(w for w, _ in g["wordings"].most_common()),
                      tuple(g["shown"][w] for w, _ in g["lacking"].most_common()), g["reason"], g["last"])
         for n, g in groups.items()),
        key=lambda g: (-g.count, -g.last_asked, g.normalized),
    )
    answers: dict[tuple[str, str], dict[str, Any]] = {}
    for question, normalized, passage_ids, vote, voted_at in conn.execute(
        """SELECT coalesce(q.question, v.question), coalesce(q.normalized, v.normalized), v.passage_ids, v.vote,
                  v.voted_at
           FROM votes v LEFT JOIN questions q ON q.id = v.question_id
           WHERE v.voted_at >= ? ORDER BY v.voted_at DESC, v.id DESC""",
        (since,),
    ):
        a = answers.setdefault((normalized, passage_ids), {"question": question, "down": 0, "up": 0,
                                                           "last": voted_at})
        a[vote] += 1
    voted_down = sorted(
        (VotedAnswer(a["question"], n, tuple(Cited.parse(p) for p in _json_list(pids)), a["down"], a["up"], a["last"])
         for (n, pids), a in answers.items() if a["down"] > 0),
        key=lambda v: (-v.down, v.up, -v.last_voted, v.normalized),
    )
    return GapsReport(days, since, int(total), int(refused), tuple(refused_groups), tuple(voted_down))


def percentile(sorted_values: Sequence[float], p: float) -> float | None:
    """The nearest-rank percentile (p in 0-100) of ascending values; None when there are none."""
    if not sorted_values:
        return None
    rank = max(math.ceil(p / 100 * len(sorted_values)), 1)
    return float(sorted_values[min(rank, len(sorted_values)) - 1])


@dataclass(frozen=True)
class Stats:
    days: int
    since: float
    questions: int
    answered: int
    per_day: tuple[tuple[str, int, int], ...]  # (YYYY-MM-DD, questions, answered), UTC days
    p50_ms: float | None
    p99_ms: float | None
    cited_articles: tuple[tuple[str, int], ...]  # (article slug, answers citing it), most cited first
    votes_up: int
    votes_down: int

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.questions if self.questions else None

    def to_json(self) -> dict[str, Any]:
        share = self.answered_share
        return {
            "days": self.days, "since": _iso(self.since), "questions": self.questions, "answered": self.answered,
            "answered_share": None if share is None else round(share, 4),
            "per_day": [{"day": d, "questions": n, "answered": a} for d, n, a in self.per_day],
            "answer_ms": {"p50": self.p50_ms, "p99": self.p99_ms},
            "cited_articles": [{"article_slug": s, "answers": n} for s, n in self.cited_articles],
            "votes": {"up": self.votes_up, "down": self.votes_down, "balance": self.votes_up - self.votes_down},
        }


def stats_report(conn: sqlite3.Connection, days: int = 7, *, now: float | None = None, top: int = 10) -> Stats:
    """Questions per day, the answered share, answer-time percentiles, the most cited articles, votes."""
    since = _since(days, now)
    per_day = tuple(
        (str(d), int(n), int(a)) for d, n, a in conn.execute(
            """SELECT date(asked_at, 'unixepoch'), count(*), sum(answered) FROM questions WHERE asked_at >= ?
               GROUP BY 1 ORDER BY 1""", (since,))
    )
    times = [float(r[0]) for r in conn.execute(
        "SELECT answer_ms FROM questions WHERE asked_at >= ? AND answer_ms IS NOT NULL ORDER BY answer_ms",
        (since,))]
    cited: Counter[str] = Counter()
    for (passage_ids,) in conn.execute(
        "SELECT passage_ids FROM questions WHERE answered = 1 AND asked_at >= ?", (since,)
    ):
        cited.update({Cited.parse(p).article_slug for p in _json_list(passage_ids)})
    up, down = conn.execute(
        "SELECT coalesce(sum(vote = 'up'), 0), coalesce(sum(vote = 'down'), 0) FROM votes WHERE voted_at >= ?",
        (since,),
    ).fetchone()
    return Stats(
        days, since, sum(n for _, n, _ in per_day), sum(a for _, _, a in per_day), per_day,
        percentile(times, 50), percentile(times, 99),
        tuple(sorted(cited.items(), key=lambda kv: (-kv[1], kv[0]))[:top]), int(up), int(down),
    )


# --- the writer: one worker thread, one connection, never the event loop ------------------------------


class HistoryWriter:
    """Owns the history's worker thread. The event loop only puts jobs on a queue.

    `record_question` never fails and never waits: when the file cannot be written (damaged,
    locked past the busy timeout, a newer schema, a full disk) the bot keeps answering, one warning
    goes to the log, the question waits in a bounded backlog, and the file is tried again after
    `retry_seconds`. `record_vote` and the reports do wait and raise `HistoryError`, so the person
    who voted or asked for a report is told. Old rows are pruned when the file opens and then daily.
    """

    def __init__(
        self,
        path: Path,
        *,
        keep_days: float = DEFAULT_KEEP_DAYS,
        feedback: Path | None = None,
        busy_timeout: float = BUSY_TIMEOUT,
        retry_seconds: float = RETRY_SECONDS,
        record_questions: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.keep_days = keep_days
        self.feedback = feedback
        self.busy_timeout = busy_timeout
        self.retry_seconds = retry_seconds
        self.record_questions = record_questions
        self.clock = clock
        self.problem: HistoryError | None = None  # why the file is unusable, while it is
        self._conn: sqlite3.Connection | None = None
        self._retry_at = 0.0
        self._pruned_at: float | None = None
        self._backlog: deque[QuestionRecord] = deque(maxlen=BACKLOG)
        self._jobs: queue.Queue[tuple[Callable[[], Any], concurrent.futures.Future[Any]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- the thread --------------------------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="history-writer", daemon=True)
                self._thread.start()

    def close(self, timeout: float = 30.0) -> None:
        """Finish the queued jobs, then close the connection (blocking: call it off the loop)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        self._jobs.put(None)
        thread.join(timeout)

    def _work(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                break
            job, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job())
            except BaseException as exc:  # handed to whoever waits on the future
                future.set_exception(exc)
        if self._backlog:
            log.warning("%d question(s) could not be written to the history before shutdown", len(self._backlog))
        self._disconnect()

    def submit(self, job: Callable[[], T]) -> concurrent.futures.Future[T]:
        """Run `job` on the worker thread; a closed writer runs nothing and fails the future."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        if self._thread is None:
            future.set_exception(HistoryError("the history writer is not running"))
            return future
        self._jobs.put((job, future))
        return future

    async def run(self, job: Callable[[], T]) -> T:
        return await asyncio.wrap_future(self.submit(job))

    # -- the connection (worker thread only) -----------------------------------------------------
    def _disconnect(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None

    def _fail(self, exc: BaseException) -> HistoryError:
        problem = describe(exc, self.path, self.busy_timeout)
        self._disconnect()
        self._retry_at = self.clock() + self.retry_seconds
        if self.problem is None:
            log.warning("question history is off for now: %s; the bot keeps answering and tries again in %g s",
                        problem, self.retry_seconds)
        else:
            log.debug("question history still unusable: %s", problem)
        self.problem = problem
        return problem

    def _connection(self, *, force: bool) -> sqlite3.Connection | None:
        """The open connection, opening it when needed; None while waiting to retry (unless `force`)."""
        if self._conn is None:
            if not force and self.problem is not None and self.clock() < self._retry_at:
                return None
            try:
                self._conn = open_history(self.path, busy_timeout=self.busy_timeout, feedback=self.feedback)
            except HistoryError as exc:
                raise self._fail(exc) from exc
        now = self.clock()
        if self._pruned_at is None or now - self._pruned_at >= DAY:
            removed = prune(self._conn, self.keep_days, now=now)
            self._pruned_at = now
            if removed:
                log.info("history: deleted %d row(s) older than %g days", removed, self.keep_days)
        return self._conn

    def _with_connection(self, use: Callable[[sqlite3.Connection], T], *, force: bool = True,
                         writes: bool = True) -> T | None:
        """`use(conn)` on the worker's connection; a write that succeeds ends a period of trouble."""
        try:
            conn = self._connection(force=force)
            if conn is None:
                return None
            result = use(conn)
        except HistoryError:
            raise
        except (sqlite3.Error, OSError) as exc:
            raise self._fail(exc) from exc
        if writes and self.problem is not None:
            log.info("question history usable again (%s)", self.path)
            self.problem = None
        return result

    def _write_questions(self, rec: QuestionRecord | None) -> None:
        if rec is not None:
            self._backlog.append(rec)
        try:
            def flush(conn: sqlite3.Connection) -> None:
                while self._backlog:
                    try:
                        record_question(conn, self._backlog[0])
                    except sqlite3.IntegrityError:  # this row can never be written: do not block the rest
                        log.exception("history: dropping question %s that the schema refuses", self._backlog[0].key)
                    self._backlog.popleft()

            self._with_connection(flush, force=False)
        except HistoryError:
            pass  # warned once in _fail; the backlog keeps the questions until the next try

    # -- what the shells call --------------------------------------------------------------------
    def open_soon(self) -> concurrent.futures.Future[None]:
        """Open (create, migrate, import feedback.jsonl, prune) on the worker thread; a failure is
        the usual one warning, never an exception."""

        def prepare() -> None:
            try:
                self._with_connection(lambda conn: None, writes=False)
            except HistoryError:
                pass

        return self.submit(prepare)

    def record_question(self, rec: QuestionRecord) -> concurrent.futures.Future[None] | None:
        """Queue a question for the history (does nothing when recording is off). Never raises."""
        if not self.record_questions:
            return None
        return self.submit(lambda: self._write_questions(rec))

    async def record_vote(self, vote: VoteRecord) -> None:
        """Store a vote; raises HistoryError when it could not be stored (the voter should be told)."""
        def write() -> None:
            self._write_questions(None)  # a vote's question must be in before the vote links to it
            self._with_connection(lambda conn: record_vote(conn, vote))

        await self.run(write)

    async def gaps(self, days: int = 7) -> GapsReport:
        result = await self.run(
            lambda: self._with_connection(lambda c: gaps_report(c, days, now=self.clock()), writes=False)
        )
        assert result is not None
        return result

    async def stats(self, days: int = 7) -> Stats:
        result = await self.run(
            lambda: self._with_connection(lambda c: stats_report(c, days, now=self.clock()), writes=False)
        )
        assert result is not None
        return result

    @property
    def backlog(self) -> int:
        return len(self._backlog)
