"""Buttons survive a restart: a new bot on the same corpus and data answers clicks on old messages."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import yaml

from bot.corpus.articles import DEFAULT_CORPUS_DIR
from bot.discord_shell.persistent import AnswerRecord, AnswerStore
from bot.engine.glossary import GLOSSARY_FILE
from tests.discord_shell.helpers import LAWSUIT_QUESTION, button_ids, full_button_ids, is_ephemeral, visible_text


def _copy_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, corpus, ignore=shutil.ignore_patterns(".lock", ".cache"))
    return corpus


async def _restart(bot, run_bot, **config):
    await bot.close()
    return await run_bot(**config)


def _followup_text(fake, inter) -> str:
    return " ".join(fake.messages[i]["content"] for i in inter.followup_ids)


async def test_answer_buttons_work_after_a_restart(fake, run_bot):
    bot = await run_bot()
    inter = await fake.dispatch_slash("ask", {"question": LAWSUIT_QUESTION})
    answer = await fake.wait_for_reply(inter)
    assert "ask:more" in button_ids(answer)
    assert all(len(i) <= 100 for i in full_button_ids(answer))
    first_page = visible_text(answer)
    await _restart(bot, run_bot)

    refused = await fake.click_button(answer, "ask:more", user=fake.bob)
    note = await fake.wait_for_reply(refused)
    assert is_ephemeral(note) and "Only the person who asked" in note["content"]

    turned = await fake.click_button(answer, "ask:more", user=fake.alice)
    page2 = await fake.wait_for_reply(turned)
    assert page2["id"] == answer["id"] and visible_text(page2) != first_page
    assert "Sources 4–" in page2["embeds"][0]["author"]["name"]
    back = await fake.click_button(page2, "ask:prev", user=fake.alice)
    assert visible_text(await fake.wait_for_reply(back)) == first_page


async def test_votes_after_a_restart_are_stored_and_linked_to_their_question(fake, run_bot):
    bot = await run_bot()
    mid = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
    answer = await fake.wait_for_reply(mid)
    shown = [e["footer"]["text"] for e in answer["embeds"]]
    bot = await _restart(bot, run_bot)
    up = await fake.click_button(answer, "ask:vote:up", user=fake.bob)
    assert "Thanks" in (await fake.wait_for_reply(up))["content"]
    conn = sqlite3.connect(bot.config.history_path)
    try:
        (row,) = conn.execute(
            "SELECT q.question, v.vote, v.passage_ids FROM votes v JOIN questions q ON q.id = v.question_id"
        ).fetchall()
    finally:
        conn.close()
    assert row[0] == LAWSUIT_QUESTION and row[1] == "up"
    assert len(json.loads(row[2])) == len(shown)


async def test_a_forgotten_answer_expires_politely_and_disables_its_buttons(fake, run_bot, tmp_path):
    bot = await run_bot()
    inter = await fake.dispatch_slash("ask", {"question": LAWSUIT_QUESTION})
    answer = await fake.wait_for_reply(inter)
    await bot.close()
    for record in (tmp_path / "data" / "answers").glob("*.json"):
        record.unlink()
    await run_bot()
    click = await fake.click_button(answer, "ask:more", user=fake.alice)
    updated = await fake.wait_for_reply(click)
    assert all(b.get("disabled") for b in fake.buttons(int(updated["id"])))
    await fake.wait_for(lambda: click.followup_ids)
    assert "expired" in _followup_text(fake, click) and "ask again" in _followup_text(fake, click)


async def test_an_answer_whose_passages_left_the_corpus_expires(fake, run_bot, tmp_path):
    corpus = _copy_corpus(tmp_path)
    bot = await run_bot(corpus_dir=str(corpus))
    inter = await fake.dispatch_slash("ask", {"question": LAWSUIT_QUESTION})
    answer = await fake.wait_for_reply(inter)
    await bot.close()
    (article,) = (corpus / "articles").glob("*.md")
    text = article.read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    article.write_text(head + "\n---\n" + body.split("\n\n")[0] + "\n", encoding="utf-8")  # one paragraph left
    await run_bot(corpus_dir=str(corpus))
    click = await fake.click_button(answer, "ask:more", user=fake.alice)
    await fake.wait_for(lambda: click.followup_ids)
    assert "expired" in _followup_text(fake, click)
    assert all(b.get("disabled") for b in fake.buttons(int(answer["id"])))


async def test_a_damaged_answer_record_is_not_trusted(tmp_path):
    store = AnswerStore(tmp_path)
    record = AnswerRecord("0123456789ab", "Why?", 42, (("a#1", "a#2"),))
    store.save(record)
    assert store.load(record.key) == record
    path = store.path_for(record.key)
    path.write_text(path.read_text(encoding="utf-8").replace("Why?", "How?"), encoding="utf-8")
    assert store.load(record.key) is None
    assert store.load("../../etc/passwd") is None


async def test_glossary_paging_works_after_a_restart(fake, run_bot, tmp_path):
    corpus = _copy_corpus(tmp_path)
    data = yaml.safe_load((corpus / GLOSSARY_FILE).read_text("utf-8"))
    data["terms"] += [{"term": f"Extra term {i:02d}", "definition": "Padding."} for i in range(40)]
    (corpus / GLOSSARY_FILE).write_text(yaml.safe_dump(data), encoding="utf-8")
    bot = await run_bot(corpus_dir=str(corpus))
    inter = await fake.dispatch_slash("glossary", {})
    first = await fake.wait_for_reply(inter)
    await _restart(bot, run_bot, corpus_dir=str(corpus))
    turned = await fake.click_button(first, "glossary:next", user=fake.bob)
    page2 = await fake.wait_for_reply(turned)
    assert "Page 2 of 3" in page2["embeds"][0]["footer"]["text"]
    last = await fake.click_button(page2, "glossary:next", user=fake.alice)
    page3 = await fake.wait_for_reply(last)
    assert "Page 3 of 3" in page3["embeds"][0]["footer"]["text"]
    assert [b.get("disabled", False) for b in fake.buttons(int(page3["id"]))] == [False, True]


async def test_buttons_from_before_the_upgrade_expire_politely(fake, run_bot):
    bot = await run_bot()
    mid = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
    answer = await fake.wait_for_reply(mid)
    await bot.close()
    for row in fake.messages[int(answer["id"])]["components"]:  # the old, state-less custom_ids
        for button in row["components"]:
            button["custom_id"] = ":".join(button["custom_id"].split(":")[:-2])
    await run_bot()
    click = await fake.click_button(answer, "ask:vote:up", user=fake.bob)
    await fake.wait_for(lambda: click.followup_ids)
    assert "expired" in _followup_text(fake, click)


async def test_a_failing_click_gets_an_apology_not_a_dead_button(fake, run_bot, monkeypatch):
    bot = await run_bot()
    inter = await fake.dispatch_slash("ask", {"question": LAWSUIT_QUESTION})
    answer = await fake.wait_for_reply(inter)

    async def broken(record):
        raise RuntimeError("the corpus fell over")

    monkeypatch.setattr(bot.get_cog("Ask").buttons, "reply_for", broken)
    click = await fake.click_button(answer, "ask:more", user=fake.alice)
    note = await fake.wait_for_reply(click)
    assert is_ephemeral(note) and "Sorry, something went wrong" in note["content"]
