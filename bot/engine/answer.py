"""From hits to an `Answer`: decide whether the corpus answers, pick the sentences to quote.

Relevance rule (threshold cross-validated on fourteen question sets, see README): a question is
answered when the best passage covers at least `MIN_COVERAGE` of the question's *evidence
weight*. Each distinct question term weighs log((N+1)/(df+0.5)): rare words weigh most, and words
the corpus never uses weigh the most of all, so "What is Microsoft's revenue?" (one common word
covered, one unknown word missing) is refused, while "Why did Microsoft sue the US government?"
(all words covered) is answered. Raw BM25 scores are not comparable across questions, so they only
rank; coverage decides.

Coverage alone is fooled by traps that reuse the article's words ("Which judge is hearing
Microsoft's lawsuit?", "Does AWS notify customers ...?"), so `_can_answer` also asks whether a
passage could answer at all: the kind of answer, the question's names, the thing a "which X"
question asks for, and some of what is asked besides the names."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from bot.engine import question_kind
from bot.engine.countries import place_names, place_terms
from bot.engine.models import Answer, Citation, Quote
from bot.engine.search import Hit, SearchIndex
from bot.engine.speller import zipf
from bot.engine.text import Token, fold_for_match, iter_tokens, split_sentences, strip_possessive, tokenize

#: Share of the question's evidence weight the best passage must cover to answer.
MIN_COVERAGE = 0.194
#: A name in the question ("Amazon", "Dorn"), or an acronym the corpus never uses ("GDPR",
#: "CLOUD Act"), is what the question is about: it weighs this many times a plain word of the same
#: rarity (cross-validated with the threshold, see README).
NAME_BOOST = 3.0
#: Share of a concept's weight earned when only the paragraph before the passage holds it
#: (cross-validated with the threshold, see README).
PREVIOUS_PARAGRAPH = 0.75
#: A glossary term of the question (S3NS, CEO, SCCs) must be in the passage, the paragraph before,
#: or the article's title or lead, like a name: another article's passage about a CEO does not say
#: who runs S3NS.
REQUIRE_TERMS = True
#: A "how many X" answer has a number within a few words before X (see question_kind.counts).
COUNT_NEAR = True
#: Further passages are listed when they cover at least this share too.
MIN_COVERAGE_MORE = 0.1
#: Two articles whose best passages rank within this ratio answer "about equally well": the newer
#: is quoted first. (0.95 moved a newer article that only mentions the subject before the one that
#: answers: set A -2 at R@1, "how fast do I have to tell the regulator about a data breach")
NEAR_TIE = 0.97
#: An article answers (its best passage goes before second passages of others) when that passage
#: covers MIN_COVERAGE and ranks within this ratio of the best passage of all.
VARIETY = 0.85

#: Share of the weight of the question's words other than names ("Google", "AWS", "2015") that
#: a passage must cover: a passage that only shares the names is about them, not about what is
#: asked ("What is Google Cloud's position on Privacy Shield?" vs "... rivals Google and Amazon").
MIN_CONTENT = 0.15
#: ... unless it mentions this many of the question's names, one of them not the article's subject
#: (title or lead): names found together make the passage
#: about the question's subject even when the rest is paraphrased ("Does Dorn think Privacy Shield
#: is Microsoft's responsibility?" / "this is above Microsoft's head").
NAMES_TOGETHER = 2
#: A passage that shares only everyday words with the question ("time", "end", "this year") is a
#: coincidence: among the words it covers must be a name, a number, a glossary term, an
#: equivalent, or a word rarer than this in English (wordfreq's Zipf scale: "year" is 6.0,
#: "leave" 5.3, "cloud" 4.5) ... (sets B and D: "When does daylight saving time end this year?"
#: refused; nothing answerable lost; of 16 everyday questions, 7 were answered without it, 3 with it)
TOPICAL_ZIPF = 4.5
#: ... or a word the articles use at least this much more often than English does (log10: ten times)
DOMAIN_RATIO = 1.0
#: a name given in full earlier in the article may be shortened to its last words later (see _holds_phrases)
SHORTENED_NAMES = True


def _topical(concept: Concept, index: SearchIndex, terms: frozenset[str]) -> bool:
    """Whether the concept, as `terms` cover it, is more than everyday vocabulary: a word rarer
    than TOPICAL_ZIPF in English, a word the articles use DOMAIN_RATIO more often than English
    does ("court", "transfer"), or an equivalent from the synonym file or glossary ("client" found
    as "customer")."""
    for word in concept.label.lower().split():
        if any(ch.isdigit() for ch in word):
            continue  # a number is specific or not by itself (see _specific), not by its rarity
        if zipf(word) < TOPICAL_ZIPF or any(index.domain_ratio(t, word) >= DOMAIN_RATIO for t in tokenize(word)):
            return True
    own = frozenset(tokenize(concept.label))
    return any(alt <= terms and alt != own for alt in concept.alternatives)


#: A name of several words must be written with its words together (within two more words) in
#: the passage, unless the title holds it (sets A and B: +1 at R@1 and at R@3, nothing lost)
NAMES_TOGETHER_WINDOW = True

#: A place is where a story happens, not what it is about: a passage that shares with the
#: question only a city or a country (and everyday words) cannot answer it when the question asks
#: about something else besides ("What time is it in Tokyo right now?")
PLACES_ALONE = True


def _is_place(concept: Concept) -> bool:
    """A city or a country, or a word the synonyms give for one ("French" for France)."""
    if not concept.name:
        return False
    places = place_terms()
    return strip_possessive(concept.label).lower() in place_names() or any(
        tuple(sorted(alt)) in places for alt in concept.alternatives if len(alt) == 1
    )


def _written_together(concept: Concept, hit: Hit, index: SearchIndex) -> bool:
    """A name of several words ("Electronic Communications Privacy Act") is held by a passage only
    with its words near each other: "electronic communication service provider" in one sentence and
    "privacy" in another is not the name. True when a one-word form is held, or no form at all (the
    other rules decide), or the words come from the article's title or the paragraph before."""
    held = [alt for alt in concept.alternatives if alt <= hit.matched]
    if concept.choice or not held or any(len(alt) == 1 for alt in held):  # a choice's side holds several names
        return True
    article = index.articles.get(hit.passage.article_slug)
    title = frozenset(tokenize(article.title)) if article else frozenset()
    tokens = [t.term for t in iter_tokens(hit.passage.full_text)]
    for alt in held:
        if alt <= title or not alt <= frozenset(tokens):
            return True
        span = len(alt) + 2
        for i, term in enumerate(tokens):
            if term in alt and alt <= frozenset(tokens[i : i + span]):
                return True
    return False


