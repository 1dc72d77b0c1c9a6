"""The one object the outside talks to: corpus + index (+ glossary), swapped atomically.

A `Snapshot` is immutable: built completely (off the event loop when async), then installed
with a single attribute assignment. A question always runs against one snapshot, so a question
asked while the index rebuilds is answered from the old one and never sees half an index.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from bot.answer import NAME_BOOST, Concept, build_answer
from bot.articles import DEFAULT_CORPUS_DIR, articles_dir, corpus_stamp, format_date, load_corpus
from bot.glossary import Glossary, load_corpus_glossary, merge_alias_groups
from bot.models import Answer, Article, Passage
from bot.passages import split_article
from bot.search import TOKEN_SIGNATURE, SearchIndex, passage_terms
from bot.synonyms import load_synonyms
from bot.text import clean_question, scan_tokens, strip_possessive, tokenize
from bot.tokcache import TokenCache
from bot.typos import Speller, capitalised_runs, is_common_word

log = logging.getLogger(__name__)

#: Tokenised passages are cached here, inside the corpus directory, one file per article version.
CACHE_DIR = Path(".cache") / "tokens"

#: Hits fetched per question before the relevance rule and quote selection.
CANDIDATES = 20


@dataclass(frozen=True)
class Snapshot:
    corpus_dir: Path
    articles: tuple[Article, ...]
    passages: tuple[Passage, ...]
    index: SearchIndex
    errors: tuple[str, ...] = ()  # broken article files, reported not fatal
    stamp: tuple = ()
    alias_groups: tuple[tuple[tuple[str, ...], ...], ...] = field(default_factory=tuple)
    glossary: object | None = None  # bot.glossary.Glossary when one is loaded
    speller: Speller | None = None  # corrects question words the corpus never uses

    @cached_property
    def alias_index(self) -> dict[str, tuple[int, ...]]:
        """term -> indexes of the alias groups that use it, so a question scans only its own groups."""
        index: dict[str, list[int]] = {}
        for gi, group in enumerate(self.alias_groups):
            for t in {t for alt in group for t in alt}:
                index.setdefault(t, []).append(gi)
        return {t: tuple(v) for t, v in index.items()}

    @cached_property
    def present_alternatives(self) -> frozenset[tuple[str, ...]]:
        """Alias alternatives whose words occur together in at least one passage."""
        alts = {tuple(alt) for group in self.alias_groups for alt in group}
        return frozenset(a for a in alts if a and self.index.doc_freq_all(a) > 0)

    @cached_property
    def glossary_terms(self) -> frozenset[tuple[str, ...]]:
        """Token forms of the glossary's terms and aliases ("safe harbour", "ecpa")."""
        if not isinstance(self.glossary, Glossary):
            return frozenset()
        return frozenset(alt for group in self.glossary.alias_groups() for alt in group)

    @cached_property
    def alias_acronyms(self) -> frozenset[str]:
        """Glossary/synonym entries that abbreviate another entry of their group ("eea" for
        "European Economic Area"): known acronyms even where the articles spell them out."""
        out: set[str] = set()
        for group in self.alias_groups:
            initials = {"".join(t[0] for t in alt) for alt in group if len(alt) >= 2}
            out.update(alt[0] for alt in group if len(alt) == 1 and alt[0] in initials)
        return frozenset(out)


def content_key(article: Article) -> str:
    """Hash of an article's exact paragraphs: the tokens change whenever this does."""
    return hashlib.sha256("\n\n".join(article.paragraphs).encode("utf-8")).hexdigest()[:32]


