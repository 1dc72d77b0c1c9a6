"""Reading a question: what it asks about, in the corpus's own words.

`interpret` turns the question's text into concepts (each a set of alternative token sequences:
the words as written, their glossary and synonym equivalents, corrected typos), the BM25 query,
the names and acronyms the question uses, and the exact phrases it quotes. The relevance rule in
`bot.engine.answer` then checks passages against these concepts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from bot.engine.answer import NAME_BOOST, Concept
from bot.engine.countries import iso3166_names
from bot.engine.search import Hit, SearchIndex
from bot.engine.snapshot import Snapshot
from bot.engine.speller import capitalised_runs, is_common_word
from bot.engine.text import STOPWORDS, scan_tokens, strip_possessive, tokenize


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


#: "ePrivacy", "iCloud": a lower-case first letter does not make a camel-case brand an everyday word
#: (set A: "How does the ePrivacy Directive regulate cookie consent banners?" was answered from
#: a paragraph on the Data Protection Directive)
CAMEL_NAMES = True
_SENTENCE_START_RE = re.compile(r"(?:^|[.!?:;]\s*|[\"'(\[]\s*)$")


_WORDS_RE = re.compile(r"[^\W\d_][^\W_]+")


_CASE_WORD_RE = re.compile(r"[A-Za-z]+")
#: a country's name typed in lower case is a name ("kenya"), unless the articles use the word in lower case
COUNTRY_NAMES = True
#: a common English word is read as a name when the articles capitalise it this often and never
#: write it in lower case ("microsoft", "google"; not "mark", capitalised twice)
PROPER_EVIDENCE = 10
#: "lgpd", "hipaa": a short word no article uses and English does not know is a name or acronym
UNKNOWN_NAME_LENGTH = (3, 5)
#: a name of several words that the articles capitalise is read as a name when typed in lower case
#: ("european parliament", "eu data boundary"), from the names acronyms may stand for
NAME_RUNS = True


@lru_cache(maxsize=1)
def country_names() -> frozenset[str]:
    """One-word country names in lower case ("kenya", "japan")."""
    return frozenset(name.lower() for name in iso3166_names() if re.fullmatch(r"[A-Z][a-z]+", name))


@lru_cache(maxsize=1)
def _country_terms() -> frozenset[str]:
    return frozenset(t for name in country_names() for t in tokenize(name))


def _is_country_word(word: str, snap: Snapshot) -> bool:
    """A country's name, or a word the synonyms give as its equivalent ("French" for France)."""
    terms = tokenize(strip_possessive(word))
    if len(terms) != 1:
        return False
    countries = _country_terms()
    if terms[0] in countries:
        return True
    groups = snap.alias_index.get(terms[0], ())
    return any(len(alt) == 1 and alt[0] in countries for gi in groups for alt in snap.alias_groups[gi])


#: A country or its adjective before a name is not part of the phrase a passage must hold: "the
#: French Health Data Hub" is the Health Data Hub an article calls "France's"
COUNTRY_FIRST = True


@lru_cache(maxsize=1)
def _country_phrases_re() -> re.Pattern[str] | None:
    """Country names of several words in lower case ("saudi arabia", "south korea" from ISO 3166's
    "Korea (South)"), as one pattern; None when the time zone data is missing."""
    names = set()
    for name in iso3166_names():
        if re.fullmatch(r"[A-Z][a-z]+(?: [A-Z][a-z]+)+", name):
            names.add(name.lower())
        elif m := re.fullmatch(r"([A-Z][a-z]+) \(([A-Z][a-z]+)\)", name):  # "Korea (South)"
            names.add(f"{m[2]} {m[1]}".lower())
    if not names:
        return None
    alternatives = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b", re.I)


