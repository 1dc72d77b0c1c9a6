"""Reading a follow-up question in its conversation: "And how old is that law?" after "What is the ECPA?".

In a thread, people lean on what was asked before: a pronoun ("When was it adopted?"), a noun
that points back ("that law"), "what about X", "and when?", or a question too short to stand
alone ("Why?"). Such a follow-up is read with the concepts of the earlier question; one that stands
alone ("When was the CLOUD Act signed?") is read alone, so a change of subject is never mixed up
with the old one. Two ways of leaning are told apart:

- *refers back* (a pronoun, "that law", "and when?"): the follow-up's own concepts plus the
  earlier question's subject (its names and glossary terms; all its concepts when it has none, or
  when the follow-up is too short to say anything itself);
- *asks the same of something else* ("What about Google?" after "Did Microsoft back Privacy
  Shield?"): the earlier question with the new subject in place of the old one of its kind (a
  name for a name, a glossary term for a term), and the earlier question's kind of answer.

What comes from the earlier question is context: it helps find and judge passages at
INHERITED_BOOST of its weight, but it is never a name or term a passage must hold (see
`_as_context`). The earlier questions are read in order, each follow-up with the one before it, so
a chain of follow-ups keeps its subject. Everything here is pure: the core's `interpret` does the reading
and `Knowledge.ask(..., after=...)` the answering; the reply says how the question was read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum

from bot.engine import question_kind
from bot.engine.answer import Concept
from bot.engine.reading import Interpretation, interpret
from bot.engine.snapshot import Snapshot
from bot.engine.text import fold_quotes

__all__ = ["NOTE_PREFIXES", "Lean", "Reading", "conversation_note", "how_it_leans", "read_in_conversation"]

#: A follow-up with at most this many concepts of its own says too little to stand alone ("Who signed?").
SHORT = 1
#: Whether an earlier question's names stay names a passage must hold (see `_as_context`).
INHERITED_AS_NAMES = False
#: Weight of an earlier question's concepts relative to what they weighed there.
INHERITED_BOOST = 0.5
#: At most this many earlier subjects are named in the note.
NOTE_SUBJECTS = 3


#: How the notes of a follow-up read with its conversation begin (see `conversation_note`).
NOTE_PREFIXES = ("Read with the earlier question", "Read as the earlier question")


def conversation_note(answer: object) -> str:
    """The note of an `Answer` saying how a follow-up was read with the earlier question, or ''."""
    return next((n for n in getattr(answer, "notes", ()) if n.startswith(NOTE_PREFIXES)), "")


class Lean(Enum):
    ALONE = "alone"  # stands on its own
    REFERS = "refers"  # refers back: a pronoun, "that law", "and when?"
    SHORT = "short"  # too short to stand alone: "Why?", "Who signed?"
    INSTEAD = "instead"  # asks the earlier question of something else: "What about Google?"


# "What about Google?", "How about the UK?", "And Google?", "Same for Amazon?"
_INSTEAD_RE = re.compile(
    r"^\W*(?:(?:and|but|so|ok|okay)\W+)?(?:what|how)\s+about\s+(?P<x>.+)$"
    r"|^\W*(?:and|but)\s+(?:for\s+|in\s+|with\s+)?(?P<y>[^\s?]+(?:\s+[^\s?]+){0,3})\W*$"
    r"|^\W*(?:(?:the\s+)?same\s+(?:for|with|about)|ditto\s+for)\s+(?P<z>.+)$",
    re.I,
)
# Personal pronouns that stand for something said before.
_PRONOUN_RE = re.compile(r"\b(it|its|itself|they|them|their|theirs|themselves|he|him|his|she|hers)\b", re.I)
# "her" is a pronoun, but also "her" + noun; both point back.
_HER_RE = re.compile(r"\bher\b", re.I)
# "it" that points at nothing: "Is it true that ...", "is it legal to ..."
_DUMMY_IT_RE = re.compile(
    r"\bit\s+(?:is|was|'s|would\s+be|will\s+be)?\s*(?:true|possible|legal|illegal|lawful|unlawful|likely|"
    r"necessary|ok|okay|safe|worth|easy|hard|difficult|common|allowed|required|enough|right|wrong|"
    r"a\s+good\s+idea)\b|\bit\s+(?:take|takes|took|cost|costs)\b",
    re.I,
)
# Demonstratives pointing back: "that law", "this ruling", "those rules", "do that?"
_DEMONSTRATIVE_RE = re.compile(r"\b(?P<d>this|that|these|those)\b(?P<after>\W*(?P<next>[\w'-]+)?)", re.I)
# "that" after these starts a clause ("say that ...", "true that ..."), not a reference
_CLAUSE_BEFORE = frozenset(
    "say says said saying claim claims claimed argue argues argued true believe believes believed think "
    "thinks thought mean means meant show shows showed shown ensure ensures ensured know knows knew rule "
    "rules ruled decide decides decided find finds found state states stated confirm confirms confirmed "
    "suggest suggests suggested insist insists insisted admit admits admitted warn warns warned agree "
    "agrees agreed hold holds held so such than fact way sure clear possible likely given now require "
    "requires required demand demands demanded promise promises promised guarantee guarantees guaranteed "
    "order orders ordered hope hopes hoped fear fears feared report reports reported announce announces "
    "announced".split()
)
# ... nor when the next word starts a clause of its own ("that the court", "that Microsoft")
_CLAUSE_AFTER = frozenset(
    "the a an it they he she we you i there this these those his her its their our my your all some any "
    "every each no if when where why how who what which whether not".split()
)
_REFERRING_PHRASE_RE = re.compile(
    r"\b(the same|the former|the latter|that one|this one|the other one|such a|then|the previous|the one before)\b",
    re.I,
)
_LEADING_CONJUNCTION_RE = re.compile(r"^\W*(and|but|so|also|plus|then)\b", re.I)
_TRAILING_TOO_RE = re.compile(r"\b(too|as well|also)\W*$", re.I)


def _demonstrative_points_back(text: str) -> bool:
    for m in _DEMONSTRATIVE_RE.finditer(text):
        word, nxt = m.group("d").lower(), (m.group("next") or "")
        if not nxt:  # "Why did they do that?"
            return True
        if word != "that":
            return True  # "this ruling", "those rules"
        before = re.findall(r"[\w']+", text[: m.start()])
        if before and before[-1].lower() in _CLAUSE_BEFORE:
            continue  # "say that ..."
        if nxt.lower() in _CLAUSE_AFTER or nxt[:1].isupper() or nxt[:1].isdigit():
            continue  # "that the court ...", "that Microsoft ..."
        return True  # "that law", "that fine"
    return False


_POSSESSIVES = frozenset(("its", "their", "his", "her"))


def _pronoun_points_back(text: str, names: Sequence[str]) -> bool:
    """A pronoun for something said before; a possessive after one of the question's own names
    belongs to it ("When did the EDPB adopt its guidance?")."""
    for m in _PRONOUN_RE.finditer(text):
        before = text[: m.start()].lower()
        if m.group(1).lower() in _POSSESSIVES and any(n.lower() in before for n in names):
            continue
        return True
    return bool(_HER_RE.search(text)) and not any(n.lower() in text.lower() for n in names)


def _refers_back(text: str, names: Sequence[str] = ()) -> bool:
    plain = _DUMMY_IT_RE.sub(" ", text)
    return bool(
        _pronoun_points_back(plain, names) or _demonstrative_points_back(plain)
        or _REFERRING_PHRASE_RE.search(plain)
    )


def _specific(concept: Concept) -> bool:
    """A name, a glossary term or a number: what a question is about."""
    return concept.name or concept.term or any(c.isdigit() for c in concept.label)


def how_it_leans(text: str, own: Interpretation) -> Lean:
    """Whether a question leans on the conversation, and how (`own`: its reading alone)."""
    text = fold_quotes(text).strip()
    specific = [c for c in own.concepts if _specific(c)]
    instead = _INSTEAD_RE.match(text)
    # "And Google?" needs a subject of its own; "What about the second one?" says "about" outright
    if instead and (specific or instead.group("x") or instead.group("z")):
        return Lean.INSTEAD
    if _refers_back(text, [c.label for c in specific]):
        return Lean.REFERS
    if len(own.concepts) <= SHORT:
        if specific and not _LEADING_CONJUNCTION_RE.match(text):
            return Lean.ALONE  # "What is GDPR?", "Schrems II?": a subject of its own
        return Lean.INSTEAD if specific else Lean.SHORT
    if (_LEADING_CONJUNCTION_RE.match(text) or _TRAILING_TOO_RE.search(text)) and not specific:
        return Lean.REFERS  # "And how much was the fine?"
    return Lean.ALONE


@dataclass(frozen=True)
class Reading:
    """A question as read in its conversation.

    `interpretation` is what the engine searches with; `kind_question` the text whose wording
    says what kind of answer is wanted (the earlier question's for "What about Google?"); `note`
    tells the asker how the question was read ('' when it was read alone).
    """

    interpretation: Interpretation
    kind_question: str
    lean: Lean = Lean.ALONE
    note: str = ""
    said: tuple[str, ...] = ()  # the questions whose concepts it holds, for naming them
    # what the conversation is about, as first asked (names, terms, multi-word names), and the
    # concepts of `interpretation` that came from earlier questions (already weighed as context)
    subject: tuple[Concept, ...] = ()
    context: tuple[Concept, ...] = ()


def _same(a: Concept, b: Concept) -> bool:
    return bool(set(a.alternatives) & set(b.alternatives)) or a.label.lower() == b.label.lower()


def _renumber(concepts: Sequence[Concept], after: int) -> list[Concept]:
    """Name groups of another question, numbered after this one's so two names never merge."""
    return [replace(c, name_group=c.name_group + after) if c.name_group else c for c in concepts]


def _kind_of(concept: Concept) -> str:
    """What a subject is, to know which earlier subject a new one replaces: a one-word name
    ("Google" for "Microsoft"), a number, or a term (several words, an acronym: "Safe Harbour" for
    "Privacy Shield")."""
    label = concept.label
    if any(ch.isdigit() for ch in label):
        return "number"
    if concept.term or " " in label.strip() or (label.isupper() and len(label) > 1):
        return "term"
    return "name" if concept.name else "word"


def _as_context(concept: Concept) -> Concept:
    """An earlier question's concept, as context of a follow-up.

    It still ties the follow-up to its subject (it is searched for and counts toward coverage, at
    INHERITED_BOOST of its weight), but it is neither a name nor a glossary term that every passage
    must hold: "What did he say about Privacy Shield?" after "Who is Ruediger Dorn?" is answered by a
    paragraph that says only "Dorn".
    """
    if not INHERITED_AS_NAMES:
        concept = replace(concept, name=False, term=False, name_group=0)
    return replace(concept, boost=concept.boost * INHERITED_BOOST) if INHERITED_BOOST != 1.0 else concept


def _combine(
    own: Interpretation, earlier: Reading, inherited: Sequence[Concept]
) -> tuple[Interpretation, tuple[Concept, ...]]:
    """`own` plus the `inherited` concepts of `earlier` (their query terms and phrases too), and
    which of the result's concepts are context."""
    before = earlier.interpretation
    new = [c for c in inherited if not any(_same(c, o) for o in own.concepts)]
    top = max((c.name_group for c in own.concepts), default=0)
    # a concept already inherited by the earlier question keeps its weight: it is not halved again
    context = tuple(c if any(c is x for x in earlier.context) else _as_context(c) for c in _renumber(new, top))
    words = {t for c in new for alt in c.alternatives for t in alt}
    query = list(own.query) + [t for t in before.query if t in words]
    labels = {c.label.lower() for c in new}
    phrases = tuple(dict.fromkeys(
        own.phrases + tuple(p for p in before.phrases if set(p.split()) & labels or any(p in w for w in labels))
    ))
    # the earlier question's own words join this one's, so its article's title still matches
    own_terms = own.own_terms | (before.own_terms & words)
    return Interpretation(list(own.concepts) + list(context), query, own.corrections, phrases, own_terms), context


def _labels(concepts: Sequence[Concept], said: Sequence[str] = ()) -> str:
    """'Privacy Shield', 'Microsoft and Google': words written together in a question ("Schrems
    II") are named together."""
    folded = [" " + " ".join(re.findall(r"[\w'-]+", fold_quotes(t).lower())) + " " for t in said]
    words: list[str] = []
    for c in concepts:
        if words and any(f" {words[-1].lower()} {c.label.lower()} " in f for f in folded):
            words[-1] = f"{words[-1]} {c.label}"
        else:
            words.append(c.label)
    names = list(dict.fromkeys(words))[:NOTE_SUBJECTS]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _subject(reading: Interpretation) -> list[Concept]:
    """What a question is about: its names, terms and numbers, and the words of its multi-word
    names ("Data Privacy Framework", "AWS European Sovereign Cloud")."""
    words = {w for p in reading.phrases for w in p.split()}
    return [c for c in reading.concepts if _specific(c) or c.label.lower() in words]


def _kind_text(text: str) -> str:
    """The question's wording for its kind of answer: "And what is its price?" asks what "What is
    its price?" asks (bot.engine.question_kind reads a question from its first word)."""
    return _LEADING_CONJUNCTION_RE.sub("", text, count=1).lstrip(" ,") or text


def _alone(text: str, own: Interpretation) -> Reading:
    return Reading(own, _kind_text(text), said=(text,), subject=tuple(_subject(own)))


def _read(text: str, own: Interpretation, earlier: Reading) -> Reading:
    lean = how_it_leans(text, own)
    before = earlier.interpretation
    if lean is Lean.ALONE or not before.concepts:
        return _alone(text, own)
    said = (*earlier.said, text)
    theirs = list(earlier.subject)
    mine = [c for c in own.concepts if _specific(c)]
    if lean is Lean.INSTEAD:
        kinds = {_kind_of(c) for c in mine}
        # "What about Google?" replaces the earlier subject of its kind; of several, the last one
        # named ("Does Microsoft compete with Amazon?" -> "... with Google?"); "What about the
        # second one?" replaces nothing
        alike = [c for c in theirs if _kind_of(c) in kinds]
        last = [c for c in alike if alike[-1].name_group and c.name_group == alike[-1].name_group] or alike[-1:]
        replaced = (last or theirs) if mine else []
        kept = [c for c in before.concepts if not any(_same(c, r) for r in replaced)]
        reading, context = _combine(own, earlier, kept)
        # "What about Google?" asks what the earlier question asked: its kind of answer too
        kind = _kind_text(text)
        kind = kind if question_kind.wants(kind) is not question_kind.Want.OTHER else earlier.kind_question
        gone = [c for c in replaced if not any(_same(c, m) for m in mine)]
        note = f"Read as the earlier question, about {_labels(mine or own.concepts, said)}"
        note += f" instead of {_labels(gone, said)}." if gone else "."
        subject = (*_subject(own), *(c for c in theirs if not any(c is r for r in replaced)))
        return Reading(reading, kind, lean, note, said, subject, context)
    inherited = list(before.concepts) if lean is Lean.SHORT or not theirs else theirs
    reading, context = _combine(own, earlier, inherited)
    # "Will it appeal?" asks its own kind of thing; "And?" (too short to say) the earlier one's
    kind = _kind_text(text)
    if lean is not Lean.REFERS and question_kind.wants(kind) is question_kind.Want.OTHER:
        kind = earlier.kind_question
    shown = ([c for c in theirs if not any(_same(c, o) for o in own.concepts)]
             or [c for c in inherited if not any(_same(c, o) for o in own.concepts)] or inherited)
    subject = (*_subject(own), *(c for c in theirs if not any(_same(c, o) for o in own.concepts)))
    note = f"Read with the earlier question about {_labels(shown, said)}."
    return Reading(reading, kind, lean, note, said, subject, context)


def read_in_conversation(text: str, earlier: Sequence[str], snap: Snapshot) -> Reading:
    """Read `text` after the `earlier` questions of its conversation (oldest first).

    Each earlier question is itself read after the ones before it, so "And who struck it down?"
    after "When was Privacy Shield adopted?" / "Was it challenged?" is still about Privacy Shield.
    """
    context: Reading | None = None
    for question in earlier:
        question = " ".join(question.split())
        if not question:
            continue
        own = interpret(question, snap)
        context = _alone(question, own) if context is None else _read(question, own, context)
    own = interpret(text, snap)
    if context is None:
        return Reading(own, text, said=(text,))
    return _read(text, own, context)
