"""Text handling shared by indexing and querying: normalisation, tokens, stemming, sentences.

The same `tokenize` runs on passages and on questions, so whatever folding happens here
(case, curly quotes, accents, punctuation, possessives, stemming) makes "ECPA?" match "ECPA"
and "Constitutional" match "Constitution". Knows nothing about articles or Discord.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

#: Bump when tokenisation changes in a way the signature in bot.engine.search cannot see (regexes, rules).
TOKENIZER_VERSION = "8"

#: Questions longer than this are cut before processing (the engine says so in the answer).
MAX_QUESTION_CHARS = 1000

_QUOTE_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)

# A word: letters/digits, allowing inner apostrophes ("don't") handled below.
# Dotted acronyms ("U.S.", "e.g.") are one word.
#: A bound prefix and its word are one word however they are written: "re-use" and "reuse",
#: "non-personal" and "nonpersonal", "sub-processor" and "subprocessor" ("re" alone is a
#: stopword, and "personal data" is not what "non-personal data" means)
_PREFIXED = r"(?:re|co|pre|non|sub)-(?=[^\W\d_]{3})"
_WORD_RE = re.compile(
    rf"(?:[^\W\d_]\.){{2,}}|(?i:{_PREFIXED})?[^\W_]+(?:'[^\W_]+)*", re.UNICODE
)
_WS_RE = re.compile(r"\s+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
# Invisible format characters (zero-width space/joiners, word joiner, BOM, soft hyphen, direction
# marks): inside a word they are no boundary ("EC\u200bPA" is ECPA), so a question loses them.
_INVISIBLE_RE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")

# English stopwords (the common NLTK/Snowball list, trimmed of words that carry meaning here,
# e.g. "not"/"no" are kept as stopwords since BM25 cannot use negation anyway).
STOPWORDS: frozenset[str] = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
    don't down during each few for from further had hadn't has hasn't have haven't having he he'd
    he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into
    is isn't it it's its itself let's me more most mustn't my myself no nor not of off on once only
    or other ought our ours ourselves out over own same shan't she she'd she'll she's should
    shouldn't so some such than that that's the their theirs them themselves then there there's
    these they they'd they'll they're they've this those through to too under until up very was
    wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while
    who who's whom why why's will with won't would wouldn't you you'd you'll you're you've your yours
    yourself yourselves also just s t d ll m re ve whats whos hows wheres whens whys
    tell say says said explain describe according article does did please
    many much ever get got gets getting mean means meant stand know think thought happen happened
    happens kind sort type way exactly actually really anything something someone anyone
    make makes made making
    """.split()
)

# The Snowball stemmer keeps its working state on the object: one per thread (questions run in
# worker threads while an index rebuild tokenises in another).
_local = threading.local()


def _stemmer() -> snowballstemmer.stemmer:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("english")
    return stemmer


_POSSESSIVE_RE = re.compile(r"['\u2019]s$")


def strip_possessive(word: str) -> str:
    """The word without a trailing possessive: "EDPS's" -> "EDPS", "Microsoft\u2019s" -> "Microsoft"."""
    return _POSSESSIVE_RE.sub("", word)


def fold_quotes(text: str) -> str:
    """Curly quotes and dashes to ASCII, nothing else (case and characters kept)."""
    return text.translate(_QUOTE_FOLD)


