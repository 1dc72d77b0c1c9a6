"""/sources (what the bot can quote) and /help (how to use it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_shell.checks import UserCooldown
from bot.discord_shell.embeds import help_embed, sources_embeds

if TYPE_CHECKING:
    from bot.discord_shell.client import Bot


class Meta(commands.Cog):
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @app_commands.command(name="sources", description="List the articles I can quote, with publisher, date and link")
    async def sources(self, interaction: discord.Interaction) -> None:
        sources = self.bot.knowledge.sources()  # reads the in-memory snapshot: no I/O
        await interaction.response.send_message(embeds=sources_embeds(sources))

    @app_commands.command(name="help", description="How to ask me questions and what the answers mean")
    async def help(self, interaction: discord.Interaction) -> None:
        config = self.bot.config
        cooldown = UserCooldown(config.cooldown_questions, config.cooldown_seconds).describe()
        threads = config.reply_in_thread == "always" or (
            config.reply_in_thread == "answer_channels" and bool(config.answer_channel_ids))
        embed = help_embed(top_k=config.top_k, answer_channels=bool(config.answer_channel_ids), cooldown=cooldown,
                           threads=threads, forums=bool(config.forum_channel_ids))
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: Bot) -> None:
    await bot.add_cog(Meta(bot))