def truecase(text: str, snap: Snapshot) -> str:
    """The question with words typed all in lower case (or all in capitals) in the corpus's case.

    Names and acronyms are read from capitals ("Which judge heard the LinkedIn case?"), so a
    question typed in lower case, as chat often is, or shouted, would lose them and a passage
    that lacks the name could answer it. A word typed in lower case is written as the corpus
    writes it: an acronym the articles use ("gdpr" -> "GDPR") unless they also use the word in
    lower case; a name the articles capitalise within sentences and never write in lower case
    ("schrems" -> "Schrems"), unless it is a common English word they capitalise only a few times
("mark"); a short word
    neither the articles nor English know ("lgpd") as a name. In a shouted question every word
    is read so, and the rest in lower case. Words typed with a capital are left as typed.
    """
    speller = snap.speller
    if speller is None:
        return text
    letters = [c for c in text if c.isalpha()]
    shouting = bool(letters) and sum(c.isupper() for c in letters) > 0.8 * len(letters)

    def cased(m: re.Match[str]) -> str:
        word = m.group(0)
        if not (word.islower() or (shouting and word.isupper())):
            return word
        low = word.lower()
        terms = tokenize(low)
        if word.upper() in speller.acronyms and low not in speller.common_nouns:
            return word.upper()
        capitals = speller.proper_nouns.get(low, 0)
        if terms and capitals and (capitals >= PROPER_EVIDENCE or not is_common_word(low)):
            return word.capitalize()
        if COUNTRY_NAMES and low in country_names() and low not in speller.common_nouns:
            return word.capitalize()
        lo, hi = UNKNOWN_NAME_LENGTH
        if terms and lo <= len(word) <= hi and not any(t in snap.index for t in terms) and not is_common_word(low):
            return word.capitalize()
        return low if shouting else word

    if NAME_RUNS and (shouting or any(c.islower() for c in text)):
        text = _cased_names(text, snap, shouting)
        countries = _country_phrases_re() if COUNTRY_NAMES else None
        if countries is not None:  # "saudi arabia" -> "Saudi Arabia"
            text = countries.sub(
                lambda m: m.group(0).title() if m.group(0).islower() or (shouting and m.group(0).isupper())
                else m.group(0),
                text,
            )
    return _CASE_WORD_RE.sub(cased, text)


def _cased_names(text: str, snap: Snapshot, shouting: bool) -> str:
    """Names of several words that the articles capitalise ("european parliament" -> "European
    Parliament", "eu data boundary" -> "EU Data Boundary"), typed in lower case (or shouted)."""
    names = snap.speller.names_by_first_word if snap.speller is not None else {}
    if not names:
        return text
    words = list(_CASE_WORD_RE.finditer(text))
    out: list[str] = []
    pos = i = 0
    while i < len(words):
        m = words[i]
        typed = m.group(0)
        found = None
        if typed.islower() or (shouting and typed.isupper()):
            for name, written in names.get(typed.lower(), ()):
                span = words[i : i + len(name)]
                if (
                    len(span) == len(name)
                    and all(w.group(0).lower() == n for w, n in zip(span, name, strict=True))
                    and all(w.group(0).islower() or (shouting and w.group(0).isupper()) for w in span)
                    and all(not text[a.end() : b.start()].strip(" -") for a, b in zip(span, span[1:], strict=False))
                ):
                    found = (span, written)
                    break
        if found is None:
            i += 1
            continue
        span, written = found
        out.append(text[pos : span[0].start()])
        out.append(_write_like(text[span[0].start() : span[-1].end()], written))
        pos = span[-1].end()
        i += len(span)
    out.append(text[pos:])
    return "".join(out)


def _write_like(typed: str, written: str) -> str:
    """`typed` ("eu data  boundary") with the letters of `written` ("EU Data Boundary")."""
    parts = iter(written.split())
    return re.sub(r"[A-Za-z]+", lambda m: next(parts, m.group(0)), typed)


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _looks_like_name(text: str, start: int, word: str) -> bool:
    """An acronym (GDPR, S3) anywhere, or a capitalised word that does not start a sentence."""
    if _is_acronym(word) or any(c.isdigit() for c in word):  # "GDPR", "S3", "in 2015"
        return True
    if CAMEL_NAMES and word[:1].islower() and any(c.isupper() for c in word[1:]):
        return True  # "ePrivacy", "iCloud": a brand written in camel case, wherever it stands
    return word[:1].isupper() and not _SENTENCE_START_RE.search(text[:start])


