"""Ingest: files (text, Markdown, HTML), URLs served on 127.0.0.1, limits and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.paths import SHARED_SEED, needs_shared_seed
from tests.webpages import DATA, serve

from bot.corpus.ingest import (
    IngestError,
    Limits,
    Metadata,
    clean_text,
    fetch,
    ingest_file,
    ingest_source,
    ingest_url,
    make_draft,
    markdown_to_lines,
    text_to_lines,
)

SEED = SHARED_SEED
JUNK = ("cookie", "Accept all", "Share on", "Advertisement", "Sponsored", "Leave a comment", "cloudskeptic",
        "Home", "Subscribe", "All rights reserved", "Related articles", "dataLayer", "Privacy policy")


def assert_no_junk(paragraphs: tuple[str, ...]) -> None:
    text = "\n".join(paragraphs)
    for junk in JUNK:
        assert junk not in text, junk


# --- files ----------------------------------------------------------------------------------------


def test_text_file_first_line_is_title_and_junk_lines_go() -> None:
    draft = ingest_file(DATA / "cloud-act-explained.txt")
    assert draft.title == "What the US CLOUD Act means for data stored in European data centres"
    assert draft.kind == "text"
    assert draft.paragraphs[0].startswith("The Clarifying Lawful Overseas Use of Data Act")
    assert "Motions to quash" in draft.paragraphs
    for junk in ("Share this article", "Advertisement", "Loading ...", "Read more:", "CloudCloud Policy"):
        assert junk not in draft.paragraphs
        assert junk in draft.removed
    assert draft.publisher == "Unknown publisher"


@needs_shared_seed
def test_seed_text_gives_the_bundled_article() -> None:
    from bot.corpus.articles import DEFAULT_CORPUS_DIR, load_corpus

    bundled = load_corpus(DEFAULT_CORPUS_DIR).articles[0]
    draft = ingest_file(SEED)
    assert draft.title == bundled.title
    assert draft.paragraphs == bundled.paragraphs


def test_markdown_file_front_matter_and_syntax_removed_without_rewording() -> None:
    draft = ingest_file(DATA / "schrems-ii-ruling.md")
    assert draft.kind == "markdown"
    assert draft.title == "Schrems II: EU court strikes down Privacy Shield, keeps standard contractual clauses"
    assert draft.publisher == "Data Protection Weekly"
    assert draft.published == "2020-07-16"
    assert draft.url == "https://dataprotection-weekly.example.org/2020/07/schrems-ii-privacy-shield-invalid"
    assert draft.paragraphs[0] == (
        "The Court of Justice of the European Union (CJEU) on Thursday declared the EU-US Privacy Shield "
        "invalid, removing the legal basis that more than 5,300 companies relied on to move personal data "
        "across the Atlantic."
    )
    text = "\n".join(draft.paragraphs)
    for syntax in ("**", "](", "# ", "> ", "- The", "*Data"):
        assert syntax not in text
    assert "Why the court objected" in draft.paragraphs  # headings stay as their own paragraph
    assert "the Austrian privacy activist Max Schrems." in text  # link text kept, target gone


def test_markdown_without_front_matter_takes_the_first_heading_as_title() -> None:
    draft = make_draft(b"# Data residency\n\nSome *text* here,\nwrapped.\n\n1. one\n2. two\n", name="n.md")
    assert draft.title == "Data residency"
    assert draft.paragraphs == ("Some text here, wrapped.", "one", "two")


def test_markdown_lines_code_fences_rules_and_images() -> None:
    md = "Intro with ![a chart](c.png) image.\n\n---\n\n```\ncode line\n```\n\nSetext\n======\n\n> quoted\n> text\n"
    assert markdown_to_lines(md) == ["Intro with image.", "code line", "Setext", "quoted text"]


def test_hard_wrapped_text_is_joined_per_block_but_line_per_paragraph_text_is_not() -> None:
    wrapped = (
        "Title\n\nThis paragraph was wrapped\nat a fixed width by a mail\nclient long ago.\n\n"
        "Second one\nalso wrapped.\n"
    )
    assert text_to_lines(wrapped) == ["Title", "This paragraph was wrapped at a fixed width by a mail client long ago.",
                                      "Second one also wrapped."]
    long_lines = "T\n" + ("A long line that is a paragraph of its own. " * 4 + "\n") * 3
    assert len([x for x in text_to_lines(long_lines) if x.strip()]) == 4


def test_html_file_main_text_and_metadata_without_page_furniture() -> None:
    draft = ingest_file(DATA / "eu-data-boundary.html")
    assert draft.kind == "html"
    assert draft.title == "Microsoft completes EU Data Boundary for its cloud services"
    assert draft.publisher == "Sovereign Cloud News"
    assert draft.published == "2025-02-26"
    assert draft.url == "https://sovereign-cloud-news.example.net/2025/02/microsoft-eu-data-boundary-complete"
    assert draft.paragraphs[0].startswith("Microsoft said on Wednesday that it has completed the EU Data Boundary")
    assert any("Julie Brill" in p for p in draft.paragraphs)
    assert "Three phases" in draft.paragraphs
    assert_no_junk(draft.paragraphs)


def test_given_metadata_overrides_extracted() -> None:
    meta = Metadata(title="My title", url="https://example.org/x", publisher="Me", published="2024-01-02")
    draft = ingest_file(DATA / "eu-data-boundary.html", meta)
    assert (draft.title, draft.url, draft.publisher, draft.published) == (
        "My title", "https://example.org/x", "Me", "2024-01-02")


@pytest.mark.parametrize(
    ("meta", "words"),
    [(Metadata(published="16/04/2016"), "published date"), (Metadata(url="ftp://x"), r"http\(s\) URL")],
)
def test_bad_given_metadata_is_refused(meta: Metadata, words: str) -> None:
    with pytest.raises(IngestError, match=words):
        ingest_file(DATA / "cloud-act-explained.txt", meta)


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "a.txt", "empty"),
        (b"   \n\n ", "a.md", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "a.txt", "binary"),
        (b"Title\n\nCaf\xe9 cr\xe8me in Latin-1\n", "a.txt", "not valid UTF-8"),
        (b"Only a title\n", "a.txt", "no article text"),
        (b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "a.html", "No article text"),
        (b"---\ntitle: [unclosed\n---\nBody\n", "a.md", "front matter"),
    ],
)
def test_unusable_sources_are_refused_clearly(data: bytes, name: str, words: str) -> None:
    with pytest.raises(IngestError, match=words):
        make_draft(data, name=name)


def test_too_large_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"Title\n" + b"word " * 1000)
    with pytest.raises(IngestError, match="larger than the 1 KB limit"):
        ingest_file(big, limits=Limits(max_bytes=1024))
    with pytest.raises(IngestError, match="no file"):
        ingest_file(tmp_path / "missing.txt")


def test_utf8_bom_and_declared_charset_are_honoured() -> None:
    assert make_draft("\ufeffT\nCafé".encode("utf-8-sig"), name="a.txt").paragraphs == ("Café",)
    assert make_draft("T\nCafé".encode("latin-1"), content_type="text/plain; charset=ISO-8859-1").paragraphs == (
        "Café",)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_cleaning_never_invents_text(text: str) -> None:
    """Whatever comes in, every kept word is the source's own (or the source is refused)."""
    try:
        draft = make_draft(text.encode("utf-8"), name="x.txt")
    except IngestError:
        return
    source = " ".join(text.split())
    for p in draft.paragraphs:
        for word in p.split():
            assert word in source


