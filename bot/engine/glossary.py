"""The glossary: `corpus/glossary.yaml` terms, their aliases, definitions, and quotes found in the corpus.

A reader meets dense terms ("ECPA", "WP29", "model clauses"); the glossary explains them in our own
words and shows, beside the definition, the corpus's own sentences that use them. Those quotes are
never typed into the YAML: `Glossary.with_index` finds, for every term, the passages that mention
the term, an alias or a mention phrase (BM25 order), so an article added later is cited under the
terms it uses without editing the glossary. A term no passage mentions is logged as a warning.

Aliases do double duty: they are looked up like the term, and `alias_groups()` hands them to the
engine so a question saying "ECPA" also searches "Electronic Communications Privacy Act". That is
why they must be exact equivalents (a passage holding any alias counts as covering the concept).

Pure core: no Discord import. Everything here is a frozen value built once per snapshot.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
from rapidfuzz import fuzz, process

from bot.engine.answer import make_quote
from bot.engine.models import Quote
from bot.engine.search import Hit, SearchIndex
from bot.engine.text import fold, split_sentences, tokenize
from bot.engine.yaml_files import YamlFileError, load_yaml_file

log = logging.getLogger(__name__)

GLOSSARY_FILE = "glossary.yaml"
#: Discord's limit for an autocomplete choice's name and value; terms and aliases must fit.
MAX_NAME_CHARS = 100
MAX_DEFINITION_CHARS = 1000
MAX_DEFINITION_SENTENCES = 3
#: Autocomplete offers at most this many choices (Discord's limit).
MAX_CHOICES = 25
#: A typo is forgiven when the name is at least this similar (rapidfuzz ratio, 0-100).
FUZZY_ACCEPT = 85.0
#: Below FUZZY_ACCEPT, names at least this similar (rapidfuzz WRatio) are offered as "did you mean".
SUGGEST_MIN = 70.0
#: Autocomplete falls back to fuzzy choices at least this similar (WRatio).
AUTOCOMPLETE_FUZZY_MIN = 60.0
#: What an unknown term gets when no term name is at least SUGGEST_MIN similar: a plain statement,
#: not far-fetched suggestions (the renderers then point to the full list).
NOTHING_CLOSE = "No glossary term is close to it."
#: Quotes shown with a definition.
QUOTES_PER_TERM = 2

_ENTRY_KEYS = frozenset({"term", "aliases", "definition", "related", "mentions"})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")

AliasGroups = tuple[tuple[tuple[str, ...], ...], ...]


class GlossaryError(ValueError):
    """The glossary file cannot be used; the message names the entry and what is wrong."""


def loose(text: str) -> str:
    """Folded words separated by single spaces: 'Platform-as-a-Service' -> 'platform as a service'."""
    from bot.engine.text import strip_accents

    return " ".join(_NON_ALNUM.sub(" ", strip_accents(fold(text))).split())


def name_key(text: str) -> str:
    """Case- and punctuation-insensitive key: 'WP 29', 'wp-29' and 'WP29' all give 'wp29'."""
    return loose(text).replace(" ", "")


@dataclass(frozen=True)
class Entry:
    """One glossary term as written in the YAML."""

    term: str
    definition: str
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()  # phrases that find quotes only (not lookup, not search)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.term, *self.aliases)


@dataclass(frozen=True)
class Match:
    """The result of looking a word up: an entry (exact or forgiven typo) or suggestions."""

    query: str
    kind: Literal["exact", "fuzzy", "unknown"]
    entry: Entry | None = None
    matched_name: str = ""  # the term or alias that matched
    score: float = 0.0
    suggestions: tuple[str, ...] = ()  # terms, best first (unknown only)
    passage: Quote | None = None  # unknown only: the corpus passage that best matches the words

    @property
    def found(self) -> bool:
        return self.entry is not None


@dataclass(frozen=True)
class Explanation:
    """What a reader sees for a term: the entry, quotes from the corpus, and related entries."""

    entry: Entry
    quotes: tuple[Quote, ...]
    related: tuple[Entry, ...]
    mention_count: int  # passages of the corpus that mention the term

    def to_json(self) -> dict[str, Any]:
        return {
            "term": self.entry.term,
            "aliases": list(self.entry.aliases),
            "definition": self.entry.definition,
            "related": [e.term for e in self.related],
            "mention_count": self.mention_count,
            "quotes": [q.to_json() | {"citation": q.citation.label} for q in self.quotes],
        }


def _phrases(entry: Entry, *, with_mentions: bool) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for name in (*entry.names, *(entry.mentions if with_mentions else ())):
        toks = tuple(tokenize(name))
        if toks and toks not in out:
            out.append(toks)
    return out


def _contains(seq: Sequence[str], sub: Sequence[str]) -> bool:
    n = len(sub)
    if n == 1:
        return sub[0] in seq
    sub = list(sub)
    seq = list(seq)
    first = sub[0]
    return any(w == first and seq[i : i + n] == sub for i, w in enumerate(seq[: len(seq) - n + 1]))


@dataclass(frozen=True)
class Glossary:
    """Validated entries plus lookup tables; `with_index` binds it to a corpus index for quotes."""

    entries: tuple[Entry, ...]
    source: str = GLOSSARY_FILE
    index: SearchIndex | None = field(default=None, compare=False, repr=False)
    # term -> passages mentioning it (BM25 order), computed by with_index
    mentions: Mapping[str, Sequence[Hit]] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )
    _by_key: Mapping[str, tuple[int, str]] = field(init=False, compare=False, repr=False)
    _names: tuple[tuple[str, str, str, int], ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        by_key: dict[str, tuple[int, str]] = {}
        names: list[tuple[str, str, str, int]] = []  # (name, loose, key, entry index)
        for i, entry in enumerate(self.entries):
            for name in entry.names:
                key = name_key(name)
                by_key.setdefault(key, (i, name))
                names.append((name, loose(name), key, i))
        object.__setattr__(self, "_by_key", MappingProxyType(by_key))
        object.__setattr__(self, "_names", tuple(names))

    # -- basics ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def terms(self) -> list[str]:
        """All terms, alphabetical (case-insensitive)."""
        return sorted((e.term for e in self.entries), key=str.casefold)

    def get(self, name: str) -> Entry | None:
        """The entry whose term or alias is `name` (case and punctuation ignored), else None."""
        found = self._by_key.get(name_key(name))
        return self.entries[found[0]] if found else None

    # -- lookup ---------------------------------------------------------------------------------
    def lookup(self, query: str) -> Match:
        """Exact (case/punctuation-insensitive) -> forgiven typo (rapidfuzz) -> unknown + suggestions."""
        query = " ".join(query.split())
        key = name_key(query)
        if not key:
            return Match(query, "unknown", suggestions=tuple(self.terms()[:5]))
        exact = self._by_key.get(key)
        if exact is not None:
            return Match(query, "exact", self.entries[exact[0]], exact[1], 100.0)
        keys = [k for _, _, k, _ in self._names]
        best = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=FUZZY_ACCEPT)
        if best is not None:
            name, _, _, i = self._names[best[2]]
            return Match(query, "fuzzy", self.entries[i], name, float(best[1]))
        return Match(query, "unknown", suggestions=self.suggest(query), passage=self.best_passage(query))

    def suggest(self, query: str, limit: int = 3) -> tuple[str, ...]:
        """Terms whose names look most like `query` ("did you mean")."""
        q = loose(query)
        if not q:
            return ()
        ranked = process.extract(
            q, [lo for _, lo, _, _ in self._names], scorer=fuzz.WRatio, limit=None, score_cutoff=SUGGEST_MIN
        )
        out: list[str] = []
        for _, _, pos in ranked:
            term = self.entries[self._names[pos][3]].term
            if term not in out:
                out.append(term)
            if len(out) >= limit:
                break
        return tuple(out)

    def best_passage(self, query: str) -> Quote | None:
        """The passage that best matches the query's words, when the corpus uses any of them."""
        index = self.index
        if index is None:
            return None
        terms = [t for t in dict.fromkeys(tokenize(query)) if t in index]
        if not terms:
            return None
        hits = index.search(terms, 1)
        if not hits:
            return None
        return make_quote(hits[0], index, {t: index.weight(t) for t in terms})

    # -- autocomplete ---------------------------------------------------------------------------
    def autocomplete(self, prefix: str, limit: int = MAX_CHOICES) -> list[tuple[str, str]]:
        """Up to `limit` (≤25) (label, term) choices: name prefix, then word prefix, then fuzzy.

        Labels and values fit Discord's 100-character limit; the value is always a term, so
        `lookup(value)` is exact.
        """
        limit = max(0, min(limit, MAX_CHOICES))
        q = loose(prefix)
        if not q:
            return [(_fit(t), t) for t in self.terms()[:limit]]
        qkey = q.replace(" ", "")
        best: dict[int, tuple[int, float, str]] = {}  # entry -> (tier, -score, name)
        for name, lo, key, i in self._names:
            if key.startswith(qkey):
                rank = (0, 0.0, name)
            elif any(w.startswith(q) for w in lo.split()) or f" {q}" in f" {lo}":
                rank = (1, 0.0, name)
            else:
                score = fuzz.WRatio(q, lo)
                if score < AUTOCOMPLETE_FUZZY_MIN:
                    continue
                rank = (2, -score, name)
            if i not in best or rank[:2] < best[i][:2]:
                best[i] = rank
        order = sorted(best.items(), key=lambda item: (item[1][0], item[1][1], self.entries[item[0]].term.casefold()))
        out: list[tuple[str, str]] = []
        for i, (_, _, name) in order[:limit]:
            term = self.entries[i].term
            label = term if name == term or name_key(name) == name_key(term) else f"{term} ({name})"
            out.append((_fit(label), term))
        return out

    # -- search expansion -----------------------------------------------------------------------
    def alias_groups(self) -> AliasGroups:
        """Token sequences of each term and its aliases, for question expansion in the engine.

        An alternative whose words include all of another's ("EU Model Clauses" vs "model clauses")
        is left out: it would find nothing new, and when the shorter name is asked it would add
        loose words ("EU") to the search.
        """
        groups: list[tuple[tuple[str, ...], ...]] = []
        for entry in self.entries:
            alts = _phrases(entry, with_mentions=False)
            kept = [a for a in alts if not any(set(b) < set(a) for b in alts if b != a)]
            if len(kept) >= 2:
                groups.append(tuple(kept))
        return tuple(groups)

    # -- evidence from the corpus ---------------------------------------------------------------
    def with_index(
        self, index: SearchIndex, text_terms: Callable[[int], Sequence[str]] | None = None
    ) -> Glossary:
        """This glossary bound to `index`: every term's mentioning passages found afresh.

        `text_terms(i)` gives the terms of passage i's own text (from the token cache when the
        snapshot is built); without it only the passages holding all words of a phrase are
        tokenised. Logs a warning naming the terms no passage mentions (they stay in the glossary,
        shown without quotes, but a maintainer should check their spelling or drop them).
        """
        if text_terms is None:
            def text_terms(i: int) -> Sequence[str]:
                return tokenize(index.passages[i].text)

        found = {e.term: rank_mentions(e, index, find_mentions(e, index, text_terms)) for e in self.entries}
        return self.bound(index, found)

    def bound(self, index: SearchIndex, mentions: Mapping[str, Sequence[Hit]]) -> Glossary:
        """This glossary bound to `index` with mentions already found (a snapshot read from disk)."""
        bound = dataclasses.replace(self, index=index, mentions=MappingProxyType(dict(mentions)))
        missing = bound.unmentioned()
        if missing and index.n:
            log.warning(
                "%s: no passage of the corpus mentions %d term(s): %s",
                self.source, len(missing), ", ".join(missing),
            )
        return bound

    def to_json(self) -> list[dict[str, Any]]:
        """The entries as plain data (for a snapshot kept on disk); `from_json` reads them back."""
        return [dataclasses.asdict(e) for e in self.entries]

    @classmethod
    def from_json(cls, data: Sequence[Mapping[str, Any]], source: str = GLOSSARY_FILE) -> Glossary:
        entries = tuple(
            Entry(str(d["term"]), str(d["definition"]),
                  *(tuple(map(str, d[k])) for k in ("aliases", "related", "mentions")))
            for d in data
        )
        return cls(entries, source)

    def unmentioned(self) -> tuple[str, ...]:
        """Terms that no passage of the bound index mentions (empty when not bound)."""
        if self.index is None:
            return ()
        return tuple(e.term for e in self.entries if not self.mentions.get(e.term))

    def quotes(self, entry: Entry, k: int = QUOTES_PER_TERM) -> tuple[Quote, ...]:
        """Verbatim sentences from the best `k` passages mentioning the term, with citations."""
        index = self.index
        if index is None or k <= 0:
            return ()
        out: list[Quote] = []
        for hit in self.mentions.get(entry.term, ())[:k]:
            weights = {t: index.weight(t) for t in hit.matched}
            out.append(make_quote(hit, index, weights))
        return tuple(out)

    def related_entries(self, entry: Entry) -> tuple[Entry, ...]:
        out: list[Entry] = []
        for name in entry.related:
            other = self.get(name)
            if other is not None and other is not entry and other not in out:
                out.append(other)
        return tuple(out)

    def explain(self, entry: Entry, k: int = QUOTES_PER_TERM) -> Explanation:
        return Explanation(entry, self.quotes(entry, k), self.related_entries(entry),
                           len(self.mentions.get(entry.term, ())))


