"""Discord extensions: one module per feature (ask, meta, glossary, corpus, ...).

`Bot.setup_hook` loads every public module of this package (`extension_names()`), so a new
feature is a new file here with an `async def setup(bot)`; nothing else needs editing. The small
pieces the extensions share live beside this package: `bot.discord_shell.checks` (question check,
cooldown, admin rule) and `bot.discord_shell.views` (buttons, ephemeral replies).
"""

from __future__ import annotations

import pkgutil

__all__ = ["extension_names"]


def extension_names() -> list[str]:
    """Dotted names of all feature modules in this package (private `_modules` are skipped)."""
    return sorted(
        f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")
    )