_MD_SPECIAL = re.compile(r"([\\*_~`|>\[\]])")


@dataclass(frozen=True)
class Concept:
    """One thing the question asks about: a term, or a term and its glossary equivalents."""

    label: str
    alternatives: tuple[frozenset[str], ...]  # any alternative fully present covers the concept
    boost: float = 1.0  # > 1 for names and acronyms the corpus never uses (see NAME_BOOST)
    name: bool = False  # typed as a name, acronym or number: what the question is about
    term: bool = False  # a glossary term or one of its aliases ("Safe Harbour", "ECPA")
    name_group: int = 0  # > 0: the words of one name written together share it ("Satya Nadella")
    generic: bool = False  # a verb of the question's frame that no article uses ("replaced", "located")
    choice: bool = False  # the names of a choice ("A or B?"): any one side's alternative covers it

    def covered_by(self, terms: frozenset[str]) -> bool:
        return any(alt <= terms for alt in self.alternatives)


def concept_weight(index: SearchIndex, concept: Concept) -> float:
    # the easiest alternative to find (the most common) sets the weight: evidence is about meaning
    base = min(index.concept_weight(alt) for alt in concept.alternatives)
    return base * concept.boost


def coverage(
    index: SearchIndex,
    concepts: Sequence[Concept],
    terms: frozenset[str],
    weights: Sequence[float] | None = None,
    previous: frozenset[str] = frozenset(),
) -> float:
    """Share of the concepts' weight that `terms` cover (weights: precomputed concept weights).

    A concept found only in the paragraph before (`previous`) counts PREVIOUS_PARAGRAPH of its
    weight: the passage continues that paragraph's topic, but does not say it itself.
    """
    if weights is None:
        weights = [concept_weight(index, c) for c in concepts]
    total = sum(weights)
    if total <= 0:
        return 0.0
    got = 0.0
    with_previous = terms | previous
    for c, w in zip(concepts, weights, strict=True):
        if c.covered_by(terms):
            got += w
        elif previous and c.covered_by(with_previous):
            got += PREVIOUS_PARAGRAPH * w
    return got / total