def build_snapshot(corpus_dir: Path, *, previous: Snapshot | None = None) -> Snapshot:
    """Read the corpus and build the index. CPU- and I/O-bound: call it off the event loop.

    `previous` (the snapshot being replaced) supplies the last good glossary when the glossary
    file no longer validates, so a bad edit never takes the glossary away from the bot.
    """
    corpus_dir = Path(corpus_dir)
    stamp = corpus_stamp(corpus_dir)
    loaded = load_corpus(corpus_dir)
    passages: list[Passage] = []
    tokens: list[list[str]] = []
    cache = TokenCache(corpus_dir / CACHE_DIR, signature=TOKEN_SIGNATURE)
    keys: set[str] = set()
    for article in loaded.articles:
        parts = split_article(article)
        key = f"{article.slug}-{content_key(article)}"
        keys.add(key)
        terms = cache.get_or_compute(key, lambda parts=parts: [passage_terms(p) for p in parts])
        if len(terms) != len(parts):  # a cache entry from another split: never trust it
            log.warning("token cache entry for %s does not fit its passages; re-tokenising", article.slug)
            terms = [passage_terms(p) for p in parts]
        passages.extend(parts)
        tokens.extend(terms)
    cache.prune(keys)
    titles = [tokenize(a.title) for a in loaded.articles]
    index = SearchIndex(loaded.articles, passages, tokens, titles)
    last = previous.glossary if previous is not None and isinstance(previous.glossary, Glossary) else None
    glossary = load_corpus_glossary(corpus_dir, index, last)
    # glossary names first: "Electronic Communications Privacy Act" is matched whole before "act"
    groups = merge_alias_groups(glossary.alias_groups() if glossary is not None else (), load_synonyms(corpus_dir))
    speller = Speller.from_texts([p.full_text for p in passages], [a.title for a in loaded.articles])
    return Snapshot(
        corpus_dir, loaded.articles, tuple(passages), index, loaded.errors, stamp, groups,
        glossary=glossary, speller=speller,
    )


def _find(seq: Sequence[str], sub: Sequence[str]) -> int:
    n = len(sub)
    if n == 0:
        return -1
    for i in range(len(seq) - n + 1):
        if list(seq[i : i + n]) == list(sub):
            return i
    return -1


def expand_question(
    terms: Sequence[str],
    alias_groups: Sequence[Sequence[Sequence[str]]],
    surface: dict[str, str] | None = None,
    names: frozenset[str] = frozenset(),
    group_index: dict[str, tuple[int, ...]] | None = None,
    present_alternatives: frozenset[tuple[str, ...]] | None = None,
    glossary_terms: frozenset[tuple[str, ...]] = frozenset(),
    adjacent: frozenset[tuple[str, str]] = frozenset(),
    acronyms: frozenset[str] = frozenset(),
) -> tuple[list[Concept], list[str]]:
    """Group question terms into concepts; a glossary term or alias brings its equivalents along.

    Returns the concepts (for the relevance rule) and the query terms for BM25 (the question's
    own terms plus the equivalents' terms, so "ECPA" also finds "Electronic Communications
    Privacy Act").
    """
    remaining = list(terms)
    concepts: list[Concept] = []
    # the question's own words count twice, equivalents once: an equivalent helps but never outweighs
    query = list(terms) * 2
    present = set(terms)
    if group_index is not None:  # only groups sharing a word with the question, in file order
        candidates = sorted({gi for t in present for gi in group_index.get(t, ())})
        groups: Sequence[Sequence[Sequence[str]]] = [alias_groups[gi] for gi in candidates]
    else:
        groups = alias_groups
    # only groups with an alternative whose words all occur in the question can match
    pending = [
        alts
        for alts in ([tuple(a) for a in g if a] for g in groups)
        if any(present.issuperset(a) for a in alts)
    ]
    while True:
        # the longest name present wins, across groups ("EU US" before "US", "Electronic
        # Communications Privacy Act" before "act"); on a tie the earlier group wins
        best: tuple[int, int, tuple[str, ...]] | None = None
        for gi, group_alts in enumerate(pending):
            for cand in group_alts:
                if (best is None or len(cand) > len(best[2])) and (pos := _find(remaining, cand)) >= 0:
                    best = (gi, pos, cand)
        if best is None:
            break
        gi, pos, alt = best
        alts = pending.pop(gi)
        del remaining[pos : pos + len(alt)]
        # the group's other names in the question are the same thing: "the Redmond software giant"
        for other in alts:
            while (at := _find(remaining, other)) >= 0:
                del remaining[at : at + len(other)]
        # a name matched through its group ("MS" for Microsoft) is found under any of its forms;
        # boosting it too made the rule refuse more answerable questions (README, "Measured")
        label = " ".join((surface or {}).get(t, t) for t in alt)
        concepts.append(
            Concept(
                label, tuple(frozenset(a) for a in alts), name=any(t in names for t in alt),
                term=any(a in glossary_terms for a in alts) or any(t in acronyms for t in alt),
            )
        )
        for other in alts:
            # an equivalent the corpus never holds whole adds only noise: "Redmond company" would
            # make every passage saying "company" look relevant to a question about Microsoft
            if other != alt and (present_alternatives is None or other in present_alternatives):
                query.extend(t for t in other if t not in query)
    seen: set[str] = set()
    # names written next to each other are one name ("Satya Nadella"): they share a name group
    follows = adjacent
    group, last = 0, None
    for t in remaining:
        if t not in seen:
            seen.add(t)
            boost = NAME_BOOST if t in names else 1.0
            if t in names and (last, t) not in follows:
                group += 1
            last = t if t in names else None
            concepts.append(
                Concept((surface or {}).get(t, t), (frozenset([t]),), boost, name=t in names,
                        term=t in acronyms, name_group=group if t in names else 0)
            )
    return concepts, query


