"""Reading a mistyped question word as the corpus word it was meant to be ("sheild" -> "shield").

Only words the corpus never uses are corrected, only to words the corpus does use, only when the
match is close (rapidfuzz's normalised Levenshtein similarity), and never a common English word
(wordfreq), so correct spellings of words the corpus lacks ("Australia", "leaning") stay unknown
and keep counting against an answer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from bot.engine.text import STOPWORDS, fold, strip_accents

_WORD_RE = re.compile(r"[^\W\d_]{4,}")
_ACRONYM_RE = re.compile(r"\b[A-Z][A-Z0-9]{1,9}\b")
# a word with a lower-case letter after its first ("cloud", "Shield", "LinkedIn"), not part of a
# web or mail address ("linkedin.com"); all-capital words are acronyms (_ACRONYM_RE)
_CASED_WORD_RE = re.compile(r"(?<![\w/.@])[A-Za-z][a-z]+(?:[A-Z][a-z]*)*(?![\w/@]|\.\w)")
#: what may stand before a word that starts a sentence (after spaces): a capital there says nothing
_SENTENCE_OPENERS = frozenset(".!?:;\"'(\u201c\u2018")
#: Minimum similarity (0-100) for a correction; 84 allows one edit in a 6-letter word.
MIN_SIMILARITY = 84.0
MIN_LENGTH = 5


#: Words at least this frequent in English (wordfreq's Zipf scale: 3 = once per million words) are
#: real words, spelled as meant, however close they are to a corpus word.
COMMON_ZIPF = 3.0


def is_common_word(word: str) -> bool:
    """True for a common English word (wordfreq's small English list, bundled with the package)."""
    return zipf(word) >= COMMON_ZIPF


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """How common `word` is in English: wordfreq's Zipf scale (3 = once per million words)."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en", wordlist="small")


# Capitalised words in a row, or an acronym and a capitalised word: a name an acronym may stand for
_PHRASE_RE = re.compile(r"\b[A-Z][A-Za-z]*(?:[ \t]+[A-Z][A-Za-z]*){1,5}\b")
# ... or run together: "TechWeekEurope"
_CAMEL_RE = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+){2,5}\b")


def _starts_sentence(text: str, start: int) -> bool:
    """The word at `start` opens the text, a sentence, a quote or a parenthesis."""
    j = start - 1
    while j >= 0 and text[j].isspace():
        j -= 1
    return j < 0 or text[j] in _SENTENCE_OPENERS


def capitalised_runs(
    text: str, pattern: re.Pattern[str], *, split: str = r"\s+", cut: Callable[[str], bool] = lambda w: False
) -> list[list[str]]:
    """The runs of capitalised words that `pattern` finds in `text`, as lists of words.

    A common word that only starts the sentence ("Like Microsoft ...", "Does Google Cloud ...")
    is not part of a run, and a run is cut at capitalised function words ("The", "And") and at
    words `cut` names.
    """
    runs: list[list[str]] = []
    for m in pattern.finditer(text):
        parts = [w for w in re.split(split, m.group(0)) if w]
        if parts and _starts_sentence(text, m.start()) and is_common_word(parts[0].lower()):
            parts = parts[1:]
        runs.append([])
        for w in parts:
            if w.lower() in STOPWORDS or cut(w):
                runs.append([])
            else:
                runs[-1].append(w)
    return [run for run in runs if run]


def _spelled_out_names(text: str) -> list[tuple[str, str]]:
    """(initials, name) for the capitalised names of `text` an acronym may stand for.

    "European Data Protection Supervisor" -> "edps" (and its tail "dps"), "US Government" ->
    "usg", "TechWeekEurope" -> "twe" (runs as `capitalised_runs` finds them).
    """
    out: list[tuple[str, str]] = []
    for run in capitalised_runs(text, _PHRASE_RE):
        for start in range(len(run) - 1):  # "EU Data Protection Directive": also "DPD"
            initials = "".join(w if w.isupper() else w[0] for w in run[start:]).lower()
            if len(initials) >= 3:
                out.append((initials, " ".join(run[start:])))
    for word in _CAMEL_RE.findall(text):
        out.append(("".join(c for c in word if c.isupper()).lower(), word))
    return out


class Speller:
    def __init__(
        self,
        words: Iterable[str],
        acronyms: Iterable[str] = (),
        common_nouns: Iterable[str] = (),
        spelled_out: dict[str, str] | None = None,
        proper_nouns: Mapping[str, int] | None = None,
    ) -> None:
        self._words = sorted(set(words))
        self._set = frozenset(self._words)
        self.acronyms = frozenset(acronyms)  # words the corpus writes in capitals: ECPA, WP29, US
        # initials of the corpus's capitalised phrases: "edps" -> "European Data Protection Supervisor"
        self.spelled_out: dict[str, str] = dict(spelled_out or {})
        # words the corpus writes mostly in lower case ("cloud"): in capitals they are another thing
        self.common_nouns = frozenset(common_nouns)
        # words the corpus capitalises within sentences and never writes in lower case ("linkedin",
        # "schrems"), with how often: a name, however a question types it (see reading.truecase)
        self.proper_nouns: Mapping[str, int] = dict(proper_nouns or {})
        is_common_word("the")  # load wordfreq's list now (index build, off the event loop), not on a question
        self._bucket_map: dict[tuple[str, int], list[str]] | None = None
        self._names_map: dict[str, list[tuple[tuple[str, ...], str]]] | None = None

    @property
    def _buckets(self) -> dict[tuple[str, int], list[str]]:
        """Corpus words by (first letter, length), made on the first correction: a start from a
        snapshot on disk does not pay for it unless a question has an unknown word."""
        if self._bucket_map is None:
            buckets: dict[tuple[str, int], list[str]] = {}
            for w in self._words:
                buckets.setdefault((w[0], len(w)), []).append(w)
            self._bucket_map = buckets
        return self._bucket_map

    @property
    def words(self) -> list[str]:
        return self._words

    @property
    def names_by_first_word(self) -> dict[str, list[tuple[tuple[str, ...], str]]]:
        """The capitalised names of several words that `spelled_out` holds, by their first word in
        lower case, longest first: "european" -> [(("european", "data", "protection", "board"),
        "European Data Protection Board"), ...]. Made on the first question typed in lower case."""
        if self._names_map is None:
            names: dict[str, dict[tuple[str, ...], str]] = {}
            for name in self.spelled_out.values():
                words = tuple(name.lower().split())
                if len(words) >= 2 and all(w.isalpha() for w in words):
                    names.setdefault(words[0], {})[words] = name
            self._names_map = {
                w: sorted(ns.items(), key=lambda item: (-len(item[0]), item[0])) for w, ns in names.items()
            }
        return self._names_map

    @classmethod
    def from_texts(cls, texts: Iterable[str], titles: Iterable[str] = ()) -> Speller:
        """The vocabulary of passages and titles; names an acronym may stand for come from the
        passages only (a Title Case headline is not a name: "Explicit And Transparent")."""
        counts = SpellerCounts()
        counts.add(contribution(texts, titles))
        return counts.speller()

    def _candidates(self, word: str) -> list[str]:
        """Corpus words that could be `word` mistyped: same first letter, length within 2.

        Keeps a correction sub-millisecond at 300,000 passages (the whole vocabulary would not).
        """
        out: list[str] = []
        for n in range(len(word) - 2, len(word) + 3):
            out.extend(self._buckets.get((word[0], n), ()))
        return out

    def __len__(self) -> int:
        return len(self._words)

    def correct(self, word: str) -> str | None:
        """The corpus word closest to `word`, or None when none is close enough (or it is known)."""
        w = strip_accents(fold(word))
        if len(w) < MIN_LENGTH or w in self._set or not w.isalpha():
            return None
        if is_common_word(w):
            return None  # "leaning" is a word, not a typo of the corpus's "learning"
        pool = self._candidates(w)
        if not pool:
            return None
        best = process.extractOne(w, pool, scorer=fuzz.ratio, score_cutoff=MIN_SIMILARITY)
        if best is None:
            # transpositions ("sheild") cost two edits in plain Levenshtein: allow one swap
            cands = process.extract(w, pool, scorer=fuzz.ratio, limit=5, score_cutoff=70)
            cands = [c for c in cands if DamerauLevenshtein.distance(w, c[0]) <= 1]
            if not cands:
                return None
            best = cands[0]
        return best[0]


@dataclass(frozen=True)
class Contribution:
    """What one article brings to the speller: its words, acronyms, the lower-case and capitalised
    uses of its cased words (a capital that opens a sentence is not counted), and the (initials,
    name) pairs of its passages."""

    words: frozenset[str]
    acronyms: frozenset[str]
    lower: Counter[str]
    capital: Counter[str]
    spelled: frozenset[tuple[str, str]]


def contribution(texts: Iterable[str], titles: Iterable[str] = ()) -> Contribution:
    """The speller's material in `texts` (passages) and `titles` (see `Speller.from_texts`)."""
    words: set[str] = set()
    acronyms: set[str] = set()
    lower: Counter[str] = Counter()
    capital: Counter[str] = Counter()
    spelled: set[tuple[str, str]] = set()
    for text, is_title in [*((t, False) for t in texts), *((t, True) for t in titles)]:
        # most words are ASCII: strip accents only where there are some (half the build time)
        words.update(w if w.isascii() else strip_accents(w) for w in _WORD_RE.findall(fold(text)))
        acronyms.update(_ACRONYM_RE.findall(text))
        if not is_title:
            spelled.update(_spelled_out_names(text))
        if is_title:  # a Title Case headline capitalises every word: no evidence of a name
            continue
        for m in _CASED_WORD_RE.finditer(text):
            w = m.group(0)
            if w.islower():
                lower[w.lower()] += 1
            elif not _starts_sentence(text, m.start()):
                capital[w.lower()] += 1
    return Contribution(frozenset(words), frozenset(acronyms), lower, capital, frozenset(spelled))


@dataclass
class SpellerCounts:
    """Contributions summed over articles, so one article can be added or taken away again
    without reading the others: how many articles use each word, acronym and (initials, name)
    pair, and how often each cased word is written in lower case and capitalised."""

    words: Counter[str] = field(default_factory=Counter)
    acronyms: Counter[str] = field(default_factory=Counter)
    lower: Counter[str] = field(default_factory=Counter)
    capital: Counter[str] = field(default_factory=Counter)
    spelled: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, c: Contribution, sign: int = 1) -> None:
        """Add a contribution (sign -1: take it away); counts that reach zero are dropped."""
        for counter, items in ((self.words, c.words), (self.acronyms, c.acronyms), (self.spelled, c.spelled)):
            for item in items:
                counter[item] += sign
                if counter[item] <= 0:
                    del counter[item]
        for counter, other in ((self.lower, c.lower), (self.capital, c.capital)):
            for key, n in other.items():
                counter[key] += sign * n
                if counter[key] <= 0:
                    del counter[key]

    def speller(self) -> Speller:
        common = (w for w, n in self.lower.items() if n > self.capital.get(w, 0))
        phrases: dict[str, set[str]] = {}
        for initials, phrase in self.spelled:
            phrases.setdefault(initials, set()).add(phrase)
        # initials shared by two different names are not guessed at
        unique = {i: next(iter(p)) for i, p in phrases.items() if len(p) == 1}
        return Speller(self.words, self.acronyms, common, unique, self.proper_nouns())

    def proper_nouns(self) -> dict[str, int]:
        """Cased words capitalised within sentences and never written in lower case, and how often."""
        return {w: n for w, n in sorted(self.capital.items()) if w not in self.lower}
