"""Replies and buttons every extension shares: the ephemeral reply that works in any interaction
state, and buttons that show themselves disabled when they expire and apologise when they fail."""

from __future__ import annotations

import logging

import discord

__all__ = ["APOLOGY", "ExpiringView", "send_ephemeral"]

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong. The error was logged; please try again."


async def send_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Answer `interaction` privately with `text`, whether or not it was acknowledged already."""
    text = text if len(text) <= 2000 else text[:1999] + "…"
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not send an ephemeral reply to interaction %s", interaction.id, exc_info=True)


class ExpiringView(discord.ui.View):
    """Buttons that show themselves disabled when they expire and apologise when they fail.

    Subclasses set `self.message` once the message carrying the view is sent.
    """

    def __init__(self, *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.message: discord.Message | discord.InteractionMessage | None = None

    async def on_timeout(self) -> None:
        """The buttons expire: show them disabled so nobody clicks into the void."""
        for item in self.children:
            button = item.item if isinstance(item, discord.ui.DynamicItem) else item
            if isinstance(button, discord.ui.Button):
                button.disabled = True
        message = self.message
        if message is None:
            return
        try:
            if isinstance(message, discord.InteractionMessage) and not message.flags.ephemeral:
                # The interaction token that sent it lasts 15 minutes; a click restarts the view's
                # timeout, so expiry can come later than that: edit with the bot's own token.
                await message.channel.get_partial_message(message.id).edit(view=self)
            else:
                await message.edit(view=self)
        except (discord.HTTPException, AttributeError):
            log.debug("could not disable the buttons of an expired %s", type(self).__name__, exc_info=True)

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
        log.error("error in %s button %s", type(self).__name__, getattr(item, "custom_id", item), exc_info=error)
        await send_ephemeral(interaction, APOLOGY)
