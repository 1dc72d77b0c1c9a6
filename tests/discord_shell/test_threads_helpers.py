"""The thread helpers without Discord: names, forum questions, the bounded memory, logging once."""

from __future__ import annotations

import logging

import pytest

from bot.discord_shell.config import ConfigError, config_from_mapping
from bot.discord_shell.persistent import AnswerRecord, AnswerStore
from bot.discord_shell.threads import LogOnce, ThreadMemory, forum_question, thread_name


def test_thread_name_is_one_line_within_100_characters() -> None:
    assert thread_name("  Why did\nMicrosoft sue?  ") == "Why did Microsoft sue?"
    long = "word " * 60
    name = thread_name(long)
    assert len(name) <= 100 and name.endswith("…") and not name.endswith(" …")
    assert len(thread_name("x" * 500)) == 100
    assert thread_name("") == "Question"


def test_forum_question_joins_title_and_first_message() -> None:
    assert forum_question("Microsoft lawsuit", "why did they sue?") == "Microsoft lawsuit. why did they sue?"
    assert forum_question("Why did Microsoft sue?", "I read about it") == "Why did Microsoft sue? I read about it"
    assert forum_question("How old is the ECPA?", "") == "How old is the ECPA?"
    assert forum_question("Same", "same") == "Same"


def test_thread_memory_keeps_the_last_questions_of_the_last_threads() -> None:
    memory = ThreadMemory(questions=3, threads=2)
    for i in range(5):
        memory.remember(1, f"q{i}")
    assert memory.earlier(1) == ("q2", "q3", "q4")
    memory.remember(2, "a")
    memory.remember(1, "q5")  # thread 1 is used again: thread 2 is now the oldest
    memory.remember(3, "b")
    assert 2 not in memory and memory.earlier(2) == ()
    assert len(memory) == 2 and memory.earlier(3) == ("b",)


def test_log_once_says_a_thing_once_per_key(caplog: pytest.LogCaptureFixture) -> None:
    once = LogOnce(logging.getLogger("test.once"))
    with caplog.at_level(logging.WARNING):
        assert once.warning("a", "no threads in %s", "general")
        assert not once.warning("a", "no threads in %s", "general")
        assert once.warning("b", "no threads in %s", "other")
    assert [r.getMessage() for r in caplog.records] == ["no threads in general", "no threads in other"]


def test_config_thread_and_forum_keys() -> None:
    config = config_from_mapping({}, environ={})
    assert config.reply_in_thread == "answer_channels" and config.forum_unanswered_tag == "needs-human"
    assert not config.wants_message_content
    assert config_from_mapping({"forum_channel_ids": [5]}, environ={}).wants_message_content
    assert config_from_mapping({"reply_in_thread": "ALWAYS"}, environ={}).wants_message_content
    assert config_from_mapping({"forum_unanswered_tag": None}, environ={}).forum_unanswered_tag is None
    with pytest.raises(ConfigError, match="reply_in_thread"):
        config_from_mapping({"reply_in_thread": "sometimes"}, environ={})
    with pytest.raises(ConfigError, match="forum_unanswered_tag"):
        config_from_mapping({"forum_unanswered_tag": "x" * 21}, environ={})
    with pytest.raises(ConfigError, match="forum_channel_ids"):
        config_from_mapping({"forum_channel_ids": "123"}, environ={})


def test_answer_record_keeps_a_follow_ups_earlier_questions(tmp_path) -> None:
    store = AnswerStore(tmp_path)
    record = AnswerRecord("0123456789ab", "And how old is that law?", 7, (("a#1",),), ("What is the ECPA?",))
    store.save(record)
    assert store.load(record.key) == record
    plain = AnswerRecord("0123456789ac", "Why?", 7, (("a#1",),))
    assert "after" not in plain.to_json(), "records without follow-ups are written as before"
    store.save(plain)
    assert store.load(plain.key) == plain
