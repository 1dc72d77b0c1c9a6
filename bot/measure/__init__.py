"""Measuring the engine: retrieval metrics on question files (`evaluate`), choosing the
constants (`tune`) and timing it (`bench`). Uses the engine and the corpus; no Discord."""
