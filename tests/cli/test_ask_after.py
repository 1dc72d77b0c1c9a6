"""`python -m bot ask --after ...` and `eval` of a follow-up file, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.cli.test_main import ask_json, run


def test_ask_after_reads_the_follow_up_with_the_earlier_question() -> None:
    data = ask_json("And how old is that law?", "--after", "What is the ECPA?")
    assert data["answered"] and "Read with the earlier question about ECPA." in data["notes"]
    assert any("30 years old" in q["text"] for q in data["quotes"])
    proc = run("ask", "Why?", "--after", "What is Privacy Shield?", "--after", "Who criticised it?")
    assert proc.returncode == 0 and "note: Read with the earlier question about Privacy Shield" in proc.stdout


def test_ask_after_an_empty_question_is_a_usage_error() -> None:
    proc = run("ask", "And when?", "--after", "  ")
    assert proc.returncode == 2 and "--after needs an earlier question" in proc.stderr


def test_eval_of_a_follow_up_file_reports_with_and_without_context(tmp_path: Path) -> None:
    path = tmp_path / "followups.yaml"
    path.write_text(yaml.safe_dump({"questions": [
        {"after": ["Why did Microsoft sue the US government?"], "q": "Why?", "expect": ["filed its lawsuit"]},
        {"after": ["What is the ECPA?"], "q": "What is the capital of Australia?", "expect": []},
    ]}), encoding="utf-8")
    proc = run("eval", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "read after their earlier questions" in proc.stdout and "without context: Recall@1 0.000" in proc.stdout
    data = json.loads(run("eval", str(path), "--json").stdout)
    assert data["metrics"]["recall@3"] == 1.0 and data["metrics_without_context"]["recall@3"] == 0.0
    alone = run("eval", str(path), "--without-context")
    assert "read alone" in alone.stdout and "Recall@3  0.000" in alone.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"questions": [{"q": "Why?", "after": [3]}]}), encoding="utf-8")
    proc = run("eval", str(bad))
    assert proc.returncode == 1 and "'after'" in proc.stderr