def mention_query(entry: Entry) -> list[str]:
    """The search terms of an entry's mentions: every word of its names and mention phrases."""
    return list(dict.fromkeys(t for p in _phrases(entry, with_mentions=True) for t in p))


def find_mentions(
    entry: Entry,
    index: SearchIndex,
    text_terms: Callable[[int], Sequence[str]],
    among: np.ndarray | None = None,
) -> dict[int, frozenset[str]]:
    """Passages whose own text contains a name or mention phrase of `entry` word for word.

    The passage text (not a merged heading) must hold the phrase, so a quote shows the term used.
    Only the passages the index says hold every word of a phrase are looked at (`among`, sorted
    ids, narrows them further: the passages of one added article). Returns passage id -> the words
    of the phrases found there, which the quote marks in bold.
    """
    found: dict[int, set[str]] = {}
    if index.n == 0:
        return {}
    for phrase in _phrases(entry, with_mentions=True):
        docs = index.docs_with_all(phrase)
        if among is not None:
            docs = np.intersect1d(docs, among, assume_unique=True)
        for idx in docs.tolist():
            if _contains(text_terms(idx), phrase):
                found.setdefault(idx, set()).update(phrase)
    return {idx: frozenset(words) for idx, words in found.items()}


def find_mentions_in(entry: Entry, texts: Sequence[Sequence[str]]) -> dict[int, frozenset[str]]:
    """`find_mentions` over a few passages' text terms (`texts[j]`: passage j's), without an index."""
    phrases = _phrases(entry, with_mentions=True)
    found: dict[int, set[str]] = {}
    for j, toks in enumerate(texts):
        for phrase in phrases:
            if _contains(toks, phrase):
                found.setdefault(j, set()).update(phrase)
    return {j: frozenset(words) for j, words in found.items()}