def _required_names(concept: Concept, index: SearchIndex) -> bool:
    """A name the passage must mention: typed as a name, acronym or number.

    A two-letter acronym the corpus never writes ("LE") is exempt: too short to tell a name from
    an abbreviation of words the passage spells out ("law enforcement").
    """
    if not (concept.name or (REQUIRE_TERMS and concept.term)):
        return False
    word = strip_possessive(concept.label)
    short_unknown = (
        len(word) <= 2 and word.isalpha() and not any(t in index for alt in concept.alternatives for t in alt)
    )
    return not short_unknown


_YEAR_RE = re.compile(r"(?:19|20)\d\d")
#: A year is no sign that a passage is about the question: half the passages give one ("Who won
#: the 2022 World Cup final?" was answered from "Its final assessment, dated 2 November 2022")
YEAR_NOT_TOPICAL = True


def _specific(concept: Concept, years: bool = True) -> bool:
    """A name, a number or a glossary term ("Safe Harbour", "model clauses", "ECPA"): enough on
    its own to tie a question to a passage ("ECPA age", "safe harbour replacement"), where an
    everyday word or compound ("learn", "hard drive") is not."""
    if not years and _YEAR_RE.fullmatch(concept.label) and not concept.term:
        return False
    return concept.name or concept.term or any(c.isdigit() for c in concept.label)


def _can_answer(
    hit: Hit,
    index: SearchIndex,
    concepts: Sequence[Concept],
    weights: Sequence[float],
    focus: Sequence[bool],
    want: question_kind.Want,
    phrases: Sequence[str] = (),
    counted: frozenset[str] = frozenset(),
) -> bool:
    """Whether the passage can answer at all, whatever share of the words it covers.

    - the kind of answer asked for is there ("how many ...?" needs a number, see `qtype`);
    - every name the question is about is mentioned here, in the paragraph before, or in the
      article's title or lead ("Does AWS notify customers ...?" is not answered by Microsoft's
      policy), and multi-word names with an everyday word are written as such ("Google Cloud");
    - every thing a "which X" question asks for is mentioned ("Which court ...?" needs a court);
    - more than one everyday word of a question of several concepts is covered;
    - some of what is asked besides the names is covered (MIN_CONTENT), unless the passage holds
      several of the question's names together (NAMES_TOGETHER).
    """
    if not question_kind.can_answer(want, hit.passage.full_text):
        return False
    if counted and COUNT_NEAR and not _counts(hit, counted):
        return False
    if phrases and not _holds_phrases(hit, index, phrases):
        return False
    around = hit.matched | hit.previous
    if NAMES_TOGETHER_WINDOW and not all(_written_together(c, hit, index) for c in concepts if c.name or c.term):
        return False
    subject = index.subject_terms.get(hit.passage.article_slug, frozenset())
    with_title = around | subject
    if any(_required_names(c, index) and not c.covered_by(with_title) for c in concepts):
        return False
    if any(f and not c.covered_by(around) for c, f in zip(concepts, focus, strict=True)):
        return False
    covered = [c for c in concepts if c.covered_by(around)]
    if len(concepts) >= 2 and len(covered) == 1 and not _specific(covered[0]):
        # one everyday word in common ("first", "level", "learn") is a coincidence, not an answer:
        # "How do I learn to play the guitar?" is not about machine learning
        return False
    topical = [c for c in covered if _specific(c, years=not YEAR_NOT_TOPICAL) or _topical(c, index, around)]
    if covered and not topical:
        return False  # "When does daylight saving time end this year?": only everyday words shared
    if PLACES_ALONE and all(_is_place(c) for c in topical) and any(
        not _is_place(c) and not c.covered_by(around) for c in concepts
    ):
        return False  # "What's the weather like in Dublin tomorrow?": a dateline's city is all it shares
    # names the whole article is about (Microsoft, Azure) are everywhere: at least one of the names
    # found together must be this passage's own ("Privacy Shield" + "Ombudsperson", not
    # "Microsoft" + "Azure" in "Is Microsoft planning to sell Azure?")
    here = [c for c in concepts if c.name and c.covered_by(around)]
    own = [c for c in here if not c.covered_by(subject)]
    # a verb no article uses ("replaced") is no veto when the passage is about one of the question's
    # names in its own right ("What replaced Safe Harbour?"); about the article's subject it is
    # ("Who founded Microsoft?" is not answered by any paragraph on Microsoft)
    content = [
        (c, w) for c, w in zip(concepts, weights, strict=True)
        if not (c.name or (c.generic and own))
    ]
    total = sum(w for _, w in content)
    # one name of several words counts once ("Satya Nadella" is one person)
    distinct = len({c.name_group or id(c) for c in here})
    together = distinct >= NAMES_TOGETHER and len(own) >= 1
    if total > 0 and not together:
        got = sum(
            w if c.covered_by(hit.matched) else PREVIOUS_PARAGRAPH * w if c.covered_by(around) else 0.0
            for c, w in content
        )
        if got / total < MIN_CONTENT:
            return False
    return True


