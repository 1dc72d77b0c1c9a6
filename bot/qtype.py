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


class Want(Enum):
    AMOUNT = "amount"  # of money: a price, a fee, a salary
    NUMBER = "number"
    TIME = "time"
    NAME = "name"
    OTHER = "other"


_MONEY = r"(prices?|pricing|costs?|charges?|fees?|salar(y|ies)|revenues?|budgets?|turnover|profits?)"
# "What is X's salary?", "What are Google Cloud prices?", "the price of ...", "How much does X
# charge?": an amount of money is asked for; "What did they say about revenue?" is not
_AMOUNT_Q = re.compile(
    rf"^\W*(what|which)\W+(is|are|was|were|'s)\b[^?]*\b{_MONEY}\b"
    rf"|\b{_MONEY}\s+(of|for|per)\b"
    r"|\bhow much\b[^?]*\b(cost|costs|charge|charges|pay|pays|paid|spend|spent|earn|earns|worth|price|fee)\b"
    r"|\bhow (expensive|cheap)\b",
    re.I,
)
_NUMBER_Q = re.compile(
    r"\bhow (many|much|old|long|often|quickly|fast|soon)\b|\bwhat (number|percentage|share)\b", re.I
)
# "When did ...?" asks for a time; "When authorities ask, does it ...?" and "when it comes to" do not
_AUX = r"(did|does|do|was|were|is|are|will|would|has|have|had|can|could|should|'s)"
_TIME_Q = re.compile(
    rf"(^|[.?!]\s*|\b(and|so|but)\s+)when\s+{_AUX}\b|\bwhen\W*$|\bsince when\b"
    r"|\bwhat (day|date|year|month|time)\b|\bwhich (day|date|year|month)\b|\bhow long ago\b",
    re.I,
)
_NAME_Q = re.compile(r"\bwho(m|se)?\b|\bwhich (company|companies|firm|person|people|group|body|organi[sz]ation)\b",
                     re.I)

_NUMBER_P = re.compile(
    r"\b\d+(?:[.,]\d+)?\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|billion|dozen)\b",
    re.I,
)
_AMOUNT_P = re.compile(
    r"[$\u20ac\u00a3\u00a5]\s?\d|\d(?:[\d.,]*)\s?(?:dollars?|euros?|pounds?|usd|eur|gbp|cents?|pence)\b"
    r"|\b(?:free of charge|at no (?:extra )?cost)\b",
    re.I,
)
_TIME_P = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july|"
    r"august|september|october|november|december|yesterday|today|tomorrow|ago|last (week|month|year)|"
    r"(19|20)\d\d)\b|\b\w+ days? (before|after)\b",
    re.I,
)
# A capitalised word that does not start a sentence: a rough but cheap sign of a name.
_NAME_P = re.compile(r"(?<![.!?:]\s)(?<!^)(?<![\u201c\"'(])\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")

#: Relative score bonus for a passage that holds the kind of answer asked for (chosen on the dev set).
BONUS = 0.15


def wants(question: str) -> Want:
    if _AMOUNT_Q.search(question):
        return Want.AMOUNT
    if _NUMBER_Q.search(question):
        return Want.NUMBER
    if _TIME_Q.search(question):
        return Want.TIME
    if _NAME_Q.search(question):
        return Want.NAME
    return Want.OTHER


@lru_cache(maxsize=16384)
def holds(want: Want, text: str) -> bool:
    if want is Want.AMOUNT:
        return bool(_AMOUNT_P.search(text))
    if want is Want.NUMBER:
        return bool(_NUMBER_P.search(text))
    if want is Want.TIME:
        return bool(_TIME_P.search(text))
    if want is Want.NAME:
        return bool(_NAME_P.search(text))
    return False


def bonus(want: Want, text: str, weight: float = BONUS) -> float:
    """Multiplier for a passage's score: 1 + weight when it holds the kind of answer wanted."""
    return 1.0 + weight if want is not Want.OTHER and holds(want, text) else 1.0



def can_answer(want: Want, text: str) -> bool:
    """False when the question wants an amount of money, a number or a time and `text` holds none.

    Names are everywhere in news text, so "who" questions are not filtered this way.
    """
    if want in (Want.AMOUNT, Want.NUMBER, Want.TIME):
        return holds(want, text)
    return True
