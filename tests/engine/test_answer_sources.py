"""Several articles: a date on every citation, variety before depth, the newer of two equals first."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.corpus.articles import write_article
from bot.corpus.knowledge import Knowledge
from bot.engine.answer import MIN_COVERAGE, newer_note, order_sources
from bot.engine.models import Answer, Article, Citation, Passage, Quote, source_summary
from bot.engine.search import Hit


@dataclass
class _Index:
    articles: dict[str, Article] = field(default_factory=dict)


def _article(slug: str, published: str | None) -> Article:
    return Article(slug, slug.title(), "P", ("x",), published=published)


def _entry(slug: str, n: int, cov: float, key: float) -> tuple[Hit, float, float]:
    passage = Passage(f"{slug}#{n}", slug, n, f"text {slug} {n}")
    return Hit(passage, key, frozenset()), cov, key


def _ids(entries: list[tuple[Hit, float, float]]) -> list[str]:
    return [e[0].passage.id for e in entries]


def test_the_best_passage_of_each_answering_article_comes_before_second_passages() -> None:
    index = _Index({s: _article(s, "2020-01-01") for s in "abc"})
    ranked = [_entry("a", 1, 0.9, 10.0), _entry("a", 2, 0.8, 9.8), _entry("b", 5, 0.7, 9.5), _entry("c", 3, 0.6, 9.4)]
    assert _ids(order_sources(ranked, index)) == ["a#1", "b#5", "c#3", "a#2"]


def test_an_article_far_behind_or_not_answering_does_not_jump_ahead() -> None:
    index = _Index({s: _article(s, "2020-01-01") for s in "abc"})
    ranked = [
        _entry("a", 1, 0.9, 10.0),
        _entry("a", 2, 0.8, 9.0),
        _entry("b", 1, MIN_COVERAGE / 2, 8.9),  # covers too little to answer
        _entry("c", 1, 0.9, 2.0),  # answers, but far behind
    ]
    assert _ids(order_sources(ranked, index)) == ["a#1", "a#2", "b#1", "c#1"]


def test_of_two_articles_that_answer_about_equally_well_the_newer_comes_first() -> None:
    index = _Index({"old": _article("old", "2016-07-12"), "new": _article("new", "2023-07-10")})
    ranked = [_entry("old", 1, 0.9, 10.0), _entry("new", 4, 0.9, 9.9)]
    assert _ids(order_sources(ranked, index)) == ["new#4", "old#1"]
    # not about equally well: the better one stays first, whatever its date
    ranked = [_entry("old", 1, 0.9, 10.0), _entry("new", 4, 0.9, 5.0)]
    assert _ids(order_sources(ranked, index))[0] == "old#1"


def _quote(slug: str, published: str | None, paragraph: int = 1) -> Quote:
    c = Citation(slug, f"Title {slug}", "Pub", published, paragraph, f"{slug}#{paragraph}", None)
    return Quote(text="t", marked="t", passage="t", score=1.0, citation=c)


def test_citation_always_shows_the_date_or_says_it_is_unknown() -> None:
    assert "12 July 2016" in _quote("a", "2016-07-12").citation.label
    assert "date unknown" in _quote("a", None).citation.label
    assert _quote("a", None).to_json()["date"] == "date unknown"


def test_source_summary_says_how_many_articles_and_which_years() -> None:
    assert source_summary([_quote("a", "2016-07-12"), _quote("a", "2016-07-12", 2)]) == ""
    assert source_summary([_quote("a", "2016-07-12"), _quote("b", "2023-01-01"), _quote("c", "2020")]) == (
        "From 3 articles, 2016\u20132023"
    )
    assert source_summary([_quote("a", "2016-07-12"), _quote("b", None)]) == "From 2 articles, 2016 (1 undated)"
    assert source_summary([_quote("a", None), _quote("b", None)]) == "From 2 articles, dates unknown"
    answer = Answer("q", True, (_quote("a", "2016"), _quote("b", "2018")))
    assert answer.to_json()["sources"] == "From 2 articles, 2016\u20132018"


def test_an_older_first_quote_gets_a_note_naming_the_newer_article() -> None:
    note = newer_note([_quote("old", "2016-07-12"), _quote("new", "2023-07-10", 4)])
    assert "newer article" in note and "Title new" in note and "10 July 2023" in note and "paragraph 4" in note
    assert newer_note([_quote("new", "2023-07-10"), _quote("old", "2016-07-12")]) == ""
    assert newer_note([_quote("a", None), _quote("b", "2023")]) == ""


def test_end_to_end_quotes_stay_verbatim_and_each_article_shows_once_first(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "articles").mkdir(parents=True)
    texts = {
        "shield": ("Privacy Shield adopted", "2016-07-12", [
            "The Privacy Shield creates an ombudsperson to handle complaints from Europeans about surveillance.",
            "The ombudsperson will handle complaints about surveillance through the State Department.",
        ]),
        "framework": ("Data Privacy Framework adopted", "2023-07-10", [
            "The framework replaces the ombudsperson with a review court that handles complaints from Europeans.",
            "Complaints from Europeans about surveillance go first to a civil liberties officer.",
        ]),
        "weather": ("Weather in Brussels", None, ["It rained in Brussels on Tuesday, and the sun came out later."]),
    }
    for slug, (title, date, paragraphs) in texts.items():
        write_article(corpus, Article(slug, title, "Desk", tuple(paragraphs), published=date))
    answer = Knowledge.load(corpus).ask("Who handles complaints from Europeans about surveillance?", top_k=3)
    assert answer.answered
    slugs = [q.citation.article_slug for q in answer.quotes]
    assert set(slugs[:2]) == {"shield", "framework"}  # one of each before a second of either
    assert answer.sources.startswith("From 2 articles, 2016\u20132023")
    every = [p for _, _, ps in texts.values() for p in ps]
    assert all(any(q.text in p for p in every) for q in answer.quotes)


def test_a_year_in_the_question_points_to_the_article_of_that_year(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "articles").mkdir(parents=True)
    same = "Companies must answer complaints from Europeans within 45 days under the deal."
    write_article(corpus, Article("old", "A transatlantic deal", "Desk", (same,), published="2016-07-12"))
    write_article(corpus, Article("new", "Another transatlantic deal", "Desk", (same + " ",), published="2023-07-10"))
    kb = Knowledge.load(corpus)
    for year, slug in (("2016", "old"), ("2023", "new")):
        answer = kb.ask(f"How many days do companies get to answer complaints under the {year} deal?", top_k=2)
        assert answer.answered and answer.quotes[0].citation.article_slug == slug
