"""bot.corpus.ingest.clean_text: each cleaning rule, and the bundled article as its output on the seed text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.corpus.articles import DEFAULT_CORPUS_DIR, articles_dir, load_corpus
from bot.corpus.ingest import clean_text
from tests.paths import SHARED_SEED, needs_shared_seed

SEED = SHARED_SEED
needs_seed = needs_shared_seed


def clean(*lines: str) -> tuple[str, ...]:
    return clean_text("\n\n".join(("Title", *lines))).paragraphs


# --- one rule at a time --------------------------------------------------------------------------


def test_title_is_the_first_line_and_paragraphs_follow() -> None:
    out = clean_text("My Title\n\nFirst paragraph.\n\n\nSecond paragraph.")
    assert out.title == "My Title"
    assert out.paragraphs == ("First paragraph.", "Second paragraph.")


def test_without_title_the_first_line_is_a_paragraph() -> None:
    out = clean_text("First paragraph.\nSecond.", has_title=False)
    assert out.title is None
    assert out.paragraphs == ("First paragraph.", "Second.")


def test_poll_question_before_view_results_is_removed() -> None:
    out = clean_text("T\n\nKept text.\n\nDoes it matter to you?\n\nView Results\n\nMore text.")
    assert out.paragraphs == ("Kept text.", "More text.")
    assert "Does it matter to you?" in out.removed and "View Results" in out.removed


def test_line_before_view_results_that_is_no_question_is_kept() -> None:
    assert clean("A statement.", "View Results", "More.") == ("A statement.", "More.")


def test_a_question_not_followed_by_view_results_is_kept() -> None:
    assert clean("Where is the data?", "It is in Dublin.") == ("Where is the data?", "It is in Dublin.")


@pytest.mark.parametrize(
    "junk", ["Loading ... Loading ...", "Loading ...", "Loading...", "Loading \u2026 Loading \u2026"]
)
def test_loading_lines_are_removed(junk: str) -> None:
    assert clean("Before.", junk, "After.") == ("Before.", "After.")


def test_quiz_line_is_removed() -> None:
    assert clean("Before.", "Take our cloud in 2016 quiz here!", "After.") == ("Before.", "After.")


@pytest.mark.parametrize("junk", ["Read also :", "Read also:", "Read more"])
def test_read_also_is_removed(junk: str) -> None:
    assert clean("Before.", junk, "After.") == ("Before.", "After.")


def test_author_bio_line_is_removed() -> None:
    line = "Click to read the authors bio  Click to hide the authors bio"
    out = clean_text(f"T\n\nBefore.\n\n{line}")
    assert out.paragraphs == ("Before.",)
    assert out.removed == ("Click to read the authors bio Click to hide the authors bio",)


def test_stray_html_at_line_end_is_removed_and_the_sentence_kept() -> None:
    out = clean_text("T\n\nThings that are unlikely to occur.,/p>\n\nNext.")
    assert out.paragraphs == ("Things that are unlikely to occur.", "Next.")
    assert ",/p>" in out.removed


@pytest.mark.parametrize("tail", ["</p>", "<br>", "<br/>", "</div>"])
def test_other_stray_tags_are_removed(tail: str) -> None:
    assert clean(f"A sentence.{tail}") == ("A sentence.",)


def test_a_line_that_is_only_stray_html_disappears() -> None:
    assert clean("Before.", ",/p>", "After.") == ("Before.", "After.")


def test_duplicated_caption_is_kept_once() -> None:
    out = clean_text("T\n\nMicrosoft CEO Satya Nadella\nMicrosoft CEO Satya Nadella\n\nDorn was outlining.")
    assert out.paragraphs == ("Microsoft CEO Satya Nadella", "Dorn was outlining.")
    assert out.removed == ("Microsoft CEO Satya Nadella",)


def test_same_line_far_apart_is_kept_twice() -> None:
    assert clean("Privacy Shield", "Text.", "Privacy Shield", "More.") == (
        "Privacy Shield", "Text.", "Privacy Shield", "More.")


def test_alt_text_glued_to_an_opening_quote_is_removed() -> None:
    out = clean_text("T\n\nBefore.\n\nmicrosoft\u201cThe first thing about Privacy Shield.\u201d")
    assert out.paragraphs == ("Before.", "\u201cThe first thing about Privacy Shield.\u201d")
    assert "microsoft" in out.removed


def test_lower_case_sentence_start_with_space_before_quote_is_kept() -> None:
    line = "iPhone users said \u201cYes\u201d to it."
    assert clean(line) == (line,)


def test_breadcrumb_at_the_top_is_removed() -> None:
    out = clean_text("T\n\nCloudCloud Management\n\nFirst paragraph.")
    assert out.paragraphs == ("First paragraph.",)
    assert out.removed == ("CloudCloud Management",)


def test_breadcrumb_shape_after_the_first_paragraph_is_kept() -> None:
    assert clean("First paragraph.", "CloudCloud Management") == ("First paragraph.", "CloudCloud Management")


def test_first_line_with_a_camel_case_brand_is_not_a_breadcrumb() -> None:
    assert clean("The iPhone maker sued", "Body.") == ("The iPhone maker sued", "Body.")


def test_title_repeated_as_first_body_line_is_removed() -> None:
    assert clean_text("Same Title\n\nSame Title\n\nBody.").paragraphs == ("Body.",)


def test_white_space_inside_a_line_is_collapsed_and_crlf_handled() -> None:
    assert clean_text("T\r\n\r\nA  b\tc.\r\nD.").paragraphs == ("A b c.", "D.")


# --- the bundled article is clean_text's output on the seed ----------------------------------------


def bundled():
    result = load_corpus(DEFAULT_CORPUS_DIR)
    assert result.errors == ()
    assert len(result.articles) >= 1
    files = sorted(articles_dir(DEFAULT_CORPUS_DIR).glob("*.md"))
    assert files, "no bundled article"
    return result.articles


@needs_seed
def test_bundled_article_body_is_clean_text_of_the_seed() -> None:
    cleaned = clean_text(SEED.read_text(encoding="utf-8"))
    matches = [a for a in bundled() if a.title == cleaned.title]
    assert len(matches) == 1, "the bundled corpus must hold the seed article under its own title"
    assert matches[0].paragraphs == cleaned.paragraphs


@needs_seed
def test_seed_cleaning_removes_exactly_the_junk() -> None:
    cleaned = clean_text(SEED.read_text(encoding="utf-8"))
    body = "\n".join(cleaned.paragraphs)
    for junk in ("View Results", "Loading", "Does it matter to your business", "quiz", "Read also",
                 "authors bio", ",/p>", "microsoft\u201c", "CloudCloud"):
        assert junk not in body, junk
    assert body.count("Microsoft CEO Satya Nadella") == 1
    assert "unlikely to occur." in body
    assert "\u201cThe first thing about Privacy Shield" in body


@needs_seed
def test_every_bundled_paragraph_is_verbatim_seed_text() -> None:
    seed = SEED.read_text(encoding="utf-8")
    seed_lines = [" ".join(line.split()) for line in seed.splitlines()]
    for article in bundled():
        for n, paragraph in enumerate(article.paragraphs, start=1):
            # no rewording: the paragraph is the seed's own characters (white space runs collapsed)
            assert any(paragraph in line for line in seed_lines), f"paragraph {n} is not in the seed: {paragraph!r}"
            # every character other than white space is kept in order, runs of white space (the seed
            # has "are\u00a0 breaking") may only be collapsed
            pattern = r"\s+".join(re.escape(word) for word in paragraph.split())
            assert re.search(pattern, seed), f"paragraph {n} is not verbatim seed text"