#: An acronym the articles write is also read as the one name they spell out with its initials
#: ("PDPL" and "Personal Data Protection Law"): a paragraph that gives only the name covers it
SPELLED_WHEN_WRITTEN = True


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
            and (SPELLED_WHEN_WRITTEN or term not in known)
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
    own_terms: frozenset[str] = frozenset()  # the question's own words (not their equivalents)


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
        if COUNTRY_FIRST and run and _is_country_word(run[0], snap):
            # "the French Health Data Hub" is the Health Data Hub, wherever "France's" stands
            run = run[1:]
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
    shortened = _acronyms_of_names(text, snap) if NAME_TO_ACRONYM else ()
    spelled_groups = terms.spelled_groups + shortened
    if spelled_groups:  # rare: scan every group once rather than keep a second index
        concepts, query = expand_question(
            terms.terms, spelled_groups + snap.alias_groups, terms.surface, terms.names, None,
            snap.present_alternatives | {alt for group in spelled_groups for alt in group},
            snap.glossary_terms, terms.adjacent, terms.acronyms,
        )
    else:
        concepts, query = expand_question(
            terms.terms, snap.alias_groups, terms.surface, terms.names, snap.alias_index,
            snap.present_alternatives, snap.glossary_terms, terms.adjacent, terms.acronyms,
        )
    concepts = [_generic_verb(c, snap) for c in concepts]
    phrases = name_phrases(text, snap)
    if EITHER_OR:
        concepts, phrases = _either_or(text, concepts, phrases)
    return Interpretation(concepts, query, terms.corrections, phrases, frozenset(terms.terms))


#: A name of several words that an article shortens to an acronym ("Digital Operational Resilience
#: Act (DORA)") is found under the acronym too, as an acronym is under its name
NAME_TO_ACRONYM = True


def _acronyms_of_names(text: str, snap: Snapshot) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """((acronym,), (the name's terms...)) for each capitalised name of the question whose initials
    are an acronym the articles write and spell out as that name."""
    speller = snap.speller
    if speller is None:
        return ()
    out: list[tuple[tuple[str, ...], ...]] = []
    for run in capitalised_runs(text, _CAPITAL_RUN_RE, split=r"[ \t-]+"):
        for start in range(len(run) - 1):
            words = run[start:]
            initials = "".join(w if w.isupper() else w[0] for w in words)
            name = speller.spelled_out.get(initials.lower())
            if (
                len(initials) >= 3 and initials.upper() in speller.acronyms and name is not None
                and name.lower() == " ".join(words).lower()
            ):
                acronym, phrase = tuple(tokenize(initials)), tuple(tokenize(name))
                if phrase in snap.present_alternatives:
                    break  # a glossary or synonym name: its group already holds its short forms
                if acronym and phrase and (acronym, phrase) not in out:
                    out.append((acronym, phrase))
                break
    return tuple(out)


#: "Which regulator wants the ban extended, the Irish DPC or Norway's Datatilsynet?" names two
#: candidates: a passage about either answers (the names of both sides are one concept, covered by
#: the names of one side), where each name alone would be required and no passage holds both
EITHER_OR = True
_CHOICE_RE = re.compile(r",\s*(?:either\s+)?(?P<choice>[^;?]*?\bor\b[^,;?]+?)\s*\?*\s*$", re.I)
_CHOICE_SPLIT_RE = re.compile(r"\s*,\s*(?:or\s+)?|\s+or\s+", re.I)
# a clause, not a candidate: "In 2021, did the regulator fine Meta or Google?"
_NOT_A_CANDIDATE = frozenset(
    "did does do is are was were can could will would should has have had and but so which what who whom how when "
    "where why whether if".split()
)
#: most alternatives a side of a choice gives (the product of its concepts' alternatives)
_CHOICE_ALTERNATIVES = 16


