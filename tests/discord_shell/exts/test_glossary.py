"""The glossary extension against the fake Discord, plus its pure embed builders."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from bot.corpus.articles import DEFAULT_CORPUS_DIR
from bot.corpus.knowledge import build_snapshot
from bot.discord_shell.embeds import embed_length
from bot.discord_shell.exts.glossary import PAGE_TERMS, entry_embed, list_pages, quote_field, unknown_embed
from bot.engine.glossary import GLOSSARY_FILE, Glossary, parse_glossary
from tests.discord_shell.helpers import button_ids, buttons_live, is_ephemeral, plain, visible_text

ECPA_PASSAGE = "by taking advantage of the Electronic Communications Privacy Act (ECPA)"


async def test_member_types_pri_picks_privacy_shield_and_reads_the_entry(fake, run_bot):
    await run_bot()
    cmd = fake.find_command("glossary")
    assert any(o["name"] == "term" and o.get("autocomplete") for o in cmd["options"])

    typing = await fake.dispatch_autocomplete("glossary", {"term": "pri"}, focused="term")
    offered = (await fake.wait_for_reply(typing))["choices"]
    assert 1 <= len(offered) <= 25
    assert offered[0] == {"name": "Privacy Shield", "value": "Privacy Shield"}

    picked = await fake.dispatch_slash("glossary", {"term": offered[0]["value"]})
    reply = await fake.wait_for_reply(picked)
    assert not is_ephemeral(reply)
    embed = reply["embeds"][0]
    assert embed["title"] == "Privacy Shield"
    text = plain(visible_text(reply))
    assert "replaced Safe Harbour" in text  # our definition
    assert "Privacy Shield" in plain(embed["fields"][0]["value"])  # the article's words
    assert "paragraph" in embed["fields"][0]["value"]
    assert any(f["name"] == "Related terms" and "Safe Harbour" in f["value"] for f in embed["fields"])


async def test_slash_glossary_ecpa_quotes_the_articles_ecpa_passage(fake, run_bot):
    await run_bot()
    inter = await fake.dispatch_slash("glossary", {"term": "ECPA"})
    reply = await fake.wait_for_reply(inter)
    embed = reply["embeds"][0]
    assert embed["title"] == "Electronic Communications Privacy Act"
    assert "United States federal law from 1986" in embed["description"]
    quotes = [f for f in embed["fields"] if f["name"].startswith(("1.", "2."))]
    assert 1 <= len(quotes) <= 2
    first = plain(quotes[0]["value"])
    assert ECPA_PASSAGE in first
    assert "paragraph 10" in first and "TechWeekEurope" in first


async def test_typo_shows_the_entry_and_says_so(fake, run_bot):
    await run_bot()
    inter = await fake.dispatch_slash("glossary", {"term": "privcy shield"})
    reply = await fake.wait_for_reply(inter)
    assert reply["embeds"][0]["title"] == "Privacy Shield"
    assert "Showing Privacy Shield for" in reply["embeds"][0]["author"]["name"]


async def test_unknown_term_gets_ephemeral_suggestions(fake, run_bot):
    await run_bot()
    inter = await fake.dispatch_slash("glossary", {"term": "shield"})
    reply = await fake.wait_for_reply(inter)
    assert is_ephemeral(reply)
    text = plain(visible_text(reply))
    assert "not in the glossary" in text and "Did you mean: Privacy Shield" in text


async def test_unrelated_word_is_told_nothing_is_close_and_pointed_to_the_list(fake, run_bot):
    await run_bot()
    inter = await fake.dispatch_slash("glossary", {"term": "banana bread"})
    text = plain(visible_text(await fake.wait_for_reply(inter)))
    assert "No glossary term is close to it." in text and "Did you mean" not in text
    assert "`/glossary` without a term" in text


async def test_glossary_without_term_lists_all_terms(fake, run_bot):
    await run_bot()
    inter = await fake.dispatch_slash("glossary", {})
    reply = await fake.wait_for_reply(inter)
    text = plain(visible_text(reply))
    assert "Glossary (20 terms)" in text
    for term in ("Privacy Shield", "Safe Harbour", "Article 29 Working Party", "European Economic Area"):
        assert term in text
    assert "glossary:next" not in button_ids(reply)  # one page is enough


async def test_long_glossary_list_is_paginated(fake, run_bot, tmp_path: Path):
    corpus = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, corpus)
    data = yaml.safe_load((corpus / GLOSSARY_FILE).read_text("utf-8"))
    data["terms"] += [{"term": f"Extra term {i:02d}", "definition": "Padding."} for i in range(40)]
    (corpus / GLOSSARY_FILE).write_text(yaml.safe_dump(data), encoding="utf-8")
    bot = await run_bot(corpus_dir=str(corpus))
    inter = await fake.dispatch_slash("glossary", {})
    first = await buttons_live(bot, await fake.wait_for_reply(inter))
    assert "Page 1 of 3" in first["embeds"][0]["footer"]["text"]
    first_page = visible_text(first)
    turned = await fake.click_button(first, "glossary:next", user=fake.bob)
    page2 = await fake.wait_for_reply(turned)
    assert page2["id"] == first["id"]
    assert "Page 2 of 3" in page2["embeds"][0]["footer"]["text"]
    assert visible_text(page2) != first_page


async def test_autocomplete_with_empty_input_offers_terms(fake, run_bot):
    await run_bot()
    inter = await fake.dispatch_autocomplete("glossary", {"term": ""}, focused="term")
    offered = (await fake.wait_for_reply(inter))["choices"]
    assert len(offered) == 20 and offered[0]["value"] == "Article 29 Working Party"


# --- pure builders --------------------------------------------------------------------------------


def _bound() -> Glossary:
    glossary = build_snapshot(DEFAULT_CORPUS_DIR).glossary
    assert isinstance(glossary, Glossary)
    return glossary


def test_every_entry_embed_fits_discord_limits():
    glossary = _bound()
    for entry in glossary:
        data = entry_embed(glossary.explain(entry)).to_dict()
        assert embed_length(data) <= 6000
        assert len(data["title"]) <= 256 and len(data["description"]) <= 4096
        assert len(data["fields"]) <= 25
        for f in data["fields"]:
            assert 1 <= len(f["name"]) <= 256 and 1 <= len(f["value"]) <= 1024


def test_quote_field_keeps_the_citation_when_the_quote_is_trimmed():
    glossary = _bound()
    entry = glossary.get("Privacy Shield")
    assert entry is not None
    quote = glossary.quotes(entry)[0]
    long = quote.__class__(**{**quote.__dict__, "marked": "**word** " * 400, "text": "word " * 400})
    name, value = quote_field(long, 1)
    assert len(value) <= 1024 and value.rstrip(")").endswith(quote.citation.url or "")
    assert quote.citation.label in value


def test_unknown_embed_shows_the_best_passage():
    match = _bound().lookup("snooping")
    data = unknown_embed(match).to_dict()
    assert "snoop" in data["fields"][0]["value"].lower()
    assert "paragraph" in data["fields"][0]["value"]


def test_list_pages_split_by_count():
    glossary = parse_glossary({"terms": [{"term": f"T{i:03d}", "definition": "D."} for i in range(60)]})
    pages = list_pages(glossary)
    assert len(pages) == 3
    assert all(p.count("\n") + 1 <= PAGE_TERMS and len(p) <= 4000 for p in pages)