def fold(text: str) -> str:
    """Normalise for matching: NFKC, curly quotes and dashes to ASCII, no control chars, lower case."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTE_FOLD)
    text = _CONTROL_RE.sub(" ", text)
    return text.lower()


def fold_for_match(text: str) -> str:
    """Folding used by the evaluator: case, curly quotes and white space runs (see DESIGN.md)."""
    return _WS_RE.sub(" ", fold(text)).strip()


def strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Snowball over-stems a few short verbs ("sued" -> "su" but "sues" -> "sue"); mend the known ones.
_STEM_FIXES = {"su": "sue", "us": "us"}
# ... and conflates a few words whose meanings differ: "lawful" is not "law" ("lawful requests" is
# no answer to "which law ...?"), so it keeps a stem of its own
_WORD_STEMS = {
    "lawful": "lawful", "lawfully": "lawful", "lawfulness": "lawful",
    # Snowball gives "regulator" the stem of "regulation": a question about a regulation would
    # be read as one about watchdogs (the synonym group of "regulator")
    "regulator": "regulator", "regulators": "regulator", "regulator's": "regulator", "regulators'": "regulator",
}
#: Irregular verb forms and their base, which Snowball cannot see ("wrote" and "writing" are one
#: verb). Forms that are also everyday words of another meaning ("found", "left", "saw") are left out.
_IRREGULAR = {
    "wrote": "write", "written": "write", "took": "take", "taken": "take", "gave": "give", "given": "give",
    "told": "tell", "won": "win", "held": "hold", "began": "begin", "begun": "begin", "bought": "buy",
    "paid": "pay", "sold": "sell", "brought": "bring", "sent": "send", "spent": "spend", "led": "lead",
    "met": "meet", "chose": "choose", "chosen": "choose", "broke": "break", "broken": "break",
    "spoke": "speak", "spoken": "speak", "rose": "rise", "risen": "rise", "fell": "fall", "fallen": "fall",
    "grew": "grow", "grown": "grow", "knew": "know", "known": "know", "shown": "show", "seen": "see",
    "lost": "lose", "kept": "keep", "built": "build", "struck": "strike", "drew": "draw", "drawn": "draw",
    "drove": "drive", "driven": "drive", "thought": "think", "caught": "catch", "fought": "fight",
    "sought": "seek", "taught": "teach", "stood": "stand", "understood": "understand",
    "forbade": "forbid", "forbidden": "forbid", "hid": "hide", "hidden": "hide", "froze": "freeze",
    "frozen": "freeze", "withdrew": "withdraw", "withdrawn": "withdraw", "overturned": "overturn",
    "undertook": "undertake", "undertaken": "undertake", "arose": "arise", "arisen": "arise",
    "upheld": "uphold", "withheld": "withhold", "oversaw": "oversee", "overseen": "oversee",
    "heard": "hear", "meant": "mean", "dealt": "deal", "got": "get", "gotten": "get", "came": "come",
    "became": "become", "stuck": "stick", "rebuilt": "rebuild", "rewrote": "rewrite",
    "rewritten": "rewrite", "overrode": "override", "overridden": "override", "threw": "throw",
    "thrown": "throw", "flew": "fly", "flown": "fly", "spun": "spin", "swore": "swear", "sworn": "swear",
    "foresaw": "foresee", "foreseen": "foresee", "forgave": "forgive", "forgiven": "forgive",
    "sank": "sink", "sunk": "sink", "shrank": "shrink", "shrunk": "shrink", "laid": "lay",
    "strove": "strive", "striven": "strive", "undid": "undo", "undone": "undo",
}


#: Snowball stems a noun and the verb it is made from apart when the suffix changes the root's
#: last letters ("conclusion" -> "conclus", "concluded" -> "conclud"): a question asking "when were
#: the talks concluded?" then shares no word with "the conclusion of talks on 30 March". Each noun
#: stem here is read as its verb's. Nouns whose everyday sense parts from the verb's ("provision",
#: "commission", "application", "passage", "storage" (the App Store), "division" (of a company))
#: are left out; "ran" is not read as "run" either ("Open RAN").
_DERIVED = {
    "conclus": "conclud", "decis": "decid", "complaint": "complain", "inclus": "includ",
    "exclus": "exclud", "permiss": "permit", "submiss": "submit",
    "admiss": "admit", "transmiss": "transmit", "extens": "extend", "suspens": "suspend",
    "expans": "expand", "retent": "retain", "detent": "detain", "intervent": "interven",
    "invas": "invad", "complianc": "compli", "relianc": "reli", "denial": "deni",
    "failur": "fail", "disclosur": "disclos", "exposur": "expos", "seizur": "seiz",
    "departur": "depart", "restraint": "restrain", "deliveri": "deliv", "discoveri": "discov",
    "recoveri": "recov", "notif": "notifi", "justif": "justifi", "certif": "certifi",
    "modif": "modifi", "verif": "verifi", "clarif": "clarifi", "identif": "identifi",
    "ratif": "ratifi", "qualif": "qualifi", "descript": "describ",
    "analysi": "analys", "analyz": "analys", "emergenc": "emerg", "existenc": "exist",
    "insistenc": "insist", "dependenc": "depend", "growth": "grow", "persuas": "persuad",
    "collis": "collid", "omiss": "omit",
}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball English stem of a folded word (cached: the vocabulary is small, text is not)."""
    if word in _WORD_STEMS:
        return _WORD_STEMS[word]
    out = _stemmer().stemWord(_IRREGULAR.get(word, word))
    out = _STEM_FIXES.get(out, out)
    return _DERIVED.get(out, out)