_NON_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=65536)
def _phrase_text(text: str) -> str:
    return " " + _NON_WORD.sub(" ", fold_for_match(text)).strip() + " "


def _holds_phrases(hit: Hit, index: SearchIndex, phrases: Sequence[str]) -> bool:
    """Every phrase, as written (case, hyphens and punctuation aside) or as its initials ("DORA"),
    in the passage or its title.

    A name given in full earlier in the article is the same thing when a later paragraph shortens
    it to its last words ("the European Production Order", then "a production order")."""
    article = index.articles.get(hit.passage.article_slug)
    text = _phrase_text(hit.passage.full_text + " | " + (article.title if article else ""))
    return all(
        _phrase_text(p) in text
        or _by_initials(p, text, hit, index)
        or (SHORTENED_NAMES and _shortened(p, text, hit, index))
        or (SUBJECT_PHRASES and _subject_phrase(p, hit, index))
        for p in phrases
    )


#: a name the article's lead gives and a later paragraph repeats is what the whole article is about,
#: as the lead's repeated words are (`subject_terms`): "the data trustee" of a story on Microsoft
#: Cloud Deutschland is that cloud's, though the paragraph does not name it again
SUBJECT_PHRASES = True


def _subject_phrase(phrase: str, hit: Hit, index: SearchIndex) -> bool:
    full = _phrase_text(phrase)
    passages = index.article_passages(hit.passage.article_slug)
    if len(passages) < 2 or full not in _phrase_text(index.passages[passages[0]].full_text):
        return False
    return any(full in _phrase_text(index.passages[i].full_text) for i in passages[1:])


def _by_initials(phrase: str, text: str, hit: Hit, index: SearchIndex) -> bool:
    """The passage writes the name as its initials ("DORA" for "Digital Operational Resilience
    Act"), and its article spells them out as that name: the Data Protection Commission's "DPC" is
    not the Data Protection Conference."""
    words = _phrase_text(phrase).split()
    initials = " " + "".join(w[0] for w in words) + " "
    if len(words) < 3 or initials not in text:
        return False
    full = " " + " ".join(words) + " "
    passages = index.article_passages(hit.passage.article_slug)
    return any(full in _phrase_text(index.passages[i].full_text) for i in passages)


def _shortened(phrase: str, text: str, hit: Hit, index: SearchIndex) -> bool:
    full = _phrase_text(phrase)  # " european production order "
    words = full.split()
    if len(words) < 3 or " " + " ".join(words[1:]) + " " not in text:
        return False
    for i in index.article_passages(hit.passage.article_slug):
        earlier = index.passages[i]
        if earlier.paragraph >= hit.passage.paragraph:
            break
        if full in _phrase_text(earlier.full_text):
            return True
    return False


