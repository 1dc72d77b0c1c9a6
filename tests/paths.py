"""Where the test data lives, in one place (see tests/data/README.md)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
#: Question sets for the bundled seed article (dev, tuning pool, unseen).
SEED_SETS = DATA / "seed"
#: The multi-article development corpus and its question sets.
MULTI = DATA / "multi"
MULTI_ARTICLES = MULTI / "articles"
#: The seed article as scraped, in the workplace's shared folder (not in the repository).
SHARED_SEED = ROOT.parent / "shared" / "seed-article.txt"
