"""Where the test data lives, in one place (see tests/data/README.md)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
#: Question sets for the bundled seed article (dev, tuning pool, unseen).
SEED_SETS = DATA / "seed"
#: The multi-article development corpus and its question sets.
MULTI = DATA / "multi"
MULTI_ARTICLES = MULTI / "articles"
#: Twelve more articles and set D, written blind to the engine.
MULTI_D = DATA / "multi_d"
MULTI_D_ARTICLES = MULTI_D / "articles"
#: Twelve more articles and set E, written blind to the engine by another helper.
MULTI_E = DATA / "multi_e"
MULTI_E_ARTICLES = MULTI_E / "articles"
#: Twelve more articles and set F, written blind to the engine by a third helper.
MULTI_F = DATA / "multi_f"
MULTI_F_ARTICLES = MULTI_F / "articles"
#: Twelve more articles and set G, written blind to the engine by a fourth helper.
MULTI_G = DATA / "multi_g"
MULTI_G_ARTICLES = MULTI_G / "articles"
#: The seed article as scraped, in the workplace's shared folder (not in the repository).
SHARED_SEED = ROOT.parent / "shared" / "seed-article.txt"
#: For the few tests that re-ingest the scraped seed article: it is not part of the repository
#: (it sits in the team's shared folder next to the clone), so elsewhere they skip and say why.
needs_shared_seed = pytest.mark.skipif(
    not SHARED_SEED.is_file(),
    reason=(
        f"needs the scraped seed article at {SHARED_SEED}, which is not part of this repository "
        "(it lives in the shared folder next to the clone); the rest of the suite does not need it"
    ),
)
