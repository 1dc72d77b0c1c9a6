"""`python -m bot glossary`: one entry with quotes and citations, the term list, unknown terms."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.corpus.articles import DEFAULT_CORPUS_DIR

CITATION = "TechWeekEurope (now Silicon UK), April 2016, paragraph"


@pytest.mark.parametrize(
    ("words", "term", "quoted"),
    [
        (["wp29"], "Article 29 Working Party", "The Article 29 Working Party (WP29)"),
        (["safe harbor"], "Safe Harbour", "a revision of the Safe Harbour transatlantic data sharing treaty"),
        (["privcy", "shield"], "Privacy Shield", "Privacy Shield"),
        (["ECPA"], "Electronic Communications Privacy Act", "Electronic Communications Privacy Act (ECPA)"),
    ],
)
def test_prints_the_entry_with_a_quote_and_citation(
    capsys: pytest.CaptureFixture[str], words: list[str], term: str, quoted: str
) -> None:
    assert main(["glossary", *words]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert term in lines[:2]
    assert "In the corpus:" in out
    flat = " ".join(out.split())
    assert quoted in flat
    assert CITATION in flat


def test_entry_shows_aliases_definition_and_related(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["glossary", "WP29"]) == 0
    out = capsys.readouterr().out
    assert "Also: WP29" in out
    assert "data protection authorities" in " ".join(out.split())
    assert "Related: Privacy Shield" in out


def test_fuzzy_match_says_what_it_shows(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["glossary", "privcy shield"]) == 0
    assert "(showing Privacy Shield for \u201cprivcy shield\u201d)" in capsys.readouterr().out


def test_lists_all_terms_without_a_term(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["glossary"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("20 glossary terms:")
    assert "  Privacy Shield (EU-US Privacy Shield)" in out


def test_unknown_term_suggests_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["glossary", "shield"]) == 1
    out = capsys.readouterr().out
    assert "\u201cshield\u201d is not in the glossary." in out
    assert "Did you mean: Privacy Shield" in out


def test_unknown_term_the_corpus_uses_shows_the_best_passage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["glossary", "snooping"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "The corpus passage that best matches these words:" in out
    assert "snoop" in out


def test_json_entry(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["glossary", "ecpa", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["found"] is True and data["match"] == "exact"
    assert data["term"] == "Electronic Communications Privacy Act"
    assert data["aliases"] == ["ECPA"]
    assert 1 <= len(data["quotes"]) <= 2
    assert data["quotes"][0]["paragraph"] == 10
    assert data["quotes"][0]["citation"].endswith("paragraph 10")


def test_json_list_and_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["glossary", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["terms"]) == 20
    assert main(["glossary", "zzzz", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["found"] is False and data["passage"] is None


def test_corpus_without_glossary_is_a_polite_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR / "articles", corpus / "articles")
    assert main(["glossary", "ECPA", "--corpus", str(corpus)]) == 1
    assert "no usable glossary" in capsys.readouterr().err


def test_unrelated_word_says_plainly_nothing_is_close(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["glossary", "banana bread"]) == 1
    out = capsys.readouterr().out
    assert "No glossary term is close to it." in out and "Did you mean" not in out
    assert "python -m bot glossary` to list all terms" in out