def _either_or(text: str, concepts: list[Concept], phrases: tuple[str, ...]) -> tuple[list[Concept], tuple[str, ...]]:
    m = _CHOICE_RE.search(text)
    if not m:
        return concepts, phrases
    parts = [p for p in _CHOICE_SPLIT_RE.split(m["choice"].strip()) if p.strip()]
    if len(parts) < 2 or any(len(p.split()) > 6 for p in parts) or parts[0].split()[0].lower() in _NOT_A_CANDIDATE:
        return concepts, phrases
    labels = {id(c): frozenset(tokenize(c.label)) for c in concepts}
    sides = [[c for c in concepts if labels[id(c)] and labels[id(c)] <= frozenset(tokenize(p))] for p in parts]
    # a word of every side ("cloud" in "A's cloud or B's cloud") is not part of the choice, unless
    # a side is only that ("the Data Governance Act or the Data Act")
    shared = set.intersection(*({id(c) for c in side} for side in sides))
    trimmed = [[c for c in side if id(c) not in shared] for side in sides]
    sides = trimmed if all(trimmed) else sides
    if not all(sides):
        return concepts, phrases
    alternatives: list[frozenset[str]] = []
    for side in sides:
        combos = [frozenset[str]()]
        for c in side:
            combos = [have | alt for have in combos for alt in c.alternatives][:_CHOICE_ALTERNATIVES]
        alternatives.extend(combos)
    members = list({id(c): c for side in sides for c in side}.values())
    merged = Concept(
        m["choice"].strip(), tuple(dict.fromkeys(alternatives)), max(c.boost for c in members),
        name=any(c.name for c in members), term=any(c.term for c in members), choice=True,
    )
    ids = {id(c) for c in members}
    first = next(i for i, c in enumerate(concepts) if id(c) in ids)
    out = [merged if i == first else c for i, c in enumerate(concepts) if id(c) not in ids or i == first]
    choice = " ".join(w.lower() for w in re.findall(r"[\w'-]+", m.group(0)))
    return out, tuple(p for p in phrases if p not in choice)


#: Weight kept by a verb of the question that no article uses ("replaced", "located"): such verbs
#: frame the question rather than name what it is about, and the articles say the same in other
#: words ("the successor to", "based in"). Rare words the corpus lacks still weigh in full.
GENERIC_VERB_BOOST = 0.3
_PAST_RE = re.compile(r"^[a-z]{4,}(?:ed|ing)$")


def _generic_verb(concept: Concept, snap: Snapshot) -> Concept:
    if concept.name or concept.term or len(concept.alternatives) != 1 or len(concept.alternatives[0]) != 1:
        return concept
    (term,) = concept.alternatives[0]
    word = concept.label
    if term in snap.index or not _PAST_RE.match(word) or not is_common_word(word):
        return concept
    return replace(concept, boost=concept.boost * GENERIC_VERB_BOOST, generic=True)


#: An acronym no article writes ("MLA", "OPOs") is read as the words it abbreviates when the
#: passages found for the question's other words spell exactly one such run out ("mutual legal
#: assistance", "overseas production orders"): articles often never give the short form.
SPELL_FROM_PASSAGES = True
#: An acronym the articles write for two names ("DTA": "Digital Transformation Agency" in one,
#: "Data Transfer Agreement" in another) is read as the one the passages found spell out
AMBIGUOUS_FROM_PASSAGES = True
# an acronym as typed, or as `truecase` wrote one typed in lower case or shouted ("opo" -> "Opo")
_ACRONYM_LABEL_RE = re.compile(r"[A-Z][A-Za-z]{2,5}|[A-Z]{3,6}s")
# a hyphen joins two words that each give a letter ("Cross-Border Privacy Rules": CBPR)
_RUN_WORD_RE = re.compile(r"[^\W\d_][^\W\d_'\u2019]*")
#: words a spelled-out name may hold that give no letter ("Court of Justice", "Protecting Americans
#: from Foreign Adversary Controlled Applications Act")
_LINKING_WORDS = frozenset({"of", "and", "for", "on", "the", "from"})
#: ... and in the names of French, Spanish, Italian, Dutch and German bodies ("Commission nationale
#: de l'informatique et des libertés": CNIL; "Commission d'accès à l'information": CAI), where an
#: elided article ("d'", "l'") runs into the next word
_FOREIGN_LINKING_WORDS = frozenset(
    {"de", "du", "des", "la", "le", "les", "d", "l", "à", "et", "del", "della", "di", "van", "von", "der", "für"}
)
_ELISION = frozenset({"'", "\u2019"})


def _spelled_runs(text: str, letters: str) -> set[str]:
    """The runs of words in `text` whose initials are `letters`, linking words aside, written next
    to each other (spaces or hyphens only between them)."""
    words = list(_RUN_WORD_RE.finditer(text))
    found: set[str] = set()
    for i, first in enumerate(words):
        if first.group(0)[0].lower() != letters[0] or first.group(0).lower() in STOPWORDS:
            continue
        got, j, end = 1, i + 1, first.end()
        while got < len(letters) and j < len(words):
            word = words[j]
            between = text[end : word.start()]
            elided = between in _ELISION and len(words[j - 1].group(0)) == 1
            if (between.strip(" -") and not elided) or "\n" in between:
                break  # punctuation between: no longer one name
            low = word.group(0).lower()
            if (low in _LINKING_WORDS or low in _FOREIGN_LINKING_WORDS) and j + 1 < len(words):
                j, end = j + 1, word.end()
                continue
            if low[0] != letters[got] or low in STOPWORDS:
                break
            got, j, end = got + 1, j + 1, word.end()
        if got == len(letters) and words[j - 1].group(0).lower() not in _LINKING_WORDS | _FOREIGN_LINKING_WORDS:
            found.add(text[first.start() : end])
    return found