@dataclass(frozen=True)
class QuestionTerms:
    terms: list[str]
    corrections: list[tuple[str, str]]  # (word as typed, word it was read as)
    surface: dict[str, str]  # term -> the word as typed, for messages
    names: frozenset[str]  # terms typed as a name, or an acronym the corpus never writes
    # acronyms an article spells out: ((acronym,), (its words...)), an alias group for this question
    spelled_groups: tuple[tuple[tuple[str, ...], ...], ...] = ()
    # (term, next term) written next to each other, only white space or a hyphen between
    adjacent: frozenset[tuple[str, str]] = frozenset()
    acronyms: frozenset[str] = frozenset()  # known acronyms typed as such ("EU", "ECPA")


_SENTENCE_START_RE = re.compile(r"(?:^|[.!?:;]\s*|[\"'(\[]\s*)$")


_WORDS_RE = re.compile(r"[^\W\d_][^\W_]+")


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _looks_like_name(text: str, start: int, word: str) -> bool:
    """An acronym (GDPR, S3) anywhere, or a capitalised word that does not start a sentence."""
    if _is_acronym(word) or any(c.isdigit() for c in word):  # "GDPR", "S3", "in 2015"
        return True
    return word[:1].isupper() and not _SENTENCE_START_RE.search(text[:start])


