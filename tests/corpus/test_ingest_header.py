"""A plain-text article's header lines (publication, dateline, byline, link) become its metadata."""

from __future__ import annotations

import pytest

from bot.corpus.ingest import header_date, make_draft, read_header

BODY = "The European Commission on Monday adopted its adequacy decision for the framework."


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("Data Transfer Monitor | 10 July 2023", "2023-07-10"),
        ("Datenschutz Digest Europe | Berlin | 2022-11-25", "2022-11-25"),
        ("By the Eastern Markets IT Wire staff, 17 November 2016", "2016-11-17"),
        ("Published March 5th, 2021", "2021-03-05"),
        ("Sept. 9 2019", "2019-09-09"),
        ("Copenhagen, 31 February 2022", None),  # not a date
        ("The Paris Cloud Briefing", None),
    ],
)
def test_header_date(line: str, date: str | None) -> None:
    assert header_date(line) == date


def test_header_lines_become_metadata_and_leave_the_text() -> None:
    meta, rest, removed = read_header(
        [
            "Data Transfer Monitor | 10 July 2023",
            "https://monitor.example.com/2023/07/dpf",
            BODY,
            "Second paragraph.",
        ]
    )
    assert meta == {
        "published": "2023-07-10",
        "publisher": "Data Transfer Monitor",
        "url": "https://monitor.example.com/2023/07/dpf",
    }
    assert rest == [BODY, "Second paragraph."]
    assert len(removed) == 2


def test_a_name_line_before_the_dateline_is_the_publisher() -> None:
    meta, rest, _ = read_header(["Nordic Privacy Review", "Copenhagen, 15 July 2022", BODY])
    assert meta["publisher"] == "Nordic Privacy Review"
    assert meta["published"] == "2022-07-15"
    assert rest == [BODY]


def test_byline_names_the_publication() -> None:
    meta, _, _ = read_header(["By the Privacy Enforcement Daily newsroom - 2023-05-22", BODY])
    assert meta["publisher"] == "Privacy Enforcement Daily"


@pytest.mark.parametrize(
    "paragraphs",
    [
        # The first paragraph holds a date but is a sentence: it is text, not a header.
        ["On 10 July 2023 the Commission adopted its decision.", BODY],
        # No line holds a date or a link.
        ["Cloud Policy", BODY],
        # A long line before the dateline is text.
        [BODY + " " + BODY, "10 July 2023", BODY],
        # Nothing would be left.
        ["10 July 2023"],
    ],
)
def test_text_is_never_taken_for_a_header(paragraphs: list[str]) -> None:
    meta, rest, removed = read_header(paragraphs)
    assert (meta, rest, removed) == ({}, paragraphs, [])


def test_a_text_file_gets_its_date_and_the_dateline_is_no_paragraph() -> None:
    data = f"Brussels adopts the framework\n\nData Transfer Monitor | 10 July 2023\n\n{BODY}\n".encode()
    draft = make_draft(data, name="dpf.txt")
    assert draft.published == "2023-07-10"
    assert draft.publisher == "Data Transfer Monitor"
    assert draft.paragraphs == (BODY,)


def test_front_matter_wins_over_the_header() -> None:
    data = (
        "---\ntitle: T\npublished: 2023-07-11\npublisher: Front\n---\n"
        f"Data Transfer Monitor | 10 July 2023\n\n{BODY}\n"
    ).encode()
    draft = make_draft(data, name="dpf.md")
    assert (draft.published, draft.publisher) == ("2023-07-11", "Front")
    assert draft.paragraphs == (BODY,)


LONG = (
    "Companies that move large volumes of personal information out of the country must, from today,"
    " submit their transfers to a security assessment by the regulator."
)


def test_a_header_block_before_the_headline_is_read_as_the_header() -> None:
    """Publication, dateline, byline and link first, then the headline, then the text."""
    data = (
        "Asia Data Brief\nBEIJING, September 1, 2022\nBy Lin Haoran\n"
        "https://www.example.com/2022/09/01/china-assessment\n\n"
        "China's data export security assessments take effect\n\n"
        f"{LONG}\n\nSecond paragraph.\n"
    ).encode()
    draft = make_draft(data, name="china.txt")
    assert draft.title == "China's data export security assessments take effect"
    assert (draft.published, draft.publisher) == ("2022-09-01", "Asia Data Brief")
    assert draft.url == "https://www.example.com/2022/09/01/china-assessment"
    assert draft.paragraphs == (LONG, "Second paragraph.")


def test_an_article_that_opens_with_its_title_keeps_it() -> None:
    """A title line, then a header: the title stays first; a first paragraph is never a title."""
    data = f"Short title\n\nData Transfer Monitor | 10 July 2023\n\n{LONG}\n\nSecond paragraph.\n".encode()
    draft = make_draft(data, name="dpf.txt")
    assert draft.title == "Short title" and draft.paragraphs == (LONG, "Second paragraph.")
    data = f"Monitor\n10 July 2023\n\n{LONG}\n\nSecond paragraph.\n".encode()  # the text follows the header
    assert make_draft(data, name="dpf.txt").title == "Monitor"


def test_a_header_block_with_no_headline_takes_its_title_from_the_lead() -> None:
    """Publication, dateline, byline and link, then the text: the publication is not the title (a
    second article of it would share it), and the dateline's place is not the publisher."""
    data = (
        "EuroCyber Policy Bulletin\nBRUSSELS, 29 November 2024\nBy Annika Vogel, EU Affairs Editor\n"
        "https://www.example.com/2024/11/nis2\n\n"
        f"{LONG}\n\nSecond paragraph.\n"
    ).encode()
    draft = make_draft(data, name="nis2.txt")
    assert draft.title == " ".join(LONG.split()[:20]).rstrip(",") + " \u2026"
    assert (draft.published, draft.publisher) == ("2024-11-29", "EuroCyber Policy Bulletin")
    assert draft.url == "https://www.example.com/2024/11/nis2"
    assert draft.paragraphs == (LONG, "Second paragraph.")


def test_a_dateline_names_no_publisher() -> None:
    data = f"A title\n\nBRUSSELS, 29 November 2024\n\n{LONG}\n".encode()
    draft = make_draft(data, name="t.txt")
    assert draft.published == "2024-11-29" and draft.publisher != "BRUSSELS"
