"""Limit fitting for embeds: pure helpers checked without Discord, plus property tests."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.discord_shell.embeds import (
    LIMITS,
    answer_embeds,
    help_embed,
    share_budget,
    sources_embeds,
    total_length,
    trim_marked,
    trim_words,
)
from bot.engine.models import Answer, Article, Citation, Quote
from tests.fake_discord.limits import check_embeds

words = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzé’", min_size=1, max_size=15), min_size=1, max_size=400)


def _citation(i: int, title: str = "Microsoft Knows It Needs To Be Explicit", publisher: str = "TechWeekEurope"):
    return Citation(
        article_slug="ms", article_title=title, publisher=publisher, published="2016-04-15",
        paragraph=i, passage_id=f"ms#{i}", url="https://example.org/a",
    )


def _quote(text: str, i: int = 1, **kw) -> Quote:
    marked = re.sub(r"\b(Microsoft|cloud)\b", r"**\1**", text)
    return Quote(text=text, marked=marked, passage=text, score=1.0, citation=_citation(i, **kw))


def test_trim_words_keeps_short_text():
    assert trim_words("short text", 20) == "short text"


def test_trim_words_cuts_at_a_word_boundary():
    assert trim_words("the quick brown fox", 12) == "the quick…"
    assert trim_words("the quick brown fox", 10) == "the quick…"
    assert trim_words("the quick brown fox", 9) == "the…"
    assert trim_words("supercalifragilistic", 5) == "…"


@given(words, st.integers(min_value=1, max_value=3000))
def test_trim_words_property(ws, limit):
    text = " ".join(ws)
    out = trim_words(text, limit)
    assert len(out) <= limit
    if out != text:
        assert out.endswith("…")
        body = out[:-1]
        # what is kept is a sequence of whole words of the original
        assert text.startswith(body)
        assert body == "" or len(body) == len(text) or text[len(body)] == " " or body.endswith(tuple(",;:-–—("))


@given(words, st.integers(min_value=3, max_value=2000))
def test_trim_marked_keeps_bold_balanced(ws, limit):
    text = " ".join(f"**{w}**" if i % 3 == 0 else w for i, w in enumerate(ws))
    out = trim_marked(text, limit)
    assert len(out) <= limit
    assert out.count("**") % 2 == 0


def test_trim_marked_closes_a_multi_word_bold_run():
    assert trim_marked("a **bold run of words** here", 15) == "a **bold run**…"


def test_share_budget_water_fills():
    assert share_budget([10, 10, 10], 100, 4096) == [10, 10, 10]
    assert share_budget([10, 1000, 1000], 610, 4096) == [10, 300, 300]
    assert sum(share_budget([5000, 5000, 5000], 6000, 4096)) <= 6000
    assert max(share_budget([9000], 9000, 4096)) == 4096


def test_answer_embeds_one_per_quote_with_citation():
    answer = Answer("q", True, tuple(_quote(f"Microsoft said thing {i}.", i) for i in range(1, 4)))
    embeds = answer_embeds(answer)
    assert len(embeds) == 3
    for i, e in enumerate(embeds, 1):
        assert e.footer.text.endswith(f"paragraph {i}")
        assert "**Microsoft**" in e.description
        assert e.url == "https://example.org/a"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(words, min_size=1, max_size=10),
    st.text(min_size=1, max_size=400),
    st.text(min_size=0, max_size=300),
)
def test_answer_embeds_always_fit_and_keep_citations(quote_words, title, publisher):
    quotes = tuple(_quote(" ".join(ws) * 3, i, title=title, publisher=publisher) for i, ws in enumerate(quote_words, 1))
    notes = ["A newer article also covers this: " + title]
    embeds = answer_embeds(Answer("q", True, quotes), header="Sources 1–10 of 12", notes=notes)
    assert check_embeds([e.to_dict() for e in embeds]) == []
    assert total_length(embeds) <= LIMITS.total
    assert len(embeds) == len(quotes)
    for e in embeds:
        assert e.footer.text  # the citation is never dropped
        assert "paragraph" in e.footer.text or e.footer.text.endswith("…")
        assert e.description.startswith("“") and e.description.endswith("”")
        assert e.description.count("**") % 2 == 0


def test_huge_quotes_are_trimmed_not_dropped():
    big = " ".join(["Microsoft cloud data"] * 1000)
    quotes = tuple(_quote(big, i) for i in range(1, 11))
    embeds = answer_embeds(Answer("q", True, quotes))
    assert len(embeds) == 10
    assert total_length(embeds) <= 6000
    assert all(e.description.endswith("…”") for e in embeds)
    assert all(e.footer.text.endswith(f"paragraph {i}") for i, e in enumerate(embeds, 1))


def test_no_answer_embed_points_to_sources():
    embeds = answer_embeds(Answer("q", False, reason="Nothing matched."), coverage="The corpus holds one article.")
    assert len(embeds) == 1
    assert "Nothing matched." in embeds[0].description
    assert "The corpus holds one article." in embeds[0].description
    assert "/sources" in embeds[0].description


def test_sources_embeds_fit_even_for_many_articles():
    articles = [
        (Article(slug=f"a{i}", title=f"Article number {i} " + "x" * 150, publisher="Pub", paragraphs=("p",),
                 url=f"https://example.org/{i}", published="2016-04"), 10)
        for i in range(200)
    ]
    embeds = sources_embeds(articles)
    assert check_embeds([e.to_dict() for e in embeds]) == []
    assert "more article" in embeds[-1].footer.text


def test_help_embed_fits():
    e = help_embed(top_k=3, answer_channels=True, cooldown="Each person can ask 3 questions per 10 seconds.")
    assert check_embeds([e.to_dict()]) == []


def test_the_page_header_says_how_many_articles_and_years_and_notes_are_shown():
    from bot.discord_shell.exts.ask import Reply

    old = _quote("Microsoft said one thing.", 1)
    new = Quote(
        text="Microsoft said another.", marked="Microsoft said another.", passage="Microsoft said another.",
        score=1.0, citation=Citation("dpf", "DPF", "Monitor", "2023-07-10", 4, "dpf#4", None),
    )
    note = "A newer article also covers this: \u201cDPF\u201d (Monitor, 10 July 2023, paragraph 4), quoted below."
    answer = Answer("q", True, (old, new), notes=(note,))
    reply = Reply(answer=answer, pages=((old, new), (old,)))
    assert reply.header(0) == "From 2 articles, 2016\u20132023 · Sources 1–2 of 3 (page 1 of 2)"
    assert reply.header(1) == "Sources 3–3 of 3 (page 2 of 2)"
    first = reply.embeds(0)
    assert first[0].author.name.startswith("From 2 articles")
    assert [f.value for f in first[0].fields] == [note]
    assert all(not e.fields for e in reply.embeds(1))
    assert "date unknown" not in first[0].footer.text and "15 April 2016" in first[0].footer.text