def rank_hits(
    hits: Sequence[Hit],
    concepts: Sequence[Concept],
    index: SearchIndex,
    question: str,
    weights: Sequence[float] | None = None,
    phrases: Sequence[str] = (),
) -> list[tuple[Hit, float, float]]:
    """Order hits by BM25 x answer-type bonus x (1 + coverage), best first.

    Returns (hit, coverage, ranking key) triples.

    `phrases`: multi-word names the passage (or its article's title) must hold as written.

    A passage that cannot hold the kind of answer asked for (no number for "how many", no time
    for "when") gets coverage 0: it may still rank, but it never makes the question answered.

    Coverage counts each of the question's concepts once however often it repeats, so a passage
    that mentions every thing asked about beats one that repeats a single word (dev set:
    Recall@1 +3 points). The hit's BM25 score itself is left as rank-bm25 computed it.
    """
    want = question_kind.wants(question)
    if weights is None:
        weights = [concept_weight(index, c) for c in concepts]
    asked = question_kind.focus(question)
    verb = question_kind.yes_no_verb(question)
    verb_terms = frozenset(tokenize(verb)) if verb else frozenset()
    said_somehow = any(
        all(t in index for t in alt)
        for c in concepts
        if verb_terms & frozenset().union(*c.alternatives)
        for alt in c.alternatives
    )
    if verb and verb_terms and not said_somehow:
        # a yes/no question asks to confirm its verb: when no article uses it ("Did Microsoft win
        # the lawsuit?"), no passage can say yes; a wh-question's verb is only its frame (see reading)
        asked = (*asked, verb)
    focus_terms = frozenset(tokenize(" ".join(asked)))
    focus = [
        bool(focus_terms & (frozenset(tokenize(c.label)) | frozenset().union(*c.alternatives))) for c in concepts
    ]
    subject = question_kind.defined(question)
    groups = _full_names(concepts, question)
    noun = question_kind.counted(question)
    counted: frozenset[str] = frozenset()
    if noun:  # the counted noun's terms, with its equivalents' one-word forms
        stems = frozenset(tokenize(noun))
        counted = stems | frozenset(
            t for c in concepts if stems & frozenset().union(*c.alternatives) for alt in c.alternatives
            if len(alt) == 1 for t in alt
        )
    scored = []
    for i, hit in enumerate(hits):
        if groups:
            hit = _surname_stands_for_full_name(hit, index, groups)
        cov = coverage(index, concepts, hit.matched, weights, hit.previous)
        if cov > 0 and not _can_answer(hit, index, concepts, weights, focus, want, phrases, counted):
            cov = 0.0
        key = hit.score * question_kind.bonus(want, hit.passage.text) * (1.0 + cov)
        if subject and question_kind.defines(subject, hit.passage.text):
            key *= 1.0 + question_kind.DEFINE_BONUS
        scored.append((-key, i, hit, cov))
    scored.sort(key=lambda item: item[:2])
    return [(hit, cov, -neg) for neg, _, hit, cov in scored]


_FULL_NAME_RE = re.compile(r"\b([A-Z][\w'\u00c0-\u024f-]+)\s+([A-Z][\w'\u00c0-\u024f-]+)\b")


def _full_names(concepts: Sequence[Concept], question: str) -> list[tuple[Concept, Concept]]:
    """(first name, surname) of each person the question names in full ("Ruediger Dorn")."""
    names = {strip_possessive(c.label): c for c in concepts if c.name}
    out = []
    for m in _FULL_NAME_RE.finditer(question):
        first, last = names.get(m.group(1)), names.get(strip_possessive(m.group(2)))
        if first is not None and last is not None and first is not last:
            out.append((first, last))
    return out


def _surname_stands_for_full_name(hit: Hit, index: SearchIndex, pairs: Sequence[tuple[Concept, Concept]]) -> Hit:
    """A person named in full once ("Ruediger Dorn") is the same person when a later paragraph of
    the same article says only "Dorn": the passage then counts as holding the first name too."""
    matched = hit.matched
    for first, last in pairs:
        if not last.covered_by(matched) or first.covered_by(matched):
            continue
        for i in index.article_passages(hit.passage.article_slug):
            terms = index.passage_term_set(i)
            if first.covered_by(terms) and last.covered_by(terms):
                alt = next(a for a in first.alternatives if a <= terms)
                matched = matched | alt
                break
    return hit if matched is hit.matched else replace(hit, matched=matched)


def _counts(hit: Hit, counted: frozenset[str]) -> bool:
    """"How many judges ...?": the passage has a number just before a word for judges."""
    text = hit.passage.text
    spans = [(t.start, t.end) for t in iter_tokens(text) if t.term in counted]
    return question_kind.counts(text, spans)


