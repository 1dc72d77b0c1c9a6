"""`python -m bot ask` and `python -m bot eval` as a user runs them (subprocesses)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.corpus.articles import DEFAULT_CORPUS_DIR
from tests.paths import ROOT

LAWSUIT = "Why did Microsoft sue the US government?"
QUOTE_KEYS = {"text", "passage", "passage_id", "article_slug", "article_title", "paragraph", "score", "url"}


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def ask_json(*args: str) -> dict:
    proc = run("ask", "--json", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def tmp_corpus(tmp_path: Path) -> Path:
    target = tmp_path / "my corpus"  # a space in the path on purpose
    shutil.copytree(DEFAULT_CORPUS_DIR, target)
    return target


def test_ask_prints_a_quote_and_its_citation() -> None:
    proc = run("ask", LAWSUIT)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "[1]" in out and "\u201c" in out
    assert "sued the United States government" in out.replace("\n    ", " ")
    assert "TechWeekEurope" in out and "April 2016" in out and "paragraph " in out
    assert "https://www.silicon.co.uk/" in out
    assert "**" not in out  # Markdown bold is not shown raw in the terminal
    assert proc.stderr == ""


def test_ask_off_topic_says_the_corpus_does_not_cover_it() -> None:
    proc = run("ask", "What is the capital of Australia?")
    assert proc.returncode == 0
    assert "does not answer" in proc.stdout
    assert "[1]" not in proc.stdout


def test_ask_json_carries_the_answer_fields() -> None:
    data = ask_json(LAWSUIT)
    assert data["question"] == LAWSUIT
    assert data["answered"] is True
    assert data["quotes"]
    for quote in data["quotes"]:
        assert QUOTE_KEYS <= set(quote)
        assert isinstance(quote["text"], str) and quote["text"] in quote["passage"]
        assert quote["passage_id"].startswith(f"{quote['article_slug']}#")
        assert isinstance(quote["paragraph"], int) and quote["paragraph"] >= 1
        assert isinstance(quote["score"], (int, float)) and quote["score"] > 0
        assert quote["article_title"].startswith("Microsoft Knows It")
        assert quote["url"].startswith("https://")
    assert any(q["paragraph"] in (3, 4) for q in data["quotes"])


def test_ask_json_unanswered() -> None:
    data = ask_json("What is the capital of Australia?")
    assert data["answered"] is False
    assert data["quotes"] == []
    assert data["reason"]


def test_ask_question_in_several_words_is_joined() -> None:
    assert ask_json("How", "old", "is", "the", "ECPA?")["question"] == "How old is the ECPA?"


@pytest.mark.parametrize("question", ["", "   ", "\t\n"])
def test_empty_question_is_a_usage_error(question: str) -> None:
    proc = run("ask", question)
    assert proc.returncode == 2
    assert "usage" in proc.stderr.lower()
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_missing_question_is_a_usage_error() -> None:
    proc = run("ask")
    assert proc.returncode == 2
    assert "usage" in proc.stderr.lower()


@pytest.mark.parametrize("top_k", ["1", "2", "5"])
def test_top_k(top_k: str) -> None:
    data = ask_json("--top-k", top_k, "Microsoft data customers cloud")
    assert 1 <= len(data["quotes"]) <= int(top_k)


@pytest.mark.parametrize("top_k", ["0", "-1", "many"])
def test_bad_top_k_is_a_usage_error(top_k: str) -> None:
    proc = run("ask", "--top-k", top_k, LAWSUIT)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_corpus_option_uses_another_directory(tmp_corpus: Path) -> None:
    data = ask_json("--corpus", str(tmp_corpus), LAWSUIT)
    assert data["answered"]


def test_corpus_option_relative_to_the_working_directory(tmp_corpus: Path) -> None:
    proc = run("ask", "--json", "--corpus", tmp_corpus.name, LAWSUIT, cwd=tmp_corpus.parent)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["answered"]


def test_missing_corpus_dir_is_a_clear_one_line_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    proc = run("ask", "--corpus", str(missing), LAWSUIT)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:") and str(missing) in lines[0]
    assert proc.stdout == ""


def test_broken_article_is_skipped_with_a_warning_naming_it(tmp_corpus: Path) -> None:
    (tmp_corpus / "articles" / "broken-one.md").write_text("no front matter here\n", encoding="utf-8")
    proc = run("ask", "--json", "--corpus", str(tmp_corpus), LAWSUIT)
    assert proc.returncode == 0, proc.stderr
    assert "broken-one.md" in proc.stderr and "warning" in proc.stderr.lower()
    assert "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["answered"]


def test_broken_article_warning_is_printed_once_and_names_the_line(tmp_corpus: Path) -> None:
    broken = '---\ntitle: "Unclosed quote\npublisher: P\n---\nText.\n'
    (tmp_corpus / "articles" / "broken-one.md").write_text(broken, encoding="utf-8")
    for command in (("ask", "--corpus", str(tmp_corpus), LAWSUIT), ("list", "--corpus", str(tmp_corpus))):
        proc = run(*command)
        assert proc.returncode == 0, proc.stderr
        warnings = [line for line in proc.stderr.splitlines() if "broken-one.md" in line]
        assert len(warnings) == 1, proc.stderr
        assert "line 2" in warnings[0] and "not valid YAML" in warnings[0], warnings


def write_questions(path: Path) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "questions": [
                    {"q": "How old is the ECPA?", "expect": ["The ECPA is 30 years old"]},
                    {"q": LAWSUIT, "expect": ["sued the United States government", "filed its lawsuit"]},
                    {"q": "What is the capital of Australia?", "expect": []},
                ]
            }
        ),
        encoding="utf-8",
    )
    return path


def test_eval_json_on_a_tiny_question_file(tmp_path: Path) -> None:
    proc = run("eval", "--json", str(write_questions(tmp_path / "q.yaml")))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    m = data["metrics"]
    assert m["answerable"] == 2 and m["unanswerable"] == 1
    assert m["recall@1"] == 1.0 and m["recall@5"] == 1.0 and m["mrr@5"] == 1.0
    assert m["refused_unanswerable"] == 1 and m["wrongly_refused"] == 0
    assert [r["rank"] for r in data["questions"]] == [1, 1, None]
    assert [r["answered"] for r in data["questions"]] == [True, True, False]


def test_eval_text_output(tmp_path: Path) -> None:
    proc = run("eval", str(write_questions(tmp_path / "q.yaml")))
    assert proc.returncode == 0, proc.stderr
    for label in ("Recall@1", "Recall@3", "Recall@5", "MRR@5", "unanswerable refused", "wrongly refused"):
        assert label in proc.stdout


def test_eval_with_corpus_option(tmp_path: Path, tmp_corpus: Path) -> None:
    proc = run("eval", "--json", "--corpus", str(tmp_corpus), str(write_questions(tmp_path / "q.yaml")))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["metrics"]["recall@1"] == 1.0


@pytest.mark.parametrize("content", ["questions: [", "just: a mapping", "questions:\n  - expect: [x]\n"])
def test_eval_bad_question_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    proc = run("eval", str(path))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "bad.yaml" in proc.stderr


def test_eval_missing_question_file(tmp_path: Path) -> None:
    proc = run("eval", str(tmp_path / "none.yaml"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "none.yaml" in proc.stderr
