"""The suite runs from a fresh clone anywhere: data outside the repository is optional and named."""

from __future__ import annotations

from tests.paths import ROOT, SHARED_SEED, needs_shared_seed


def test_no_test_hardcodes_the_shared_folder():
    offenders = [
        str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("*.py")
        if p.name != "test_paths.py" and "/work/shared" in p.read_text(encoding="utf-8")
    ]
    assert offenders == [], "use tests.paths.SHARED_SEED and needs_shared_seed"


def test_the_skip_reason_says_what_is_missing_and_that_the_rest_runs():
    reason = needs_shared_seed.kwargs["reason"]
    assert str(SHARED_SEED) in reason and "not part of this repository" in reason