def test_clean_text_rules_still_apply() -> None:
    out = clean_text("T\nView Results\nLoading ...\nReal paragraph.</p>\n")
    assert out.paragraphs == ("Real paragraph.",)


# --- URLs -----------------------------------------------------------------------------------------


async def test_url_ingest_extracts_article_from_a_cluttered_page() -> None:
    async with serve() as site:
        draft = await ingest_url(site.url("/article"))
    assert draft.title == "Microsoft completes EU Data Boundary for its cloud services"
    assert draft.publisher == "Sovereign Cloud News"
    # the page's canonical link wins over the address it was fetched from
    assert draft.url == "https://sovereign-cloud-news.example.net/2025/02/microsoft-eu-data-boundary-complete"
    assert_no_junk(draft.paragraphs)


async def test_url_follows_redirects_and_falls_back_to_final_address() -> None:
    page = b"<html><head><title>Plain page</title></head><body><article><p>" + b"Data sovereignty matters. " * 20 + (
        b"</p></article></body></html>")
    async with serve({"/plain": ("text/html", page)}) as site:
        fetched = await fetch(site.url("/moved"))
        assert fetched.url.endswith("/article")
        draft = await ingest_url(site.url("/plain"))
    assert draft.url is not None and draft.url.endswith("/plain")
    assert draft.publisher.startswith("127.0.0.1")


async def test_url_timeout_is_refused() -> None:
    async with serve() as site:
        with pytest.raises(IngestError, match="did not answer within 0.2 seconds"):
            await fetch(site.url("/slow"), Limits(fetch_timeout=0.2))


async def test_too_large_body_is_refused_while_streaming() -> None:
    async with serve() as site:
        # the body never ends: only a limit enforced while streaming can return at all
        with pytest.raises(IngestError, match="larger than"):
            await fetch(site.url("/endless"), Limits(max_bytes=200_000, fetch_timeout=30))
        with pytest.raises(IngestError, match="larger than"):
            await fetch(site.url("/declared-large"), Limits(max_bytes=200_000))


async def test_non_html_content_type_is_refused() -> None:
    async with serve({"/data.json": ("application/json", b"{}")}) as site:
        with pytest.raises(IngestError, match="application/pdf, which cannot be added"):
            await fetch(site.url("/report.pdf"))
        with pytest.raises(IngestError, match="application/json"):
            await ingest_url(site.url("/data.json"))


async def test_http_errors_and_bad_urls_are_refused() -> None:
    async with serve() as site:
        with pytest.raises(IngestError, match="HTTP 404"):
            await fetch(site.url("/nothing-here"))
    with pytest.raises(IngestError, match="Only http"):
        await fetch("file:///etc/passwd")
    with pytest.raises(IngestError, match="could not be fetched"):
        await fetch("http://127.0.0.1:1/closed-port")


@pytest.mark.parametrize("source", ["file:///etc/passwd", "ftp://example.org/article.txt", "FILE:/etc/hosts"])
def test_other_url_schemes_are_refused_saying_what_is_accepted(source: str) -> None:
    with pytest.raises(IngestError, match=r"only http\(s\) URLs and local \.txt, \.md and \.html files are accepted"):
        ingest_source(source)


def test_a_json_file_is_refused_saying_what_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "article.json"
    path.write_text('{"title": "Not an article"}', encoding="utf-8")
    with pytest.raises(IngestError, match=r"article\.json is a \.json file: only http\(s\) URLs"):
        ingest_source(str(path))