def question_terms(text: str, snap: Snapshot) -> QuestionTerms:
    """Tokenise a question; a word the corpus never uses is read as a close corpus word if one exists."""
    terms: list[str] = []
    corrections: list[tuple[str, str]] = []
    surface: dict[str, str] = {}
    names: set[str] = set()
    acronyms: set[str] = set()
    spelled_groups: list[tuple[tuple[str, ...], ...]] = []
    known = snap.index
    tokens = scan_tokens(text)  # uncached: questions must not fill the passage cache
    words = _WORDS_RE.findall(text)
    shouting = sum(1 for w in words if _is_acronym(w)) * 2 > len(words)  # "WHAT IS PRIVACY SHIELD"
    for tok in tokens:
        term = tok.term
        word = text[tok.start : tok.end] if tok.start >= 0 else term
        bare = strip_possessive(word)  # "EDPS's"
        spelled = snap.speller.spelled_out.get(bare.lower()) if snap.speller is not None else None
        if (
            spelled
            and not shouting
            and _is_acronym(bare)
            and len(bare) >= 3
            and term not in known
            and term not in snap.alias_index
            and not is_common_word(bare.lower())  # "EAT", "CPA": words, or someone else's acronym
        ):
            # "EDPS" where an article writes "European Data Protection Supervisor": one name, found
            # under either form
            if (bare, spelled) not in corrections:
                corrections.append((bare, spelled))
            phrase = tuple(tokenize(spelled))
            if phrase and ((term,), phrase) not in spelled_groups:
                spelled_groups.append(((term,), phrase))
            names.add(term)
            surface.setdefault(term, bare)
            terms.append(term)
            continue
        if (
            not shouting
            and snap.speller is not None
            and _is_acronym(word)
            and len(word) >= 3
            and word not in snap.speller.acronyms
            and term not in snap.alias_acronyms
            # "MICROSOFT" is Microsoft shouted; "CLOUD" (the corpus says "cloud") is an acronym;
            # "MSFT", unknown to the articles, is a name of the Microsoft synonym group
            and (word.lower() in snap.speller.common_nouns or (term not in known and term not in snap.alias_index))
        ):
            # "CLOUD Act" is not about clouds: an acronym the corpus never writes is a name it lacks
            term = f"{term}#acronym"
            names.add(term)
            surface.setdefault(term, word)
            terms.append(term)
            continue
        if term not in known and snap.speller is not None:
            fixed = snap.speller.correct(word)
            if fixed is not None:
                new_terms = tokenize(fixed)
                if new_terms and all(t in known for t in new_terms):
                    corrections.append((word, fixed))
                    terms.extend(new_terms)
                    continue
        if tok.start >= 0 and _looks_like_name(text, tok.start, word):
            # a name is what the question is about ("Amazon" in "How much does Amazon charge?"):
            # known or not, a passage without it covers little of the question. Known acronyms
            # (ECPA, US) are exempt: their passages are found through the glossary anyway.
            # "Cloud" in "Google Cloud" is the corpus's everyday "cloud": not what the question is about
            common = snap.speller is not None and bare.lower() in snap.speller.common_nouns
            if (term not in known or not _is_acronym(word)) and not common:
                names.add(term)
            elif _is_acronym(word) and not shouting:
                acronyms.add(term)  # "EU", "ECPA": a known acronym is specific, if not a name to require
        surface.setdefault(term, word)
        terms.append(term)
    adjacent = frozenset(
        (a.term, b.term) for a, b in zip(tokens, tokens[1:], strict=False)
        if a.start >= 0 and b.start >= 0 and re.fullmatch(r"[\s-]*", text[a.end : b.start])
    )
    return QuestionTerms(
        terms, corrections, surface, frozenset(names), tuple(spelled_groups), adjacent, frozenset(acronyms)
    )


@dataclass(frozen=True)
class Interpretation:
    """A question as the engine reads it: concepts for the relevance rule, terms for BM25."""

    concepts: list[Concept]
    query: list[str]
    corrections: list[tuple[str, str]]
    # names of several capitalised words that include an everyday word of the corpus ("Google
    # Cloud", "European Data Protection Board"): a passage must hold them as written, since each
    # word alone is everywhere ("drawing board", "data protection group")
    phrases: tuple[str, ...] = ()


_CAPITAL_RUN_RE = re.compile(r"[A-Z][\w]*(?:[ \t-]+[A-Z][\w]*)+")


def name_phrases(text: str, snap: Snapshot) -> tuple[str, ...]:
    """The question's multi-word names that a passage must hold as a phrase (see Interpretation)."""
    if snap.speller is None:
        return ()
    longer = [w for w in _WORDS_RE.findall(text) if len(w) > 3]
    if longer and all(w[:1].isupper() for w in longer):  # "What Microsoft Said About Privacy": Title Case
        return ()
    out: list[str] = []
    # "Microsoft Said About Privacy": runs cut at function words; "EU-US" and "US" are acronyms
    for run in capitalised_runs(text, _CAPITAL_RUN_RE, split=r"[ \t-]+", cut=lambda w: _is_acronym(w) and len(w) <= 2):
        if len(run) < 2 or not any(w.lower() in snap.speller.common_nouns for w in run):
            continue
        if tuple(tokenize(" ".join(run))) in snap.present_alternatives:
            continue  # a glossary or synonym name the articles use: matched as such already
        out.append(" ".join(w.lower() for w in run))
    return tuple(dict.fromkeys(out))


