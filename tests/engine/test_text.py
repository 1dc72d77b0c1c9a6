"""bot.engine.text: folding, tokens, stopwords, stemming, sentence spans, question clean-up."""

from __future__ import annotations

import pytest

from bot.engine.text import (
    MAX_QUESTION_CHARS,
    STOPWORDS,
    clean_question,
    fold,
    fold_for_match,
    iter_tokens,
    split_sentences,
    tokenize,
)

# --- folding -------------------------------------------------------------------------------------


def test_case_is_folded() -> None:
    assert tokenize("DATA") == tokenize("Data") == tokenize("data") == ["data"]


def test_curly_quotes_and_dashes_fold_to_ascii() -> None:
    assert fold("\u201cA\u201d \u2018b\u2019 c\u2014d e\u2013f") == "\"a\" 'b' c-d e-f"
    assert fold_for_match("  \u201cTrust\u201d   is\n\tkey ") == '"trust" is key'


def test_curly_apostrophe_matches_straight_one() -> None:
    assert tokenize("Microsoft\u2019s") == tokenize("Microsoft's") == ["microsoft"]


@pytest.mark.parametrize("word", ["ECPA?", "ECPA", "(ECPA)", "\u201cECPA\u201d", "ECPA.", "ecpa!"])
def test_punctuation_is_stripped(word: str) -> None:
    assert tokenize(word) == ["ecpa"]


def test_accents_are_stripped() -> None:
    assert tokenize("Caf\u00e9") == tokenize("cafe")


def test_control_characters_are_not_part_of_words() -> None:
    assert tokenize("cloud\x00data") == ["cloud", "data"]


# --- stopwords -----------------------------------------------------------------------------------


def test_stopwords_are_dropped() -> None:
    assert tokenize("What is the and of a") == []
    assert tokenize("Why did Microsoft sue the government?") == ["microsoft", "sue", "govern"]


def test_single_letters_are_dropped_but_digits_kept() -> None:
    assert tokenize("a b c 5 30") == ["5", "30"]


def test_contraction_stopwords_are_dropped() -> None:
    assert tokenize("don't doesn't isn't won't") == []


# --- stemming ------------------------------------------------------------------------------------


def test_sue_forms_share_one_term() -> None:
    forms = {w: tokenize(w) for w in ("sue", "sued", "sues", "suing")}
    assert all(len(t) == 1 for t in forms.values()), forms
    assert len({t[0] for t in forms.values()}) == 1, forms


@pytest.mark.parametrize(
    ("a", "b"),
    [("Constitutional", "Constitution"), ("customers", "customer"), ("alerting", "alert"), ("requests", "request")],
)
def test_inflections_share_a_stem(a: str, b: str) -> None:
    assert tokenize(a) == tokenize(b)


@pytest.mark.parametrize(
    ("noun", "verb"),
    [("conclusion", "concluded"), ("decision", "decide"), ("complaint", "complained"), ("notification", "notify"),
     ("disclosure", "disclosed"), ("compliance", "comply"), ("extension", "extend"), ("permission", "permitted")],
)
def test_a_noun_shares_the_stem_of_its_verb(noun: str, verb: str) -> None:
    # Snowball alone stems these apart ("conclus" / "conclud")
    assert tokenize(noun) == tokenize(verb)


@pytest.mark.parametrize(("form", "base"), [("upheld", "uphold"), ("overseen", "oversee"), ("stuck", "stick")])
def test_irregular_forms_share_their_verbs_stem(form: str, base: str) -> None:
    assert tokenize(form) == tokenize(base)


def test_nouns_whose_sense_parts_from_the_verb_keep_their_own_stem() -> None:
    assert tokenize("commission") != tokenize("commit")
    assert tokenize("provision") != tokenize("provide")
    assert tokenize("specific") != tokenize("specify")
    assert tokenize("storage") != tokenize("store")  # the App Store
    assert tokenize("division") != tokenize("divide")  # a company's division
    assert tokenize("Open RAN") != tokenize("open run")


@pytest.mark.parametrize(("hyphenated", "closed"), [("re-use", "reuse"), ("non-personal", "nonpersonal"),
                                                 ("sub-processors", "subprocessors"), ("co-operation", "cooperation")])
def test_a_bound_prefix_and_its_word_are_one_word(hyphenated: str, closed: str) -> None:
    assert tokenize(hyphenated) == tokenize(closed) and len(tokenize(hyphenated)) == 1


