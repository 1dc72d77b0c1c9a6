"""Everyday words for the corpus's words: `corpus/synonyms.yaml`, groups of interchangeable words.

People ask in their own words ("firm", "sue", "American") while articles use others ("company",
"lawsuit", "US"). Each group is a set of equivalent words or phrases; a question word found in a
group brings the others into the search, and the relevance rule counts the concept as covered
when a passage holds any of them. Groups are curated: only true equivalents, never loose
associations, since every group also makes it easier to answer.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from bot.engine.text import STOPWORDS, tokenize
from bot.engine.yaml_files import YamlFileError, load_yaml_file

log = logging.getLogger(__name__)
_WORD_RE = re.compile(r"[^\W_]+")

SYNONYMS_FILE = "synonyms.yaml"


class SynonymsError(Exception):
    pass


def parse_synonyms(data: object, source: str = SYNONYMS_FILE) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Validate and tokenise: a mapping {groups: [[word, word, ...], ...]}."""
    if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
        raise SynonymsError(f"{source}: expected a mapping with a 'groups' list")
    groups: list[tuple[tuple[str, ...], ...]] = []
    for i, group in enumerate(data["groups"], start=1):
        if not isinstance(group, list) or len(group) < 2 or not all(
            isinstance(w, str | int) and not isinstance(w, bool) for w in group
        ):
            raise SynonymsError(f"{source}: group {i} must be a list of at least two words")
        alts: list[tuple[str, ...]] = []
        for word in map(str, group):
            toks = tuple(tokenize(word))
            if not toks:
                raise SynonymsError(f"{source}: group {i}: {word!r} has no searchable words")
            lost = [w for w in word.split() if _WORD_RE.search(w) and not tokenize(w) and w.lower() not in STOPWORDS]
            if lost:
                # "G Suite" would be searched as "suite", and join the group of "suit" (lawsuit)
                log.warning("%s: group %d: %r left out: %s cannot be searched", source, i, word, ", ".join(lost))
                continue
            if toks not in alts:
                alts.append(toks)
        if len(alts) >= 2:
            groups.append(tuple(alts))
    return tuple(groups)


def load_synonyms(corpus_dir: Path) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Groups from `<corpus_dir>/synonyms.yaml`; a missing file means none, a broken one is logged."""
    path = Path(corpus_dir) / SYNONYMS_FILE
    if not path.exists():
        return ()
    try:
        return parse_synonyms(load_yaml_file(path, path.name), path.name)
    except (YamlFileError, SynonymsError) as exc:
        log.error("ignoring %s: %s", path.name, exc)
        return ()
