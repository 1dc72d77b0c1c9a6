"""bot.engine.answer: Markdown marking, sentence choice, and quotes that are verbatim with the right citation."""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.corpus.knowledge import Knowledge
from bot.engine.answer import choose_sentences, escape_markdown, mark
from bot.engine.models import Answer
from bot.engine.text import iter_tokens, split_sentences, tokenize
from tests.paths import SEED_SETS

DEV_QUESTIONS = SEED_SETS / "dev_questions.yaml"


def unmark(marked: str) -> str:
    """Inverse of `mark`: drop the unescaped `**` markers, then undo the backslash escapes."""
    out: list[str] = []
    i = 0
    while i < len(marked):
        if marked[i] == "\\" and i + 1 < len(marked):
            out.append(marked[i + 1])
            i += 2
        elif marked.startswith("**", i):
            i += 2
        else:
            out.append(marked[i])
            i += 1
    return "".join(out)


def bold_runs(marked: str) -> list[str]:
    """The texts inside unescaped ** ... ** pairs, unescaped."""
    runs: list[str] = []
    i, inside, current = 0, False, []
    while i < len(marked):
        if marked[i] == "\\" and i + 1 < len(marked):
            if inside:
                current.append(marked[i + 1])
            i += 2
        elif marked.startswith("**", i):
            if inside:
                runs.append("".join(current))
                current = []
            inside = not inside
            i += 2
        else:
            if inside:
                current.append(marked[i])
            i += 1
    assert not inside, f"unbalanced bold in {marked!r}"
    return runs


# --- mark ------------------------------------------------------------------------------------------


def test_mark_bolds_only_matched_words() -> None:
    text = "Microsoft sued the United States government on Thursday."
    marked = mark(text, frozenset(tokenize("sue Thursday")))
    assert marked == "Microsoft **sued** the United States government on **Thursday**."


def test_mark_merges_adjacent_matched_words() -> None:
    text = "The Electronic Communications Privacy Act (ECPA) is old."
    marked = mark(text, frozenset(tokenize("Electronic Communications Privacy Act ECPA")))
    assert marked == "The **Electronic Communications Privacy Act** (**ECPA**) is old."


def test_mark_merges_across_hyphens() -> None:
    text = "Its cloud-data centre and data – cloud."
    assert mark(text, frozenset(tokenize("cloud data"))) == "Its **cloud-data** centre and **data** – **cloud**."


def test_mark_does_not_bold_stopwords_between_matches() -> None:
    text = "customers of Azure"
    assert mark(text, frozenset(tokenize("customers azure"))) == "**customers** of **Azure**"


def test_mark_without_matches_only_escapes() -> None:
    text = "a *star* and _under_ [link] `code` | > ~x~ \\ back"
    assert mark(text, frozenset()) == escape_markdown(text)
    assert "*star*" not in mark(text, frozenset())
    assert unmark(mark(text, frozenset())) == text


def test_mark_escapes_markdown_inside_and_outside_bold() -> None:
    text = "data_centre *cloud* [Azure]"
    marked = mark(text, frozenset(tokenize("cloud azure")))
    assert marked == "data\\_centre \\***cloud**\\* \\[**Azure**\\]"
    assert unmark(marked) == text
    assert bold_runs(marked) == ["cloud", "Azure"]


def test_mark_handles_curly_quotes_and_apostrophes() -> None:
    text = "Microsoft\u2019s \u201ctrust\u201d strategy"
    marked = mark(text, frozenset(tokenize("trust microsoft")))
    assert marked == "**Microsoft\u2019s** \u201c**trust**\u201d strategy"


def test_mark_spans_stay_right_when_normalisation_changes_lengths() -> None:
    text = "\ufb01le e\u0301xtra data"
    for run in bold_runs(mark(text, frozenset({"file"}))):
        assert run == run.strip(), f"bold run {run!r} has white space at its edge"


words = st.sampled_from(["Microsoft", "sued", "the", "US", "ECPA", "cloud-data", "data", "Azure's", "30", "old"])
texty = st.lists(
    st.one_of(words, st.text(alphabet=" *_`|>[]~\\-.,!?\u201c\u201d\u2019'#\n", min_size=1, max_size=3)),
    max_size=25,
).map("".join)


@settings(max_examples=60, deadline=None)
@given(text=st.one_of(texty, st.text(max_size=80)), query=st.lists(words, max_size=4))
def test_mark_round_trips_to_the_exact_text(text: str, query: list[str]) -> None:
    terms = frozenset(tokenize(" ".join(query)))
    marked = mark(text, terms)
    assert unmark(marked) == text
    for run in bold_runs(marked):
        run_terms = {t.term for t in iter_tokens(run)}
        assert run_terms, f"bold run without a word: {run!r}"
        assert run_terms & terms, f"bold run {run!r} matches none of {sorted(terms)}"


# --- choose_sentences ------------------------------------------------------------------------------