def test_a_prefix_before_an_acronym_or_a_free_word_stays_apart() -> None:
    assert "eu" in tokenize("non-EU countries")  # EU stays a name
    assert tokenize("cross-border") == ["cross", "border"]
    assert tokenize("non-personal data") != tokenize("personal data")


def test_dotted_acronym_is_one_word() -> None:
    assert tokenize("U.S.") == tokenize("US") == ["us"]
    assert tokenize("the U.S. government") == ["us", "govern"]


def test_us_is_not_a_stopword_nor_stemmed_away() -> None:
    assert "us" not in STOPWORDS
    assert tokenize("US us") == ["us", "us"]


# --- token spans ---------------------------------------------------------------------------------


def test_token_spans_point_into_the_original_text() -> None:
    text = "The \u201cECPA\u201d? Microsoft sued."
    toks = iter_tokens(text)
    assert [text[t.start : t.end] for t in toks] == ["ECPA", "Microsoft", "sued"]
    assert [t.term for t in toks] == tokenize(text)


# --- sentences -----------------------------------------------------------------------------------


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_sentence_spans_keep_exact_characters() -> None:
    text = "First one here.  Second  one, with  spaces! Third? \u201cFourth,\u201d he said."
    spans = split_sentences(text)
    assert sentences(text) == ["First one here.", "Second  one, with  spaces!", "Third?",
                               "\u201cFourth,\u201d he said."]
    # spans are in order, non-overlapping, and only white space lies between them
    for (_, e1), (s2, _) in zip(spans, spans[1:], strict=False):
        assert e1 <= s2 and not text[e1:s2].strip()


def test_closing_quote_stays_with_its_sentence() -> None:
    text = "He said \u201cGo now.\u201d Then he left. She said \"Fine.\" The end."
    assert sentences(text) == ["He said \u201cGo now.\u201d", "Then he left.", 'She said "Fine."', "The end."]


def test_abbreviations_do_not_end_a_sentence() -> None:
    text = "Mr. Smith went to the U.S. Army base. Dr. Jones stayed. No. 5 won."
    assert sentences(text) == ["Mr. Smith went to the U.S. Army base.", "Dr. Jones stayed.", "No. 5 won."]


def test_no_split_without_capital_after_full_stop() -> None:
    text = "Version 2.0 shipped. it was fine. Then 3 more."
    assert sentences(text) == ["Version 2.0 shipped. it was fine.", "Then 3 more."]


def test_sentence_split_of_a_seed_paragraph() -> None:
    text = ("But by taking advantage of the Electronic Communications Privacy Act (ECPA), the US government is "
            "routing an increasing number of investigations at the companies storing data on Azure cloud, "
            "Microsoft said in the lawsuit. The ECPA is 30 years old.")
    out = sentences(text)
    assert out[-1] == "The ECPA is 30 years old."
    assert " ".join(out) == text


def test_empty_and_blank_text_has_no_sentences() -> None:
    assert split_sentences("") == ()
    assert split_sentences("   \n ") == ()


def test_text_without_terminal_punctuation_is_one_sentence() -> None:
    assert sentences("no punctuation here  ") == ["no punctuation here"]


# --- clean_question ------------------------------------------------------------------------------


def test_clean_question_removes_control_characters_and_collapses_space() -> None:
    assert clean_question("  Why\x00did\tMicrosoft\n\nsue\x7f?\u200b ") == ("Why did Microsoft sue ?", False)


def test_clean_question_blank_is_empty() -> None:
    assert clean_question(" \t\n\x00 ") == ("", False)


def test_clean_question_short_is_untouched() -> None:
    q = "How old is the ECPA?"
    assert clean_question(q) == (q, False)


def test_clean_question_exactly_at_the_limit_is_not_truncated() -> None:
    q = "x" * MAX_QUESTION_CHARS
    assert clean_question(q) == (q, False)


def test_clean_question_truncates_long_text_at_a_word_boundary() -> None:
    q = "word " * 1000
    text, truncated = clean_question(q)
    assert truncated
    assert len(text) <= MAX_QUESTION_CHARS
    assert text.split() == ["word"] * len(text.split())  # no cut word


def test_clean_question_truncates_a_single_huge_word() -> None:
    text, truncated = clean_question("y" * 100_000)
    assert truncated and text == "y" * MAX_QUESTION_CHARS


def test_clean_question_removes_zero_width_characters_inside_a_word() -> None:
    assert clean_question("How old is the EC\u200bPA?") == ("How old is the ECPA?", False)
    text = "Privacy\u2060 Shield\ufeff and Safe\u00adHarbour"
    assert clean_question(text) == ("Privacy Shield and SafeHarbour", False)
