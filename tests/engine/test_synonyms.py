"""The synonyms file: groups of equivalents, each searchable as written."""

from __future__ import annotations

import logging

import pytest

from bot.engine.synonyms import SynonymsError, parse_synonyms
from bot.engine.text import tokenize


def test_groups_are_tokenised_like_passages() -> None:
    groups = parse_synonyms({"groups": [["data centre", "datacenter"], ["U.S.", "United States"]]})
    assert groups == (
        (tuple(tokenize("data centre")), tuple(tokenize("datacenter"))),
        (tuple(tokenize("U.S.")), tuple(tokenize("United States"))),
    )


def test_an_equivalent_that_loses_a_word_is_left_out_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    """'G Suite' would be searched as 'suite' (one letter is no word), so a question about Google
    Workspace would be read as one about lawsuits once the groups are merged."""
    with caplog.at_level(logging.WARNING):
        groups = parse_synonyms({"groups": [["Google Workspace", "G Suite", "Workspace"], ["suit", "lawsuit"]]})
    assert groups == ((tuple(tokenize("Google Workspace")), ("workspac",)), (("suit",), ("lawsuit",)))
    assert "'G Suite' left out" in caplog.text


def test_a_group_of_one_word_is_an_error() -> None:
    with pytest.raises(SynonymsError, match="group 1"):
        parse_synonyms({"groups": [["alone"]]})
