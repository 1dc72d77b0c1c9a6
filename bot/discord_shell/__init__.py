"""The Discord shell: the `Bot` client, its config, `Answer` -> embeds, and one extension per
feature under `exts/`. It translates between Discord and the core and holds no business rules."""