def rank_mentions(entry: Entry, index: SearchIndex, found: Mapping[int, frozenset[str]]) -> Mentions:
    """The mentioning passages in BM25 order of the entry's words (score desc, then passage id)."""
    docs = np.array(sorted(found), dtype=np.intp)
    if not len(docs):
        return Mentions(index, docs, np.zeros(0), ())
    scores = index.score_passages(mention_query(entry), docs)
    order = np.lexsort((docs, -scores))
    docs, scores = docs[order], scores[order]
    return Mentions(index, docs, scores, tuple(found[i] for i in docs.tolist()))


class Mentions(Sequence[Hit]):
    """A term's mentioning passages as hits, made when read: a corpus of 300,000 passages may
    mention "cloud" in most of them, and only the first few are ever quoted."""

    def __init__(
        self, index: SearchIndex, docs: np.ndarray, scores: np.ndarray, matched: Sequence[frozenset[str]]
    ) -> None:
        self.index, self.docs, self.scores, self.matched = index, docs, scores, matched

    def __len__(self) -> int:
        return len(self.docs)

    def _hit(self, i: int) -> Hit:
        return Hit(self.index.passages[int(self.docs[i])], float(self.scores[i]), self.matched[i])

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return tuple(self._hit(j) for j in range(*i.indices(len(self))))
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._hit(i)


