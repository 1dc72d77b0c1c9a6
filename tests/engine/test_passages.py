"""bot.engine.passages: stable ids, headings merged as context, overlong paragraphs split at sentences."""

from __future__ import annotations

import re

from bot.corpus.articles import DEFAULT_CORPUS_DIR, load_corpus
from bot.engine.models import Article
from bot.engine.passages import HEADING_MAX_WORDS, MAX_PASSAGE_WORDS, is_heading, split_article
from bot.engine.text import split_sentences


def article(*paragraphs: str, slug: str = "some-article") -> Article:
    return Article(slug=slug, title="A Title", publisher="P", paragraphs=paragraphs)


def long_paragraph(sentences: int = 60) -> str:
    return " ".join(f"Sentence number {i} has several more words in it." for i in range(sentences))


def test_ids_are_slug_and_paragraph_number() -> None:
    passages = split_article(article("One sentence.", "Two sentences. Really.", "Three."))
    assert [p.id for p in passages] == ["some-article#1", "some-article#2", "some-article#3"]
    assert [p.paragraph for p in passages] == [1, 2, 3]
    assert all(p.article_slug == "some-article" for p in passages)
    assert [p.text for p in passages] == ["One sentence.", "Two sentences. Really.", "Three."]
    assert all(p.context == "" and p.context_paragraph is None for p in passages)


def test_heading_is_merged_into_the_next_paragraph_as_context() -> None:
    passages = split_article(article("Intro text.", "Fourth Amendment", "Microsoft alleges something."))
    assert [p.id for p in passages] == ["some-article#1", "some-article#3"]
    merged = passages[1]
    assert merged.paragraph == 3
    assert merged.text == "Microsoft alleges something."
    assert merged.context == "Fourth Amendment"
    assert merged.context_paragraph == 2
    assert merged.full_text == "Fourth Amendment\nMicrosoft alleges something."


def test_consecutive_headings_form_one_context_from_the_first() -> None:
    passages = split_article(article("Section", "Sub section", "Body text."))
    assert len(passages) == 1
    assert passages[0].context == "Section\nSub section"  # nothing invented between them
    assert passages[0].context_parts == ((1, "Section"), (2, "Sub section"))
    assert passages[0].context_paragraph == 1
    assert passages[0].id == "some-article#3"


def test_heading_as_last_paragraph_stays_a_passage() -> None:
    passages = split_article(article("Body text.", "Trailing caption"))
    assert [(p.id, p.text, p.context) for p in passages] == [
        ("some-article#1", "Body text.", ""),
        ("some-article#2", "Trailing caption", ""),
    ]


def test_is_heading() -> None:
    assert is_heading("Privacy Shield")
    assert is_heading("Microsoft CEO Satya Nadella")
    assert not is_heading("A short sentence.")
    assert not is_heading("\u201cA short quote.\u201d")
    assert not is_heading("Where is it?")
    assert not is_heading(" ".join(["word"] * (HEADING_MAX_WORDS + 1)))
    assert not is_heading("   ")


def test_overlong_paragraph_is_split_at_sentence_boundaries() -> None:
    text = long_paragraph()
    passages = split_article(article("Heading", text, "After."))
    parts = [p for p in passages if p.paragraph == 2]
    assert len(parts) > 1
    assert [p.id for p in parts] == [f"some-article#2.{k}" for k in range(1, len(parts) + 1)]
    # the heading is context of the first part only
    assert parts[0].context == "Heading" and parts[0].context_paragraph == 1
    assert all(p.context == "" and p.context_paragraph is None for p in parts[1:])
    # each part is whole sentences of the paragraph, within the size limit, and together they are the paragraph
    sentences = {text[s:e] for s, e in split_sentences(text)}
    for p in parts:
        assert p.text in text
        assert len(p.text.split()) <= MAX_PASSAGE_WORDS
        assert all(p.text[s:e] in sentences for s, e in split_sentences(p.text))
    assert " ".join(p.text for p in parts) == text
    # numbering continues after the split paragraph
    assert passages[-1].id == "some-article#3"


def test_paragraph_at_the_limit_is_not_split() -> None:
    text = " ".join(["word"] * (MAX_PASSAGE_WORDS - 1)) + " end."
    passages = split_article(article(text))
    assert [p.id for p in passages] == ["some-article#1"]
    assert passages[0].text == text


def test_overlong_single_sentence_is_one_part() -> None:
    text = " ".join(["word"] * (MAX_PASSAGE_WORDS * 2)) + "."
    passages = split_article(article(text))
    assert len(passages) == 1
    assert passages[0].text == text
    assert passages[0].paragraph == 1


def test_paragraph_numbers_are_stable_when_an_earlier_paragraph_changes() -> None:
    before = split_article(article("Heading", "Short.", "Another.", "Last one."))
    after = split_article(article("Heading", long_paragraph(), "Another.", "Last one."))
    assert [p.id for p in before][-2:] == [p.id for p in after][-2:] == ["some-article#3", "some-article#4"]


def test_bundled_article_passages() -> None:
    arts = load_corpus(DEFAULT_CORPUS_DIR).articles
    assert arts
    for art in arts:
        passages = split_article(art)
        ids = [p.id for p in passages]
        assert len(ids) == len(set(ids))
        for p in passages:
            assert re.fullmatch(rf"{re.escape(art.slug)}#\d+(\.\d+)?", p.id)
            assert p.id.split("#")[1].split(".")[0] == str(p.paragraph)
            assert p.text in art.paragraphs[p.paragraph - 1]
            if p.context:
                assert p.context_paragraph is not None and p.context_paragraph < p.paragraph
                assert art.paragraphs[p.context_paragraph - 1] in p.context
        # every paragraph is quoted by some passage: as text or as a merged heading
        covered = {p.paragraph for p in passages} | {p.context_paragraph for p in passages if p.context}
        assert covered == set(range(1, len(art.paragraphs) + 1))
