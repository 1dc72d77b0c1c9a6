"""A fake Discord (REST API v10 + gateway) for testing the real discord.py bot on 127.0.0.1."""

from .server import FakeDiscord, FakeInteraction, FakeUser, Recorded

__all__ = ["FakeDiscord", "FakeInteraction", "FakeUser", "Recorded"]
