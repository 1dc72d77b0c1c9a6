"""What kind of answer a question wants, and whether a passage holds one.

"How many requests...?" wants a number, "When did...?" a time, "Who...?" a name. Among passages
that match a question's words about equally, the one that holds the kind of thing asked for is
the better answer; `bonus` turns that into a small multiplier on the BM25 score, so it reorders
near-ties but never lifts a passage that does not match the question.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache

from bot.engine.text import fold_quotes


class Want(Enum):
    AMOUNT = "amount"  # of money: a price, a fee, a salary
    PERCENT = "percent"  # a share: "What percentage of Bleu does Orange own?"
    NUMBER = "number"
    DURATION = "duration"  # "How long ...?": a stretch of time, not a date
    PLACE = "place"  # "Where ...?": a named place
    FINE = "fine"  # "What is the maximum fine?": an amount, or a share of turnover
    TIME = "time"
    NAME = "name"
    REASON = "reason"
    OTHER = "other"


_MONEY = r"(prices?|pricing|costs?|charges?|fees?|salar(y|ies)|revenues?|budgets?|turnover|profits?)"
# "What is X's salary?", "What are Google Cloud prices?", "the price of ...", "How much does X
# charge?": an amount of money is asked for; "What did they say about revenue?" is not
_AMOUNT_Q = re.compile(
    rf"^\W*(what|which)(\s+(is|are|was|were)|'s)\b[^?]*\b{_MONEY}\b"
    rf"|\b{_MONEY}\s+(of|for|per)\b"
    r"|\bhow much\b[^?]*\b(cost|costs|costing|charge|charges|charging|pay|pays|paid|paying|spend|spent|spending|"
    r"earn|earns|earning|worth|price|fee|fine|fined|fines|invest|invests|invested|investing|raise|raised|raising|"
    r"revenue|money)\b"
    r"|\bhow (expensive|cheap)\b"
    r"|^\W*what(\s+(is|are|was|were)|'s)\b[^?]*\bworth\W*$",
    re.I,
)
_HOW_MUCH_Q = re.compile(
    # the specific sums; paying, costing and spending are said in too many ways ("pay for" = "buy")
    r"\bhow much\b[^?]*?\b(fine|fined|fines|invest|invests|invested|raise|raised|revenue|budget|turnover|"
    r"profit|profits|salary)\b",
    re.I,
)
#: "Who chairs X?" asks for the one in that role, and the role is written with the verb's word
#: ("chaired by", "its chairperson", a synonym group): a passage must say it. "Who heads/leads X?"
#: is answered by a title of another word ("Data Commissioner Immaculate Kassait"), so not those
WHO_VERB = True
_WHO_VERB_Q = re.compile(r"^\W*who\s+(chairs|chaired)\b", re.I)
# "Who is/was the judge hearing ...?", "Who will be the ombudsperson?": the role asked for
_WHO_ROLE_Q = re.compile(r"^\W*who(?:\s+(?:is|was|are|were|will be)|'s)\s+the\s+([\w'-]+(?:\s+[\w'-]+){0,4})", re.I)


def _role_head(phrase: str) -> str | None:
    """The head noun of "judge hearing Microsoft's lawsuit" (judge), "CEO of S3NS" (CEO)."""
    words: list[str] = []
    for w in phrase.split():
        lw = w.lower()
        if lw in _CLAUSE or lw.endswith("'s") or (len(lw) > 4 and lw.endswith(("ing", "ed"))):
            break
        words.append(w)
    if not words or words[-1].lower() in _OPEN_HEADS or sum(w[:1].isupper() for w in words) >= 2:
        return None  # "Who is the European Data Protection Supervisor?" asks who holds a named office
    return words[-1]


# "Did Microsoft win the lawsuit?": the verb after a one-name subject is what is asked
_YES_NO_Q = re.compile(r"^\W*(?i:did|does|do|will|would|has|have|had)\s+[A-Z][\w'-]*\s+([a-z]{3,})\b")
_LIGHT_VERBS = frozenset(
    "say tell think know get make have do go use need want plan offer give take see keep allow let help try "
    "mean agree believe expect hope consider provide mention comment explain".split()
)


_PERCENT_Q = re.compile(r"\bwhat (percentage|proportion|per ?cent)\b|\bhow many per ?cent\b", re.I)
_PERCENT_P = re.compile(r"\d\s?%|\bper ?cent\b|\bpercentage\b|\b(half|third|quarter|majority|minority)\b", re.I)
_NUMBER_Q = re.compile(
    r"\bhow (many|much|old|long(?!\s+ago\b)|often|quickly|fast|soon)\b|\bwhat (number|percentage|share)\b", re.I
)
# "When did ...?" asks for a time; "When authorities ask, does it ...?" and "when it comes to" do not
_AUX = r"(did|does|do|was|were|is|are|will|would|has|have|had|can|could|should|'s)"
_TIME_Q = re.compile(
    rf"(^|[.?!]\s*|\b(and|so|but)\s+)when\s+{_AUX}\b|\bwhen\W*$|\bsince when\b"
    r"|\bwhat (day|date|year|month|time|deadline)\b|\bwhat(\s+(is|was|were)|'s) the deadline\b"
    r"|\bwhich (day|date|year|month)\b|\bhow long ago\b",
    re.I,
)
#: "How long ...?" asks for a stretch of time ("270 days", "within three months"), which a date in
#: the lead paragraph ("on Friday, 17 January") does not give
DURATION = True
_DURATION_Q = re.compile(
    r"\bhow long\b(?!\s+ago\b)|\b(over|for|during|within) what (time )?(period|timeframe|time frame)\b", re.I
)
_DURATION_P = re.compile(
    r"\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|eighteen|twenty|"
    r"thirty|forty|fifty|sixty|ninety|several|few|a few|couple of)[- ](working[- ]|calendar[- ]|business[- ])?"
    r"(hours?|days?|weeks?|months?|years?|decades?)\b|\b(until|till|up to|no later than|by)\s+"
    r"((\d{1,2}\s+)?(january|february|march|april|may|june|july|august|september|october|november|december)\b"
    r"|the end\b|(19|20)\d\d\b)",
    re.I,
)
#: "What is the maximum fine under X?" asks for the cap, which laws give as a sum or as a share of
#: turnover ("up to 4% of worldwide annual turnover"): either answers, nothing else does
MAX_FINE = True
_MAX_FINE_Q = re.compile(
    r"\b(maximum|max|highest|biggest|largest|top)\s+([\w-]+\s+)?(fines?|penalt(y|ies))\b"
    r"|\bhow much can\b[^?]*\bfined?\b", re.I
)
#: "Where ...?" asks for a place: "at Inspire, its annual partner conference", "in Frankfurt am Main"
PLACE = True
_PLACE_Q = re.compile(
    r"^\W*where\s+(?!(can|could|do|should|would)\s+(i|we|you)\b)|\b(and|or) where\b|,\s*where\W*$", re.I
)
_PLACE_P = re.compile(
    r"\b(?i:in|at|near|outside|from|before)\s+(?:the\s+)?"
    r"(?!(?:January|February|March|April|May|June|July|August|September|October|November|December|Monday|"
    r"Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)[A-Z](?:[a-z]+|[A-Z]+)\b"
)
_NAME_Q = re.compile(r"\bwho(m|se)?\b|\bwhich (company|companies|firm|person|people|group|body|organi[sz]ation)\b",
                     re.I)

_REASON_Q = re.compile(
    r"^\W*((and|so|but)\s+)?(why|how come)\b|\bwhy\W*$"
    r"|\bwhat(\s+(is|was|are|were)|'s) the (reason|point|purpose|aim|goal)\b",
    re.I,
)
# a clause giving a reason or a purpose: "in the hope of gaining", "for the right to tell", "because"
_REASON_P = re.compile(
    r"\b(because|as a result|due to|in order to|so that|in the hope of|for the right to|the reason|"
    r"to ensure|to make sure|as they considered|which is why|that is why|since it|human nature)\b",
    re.I,
)
_NUMBER_P = re.compile(
    # a count, not part of an identifier ("Directive 95/46/EC", "Article 29" is still a number)
    r"(?<![/\w])\d+(?:[.,]\d+)?(?![/\w])|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|billion|dozen)\b",
    re.I,
)
_AMOUNT_P = re.compile(
    # $, EUR, GBP, JPY/CNY, INR, RUB, KRW signs; an amount in a currency's name or code
    r"[$\u20ac\u00a3\u00a5\u20b9\u20bd\u20a9]\s?\d"
    r"|\b(?:\d[\d.,]*|one|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|hundred)\s?"
    r"(?:(?:million|billion|trillion|bn|m|crore|lakh)\s)?"
    r"(?:(?:us|canadian|australian|singapore|hong kong|new zealand|swiss|saudi|brazilian|mexican)\s)?"
    r"(?:dollars?|euros?|pounds?|cents?|pence|yuan|renminbi|yen|rupees?|roubles?|rubles?|francs?|kron[aeo]r?|"
    r"reais|zloty|lira|riyals?|dirhams?|dinars?|rand|pesos?|baht|ringgit|naira|shillings?|won|"
    r"usd|eur|gbp|chf|cny|rmb|jpy|inr|rub|sek|nok|dkk|brl|krw|sar|aed|zar|mxn|sgd|hkd|aud|cad|nzd|kes|ngn)\b"
    r"|\b(?:usd|eur|gbp|chf|cny|rmb|jpy|inr|sek|nok|dkk|brl|krw|sar|aed|zar|sgd|hkd|aud|cad|nzd)\s?\d"
    r"|\b(?:free of charge|at no (?:extra )?cost)\b",
    re.I,
)
_TIME_P = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july|"
    r"august|september|october|november|december|yesterday|today|tomorrow|ago|last (week|month|year)|"
    r"spring|summer|autumn|winter|"
    r"(19|20)\d\d)\b|\b\w+ (days?|weeks?|months?|years?) (before|after)\b"
    # a time given from another ("after two years", "within 45 working days", "every year")
    r"|\b(after|within|in|every)\s+(a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|\d+)"
    r"(\s+working)?\s+(days?|weeks?|months?|years?)\b|\b(annually|every year|each year)\b",
    re.I,
)
# A capitalised word that does not start a sentence: a rough but cheap sign of a name.
_NAME_P = re.compile(r"(?<![.!?:]\s)(?<!^)(?<![\u201c\"'(])\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")

#: Relative score bonus for a passage that holds the kind of answer asked for (chosen on the dev set).
BONUS = 0.15
#: "Who ...?" gets no bonus: news text names someone in nearly every paragraph, so holding a name
#: tells passages apart no better than chance (sets A/B: +1 at R@1 without it; seed sets equal).
NAME_BONUS = False


def _plain(question: str) -> str:
    """Curly quotes folded ("What\u2019s" is "What's"): phones type them, the patterns use straight ones."""
    return fold_quotes(question)


_POSSESSIVES = frozenset("its their his her our my your this that these those".split())


def _names_a_kind_of_charge(question: str) -> bool:
    """"What are egress fees?" asks what a kind of fee is, not how much one costs ("What are Google
    Cloud prices?" asks for the prices: a name says whose)."""
    subject = defined(question)
    if not subject or subject != subject.lower():
        return False
    words = subject.split()
    # "its share price today" asks for a price: whose, and when
    return len(words) >= 2 and bool(re.fullmatch(_MONEY, words[-1])) and not set(words) & _POSSESSIVES


def wants(question: str) -> Want:
    question = _plain(question)
    if MAX_FINE and _MAX_FINE_Q.search(question):
        return Want.FINE
    if _AMOUNT_Q.search(question) and not _names_a_kind_of_charge(question):
        return Want.AMOUNT
    if _PERCENT_Q.search(question):
        return Want.PERCENT
    if DURATION and _DURATION_Q.search(question):
        return Want.DURATION
    if _NUMBER_Q.search(question):
        return Want.NUMBER
    if _TIME_Q.search(question):
        return Want.TIME
    if PLACE and _PLACE_Q.search(question):
        return Want.PLACE
    if _REASON_Q.search(question):  # before "who": "Why did the people who run Azure ...?"
        return Want.REASON
    if _NAME_Q.search(question):
        return Want.NAME
    return Want.OTHER


#: A dateline's date ("THE HAGUE, 31 October 2025 —") says when the story was filed, not when
#: anything in it happened, and is no count: it neither answers "how many" nor "when" (a lead
#: that says "today" still does)
DATELINE = True
_DATELINE_RE = re.compile(
    r"^[A-Z][A-Z .'/-]{1,40}, (?:\d{1,2} [A-Z][a-z]+|[A-Z][a-z]+ \d{1,2},?) \d{4} ?[\u2014\u2013-] ?"
)


@lru_cache(maxsize=16384)
def holds(want: Want, text: str) -> bool:
    if DATELINE:
        text = _DATELINE_RE.sub("", text, count=1)
    if want is Want.AMOUNT:
        return bool(_AMOUNT_P.search(text))
    if want is Want.PERCENT:
        return bool(_PERCENT_P.search(text))
    if want is Want.NUMBER:
        return bool(_NUMBER_P.search(text))
    if want is Want.DURATION:
        return bool(_DURATION_P.search(text))
    if want is Want.PLACE:
        return bool(_PLACE_P.search(text))
    if want is Want.FINE:
        return bool(_AMOUNT_P.search(text) or _PERCENT_P.search(text))
    if want is Want.TIME:
        return bool(_TIME_P.search(text))
    if want is Want.NAME:
        return bool(_NAME_P.search(text))
    if want is Want.REASON:
        return bool(_REASON_P.search(text))
    return False


def bonus(want: Want, text: str, weight: float | None = None) -> float:
    """Multiplier for a passage's score: 1 + weight (default BONUS) when it holds the kind of answer wanted."""
    if want is Want.OTHER or (want is Want.NAME and not NAME_BONUS):
        return 1.0
    return 1.0 + (BONUS if weight is None else weight) if holds(want, text) else 1.0



def can_answer(want: Want, text: str) -> bool:
    """False when the question wants an amount of money, a number or a time and `text` holds none.

    Names are everywhere in news text, so "who" questions are not filtered this way.
    """
    if want is Want.DURATION:  # "until 2025" or "by 16 July" may say how long as well as "90 days"
        return holds(Want.NUMBER, text)
    if want in (Want.AMOUNT, Want.PERCENT, Want.NUMBER, Want.TIME, Want.FINE):
        return holds(want, text)
    return True


# Words that end the noun phrase after "which"/"what": verbs that start the clause, prepositions.
_CLAUSE = frozenset(
    "is are was were be been being am 's do does did has have had can could will would should shall may might "
    "must of in on for to by with from about at as into over under than that this these those it its they "
    "he she we you i there if when where why how who whom whose not the a an his her their our my your".split()
)
# Heads that ask for nothing the passage must name ("what kind of", "which way") or that a name
# answers ("which company", "what law": the Electronic Communications Privacy Act is the answer)
_OPEN_HEADS = frozenset(
    "kind kinds type types sort sorts way ways reason reasons thing things part parts role example examples "
    "name names title titles aspect aspects one ones else exactly happened happens "
    "company companies firm firms person people group groups body bodies organisation organisations "
    "organization organizations country countries nation nations city cities law laws act acts "
    "regulation regulations rule rules agency agencies provider providers rival rivals competitor "
    "competitors state states party parties official officials executive executives "
    # a time or a number is checked by `can_answer`, not by the word: "on what day" -> "Thursday"
    "day days date dates year years month months time times week weeks period hour hours minute minutes "
    "deadline deadlines "
    "number amount percentage proportion "
    # categories that a named instance answers: "which publication" -> "TechWeekEurope"
    "town towns village villages place places region regions location locations site sites venue venues "
    "event events conference conferences counterpart counterparts ground grounds "
    "publication publications protection protections technology technologies document documents "
    "term terms question questions measure measures mechanism mechanisms tool tools service services "
    "product products feature features option options step steps method methods right rights "
    "principle principles promise promises problem problems issue issues concern concerns "
    "duty duties obligation obligations requirement requirements condition conditions "
    # what a passage says in its own words: "what is the purpose of", "what was the response to"
    "point purpose aim goal meaning significance status nature age size length duration role position "
    "view views stance opinion attitude response reaction answer basis source cause effect effects impact "
    "main key difference "
    # qualities and factors: "what quality should buyers look for" -> "trust"
    "quality qualities characteristic characteristics factor factors attribute attributes property "
    "properties value values trait traits "
    # what a passage tells rather than names: "what are the details of", "the latest on"
    "detail details background story latest situation deal context overview summary news history "
    "implication implications consequence consequences scope idea argument case "
    # what a passage says, in its own words: "what reassurance does the firm give" -> "a strong message"
    "message messages statement statements comment comments remark remarks claim claims assurance "
    "assurances reassurance reassurances pledge pledges commitment commitments warning warnings advice "
    "explanation explanations justification text texts provision provisions entitlement entitlements "
    "guarantee guarantees plan plans strategy strategies approach approaches".split()
)
_AUXILIARIES = frozenset(
    "is are was were be been 's do does did has have had can could will would should shall may might must".split()
)
#: "What was the name of the Oslo District Court judge?" asks for the judge the name is of: a
#: passage about the court that names no judge cannot say (the words of the phrase before the
#: head are often names or paraphrase; the head is the last word before a clause or the end)
NAME_OF = True
_NAME_OF_Q = re.compile(
    r"^\W*what(?:\s+(?:is|was|are|were)|'s)\s+the\s+names?\s+of\s+(?:the|a|an|this|that|its|their)\s+(.+)",
    re.I,
)


def _name_of_head(words: list[str]) -> str | None:
    """The noun "the name of the ..." asks for: the last word of its phrase, which ends at a clause
    word, a past participle ("the company fined by ...") or a name after the noun ("the company
    Microsoft bought", "the joint venture SAP set up"): "Oslo District Court judge" -> "judge"."""
    head, common = None, False
    for w in words[:8]:
        if w.lower() in _CLAUSE or (common and (w[:1].isupper() or _looks_past(w))):
            break
        common = common or not w[:1].isupper()
        head = w
    return head
_OF_Q = re.compile(
    r"^\W*what(?:\s+(?:is|was|are|were)|'s)\s+the\s+(?:[\w'-]+\s+){0,2}?([\w'-]+)\s+"
    r"(?:of|in|for|on|behind|about|to|with|against|from)\b",
    re.I,
)
# the question's own wh-word, at its start (after a preposition or conjunction at most): "which"
# inside a clause ("the act which Microsoft attacked") asks for nothing
_FOCUS_Q = re.compile(
    r"^\W*(?:(?:in|on|at|for|from|to|by|with|of|about|and|so|but|under|through)\s+)?"
    r"(which|what|how many)\s+((?:[\w'-]+\s*){1,8})",
    re.I,
)


_IRREGULAR_PLURALS = frozenset("people children men women staff personnel".split())




#: What a count need not spell out ("how many kinds/reasons/times/people": a number answers):
#: the open heads, except the plural entities a count is about ("how many companies signed up?").
_COUNT_OPEN = frozenset(
    w for w in _OPEN_HEADS
    if w not in set(
        "companies firms groups bodies organisations organizations countries nations cities laws acts regulations "
        "rules agencies providers rivals competitors states parties officials executives".split()
    )
)


def _looks_past(word: str) -> bool:
    w = word.lower()
    return len(w) > 4 and w.endswith("ed") and not w.endswith("eed")


def _looks_plural(word: str) -> bool:
    w = word.lower()
    return w in _IRREGULAR_PLURALS or (len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")))


def yes_no_verb(question: str) -> str | None:
    """The verb a yes/no question asks to confirm: "Did Microsoft *win* the lawsuit?"."""
    m = _YES_NO_Q.search(_plain(question))
    if not m or m.group(1).lower() in _LIGHT_VERBS or m.group(1).lower() in _CLAUSE:
        return None
    return m.group(1)


def focus(question: str) -> tuple[str, ...]:
    """The head noun of what a "which/what/how many X ...?" or "what was the X of ...?" question
    asks for.

    "Which judge is hearing the case?" asks for a judge: a passage about the case that names no
    judge cannot answer it. None when the question asks openly ("What did Microsoft say?"), for
    a kind of thing a name answers ("Which company ...?", "What law ...?": the Act's name is the
    answer, not the word "law"), or for something the passage says in its own words ("What is
    the purpose of ...?"). "Which court and judge ...?" asks for both.
    """
    question = _plain(question)
    much = _HOW_MUCH_Q.search(question)
    if much:  # "How much was LinkedIn fined?" asks about a fine: a passage with another sum does not say
        return (much.group(1),)
    verb = _WHO_VERB_Q.search(question) if WHO_VERB else None
    if verb:  # "Who chairs the Data Protection Board?": a passage about the board that names no chair cannot say
        return (verb.group(1),)
    role = _WHO_ROLE_Q.search(question)
    if role:  # "Who is the judge hearing the case?" asks for the judge: a passage naming none cannot say
        head = _role_head(role.group(1))
        if head:
            return (head,)
    named = _NAME_OF_Q.search(question) if NAME_OF else None
    if named:  # "What was the name of the judge in the case?" asks for the judge
        head = _name_of_head(re.findall(r"[\w'-]+", named.group(1)))
        return (head,) if head and head.lower() not in _OPEN_HEADS else ()
    of = _OF_Q.search(question)
    if of:  # "What was the outcome of the lawsuit?" asks for an outcome
        head = of.group(1)
        return () if head.lower() in _OPEN_HEADS | _CLAUSE else (head,)
    m = _FOCUS_Q.search(question)
    if not m:
        return ()
    out: list[str] = []
    stop = ""
    for w in re.findall(r"[\w'-]+", m.group(2)):
        if w.lower() in _CLAUSE:
            stop = w.lower()
            break
        out.append(w)
    if m.group(1).lower() == "how many" and (COUNT_ANY_CLAUSE or stop not in _AUXILIARIES):
        # "how many" counts a plural: "How many judges sit on ...?" counts judges, and "How many
        # companies has it approved?" companies (the count answers, not a company's name)
        plural = next((w for w in out[:3] if _looks_plural(w)), None)
        return (plural,) if plural and plural.lower() not in _COUNT_OPEN else ()
    if stop not in _AUXILIARIES:
        # "Which statute lets the ...", "Which attacks in Paris led to ...": without an auxiliary
        # after it the phrase ends in the question's verb (or we cannot tell where it ends) ...
        if len(out) >= 2 and _looks_past(out[1]) and out[0].lower() not in _OPEN_HEADS:
            # ... or the word after the noun is a verb in the past: "Which judge decided ...?"
            return (out[0],)
        return ()
    # the head noun names the thing asked for; its modifiers are often paraphrased ("which
    # constitutional amendment" -> "the fourth amendment"). "Which court and city": each head.
    if not out:
        return ()
    heads = [w for w, nxt in zip(out, [*out[1:], ""], strict=True) if nxt.lower() in ("", "and", "or")]
    if not heads or any(w.lower() in _OPEN_HEADS for w in out if w not in heads):
        return ()
    return tuple(h for h in heads if h.lower() not in _OPEN_HEADS)


# --- "What is X?", "Who is X?": a passage that says what X is -------------------------------------

_DEFINE_Q = re.compile(
    r"^\W*(?:what|who)(?:\s+(?:is|are|was|were)|'s)\s+(?:an?\s+|the\s+)?(?P<x>[^?]+?)\W*$"
    r"|^\W*what\s+(?:does|did)\s+(?:the\s+)?(?P<y>[^?]+?)\s+(?:stand for|mean)\W*$",
    re.I,
)
#: A definition names at most this many words ("What is the maximum fine under the GDPR?" is not one).
DEFINE_MAX_WORDS = 5
#: Relative score bonus for a passage that says what the asked-about thing is.
DEFINE_BONUS = 0.15


def defined(question: str) -> str | None:
    """The thing a "What is X?" / "Who is X?" / "What does X stand for?" question asks to define."""
    m = _DEFINE_Q.search(_plain(question))
    if not m:
        return None
    subject = (m.group("x") or m.group("y") or "").strip()
    if not subject or len(subject.split()) > DEFINE_MAX_WORDS:
        return None
    return subject


@lru_cache(maxsize=4096)
def _definition_re(subject: str) -> re.Pattern[str]:
    x = r"\s+".join(re.escape(w) for w in subject.split())
    return re.compile(
        rf"\b{x}\s*,\s+(?:the|a|an)\s"  # "UGAP, the central purchasing agency"
        rf"|\b{x}\s*\((?:the\s+|an?\s+)?[^)]{{3,}}\)"  # "UGAP (the central ...)"
        rf"|\({x}\)"  # "the European Data Protection Supervisor (EDPS)"
        rf"|\b{x}\s+(?:is|was|are|were)\s+(?:a|an|the)\s"  # "UGAP is the ..."
        rf"|\b{x}\s+stands\s+for\b"
        rf"|\b[A-Z][\w'\u00c0-\u024f-]+,\s+(?:the\s+)?{x}\b",  # "Jan Nowak, the European ... Supervisor"
        re.I,
    )


def defines(subject: str, text: str) -> bool:
    """Whether `text` says what `subject` is (an apposition, a bracketed expansion, "X is a ...")."""
    return bool(_definition_re(subject).search(text))


# --- "How many judges ...?": a count of the thing, not any number near it -------------------------

#: Words between a number and the thing it counts ("some 4,400 US companies", "12 legitimate
#: national security objectives", "almost half of Denmark's 98 municipalities").
COUNT_WINDOW = 4
#: "How many companies has the CAC approved?" counts companies too: an auxiliary after the noun
#: ends the phrase, it does not make the count open (sets B and D: 2 more traps refused)
COUNT_ANY_CLAUSE = True
#: The number must stand in the counted word's clause: in "valid for two years, after which a
#: company must reapply" the "two" counts years, not companies
COUNT_SAME_CLAUSE = True
_COUNT_NUMBER_RE = re.compile(
    r"(?<![/\w])\d[\d,.]*(?![/\w])|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"thirteen|fourteen|fifteen|sixteen|twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozens?|"
    r"half|several|many|few)\b"
    # an ordinal counts too: "the third adequacy finding under the GDPR" says there were three
    r"|\b(second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))\b",
    re.I,
)


def counted(question: str) -> str | None:
    """The plural a "how many X ...?" question counts ("judges"), when a number alone would not do."""
    if not re.search(r"\bhow many\b", _plain(question), re.I):
        return None
    heads = focus(question)
    return heads[0] if heads and _looks_plural(heads[0]) else None


def counts(text: str, positions: list[tuple[int, int]]) -> bool:
    """Whether a number stands within COUNT_WINDOW words before one of the word spans `positions`."""
    for start, _ in positions:
        before = text[max(0, start - 80) : start]
        if COUNT_SAME_CLAUSE:
            # a comma, a semicolon or a sentence's end; not the stop of an abbreviation ("U.S.")
            before = re.split(r"[,;:!?\u2014]\s|(?<![A-Z])\.\s", before)[-1]
        before = before.split()[-COUNT_WINDOW - 1 :]
        if any(_COUNT_NUMBER_RE.search(w) for w in before):
            return True
    return False