def _date_key(index: SearchIndex, hit: Hit) -> str:
    article = index.articles.get(hit.passage.article_slug)
    return (article.published or "") if article else ""


def order_sources(
    ranked: Sequence[tuple[Hit, float, float]], index: SearchIndex
) -> list[tuple[Hit, float, float]]:
    """Variety first: the best passage of each answering article, then the rest in rank order.

    An article answers when its best passage covers MIN_COVERAGE. Among the articles' best
    passages, one that ranks within NEAR_TIE of the one before it and is newer goes first (two
    articles that answer about equally well: the newer comes first). The best passage overall
    stays first unless such a tie moves a newer one before it.
    """
    best: dict[str, tuple[Hit, float, float]] = {}
    top = ranked[0][2] if ranked else 0.0
    for entry in ranked:
        slug = entry[0].passage.article_slug
        if slug not in best and entry[1] >= MIN_COVERAGE and entry[2] >= VARIETY * top:
            best[slug] = entry
    firsts = list(best.values())
    # one pass of neighbour swaps: a newer article that answers about as well moves up
    for i in range(len(firsts) - 1):
        a, b = firsts[i], firsts[i + 1]
        if b[2] >= NEAR_TIE * a[2] and _date_key(index, b[0]) > _date_key(index, a[0]):
            firsts[i], firsts[i + 1] = b, a
    chosen = {id(e) for e in firsts}
    return firsts + [e for e in ranked if id(e) not in chosen]


def newer_note(quotes: Sequence[Quote]) -> str:
    """'A newer article also covers this: ...' when the first quote's article is older than another
    quoted article's (the quotes are the articles' own words; only this note says so)."""
    if not quotes or not quotes[0].citation.published:
        return ""
    first = quotes[0].citation
    newer = [
        q.citation
        for q in quotes[1:]
        if q.citation.article_slug != first.article_slug
        and q.citation.published
        and q.citation.published[:4] > first.published[:4]
    ]
    if not newer:
        return ""
    latest = max(newer, key=lambda c: c.published or "")
    return (
        f"A newer article also covers this: \u201c{latest.article_title}\u201d ({latest.publisher}, "
        f"{latest.date_label}, paragraph {latest.paragraph}), quoted below."
    )