def interpret(text: str, snap: Snapshot) -> Interpretation:
    """Question words -> concepts and BM25 query, with the snapshot's aliases and vocabulary.

    The one reading of a question, shared by `Knowledge.ask` and `python -m bot tune`.
    """
    terms = question_terms(text, snap)
    if terms.spelled_groups:  # rare: scan every group once rather than keep a second index
        concepts, query = expand_question(
            terms.terms, terms.spelled_groups + snap.alias_groups, terms.surface, terms.names, None,
            snap.present_alternatives | {alt for group in terms.spelled_groups for alt in group},
            snap.glossary_terms, terms.adjacent, terms.acronyms,
        )
    else:
        concepts, query = expand_question(
            terms.terms, snap.alias_groups, terms.surface, terms.names, snap.alias_index,
            snap.present_alternatives, snap.glossary_terms, terms.adjacent, terms.acronyms,
        )
    return Interpretation(concepts, query, terms.corrections, name_phrases(text, snap))


class Knowledge:
    """Holds the current snapshot; answers questions; rebuilds off the loop and swaps."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self._reload_lock: asyncio.Lock | None = None

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def load(cls, corpus_dir: Path | str | None = None) -> Knowledge:
        return cls(build_snapshot(Path(corpus_dir) if corpus_dir else DEFAULT_CORPUS_DIR))

    @classmethod
    async def open(cls, corpus_dir: Path | str | None = None) -> Knowledge:
        return await asyncio.to_thread(cls.load, corpus_dir)

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @property
    def corpus_dir(self) -> Path:
        return self._snapshot.corpus_dir

    def install(self, snapshot: Snapshot) -> None:
        """Swap in a new snapshot in one step."""
        self._snapshot = snapshot

    async def reload(self, *, only_if_changed: bool = False) -> Snapshot:
        """Rebuild off the event loop, then swap; concurrent reloads are serialised.

        `only_if_changed` (the watcher): skip when, once the lock is held, the files match the
        current snapshot, e.g. because our own add already rebuilt it.
        """
        async with self._writer_lock():
            if only_if_changed and not await asyncio.to_thread(self.changed_on_disk):
                return self._snapshot
            snap = await asyncio.to_thread(build_snapshot, self._snapshot.corpus_dir, previous=self._snapshot)
            self.install(snap)
            log.info("corpus reloaded: %d articles, %d passages", len(snap.articles), len(snap.passages))
            return snap

    def changed_on_disk(self) -> bool:
        """True when another process (or a person) changed the article files since the last build."""
        return corpus_stamp(self._snapshot.corpus_dir) != self._snapshot.stamp

    # -- adding and removing articles (live) ----------------------------------------------------
    def _writer_lock(self) -> asyncio.Lock:
        """Adds, removes and reloads of this process share one lock (the file lock covers processes)."""
        if self._reload_lock is None:
            self._reload_lock = asyncio.Lock()
        return self._reload_lock

    def _add_and_build(self, article: Article) -> tuple[Article, Snapshot]:
        """Blocking: store the article, build the new snapshot; on failure take the file out again."""
        from bot.articles import add_article, corpus_lock

        corpus_dir = self._snapshot.corpus_dir
        stored = add_article(corpus_dir, article)
        try:
            snap = build_snapshot(corpus_dir, previous=self._snapshot)
        except BaseException:
            with corpus_lock(corpus_dir):
                (articles_dir(corpus_dir) / f"{stored.slug}.md").unlink(missing_ok=True)
            log.exception("index rebuild failed after adding %s; the article was taken out", stored.slug)
            raise
        return stored, snap

    def _remove_and_build(self, slug: str) -> tuple[Article, Snapshot]:
        from bot.articles import remove_article, restore_file

        corpus_dir = self._snapshot.corpus_dir
        removed = remove_article(corpus_dir, slug)
        try:
            snap = build_snapshot(corpus_dir, previous=self._snapshot)
        except BaseException:
            restore_file(corpus_dir, removed.article.slug, removed.data)
            log.exception("index rebuild failed after removing %s; the file was put back", slug)
            raise
        return removed.article, snap

    async def add(self, article: Article) -> tuple[Article, int]:
        """Store `article` and swap in an index that holds it; returns (stored article, passages).

        Writes and rebuilds run off the event loop; questions asked meanwhile use the old snapshot.
        A refused or failed add (duplicate, disk error, failed rebuild) leaves corpus and index as
        they were.
        """
        async with self._writer_lock():
            stored, snap = await asyncio.to_thread(self._add_and_build, article)
            self.install(snap)
        count = sum(1 for p in snap.passages if p.article_slug == stored.slug)
        log.info("added %s: %d passages; corpus now %d articles", stored.slug, count, len(snap.articles))
        return stored, count

    async def remove(self, slug: str) -> Article:
        """Delete an article and swap in an index without it (same guarantees as `add`)."""
        async with self._writer_lock():
            removed, snap = await asyncio.to_thread(self._remove_and_build, slug)
            self.install(snap)
        log.info("removed %s; corpus now %d articles", removed.slug, len(snap.articles))
        return removed

    async def watch(self, interval: float = 3.0) -> None:
        """Poll the corpus directory every `interval` s and reload when another process changed it.

        For bot processes (shards) sharing one corpus directory. Runs until cancelled; a failed
        poll or reload is logged and retried at the next tick, never fatal.
        """
        while True:
            await asyncio.sleep(interval)
            try:
                if self._reload_lock is not None and self._reload_lock.locked():
                    continue  # our own add/remove is rebuilding; look again next tick
                if await asyncio.to_thread(self.changed_on_disk):
                    log.info("corpus changed on disk; reloading")
                    await self.reload(only_if_changed=True)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("corpus watcher: reload failed; will retry")

    # -- questions ------------------------------------------------------------------------------
    def ask(self, question: str, top_k: int = 3) -> Answer:
        snap = self._snapshot
        text, truncated = clean_question(question)
        notes: tuple[str, ...] = ("The question was cut to its first 1,000 characters.",) if truncated else ()
        reading = interpret(text, snap)
        if reading.corrections:
            notes += ("Read as: " + ", ".join(f"{w} \u2192 {c}" for w, c in reading.corrections) + ".",)
        hits = snap.index.search(reading.query, max(CANDIDATES, top_k * 2))
        return build_answer(text, reading.concepts, hits, snap.index, max(top_k, 1), notes, reading.phrases)

    # -- what the corpus holds ------------------------------------------------------------------
    def sources(self) -> list[tuple[Article, int]]:
        snap = self._snapshot
        counts: dict[str, int] = {}
        for p in snap.passages:
            counts[p.article_slug] = counts.get(p.article_slug, 0) + 1
        return [(a, counts.get(a.slug, 0)) for a in snap.articles]

    def coverage(self) -> str:
        """One sentence on what the corpus covers, for no-answer replies."""
        arts = self._snapshot.articles
        if not arts:
            return "The corpus is empty: no articles have been added yet."
        if len(arts) == 1:
            a = arts[0]
            date = format_date(a.published)
            return f'The corpus holds one article: "{a.title}" ({a.publisher}{", " + date if date else ""}).'
        names = "; ".join(f'"{a.title}"' for a in arts[:5])
        more = f" and {len(arts) - 5} more" if len(arts) > 5 else ""
        return f"The corpus holds {len(arts)} articles on cloud data sovereignty: {names}{more}."

