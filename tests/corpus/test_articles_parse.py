"""bot.corpus.articles: strict front matter parsing, non-contagious loading, dates, render/parse, atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.corpus.articles import (
    DEFAULT_CORPUS_DIR,
    CorpusError,
    body_hash,
    format_date,
    load_corpus,
    parse_article,
    render_article,
    write_article,
)
from bot.engine.models import Article

GOOD = """---
title: A Good Article
publisher: Example News
url: https://example.com/a-good-article
published: 2016-04
---
First paragraph about data.

Second paragraph, about the cloud.
"""


def parse(text: str, name: str = "some-article.md") -> Article:
    return parse_article(Path(name), text)


def error_of(text: str, name: str = "some-article.md") -> str:
    with pytest.raises(CorpusError) as info:
        parse(text, name)
    message = str(info.value)
    assert message.startswith(f"{name}: "), message  # names the file
    return message


# --- parsing one file ------------------------------------------------------------------------------


def test_good_file_parses() -> None:
    art = parse(GOOD)
    assert art.slug == "some-article"
    assert art.title == "A Good Article"
    assert art.publisher == "Example News"
    assert art.url == "https://example.com/a-good-article"
    assert art.published == "2016-04"
    assert art.added is None
    assert art.paragraphs == ("First paragraph about data.", "Second paragraph, about the cloud.")
    assert art.sha256 == body_hash(art.paragraphs)


def test_crlf_file_parses_the_same() -> None:
    assert parse(GOOD.replace("\n", "\r\n")).paragraphs == parse(GOOD).paragraphs


def test_missing_front_matter() -> None:
    assert "missing front matter" in error_of("Just text.\n")


def test_unclosed_front_matter() -> None:
    assert "not closed" in error_of("---\ntitle: T\npublisher: P\nText without the closing line.\n")


def test_invalid_yaml() -> None:
    assert "not valid YAML" in error_of("---\ntitle: [unclosed\npublisher: P\n---\nText.\n")


def test_errors_name_the_line() -> None:
    assert "line 3: front matter is not valid YAML" in error_of("---\ntitle: T\npublisher: [unclosed\n---\nText.\n")
    assert "line 4: unknown front matter key(s): author" in error_of("---\ntitle: T\npublisher: P\nauthor: A\n---\nT.\n")


def test_front_matter_that_is_not_a_mapping() -> None:
    assert "mapping" in error_of("---\n- a\n- b\n---\nText.\n")


def test_unknown_keys_are_named() -> None:
    message = error_of(GOOD.replace("publisher:", "author: Someone\ncolour: red\npublisher:"))
    assert "unknown" in message and "author" in message and "colour" in message


def test_missing_title() -> None:
    message = error_of(GOOD.replace("title: A Good Article\n", ""))
    assert "'title'" in message


@pytest.mark.parametrize("title", ["''", "42", "[a, b]"])
def test_title_must_be_text(title: str) -> None:
    assert "'title'" in error_of(GOOD.replace("title: A Good Article", f"title: {title}"))


def test_missing_publisher() -> None:
    assert "'publisher'" in error_of(GOOD.replace("publisher: Example News\n", ""))


@pytest.mark.parametrize("url", ["ftp://example.com/x", "example.com/page", "'https://exa mple.com'", "42"])
def test_bad_url(url: str) -> None:
    assert "'url'" in error_of(GOOD.replace("url: https://example.com/a-good-article", f"url: {url}"))


@pytest.mark.parametrize(
    "date",
    [
        "April 2016",
        "2016-13",
        "'2016-02-31'",
        "2016-02-31",  # unquoted: YAML itself fails on the impossible date
        "16-04-2016",
        "'2016/04/14'",
    ],
)
def test_bad_date(date: str) -> None:
    message = error_of(GOOD.replace("published: 2016-04", f"published: {date}"))
    assert "date" in message or "month" in message


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("2016", "2016"), ("'2016-04'", "2016-04"), ("2016-04-14", "2016-04-14"), ("'2016-04-14'", "2016-04-14")],
)
def test_good_dates(raw: str, stored: str) -> None:
    assert parse(GOOD.replace("published: 2016-04", f"published: {raw}")).published == stored


def test_no_body() -> None:
    assert "no text" in error_of("---\ntitle: T\npublisher: P\n---\n\n  \n")


def test_file_name_must_be_a_slug() -> None:
    error_of(GOOD, name="Bad Name.md")


def test_white_space_in_paragraphs_is_normalised() -> None:
    art = parse("---\ntitle: T\npublisher: P\n---\nOne\nparagraph  on two lines.\n\n\n\nTwo.\n")
    assert art.paragraphs == ("One paragraph on two lines.", "Two.")


# --- loading a corpus ------------------------------------------------------------------------------


def make_corpus(root: Path, files: dict[str, str]) -> Path:
    folder = root / "articles"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return root


def test_broken_file_is_skipped_and_reported_while_others_load(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "c", {
        "good-one.md": GOOD,
        "broken.md": "---\ntitle: [oops\n---\nText.\n",
        "good-two.md": GOOD.replace("A Good Article", "Another One"),
    })
    result = load_corpus(corpus)
    assert [a.slug for a in result.articles] == ["good-one", "good-two"]
    assert len(result.errors) == 1
    assert result.errors[0].startswith("broken.md: ")


def test_file_with_an_impossible_unquoted_date_is_skipped_and_reported(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "c", {
        "good-one.md": GOOD,
        "bad-date.md": GOOD.replace("published: 2016-04", "published: 2016-02-31"),
    })
    result = load_corpus(corpus)
    assert [a.slug for a in result.articles] == ["good-one"]
    assert len(result.errors) == 1 and result.errors[0].startswith("bad-date.md: ")


def test_undecodable_file_is_reported(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "c", {"good-one.md": GOOD})
    (corpus / "articles" / "binary.md").write_bytes(b"---\ntitle: \xff\xfe\n---\n")
    result = load_corpus(corpus)
    assert [a.slug for a in result.articles] == ["good-one"]
    assert result.errors and result.errors[0].startswith("binary.md: ")


def test_missing_corpus_dir_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "nowhere")


def test_corpus_dir_without_articles_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="articles"):
        load_corpus(tmp_path)


def test_bundled_corpus_loads_cleanly() -> None:
    result = load_corpus(DEFAULT_CORPUS_DIR)
    assert result.errors == ()
    assert result.articles
    seed = result.articles[0]
    assert seed.publisher.startswith("TechWeekEurope")
    assert seed.published == "2016-04"
    assert seed.url and seed.url.startswith("https://www.silicon.co.uk/")


# --- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "label"),
    [("2016-04", "April 2016"), ("2016-04-14", "14 April 2016"), ("2016", "2016"), (None, ""), ("", ""),
     ("2016-12-01", "1 December 2016")],
)
def test_format_date(value: str | None, label: str) -> None:
    assert format_date(value) == label


# --- render / parse / write ------------------------------------------------------------------------


ROUND = Article(
    slug="round-trip",
    title="Microsoft Knows It Needs To Be \u2018Explicit And Transparent\u2019: \"Quotes\" & #hash",
    publisher="TechWeekEurope (now Silicon UK)",
    paragraphs=("First: a colon, and \u201cquotes\u201d.", "- not a list", "# not a heading", "Caf\u00e9 \u2014 ok"),
    url="https://example.com/a?b=c&d=e",
    published="2016-04",
    added="2026-11-29",
)


def test_render_parse_round_trip() -> None:
    back = parse_article(Path("round-trip.md"), render_article(ROUND))
    assert back.title == ROUND.title
    assert back.publisher == ROUND.publisher
    assert back.paragraphs == ROUND.paragraphs
    assert back.url == ROUND.url
    assert back.published == ROUND.published
    assert back.added == ROUND.added
    assert back.sha256 == body_hash(ROUND.paragraphs)


def test_round_trip_without_optional_fields() -> None:
    art = Article(slug="plain", title="2016", publisher="yes", paragraphs=("Only one.",))
    back = parse_article(Path("plain.md"), render_article(art))
    assert (back.title, back.publisher, back.url, back.published, back.added) == ("2016", "yes", None, None, None)


def test_write_article_is_atomic_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = write_article(tmp_path, ROUND)
    assert path == tmp_path / "articles" / "round-trip.md"
    assert sorted(p.name for p in path.parent.iterdir()) == ["round-trip.md"]
    assert parse_article(path, path.read_text(encoding="utf-8")).paragraphs == ROUND.paragraphs
    # overwriting replaces the file in one step, still no leftovers
    write_article(tmp_path, Article(**{**ROUND.__dict__, "paragraphs": ("Replaced.",)}))
    assert sorted(p.name for p in path.parent.iterdir()) == ["round-trip.md"]
    assert parse_article(path, path.read_text(encoding="utf-8")).paragraphs == ("Replaced.",)


def test_failed_write_keeps_the_old_file_and_leaves_no_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_article(tmp_path, ROUND)
    before = path.read_bytes()

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_article(tmp_path, Article(**{**ROUND.__dict__, "paragraphs": ("New.",)}))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["round-trip.md"]