def escape_markdown(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def mark(text: str, terms: frozenset[str]) -> str:
    """Markdown of `text` with words whose term is in `terms` in bold; runs of bold words merged."""
    tokens: list[Token] = [t for t in iter_tokens(text) if t.term in terms and t.start >= 0]
    if not tokens:
        return escape_markdown(text)
    # merge neighbours separated only by white space/hyphens into one bold run
    runs: list[list[int]] = []
    for tok in tokens:
        if runs and re.fullmatch(r"[\s\-]*", text[runs[-1][1] : tok.start]):
            runs[-1][1] = tok.end
        else:
            runs.append([tok.start, tok.end])
    out: list[str] = []
    pos = 0
    for start, end in runs:
        out.append(escape_markdown(text[pos:start]))
        out.append("**" + escape_markdown(text[start:end]) + "**")
        pos = end
    out.append(escape_markdown(text[pos:]))
    return "".join(out)


@dataclass(frozen=True)
class _Sentence:
    start: int
    end: int
    terms: frozenset[str]


@lru_cache(maxsize=8192)
def _sentences(text: str) -> tuple[_Sentence, ...]:
    return tuple(_Sentence(s, e, frozenset(t.term for t in iter_tokens(text[s:e]))) for s, e in split_sentences(text))


def choose_sentences(text: str, weights: dict[str, float]) -> str:
    """The one or two contiguous sentences of `text` that carry most of the question's weight."""
    sents = _sentences(text)
    if len(sents) <= 1:
        return text.strip()

    def value(terms: frozenset[str]) -> float:
        return sum(weights.get(t, 0.0) for t in terms)

    best = max(range(len(sents)), key=lambda i: (value(sents[i].terms), -i))
    chosen = [best]
    base = sents[best].terms
    gains = []
    for j in (best - 1, best + 1):
        if 0 <= j < len(sents):
            gains.append((value(sents[j].terms - base), -abs(j - best), j))
    if gains:
        gain, _, j = max(gains)
        short = len(text[sents[best].start : sents[best].end].split()) < 12
        if gain > 0 or (short and j == best + 1):
            chosen.append(j)
    lo, hi = min(chosen), max(chosen)
    return text[sents[lo].start : sents[hi].end]


def build_answer(
    question: str,
    concepts: Sequence[Concept],
    hits: Sequence[Hit],
    index: SearchIndex,
    top_k: int,
    notes: Sequence[str] = (),
    phrases: Sequence[str] = (),
) -> Answer:
    if not concepts:
        return Answer(question, False, reason="The question has no words to search for.", notes=tuple(notes))
    if not hits:
        return Answer(
            question, False, reason="No passage in the corpus uses the words of this question.",
            notes=tuple(notes), lacking=tuple(c.label for c in concepts),
        )
    concept_weights = [concept_weight(index, c) for c in concepts]
    weights: dict[str, float] = {}  # per term, for choosing sentences
    for c, w in zip(concepts, concept_weights, strict=True):
        for alt in c.alternatives:
            for t in alt:
                weights[t] = max(weights.get(t, 0.0), w)
    ranked = rank_hits(hits, concepts, index, question, concept_weights, phrases)
    covs = [cov for _, cov, _ in ranked]
    if max(covs) < MIN_COVERAGE:
        missing = [c.label for c in concepts if not any(c.covered_by(h.matched) for h in hits)]
        reason = "The corpus does not cover this question"
        lacking = missing
        if missing:
            reason += " (nothing about: " + ", ".join(missing[:5]) + ")"
        else:
            # every word is somewhere, but not together: say what the best-ranked passage lacks
            best = ranked[0][0]
            lacking = [c.label for c in concepts if not c.covered_by(best.matched | best.previous)]
            if lacking:
                reason += (
                    f" (the passage that matches it best, paragraph {best.passage.paragraph}, says nothing"
                    " about: " + ", ".join(lacking[:5]) + ")"
                )
        return Answer(question, False, reason=reason + ".", notes=tuple(notes), lacking=tuple(lacking))
    quotes: list[Quote] = []
    for hit, cov, _ in order_sources(ranked, index):
        if len(quotes) >= top_k:
            break
        if cov < MIN_COVERAGE_MORE:
            continue
        quotes.append(make_quote(hit, index, weights, concepts))
    note = newer_note(quotes)
    return Answer(question, True, tuple(quotes), notes=tuple(notes) + ((note,) if note else ()))


def covered_terms(concepts: Sequence[Concept], matched: frozenset[str]) -> frozenset[str]:
    """The passage's words that answer a concept: a question word, or a whole equivalent of it.

    Stray words of a multi-word equivalent ("company" from "Redmond company") are not marked.
    """
    out: set[str] = set()
    for concept in concepts:
        for alt in concept.alternatives:
            if alt <= matched:
                out |= alt
    return frozenset(out)


def make_quote(
    hit: Hit, index: SearchIndex, weights: dict[str, float], concepts: Sequence[Concept] | None = None
) -> Quote:
    p = hit.passage
    article = index.articles[p.article_slug]
    paragraph = p.paragraph
    text = choose_sentences(p.text, weights)
    # a heading/caption that answers better than any sentence is quoted itself, citing its own paragraph
    if p.context_parts:
        txt_terms = frozenset(t.term for t in iter_tokens(text))
        txt_value = sum(weights.get(t, 0.0) for t in txt_terms)
        best_value, best_part = 0.0, None
        for number, heading in p.context_parts:
            gain = sum(weights.get(t.term, 0.0) for t in set(iter_tokens(heading)) if t.term not in txt_terms)
            if gain > best_value:
                best_value, best_part = gain, (number, heading)
        if best_part is not None and best_value > txt_value:
            paragraph, text = best_part
    citation = Citation(
        article_slug=article.slug,
        article_title=article.title,
        publisher=article.publisher,
        published=article.published,
        paragraph=paragraph,
        passage_id=p.id,
        url=article.url,
    )
    return Quote(
        text=text,
        marked=mark(text, hit.matched if concepts is None else covered_terms(concepts, hit.matched)),
        passage=p.full_text,
        score=hit.score,
        citation=citation,
        matched_terms=tuple(sorted(hit.matched)),
    )