def _whole_name(run: str, texts: Sequence[str]) -> bool:
    """`run` is capitalised, and some text writes it as a whole name, not the tail of a longer one
    ("Communications Privacy Act" of "the Electronic Communications Privacy Act" is not one)."""
    if not all(w[0].isupper() for w in _RUN_WORD_RE.findall(run) if w.lower() not in _LINKING_WORDS):
        return False
    alone = re.compile(
        r"(?:^|[^\w\s'\u2019-]\s*|\b[a-z][\w'\u2019-]*\s+|(?:^|[.!?:;]\s+)(?:The|A|An)\s+)" + re.escape(run) + r"\b"
    )
    return any(alone.search(text) for text in texts)


def spell_out_from(reading: Interpretation, texts: Sequence[str], snap: Snapshot) -> Interpretation:
    """`reading` with each acronym no article writes read also as the one run of words that the
    passages' `texts` abbreviate so (see SPELL_FROM_PASSAGES); unchanged when none is found."""
    if not SPELL_FROM_PASSAGES:
        return reading
    concepts = list(reading.concepts)
    query = list(reading.query)
    corrections = list(reading.corrections)
    changed = False
    for n, concept in enumerate(concepts):
        word = strip_possessive(concept.label)
        if not (concept.name and _ACRONYM_LABEL_RE.fullmatch(word)):
            continue
        written = any(t in snap.index for alt in concept.alternatives for t in alt)
        if written and not (AMBIGUOUS_FROM_PASSAGES and len(concept.alternatives) == 1 and snap.speller is not None
                            and word.lower() not in snap.speller.spelled_out):
            continue
        runs: dict[tuple[str, ...], str] = {}
        # a plural ("OPOs", "opos") is the acronym without its s, if that spells something out
        shown = word
        for letters in dict.fromkeys([word[:-1], word] if word[-1:] in "sS" and len(word) > 3 else [word]):
            for text in texts:
                for run in _spelled_runs(text, letters.lower()):
                    runs.setdefault(tuple(tokenize(run)), run)
            runs.pop((), None)
            if runs:
                if not word.isupper() and not any(c.isupper() for c in word[1:]):  # "Opos" as truecase wrote "opos"
                    shown = letters.upper() + word[len(letters):]
                break
        if len(runs) > 1:
            # a name is capitalised where a chance run is not: "the Law Enforcement Directive"
            # beside "let EU data" in another paragraph
            named = {t: run for t, run in runs.items() if _whole_name(run, texts)}
            runs = named if len(named) == 1 else runs
        if len(runs) != 1:  # none, or several different names: not guessed at
            continue
        ((terms, run),) = runs.items()
        concepts[n] = replace(concept, alternatives=(*concept.alternatives, frozenset(terms)))
        query.extend(t for t in terms if t not in query)
        corrections.append((shown, run))
        changed = True
    if not changed:
        return reading
    return replace(reading, concepts=concepts, query=query, corrections=corrections)


def search_reading(
    reading: Interpretation, snap: Snapshot, k: int, index: SearchIndex | None = None
) -> tuple[Interpretation, list[Hit]]:
    """The k best passages for `reading` (in `index`, by default the snapshot's), and the reading
    they were found for: an acronym no article writes may be spelled out by the passages found
    ("MLA": "mutual legal assistance", see `spell_out_from`), and then they are looked for again."""
    index = snap.index if index is None else index

    def search(r: Interpretation) -> list[Hit]:
        return index.search(r.query, k, r.own_terms, [alt for c in r.concepts for alt in c.alternatives])

    hits = search(reading)
    spelled = spell_out_from(reading, [h.passage.text for h in hits], snap)
    if spelled is reading:
        return reading, hits
    return spelled, search(spelled)