def _fit(text: str, limit: int = MAX_NAME_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# -- loading and validation ---------------------------------------------------------------------
def _text(value: object, what: str, where: str, *, max_chars: int | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise GlossaryError(f"{where}: '{what}' must be non-empty text")
    text = " ".join(value.split())
    if max_chars is not None and len(text) > max_chars:
        raise GlossaryError(f"{where}: '{what}' is {len(text)} characters long; the limit is {max_chars}")
    return text


def _text_list(value: object, what: str, where: str, *, max_chars: int | None = None) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise GlossaryError(f"{where}: '{what}' must be a list of text, e.g. [{what[:-1] or what} one]")
    return tuple(_text(v, f"{what} item", where, max_chars=max_chars) for v in value)


def _parse_entry(raw: object, number: int, source: str) -> Entry:
    where = f"{source}: entry {number}"
    if not isinstance(raw, dict):
        raise GlossaryError(f"{where}: must be a mapping with 'term' and 'definition'")
    if isinstance(raw.get("term"), str) and raw["term"].strip():
        where += f" ({' '.join(raw['term'].split())})"
    unknown = sorted(set(map(str, raw)) - _ENTRY_KEYS)
    if unknown:
        raise GlossaryError(
            f"{where}: unknown key(s) {', '.join(unknown)}; expected {', '.join(sorted(_ENTRY_KEYS))}"
        )
    if "term" not in raw:
        raise GlossaryError(f"{where}: 'term' is missing")
    if "definition" not in raw:
        raise GlossaryError(f"{where}: 'definition' is missing")
    term = _text(raw["term"], "term", where, max_chars=MAX_NAME_CHARS)
    definition = _text(raw["definition"], "definition", where, max_chars=MAX_DEFINITION_CHARS)
    sentences = len(split_sentences(definition))
    if sentences > MAX_DEFINITION_SENTENCES:
        raise GlossaryError(
            f"{where}: the definition has {sentences} sentences; keep it to {MAX_DEFINITION_SENTENCES}"
        )
    aliases = _text_list(raw.get("aliases"), "aliases", where, max_chars=MAX_NAME_CHARS)
    related = _text_list(raw.get("related"), "related", where)
    mentions = _text_list(raw.get("mentions"), "mentions", where)
    for name in (term, *aliases):
        if not name_key(name):
            raise GlossaryError(f"{where}: {name!r} has no letters or digits to look up")
    for phrase in mentions:
        if not tokenize(phrase):
            raise GlossaryError(f"{where}: mention {phrase!r} has no searchable words")
    return Entry(term, definition, aliases, related, mentions)


def parse_glossary(data: object, source: str = GLOSSARY_FILE) -> Glossary:
    """Validate parsed YAML ({terms: [...]}) into a Glossary; GlossaryError names the bad entry."""
    if not isinstance(data, dict) or "terms" not in data:
        raise GlossaryError(f"{source}: expected a mapping with a 'terms' list")
    extra = sorted(set(map(str, data)) - {"terms"})
    if extra:
        raise GlossaryError(f"{source}: unknown top-level key(s): {', '.join(extra)}")
    raw_terms = data["terms"]
    if raw_terms is None:
        raw_terms = []
    if not isinstance(raw_terms, list):
        raise GlossaryError(f"{source}: 'terms' must be a list of entries")
    entries = [_parse_entry(raw, n, source) for n, raw in enumerate(raw_terms, start=1)]
    owner: dict[str, tuple[int, str]] = {}  # name key -> (entry number, term)
    tokens_owner: dict[tuple[str, ...], tuple[int, str]] = {}
    for n, entry in enumerate(entries, start=1):
        for name in entry.names:
            key = name_key(name)
            other = owner.get(key)
            if other is not None and other[0] != n:
                raise GlossaryError(
                    f"{source}: entry {n} ({entry.term}): {name!r} is already a term or alias of "
                    f"{other[1]!r} (entry {other[0]})"
                )
            owner[key] = (n, entry.term)
            toks = tuple(tokenize(name))
            other = tokens_owner.get(toks) if toks else None
            if other is not None and other[0] != n:
                raise GlossaryError(
                    f"{source}: entry {n} ({entry.term}): {name!r} searches the same words as "
                    f"{other[1]!r} (entry {other[0]})"
                )
            if toks:
                tokens_owner[toks] = (n, entry.term)
    for n, entry in enumerate(entries, start=1):
        for name in entry.related:
            target = owner.get(name_key(name))
            if target is None:
                raise GlossaryError(
                    f"{source}: entry {n} ({entry.term}): related term {name!r} is not in the glossary"
                )
            if target[0] == n:
                raise GlossaryError(f"{source}: entry {n} ({entry.term}): a term cannot be related to itself")
    return Glossary(tuple(entries), source)


def load_glossary(path: Path | str) -> Glossary:
    """Read and validate a glossary file. Raises GlossaryError (never a bare YAML/OS error)."""
    path = Path(path)
    try:
        data = load_yaml_file(path, path.name)
    except YamlFileError as exc:
        raise GlossaryError(str(exc)) from None
    return parse_glossary(data, path.name)


def merge_alias_groups(*sources: Iterable[Sequence[Sequence[str]]]) -> AliasGroups:
    """Concatenate alias groups; a group sharing an alternative with an earlier one joins it.

    Earlier sources win the order (the glossary's long names before the synonyms' single words,
    so "Electronic Communications Privacy Act" is matched whole before "act" is).
    """
    merged: list[list[tuple[str, ...]]] = []
    for source in sources:
        for group in source:
            alts = [tuple(a) for a in group if a]
            target = next((m for m in merged if any(a in m for a in alts)), None)
            if target is None:
                merged.append(list(dict.fromkeys(alts)))
            else:
                target.extend(a for a in alts if a not in target)
    return tuple(tuple(g) for g in merged if len(g) >= 2)


def load_corpus_glossary(
    corpus_dir: Path | str, index: SearchIndex, last_good: Glossary | None = None
) -> Glossary | None:
    """The corpus's glossary bound to `index`, for a snapshot build; never raises GlossaryError.

    No file: None. A file that fails validation: the error is logged and `last_good` (the
    glossary of the previous snapshot) is kept, rebound to the new index so its quotes follow
    the corpus; without a last good one the glossary is off until the file is fixed.
    """
    path = Path(corpus_dir) / GLOSSARY_FILE
    if not path.exists():
        return None
    try:
        glossary = load_glossary(path)
    except GlossaryError as exc:
        if last_good is None:
            log.error("glossary not loaded: %s", exc)
            return None
        log.error("glossary not reloaded, keeping the last good one: %s", exc)
        glossary = last_good
    return glossary.with_index(index)
