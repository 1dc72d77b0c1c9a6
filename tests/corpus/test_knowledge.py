"""bot.corpus.knowledge on the bundled corpus: answers, refusals, top_k, expansion, snapshot swaps."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot.corpus.articles import DEFAULT_CORPUS_DIR, render_article
from bot.corpus.knowledge import Knowledge
from bot.engine.models import Answer, Article

LAWSUIT = "Why did Microsoft sue the US government?"


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return Knowledge.load()


def paragraph_of(kb: Knowledge, answer: Answer, i: int = 0) -> int:
    return answer.quotes[i].citation.paragraph


def test_lawsuit_question_is_answered_with_the_lawsuit_passage(kb: Knowledge) -> None:
    answer = kb.ask(LAWSUIT, top_k=3)
    assert answer.answered and answer.quotes and not answer.reason
    lawsuit = [q for q in answer.quotes if q.citation.paragraph in (3, 4)]
    assert lawsuit, [q.citation.passage_id for q in answer.quotes]
    text = lawsuit[0].text.lower()
    assert "sued" in text or "lawsuit" in text
    # the best quote is about the suing itself
    first = answer.quotes[0].text.lower()
    assert any(w in first for w in ("sued", "sues", "lawsuit"))


def test_lawsuit_citation_carries_the_article_metadata(kb: Knowledge) -> None:
    c = kb.ask(LAWSUIT, top_k=1).quotes[0].citation
    assert c.article_title.startswith("Microsoft Knows It Needs To Be")
    assert c.publisher.startswith("TechWeekEurope")
    assert c.published == "2016-04"
    assert c.url and c.url.endswith("-190089")
    assert c.passage_id == f"{c.article_slug}#{c.paragraph}"
    assert "April 2016" in c.label and f"paragraph {c.paragraph}" in c.label


@pytest.mark.parametrize(
    "question",
    ["What is the capital of Australia?", "What does the GDPR say about fines?", "Who won the 2018 World Cup?"],
)
def test_off_topic_question_is_refused_with_a_reason(kb: Knowledge, question: str) -> None:
    answer = kb.ask(question)
    assert not answer.answered
    assert answer.quotes == ()
    assert answer.reason


@pytest.mark.parametrize(
    "question", ["What are Google Cloud prices?", "How much does Amazon charge for cloud storage?"]
)
def test_other_cloud_providers_prices_are_refused(kb: Knowledge, question: str) -> None:
    assert not kb.ask(question).answered


def test_ecpa_age(kb: Knowledge) -> None:
    answer = kb.ask("How old is the ECPA?")
    assert answer.answered
    assert "30 years old" in answer.quotes[0].text
    assert paragraph_of(kb, answer) == 10


@pytest.mark.parametrize("top_k", [1, 2, 3, 5, 10])
def test_top_k_is_respected(kb: Knowledge, top_k: int) -> None:
    for question in (LAWSUIT, "Microsoft data customers cloud", "Privacy Shield"):
        answer = kb.ask(question, top_k=top_k)
        assert answer.answered
        assert 1 <= len(answer.quotes) <= top_k
    assert len(kb.ask("Microsoft data customers cloud", top_k=5).quotes) > 1


def test_quotes_are_distinct_passages(kb: Knowledge) -> None:
    ids = [q.citation.passage_id for q in kb.ask("Microsoft data customers cloud", top_k=10).quotes]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("question", ["the of and is", "?!?", "   ", "", "\x00\x01", "\U0001f600\U0001f680", "a b c"])
def test_question_without_searchable_words_is_not_answered(kb: Knowledge, question: str) -> None:
    answer = kb.ask(question)
    assert not answer.answered
    assert answer.quotes == ()
    assert answer.reason


@pytest.mark.parametrize(
    "question",
    [LAWSUIT, "How old is the ECPA?", "Privacy Shield", "Who is Ruediger Dorn?", "What are EU Model Clauses?",
     "fourth amendment", "14 lawful requests", "Microsoft data customers cloud"],
)
def test_scores_of_returned_quotes_are_positive(kb: Knowledge, question: str) -> None:
    answer = kb.ask(question, top_k=5)
    assert answer.answered
    assert all(q.score > 0 for q in answer.quotes)
    assert [q.score for q in answer.quotes] == [q.score for q in answer.quotes if q.score > 0]


@pytest.mark.parametrize("question", ["ECPA", "Electronic Communications Privacy Act", "What is the ECPA?",
                                      "What is the Electronic Communications Privacy Act?"])
def test_acronym_and_full_name_both_find_the_ecpa_paragraph(kb: Knowledge, question: str) -> None:
    answer = kb.ask(question, top_k=3)
    assert answer.answered
    assert answer.quotes[0].citation.paragraph == 10
    assert "ECPA" in answer.quotes[0].passage


def test_question_case_and_punctuation_do_not_matter(kb: Knowledge) -> None:
    a = kb.ask("how old is the ecpa")
    b = kb.ask("HOW OLD IS THE \u201cECPA\u201d???")
    assert [q.citation.passage_id for q in a.quotes] == [q.citation.passage_id for q in b.quotes]


def test_long_question_is_truncated_with_a_note(kb: Knowledge) -> None:
    answer = kb.ask(LAWSUIT + " padding" * 2000)
    assert len(answer.question) <= 1000
    assert any("cut" in n for n in answer.notes)


def test_coverage_sentence_names_the_article(kb: Knowledge) -> None:
    assert "Microsoft Knows It Needs To Be" in kb.coverage()


# --- snapshots --------------------------------------------------------------------------------------

NEW_ARTICLE = Article(
    slug="penguin-colonies",
    title="Penguin Colonies Of Antarctica",
    publisher="Example News",
    paragraphs=("Emperor penguins breed on the sea ice of Antarctica during the winter.",
                "A colony can hold thousands of emperor penguins huddling against the wind."),
    published="2020-01",
)


@pytest.fixture
def tmp_corpus(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, target)
    return target


async def test_reload_swaps_the_snapshot(tmp_corpus: Path) -> None:
    k = await Knowledge.open(tmp_corpus)
    old = k.snapshot
    assert not k.ask("Where do emperor penguins breed?").answered
    (tmp_corpus / "articles" / "penguin-colonies.md").write_text(render_article(NEW_ARTICLE), encoding="utf-8")
    assert k.changed_on_disk()
    # the old snapshot keeps answering until the swap
    assert k.snapshot is old
    new = await k.reload()
    assert k.snapshot is new and new is not old
    assert len(new.articles) == len(old.articles) + 1
    assert {p.article_slug for p in new.passages} >= {"penguin-colonies"}
    # the old snapshot is untouched (immutable): nothing of the new article in it
    assert all(p.article_slug != "penguin-colonies" for p in old.passages)
    answer = k.ask("Where do emperor penguins breed?")
    assert answer.answered
    assert answer.quotes[0].citation.article_slug == "penguin-colonies"
    assert not k.changed_on_disk()


async def test_concurrent_reloads_and_questions(tmp_corpus: Path) -> None:
    k = await Knowledge.open(tmp_corpus)
    (tmp_corpus / "articles" / "penguin-colonies.md").write_text(render_article(NEW_ARTICLE), encoding="utf-8")

    async def ask_many() -> list[bool]:
        out = []
        for _ in range(20):
            out.append(k.ask(LAWSUIT).answered)
            await asyncio.sleep(0)
        return out

    results = await asyncio.gather(k.reload(), k.reload(), ask_many())
    assert all(results[2])
    assert len(k.snapshot.articles) == 2


def test_a_refusal_names_the_words_the_corpus_lacks_for_curators(kb: Knowledge) -> None:
    refused = kb.ask("What is the capital of Australia?")
    assert not refused.answered and {"capital", "Australia"} <= set(refused.lacking)
    assert kb.ask("Why did Microsoft sue the US government?").lacking == ()


def test_the_generation_changes_when_the_corpus_does(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, corpus, ignore=shutil.ignore_patterns(".lock", ".cache"))
    kb = Knowledge.load(corpus)
    before = kb.generation
    assert len(before) == 12 and Knowledge.load(corpus).generation == before
    (article,) = (corpus / "articles").glob("*.md")
    article.write_text(article.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
    assert Knowledge.load(corpus).generation != before