@dataclass(frozen=True)
class Token:
    """A word occurrence: its stem (the index term) and its span in the original text."""

    term: str
    start: int
    end: int


def _word_term(word: str) -> str | None:
    """Term for one folded word, or None for stopwords and noise."""
    if word in STOPWORDS:  # contractions ("don't") are listed with their apostrophe
        return None
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "").replace(".", "").replace("-", "")
    if not word or word in STOPWORDS:
        return None
    word = strip_accents(word)
    if not word:
        return None
    if len(word) == 1 and not word.isdigit():
        return None
    return stem(word)


def _fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """fold() one character at a time, with each folded character's index in `text`.

    NFKC may lengthen one place (ligature "\ufb01" -> "fi") and shorten another, so a span in the
    folded text maps back through this table, never by assuming equal lengths.
    """
    pieces: list[str] = []
    origin: list[int] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):  # keep "e" + U+0301 together
            j += 1
        f = fold(text[i:j])
        pieces.append(f)
        origin.extend([i] * len(f))
        i = j
    return "".join(pieces), origin


def scan_tokens(text: str) -> tuple[Token, ...]:
    """Tokens with their spans in the original `text`. Uncached: use it for questions."""
    folded = fold(text)
    if len(folded) == len(text) and unicodedata.is_normalized("NFKC", text):
        origin = None  # the common case: one folded character per original character
    else:
        folded, origin = _fold_with_offsets(text)
    out: list[Token] = []
    for m in _WORD_RE.finditer(folded):
        term = _word_term(m.group(0))
        if term is None:
            continue
        if origin is None:
            out.append(Token(term, m.start(), m.end()))
        else:
            out.append(Token(term, origin[m.start()], origin[m.end() - 1] + 1))
    return tuple(out)


@lru_cache(maxsize=8192)
def iter_tokens(text: str) -> tuple[Token, ...]:
    """`scan_tokens` cached, for passage texts: the same passages are marked and split again and
    again. Questions must not come here: each new one would take a slot (memory would grow with
    the questions asked up to the cache size, and passages would be pushed out)."""
    return scan_tokens(text)


def tokenize(text: str) -> list[str]:
    """Index terms of a text: folded, stopwords removed, stemmed. Used for passages and questions."""
    folded = fold(text)
    terms: list[str] = []
    for m in _WORD_RE.finditer(folded):
        term = _word_term(m.group(0))
        if term is not None:
            terms.append(term)
    return terms


def plural(count: int, noun: str) -> str:
    """"1 paragraph", "3 paragraphs": the count and the noun, plural unless the count is one."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def clean_question(question: str) -> tuple[str, bool]:
    """Drop invisible characters, turn control characters into spaces, collapse white space; cut at
    MAX_QUESTION_CHARS.

    Returns (clean text, whether it was truncated).
    """
    text = _INVISIBLE_RE.sub("", unicodedata.normalize("NFC", question))
    text = _CONTROL_RE.sub(" ", text)
    text = _WS_RE.sub(" ", text).strip()
    if len(text) <= MAX_QUESTION_CHARS:
        return text, False
    cut = text[:MAX_QUESTION_CHARS]
    space = cut.rfind(" ")
    if space > MAX_QUESTION_CHARS // 2:
        cut = cut[:space]
    return cut, True


# Sentence boundary: terminal punctuation, optional closing quotes/brackets, then white space and
# something that can start a sentence (capital, digit, opening quote or bracket).
_SENT_END_RE = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")
_ABBREV_RE = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|Inc|Ltd|Co|Corp|vs|etc|e\.g|i\.e|U\.S|No)\.)$")


@lru_cache(maxsize=8192)
def split_sentences(text: str) -> tuple[tuple[int, int], ...]:
    """Sentence spans (start, end) covering `text`, cut after . ! ? (+ closing quotes).

    Spans keep the exact characters so a quote built from them is verbatim.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END_RE.finditer(text):
        end = m.start()
        # m.start() is right after the punctuation; include closing quotes that the lookbehind skipped
        seg_end = m.start() + len(m.group(0).rstrip())
        if _ABBREV_RE.search(text[start:end]):
            continue
        spans.append((start, seg_end))
        start = m.end()
    if start < len(text):
        tail_end = len(text.rstrip())
        if tail_end > start:
            spans.append((start, tail_end))
    return tuple((s, e) for s, e in spans if text[s:e].strip())
