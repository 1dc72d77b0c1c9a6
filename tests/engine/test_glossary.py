"""bot/engine/glossary.py: loading and validation, lookup, autocomplete, alias groups, corpus evidence."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.corpus.articles import DEFAULT_CORPUS_DIR
from bot.corpus.knowledge import Knowledge, build_snapshot
from bot.engine.glossary import (
    GLOSSARY_FILE,
    MAX_CHOICES,
    MAX_NAME_CHARS,
    Glossary,
    GlossaryError,
    load_glossary,
    merge_alias_groups,
    name_key,
    parse_glossary,
)
from bot.engine.reading import expand_question
from bot.engine.text import tokenize

SLUG = "microsoft-explicit-transparent-customer-data-azure"


@pytest.fixture(scope="module")
def bundled() -> Glossary:
    """The bundled glossary bound to the bundled corpus (as the bot and CLI see it)."""
    glossary = build_snapshot(DEFAULT_CORPUS_DIR).glossary
    assert isinstance(glossary, Glossary)
    return glossary


def entry(term: str = "Privacy Shield", **extra: object) -> dict[str, object]:
    return {"term": term, "definition": "A framework for data transfers.", **extra}


# -- the bundled file ----------------------------------------------------------------------------
def test_bundled_glossary_has_the_required_terms(bundled: Glossary) -> None:
    required = [
        "ECPA", "Electronic Communications Privacy Act", "Fourth Amendment", "Privacy Shield",
        "Safe Harbour", "Safe Harbor", "Article 29 Working Party", "WP29", "EU Model Clauses",
        "standard contractual clauses", "Data Protection Directive 95/46/EC", "European Economic Area",
        "EEA", "Platform-as-a-Service", "PaaS", "lawful data request", "transparency notice",
        "data centre",
    ]
    assert len(bundled) >= 15
    for name in required:
        assert bundled.get(name) is not None, name


def test_every_bundled_term_is_mentioned_by_the_corpus(bundled: Glossary) -> None:
    assert bundled.unmentioned() == ()


def test_every_bundled_term_has_a_verbatim_quote_citing_its_paragraph(bundled: Glossary) -> None:
    snap = build_snapshot(DEFAULT_CORPUS_DIR)
    paragraphs = {a.slug: a.paragraphs for a in snap.articles}
    for e in bundled:
        quotes = bundled.quotes(e)
        assert 1 <= len(quotes) <= 2, e.term
        for q in quotes:
            c = q.citation
            assert q.text in paragraphs[c.article_slug][c.paragraph - 1], (e.term, q.text)


# -- validation ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"terms": [{"term": "ECPA"}]}, "entry 1 (ECPA): 'definition' is missing"),
        ({"terms": [{"definition": "x."}]}, "entry 1: 'term' is missing"),
        ({"terms": [entry(), entry()]}, "entry 2 (Privacy Shield): 'Privacy Shield' is already"),
        (
            {"terms": [entry("Safe Harbour", aliases=["Safe Harbor"]), entry("Other", aliases=["safe-harbor"])]},
            "entry 2 (Other): 'safe-harbor' is already a term or alias of 'Safe Harbour' (entry 1)",
        ),
        ({"terms": [entry(aliases="PS")]}, "entry 1 (Privacy Shield): 'aliases' must be a list"),
        ({"terms": [entry(aliases=[3])]}, "entry 1 (Privacy Shield): 'aliases item' must be non-empty text"),
        ({"terms": [{"term": 42, "definition": "x."}]}, "entry 1: 'term' must be non-empty text"),
        ({"terms": [{"term": "X", "definition": ""}]}, "entry 1 (X): 'definition' must be non-empty text"),
        ({"terms": [entry(related=["Nowhere"])]}, "related term 'Nowhere' is not in the glossary"),
        ({"terms": [entry(alias=["PS"])]}, "entry 1 (Privacy Shield): unknown key(s) alias"),
        ({"terms": ["Privacy Shield"]}, "entry 1: must be a mapping"),
        ({"terms": {"a": 1}}, "'terms' must be a list"),
        ([1, 2], "expected a mapping with a 'terms' list"),
        ({"terms": [entry(definition="One. Two. Three. Four.")]}, "has 4 sentences"),
        ({"terms": [entry(term="x" * (MAX_NAME_CHARS + 1))]}, "the limit is 100"),
        ({"terms": [entry(aliases=["!!"])]}, "has no letters or digits"),
    ],
)
def test_malformed_glossary_is_rejected_naming_the_entry(data: object, message: str) -> None:
    with pytest.raises(GlossaryError) as info:
        parse_glossary(data)
    assert message in str(info.value)


def test_load_glossary_reports_bad_yaml_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / GLOSSARY_FILE
    path.write_text("terms:\n  - term: [unclosed\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match=r"glossary.yaml: not valid YAML at line \d"):
        load_glossary(path)


def test_load_glossary_reports_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GlossaryError, match="cannot be read"):
        load_glossary(tmp_path / "nope.yaml")


def test_empty_terms_list_is_an_empty_glossary() -> None:
    assert len(parse_glossary({"terms": []})) == 0


# -- lookup --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "term", "kind"),
    [
        ("Privacy Shield", "Privacy Shield", "exact"),
        ("  privacy   SHIELD ", "Privacy Shield", "exact"),
        ("wp29", "Article 29 Working Party", "exact"),
        ("wp 29", "Article 29 Working Party", "exact"),
        ("WP-29", "Article 29 Working Party", "exact"),
        ("ECPA", "Electronic Communications Privacy Act", "exact"),
        ("safe harbor", "Safe Harbour", "exact"),
        ("paas", "Platform-as-a-Service", "exact"),
        ("platform as a service", "Platform-as-a-Service", "exact"),
        ("95/46/EC", "Data Protection Directive 95/46/EC", "exact"),
        ("Privcy Shield", "Privacy Shield", "fuzzy"),
        ("privacy sheild", "Privacy Shield", "fuzzy"),
        ("Fourth Ammendment", "Fourth Amendment", "fuzzy"),
        ("safe harbr", "Safe Harbour", "fuzzy"),
    ],
)
def test_lookup_exact_alias_and_typo(bundled: Glossary, query: str, term: str, kind: str) -> None:
    match = bundled.lookup(query)
    assert match.entry is not None and match.entry.term == term
    assert match.kind == kind


def test_unknown_term_gets_suggestions_and_the_best_passage(bundled: Glossary) -> None:
    match = bundled.lookup("snooping")
    assert match.kind == "unknown" and match.entry is None
    assert match.passage is not None  # the corpus uses the word
    assert "snoop" in match.passage.text.lower()
    shield = bundled.lookup("shield")
    assert shield.entry is None and shield.suggestions[0] == "Privacy Shield"


def test_unknown_word_the_corpus_never_uses_has_no_passage(bundled: Glossary) -> None:
    match = bundled.lookup("GDPR fines")
    assert match.entry is None and match.passage is None


def test_suggestions_are_only_close_names(bundled: Glossary) -> None:
    assert bundled.lookup("gdpr").suggestions == ()
    assert bundled.lookup("pass").suggestions[0] == "Platform-as-a-Service"
    assert bundled.lookup("harbor").suggestions[0] == "Safe Harbour"


def test_empty_query_lists_some_terms_as_suggestions(bundled: Glossary) -> None:
    match = bundled.lookup("  ?! ")
    assert match.entry is None and match.suggestions


def test_name_key_ignores_case_and_punctuation() -> None:
    assert name_key("WP 29") == name_key("wp-29") == name_key("WP29") == "wp29"
    assert name_key("Platform-as-a-Service") == "platformasaservice"


# -- autocomplete --------------------------------------------------------------------------------
def test_autocomplete_prefix_first(bundled: Glossary) -> None:
    choices = bundled.autocomplete("pri")
    assert choices[0] == ("Privacy Shield", "Privacy Shield")
    assert ("Electronic Communications Privacy Act", "Electronic Communications Privacy Act") in choices


def test_autocomplete_by_alias_shows_the_alias(bundled: Glossary) -> None:
    label, value = bundled.autocomplete("ecp")[0]
    assert value == "Electronic Communications Privacy Act"
    assert "ECPA" in label


def test_autocomplete_falls_back_to_fuzzy(bundled: Glossary) -> None:
    assert "Privacy Shield" in [v for _, v in bundled.autocomplete("privcy shiel")]


def test_autocomplete_empty_lists_terms_alphabetically(bundled: Glossary) -> None:
    values = [v for _, v in bundled.autocomplete("")]
    assert values == sorted(values, key=str.casefold)[:MAX_CHOICES]


def test_autocomplete_respects_discord_limits_with_many_long_terms() -> None:
    terms = [entry(f"Term {i} " + "x" * 80, aliases=[f"Alias {i} " + "y" * 90]) for i in range(40)]
    glossary = parse_glossary({"terms": terms})
    for prefix in ("", "term", "alias", "t", "xx", "zzzz"):
        choices = glossary.autocomplete(prefix)
        assert len(choices) <= MAX_CHOICES
        for name, value in choices:
            assert 1 <= len(name) <= 100 and 1 <= len(value) <= 100
            assert glossary.get(value) is not None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_autocomplete_and_lookup_never_fail(text: str) -> None:
    glossary = parse_glossary(yaml.safe_load((DEFAULT_CORPUS_DIR / GLOSSARY_FILE).read_text("utf-8")))
    choices = glossary.autocomplete(text)
    assert len(choices) <= MAX_CHOICES
    assert all(len(n) <= 100 and len(v) <= 100 for n, v in choices)
    glossary.lookup(text)


# -- search expansion ----------------------------------------------------------------------------
def test_alias_groups_link_acronyms_and_spellings(bundled: Glossary) -> None:
    groups = [set(g) for g in bundled.alias_groups()]

    def linked(a: str, b: str) -> bool:
        ta, tb = tuple(tokenize(a)), tuple(tokenize(b))
        return any(ta in g and tb in g for g in groups)

    assert linked("ECPA", "Electronic Communications Privacy Act")
    assert linked("WP29", "Article 29 Working Party")
    assert linked("Safe Harbor", "Safe Harbour")
    assert linked("US", "United States")
    assert linked("EEA", "European Economic Area")
    # a longer name holding a shorter one adds nothing but loose words: left out
    assert not linked("EU Model Clauses", "model clauses")


def test_expansion_finds_the_long_form_and_the_reverse(bundled: Glossary) -> None:
    groups = merge_alias_groups(bundled.alias_groups())
    _, query = expand_question(tokenize("What is the ECPA?"), groups)
    assert set(tokenize("Electronic Communications Privacy Act")) <= set(query)
    _, query = expand_question(tokenize("What did the Article 29 Working Party say?"), groups)
    assert "wp29" in query


def test_merge_alias_groups_joins_groups_sharing_an_alternative() -> None:
    merged = merge_alias_groups([[("us",), ("unit", "state")]], [[("us",), ("america",)], [("a",), ("b",)]])
    assert merged == ((("us",), ("unit", "state"), ("america",)), (("a",), ("b",)))


def test_ecpa_question_is_answered_from_the_ecpa_passage() -> None:
    answer = Knowledge.load(DEFAULT_CORPUS_DIR).ask("What does ECPA stand for?")
    assert answer.answered
    assert answer.quotes[0].citation.passage_id == f"{SLUG}#10"


# -- evidence is computed from the current corpus -------------------------------------------------
def _corpus_copy(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, corpus)
    return corpus


def test_quotes_are_the_articles_own_words_for_the_term(bundled: Glossary) -> None:
    ecpa = bundled.get("ECPA")
    assert ecpa is not None
    quote = bundled.quotes(ecpa)[0]
    assert "Electronic Communications Privacy Act (ECPA)" in quote.text
    assert quote.citation.passage_id == f"{SLUG}#10" and quote.citation.paragraph == 10
    assert "**ECPA**" in quote.marked


def test_article_added_later_is_cited_without_editing_the_glossary(tmp_path: Path) -> None:
    corpus = _corpus_copy(tmp_path)
    (corpus / "articles" / "safe-harbor-ruling.md").write_text(
        "---\ntitle: Court strikes down Safe Harbor\npublisher: Example News\npublished: 2015-10\n---\n"
        "The Safe Harbor agreement no longer allows transfers, the court said on Tuesday.\n",
        encoding="utf-8",
    )
    glossary = build_snapshot(corpus).glossary
    assert isinstance(glossary, Glossary)
    entry_ = glossary.get("Safe Harbour")
    assert entry_ is not None
    slugs = {h.passage.article_slug for h in glossary.mentions["Safe Harbour"]}
    assert slugs == {SLUG, "safe-harbor-ruling"}


def test_terms_no_passage_mentions_are_logged_by_name(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    corpus = _corpus_copy(tmp_path)
    data = yaml.safe_load((corpus / GLOSSARY_FILE).read_text("utf-8"))
    data["terms"].append(entry("Schrems II", aliases=["Schrems 2"]))
    (corpus / GLOSSARY_FILE).write_text(yaml.safe_dump(data), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="bot.engine.glossary"):
        glossary = build_snapshot(corpus).glossary
    assert isinstance(glossary, Glossary)
    assert glossary.unmentioned() == ("Schrems II",)
    assert any("Schrems II" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


# -- integration with the snapshot ---------------------------------------------------------------
def test_corpus_without_glossary_still_answers(tmp_path: Path) -> None:
    corpus = _corpus_copy(tmp_path)
    (corpus / GLOSSARY_FILE).unlink()
    kb = Knowledge.load(corpus)
    assert kb.snapshot.glossary is None
    assert kb.ask("How old is the ECPA?").answered


async def test_reload_with_a_broken_glossary_keeps_the_last_good_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = _corpus_copy(tmp_path)
    kb = Knowledge.load(corpus)
    good = kb.snapshot.glossary
    assert isinstance(good, Glossary)
    (corpus / GLOSSARY_FILE).write_text("terms:\n  - term: ECPA\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="bot.engine.glossary"):
        snap = await kb.reload()
    assert isinstance(snap.glossary, Glossary)
    assert snap.glossary.entries == good.entries
    assert snap.glossary.index is snap.index  # rebound: quotes follow the current corpus
    assert any("entry 1 (ECPA): 'definition' is missing" in r.getMessage() for r in caplog.records)
    assert kb.ask("What does ECPA stand for?").answered


def test_broken_glossary_on_first_load_is_off_not_fatal(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    corpus = _corpus_copy(tmp_path)
    (corpus / GLOSSARY_FILE).write_text("terms: 7\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="bot.engine.glossary"):
        kb = Knowledge.load(corpus)
    assert kb.snapshot.glossary is None
    assert "'terms' must be a list" in caplog.text
    assert kb.ask("How old is the ECPA?").answered