PARAGRAPH = (
    "But by taking advantage of the Electronic Communications Privacy Act (ECPA), the US government is "
    "routing an increasing number of investigations at the companies storing data on Azure cloud, "
    "Microsoft said in the lawsuit. The ECPA is 30 years old."
)


def weights_for(question: str) -> dict[str, float]:
    return {t: 1.0 for t in tokenize(question)}


def test_choose_sentences_picks_the_matching_sentence() -> None:
    text = "Alpha beta gamma here. The ECPA is 30 years old. Delta epsilon zeta there."
    assert choose_sentences(text, weights_for("How old is the ECPA?")).startswith("The ECPA is 30 years old.")


def test_choose_sentences_adds_a_neighbour_that_carries_more_weight() -> None:
    out = choose_sentences(PARAGRAPH, weights_for("How old is the Electronic Communications Privacy Act?"))
    assert out == PARAGRAPH


def test_choose_sentences_single_sentence_is_the_whole_text() -> None:
    assert choose_sentences("  One sentence only.  ", {"one": 1.0}) == "One sentence only."


def test_choose_sentences_no_weights_still_returns_verbatim_text() -> None:
    text = "First sentence here. Second one. Third."
    out = choose_sentences(text, {})
    assert out in text and out


@settings(max_examples=60, deadline=None)
@given(
    sentences=st.lists(
        st.lists(words, min_size=1, max_size=8).map(lambda ws: " ".join(ws).capitalize() + "."),
        min_size=1, max_size=6,
    ),
    query=st.lists(words, max_size=4),
)
def test_choose_sentences_is_a_contiguous_run_of_at_most_two_sentences(sentences: list[str], query: list[str]) -> None:
    text = " ".join(sentences)
    out = choose_sentences(text, weights_for(" ".join(query)))
    assert out and out in text
    assert out == out.strip()
    spans = [text[s:e] for s, e in split_sentences(text)]
    # the choice starts and ends on sentence boundaries
    starts = [i for i, s in enumerate(spans) if out.startswith(s)]
    assert any(" ".join(spans[i : i + n]) == out for i in starts for n in (1, 2)), (out, spans)


# --- quotes from the engine ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return Knowledge.load()


def dev_questions() -> list[str]:
    data = yaml.safe_load(DEV_QUESTIONS.read_text(encoding="utf-8"))
    return [item["q"] for item in data["questions"]]


def check_quotes(kb: Knowledge, answer: Answer) -> None:
    paragraphs = {a.slug: a.paragraphs for a in kb.snapshot.articles}
    passages = {p.id: p for p in kb.snapshot.passages}
    for quote in answer.quotes:
        c = quote.citation
        passage = passages[c.passage_id]
        assert quote.passage == passage.full_text
        assert quote.text and quote.text in quote.passage, "quote is not verbatim from its passage"
        # the cited paragraph is the one that holds the quoted words
        assert quote.text in paragraphs[c.article_slug][c.paragraph - 1], (quote.text, c.paragraph)
        assert c.paragraph == passage.paragraph or c.paragraph in dict(passage.context_parts)
        assert re.fullmatch(rf"{re.escape(c.article_slug)}#\d+(\.\d+)?", c.passage_id)
        assert unmark(quote.marked) == quote.text
        assert quote.score > 0


def test_quotes_of_the_dev_questions_are_verbatim_and_cite_their_paragraph(kb: Knowledge) -> None:
    answered = 0
    for question in dev_questions():
        answer = kb.ask(question, top_k=5)
        assert answer.answered == bool(answer.quotes)
        check_quotes(kb, answer)
        answered += answer.answered
    assert answered >= 30


def test_lawsuit_quote_marks_the_question_words(kb: Knowledge) -> None:
    answer = kb.ask("Why did Microsoft sue the US government?", top_k=3)
    assert answer.answered
    check_quotes(kb, answer)
    runs = " ".join(bold_runs(answer.quotes[0].marked)).lower()
    assert "microsoft" in runs and ("sue" in runs or "lawsuit" in runs)


def test_heading_quote_cites_the_heading_paragraph(kb: Knowledge) -> None:
    answer = kb.ask("Privacy Shield", top_k=5)
    assert answer.answered
    check_quotes(kb, answer)


def test_a_heading_quote_is_one_heading_with_its_own_paragraph(tmp_path) -> None:
    """Two headings in a row are two paragraphs: a quote never joins them under one citation."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "widgets.md").write_text(
        "---\ntitle: Widgets\npublisher: Test\n---\nQuantum widgets\n\nFlux capacitors\n\n"
        "The company sells many things to many people every year.\n",
        encoding="utf-8",
    )
    kb = Knowledge.load(tmp_path)
    for question in ("quantum widgets", "flux capacitors"):
        answer = kb.ask(question)
        assert answer.answered
        check_quotes(kb, answer)
        quote = answer.quotes[0]
        assert quote.text in ("Quantum widgets", "Flux capacitors")
        assert quote.citation.paragraph == (1 if quote.text == "Quantum widgets" else 2)
