"""The corpus on disk and its ingestion: article files, sources turned into articles, the token
cache, and `Knowledge`, the live, atomically swapped snapshot the shells talk to.

Imports only from `bot.engine`; never from the shells.
"""
