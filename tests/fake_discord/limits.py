"""Discord's documented limits, as pure checks returning a list of human-readable violations.

Used by the fake server on every request; also handy on their own in unit tests.
"""

from __future__ import annotations

import re
from typing import Any

CONTENT = 2000
EMBEDS = 10
TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR = 256
EMBED_TOTAL = 6000
CHOICES = 25
CHOICE_TEXT = 100
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
COMMAND_DESCRIPTION = 100
OPTIONS = 25
ACTION_ROWS = 5
ROW_BUTTONS = 5
CUSTOM_ID = 100
BUTTON_LABEL = 80
ACK_SECONDS = 3.0
EPHEMERAL = 1 << 6


def _len(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def embed_total(embed: dict[str, Any]) -> int:
    n = _len(embed.get("title")) + _len(embed.get("description"))
    n += _len((embed.get("footer") or {}).get("text")) + _len((embed.get("author") or {}).get("name"))
    for f in embed.get("fields") or []:
        n += _len(f.get("name")) + _len(f.get("value"))
    return n


def check_embeds(embeds: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(embeds) > EMBEDS:
        problems.append(f"{len(embeds)} embeds in one message (limit {EMBEDS})")
    total = 0
    for i, e in enumerate(embeds):
        where = f"embed {i}"
        for key, limit in (("title", TITLE), ("description", DESCRIPTION)):
            if _len(e.get(key)) > limit:
                problems.append(f"{where} {key} has {_len(e.get(key))} chars (limit {limit})")
        footer = (e.get("footer") or {}).get("text")
        if _len(footer) > FOOTER:
            problems.append(f"{where} footer has {_len(footer)} chars (limit {FOOTER})")
        author = (e.get("author") or {}).get("name")
        if _len(author) > AUTHOR:
            problems.append(f"{where} author name has {_len(author)} chars (limit {AUTHOR})")
        fields = e.get("fields") or []
        if len(fields) > FIELDS:
            problems.append(f"{where} has {len(fields)} fields (limit {FIELDS})")
        for j, f in enumerate(fields):
            name, value = f.get("name"), f.get("value")
            if not name or _len(name) > FIELD_NAME:
                problems.append(f"{where} field {j} name has {_len(name)} chars (1-{FIELD_NAME})")
            if not value or _len(value) > FIELD_VALUE:
                problems.append(f"{where} field {j} value has {_len(value)} chars (1-{FIELD_VALUE})")
        url = e.get("url")
        if url is not None and not str(url).startswith(("http://", "https://")):
            problems.append(f"{where} url {url!r} is not http(s)")
        total += embed_total(e)
    if total > EMBED_TOTAL:
        problems.append(f"embeds hold {total} chars in total (limit {EMBED_TOTAL})")
    return problems


def check_components(rows: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(rows) > ACTION_ROWS:
        problems.append(f"{len(rows)} action rows (limit {ACTION_ROWS})")
    seen: set[str] = set()
    for i, row in enumerate(rows):
        if row.get("type") != 1:
            problems.append(f"top-level component {i} is type {row.get('type')}, not an action row")
            continue
        items = row.get("components") or []
        if not items:
            problems.append(f"action row {i} is empty")
        buttons = [c for c in items if c.get("type") == 2]
        selects = [c for c in items if c.get("type") in (3, 5, 6, 7, 8)]
        if len(buttons) > ROW_BUTTONS:
            problems.append(f"action row {i} has {len(buttons)} buttons (limit {ROW_BUTTONS})")
        if selects and (len(items) > 1):
            problems.append(f"action row {i} mixes a select menu with other components")
        for c in items:
            cid = c.get("custom_id")
            if c.get("type") == 2 and c.get("style") == 5:
                if not c.get("url"):
                    problems.append(f"link button in row {i} has no url")
                if cid:
                    problems.append(f"link button in row {i} has a custom_id")
            else:
                if not cid or len(cid) > CUSTOM_ID:
                    problems.append(f"component in row {i} has custom_id of {_len(cid)} chars (1-{CUSTOM_ID})")
                elif cid in seen:
                    problems.append(f"duplicate custom_id {cid!r}")
                else:
                    seen.add(cid)
            if c.get("type") == 2:
                if not c.get("label") and not c.get("emoji"):
                    problems.append(f"button {cid!r} has neither label nor emoji")
                if _len(c.get("label")) > BUTTON_LABEL:
                    problems.append(f"button {cid!r} label has {_len(c.get('label'))} chars (limit {BUTTON_LABEL})")
    return problems


def check_allowed_mentions(payload: dict[str, Any], *, required: bool) -> list[str]:
    """Every send must carry allowed_mentions that allow nothing (so no quoted text can ping)."""
    am = payload.get("allowed_mentions")
    if am is None:
        return ["message sent without allowed_mentions"] if required else []
    problems = []
    if am.get("parse") != []:
        problems.append(f"allowed_mentions.parse is {am.get('parse')!r}, expected []")
    if am.get("users"):
        problems.append(f"allowed_mentions allows users {am.get('users')!r}")
    if am.get("roles"):
        problems.append(f"allowed_mentions allows roles {am.get('roles')!r}")
    if am.get("replied_user"):
        problems.append("allowed_mentions.replied_user is true")
    return problems


def check_message(payload: dict[str, Any], *, send: bool) -> list[str]:
    """A message create/edit body. `send`: a new message (allowed_mentions required)."""
    problems: list[str] = []
    content = payload.get("content")
    if content is not None and _len(content) > CONTENT:
        problems.append(f"content has {_len(content)} chars (limit {CONTENT})")
    problems += check_embeds(payload.get("embeds") or [])
    problems += check_components(payload.get("components") or [])
    problems += check_allowed_mentions(payload, required=send)
    if send and not (content or payload.get("embeds") or payload.get("attachments") or payload.get("poll")):
        problems.append("message has no content, embeds or files (Discord rejects empty messages)")
    return problems


def check_choices(choices: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(choices) > CHOICES:
        problems.append(f"{len(choices)} autocomplete choices (limit {CHOICES})")
    for c in choices:
        name, value = c.get("name"), c.get("value")
        if not name or _len(name) > CHOICE_TEXT:
            problems.append(f"choice name {name!r} has {_len(name)} chars (1-{CHOICE_TEXT})")
        if isinstance(value, str) and (not value or len(value) > CHOICE_TEXT):
            problems.append(f"choice value {value!r} has {len(value)} chars (1-{CHOICE_TEXT})")
    return problems


def _check_name(name: Any, what: str) -> list[str]:
    if not isinstance(name, str) or not COMMAND_NAME.match(name) or name != name.lower():
        return [f"{what} name {name!r} must match ^[-_\\w]{{1,32}}$ in lower case"]
    return []


def _check_description(desc: Any, what: str) -> list[str]:
    if not isinstance(desc, str) or not 1 <= len(desc) <= COMMAND_DESCRIPTION:
        return [f"{what} description {desc!r} must be 1-{COMMAND_DESCRIPTION} chars"]
    return []


def _check_options(options: list[dict[str, Any]], where: str) -> list[str]:
    problems: list[str] = []
    if len(options) > OPTIONS:
        problems.append(f"{where} has {len(options)} options (limit {OPTIONS})")
    names = [o.get("name") for o in options]
    if len(set(names)) != len(names):
        problems.append(f"{where} has duplicate option names")
    optional_seen = False
    for o in options:
        what = f"{where} option {o.get('name')!r}"
        problems += _check_name(o.get("name"), what) + _check_description(o.get("description"), what)
        if o.get("type") in (1, 2):
            problems += _check_options(o.get("options") or [], what)
            continue
        if o.get("required"):
            if optional_seen:
                problems.append(f"{what} is required but follows an optional option")
        else:
            optional_seen = True
        choices = o.get("choices") or []
        problems += [f"{what}: {p}" for p in check_choices(choices)]
        if choices and o.get("autocomplete"):
            problems.append(f"{what} has both choices and autocomplete")
    return problems


def check_commands(commands: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(commands) > 100:
        problems.append(f"{len(commands)} commands (limit 100)")
    seen: set[tuple[int, str]] = set()
    for c in commands:
        kind = c.get("type", 1)
        what = f"command {c.get('name')!r}"
        if (kind, c.get("name")) in seen:
            problems.append(f"duplicate {what}")
        seen.add((kind, c.get("name")))
        if kind == 1:
            problems += _check_name(c.get("name"), what) + _check_description(c.get("description"), what)
            problems += _check_options(c.get("options") or [], what)
    return problems


def pinged(content: str, allowed_mentions: dict[str, Any] | None, replied_to: str | None = None) -> list[str]:
    """Who Discord would notify for this message content ("everyone", "user:<id>", "role:<id>").

    Without allowed_mentions Discord parses every mention in the content (embeds never ping).
    """
    am = allowed_mentions if allowed_mentions is not None else {"parse": ["everyone", "users", "roles"]}
    parse = set(am.get("parse") or [])
    out: list[str] = []
    if "everyone" in parse and re.search(r"@(everyone|here)", content or ""):
        out.append("everyone")
    for uid in re.findall(r"<@!?(\d+)>", content or ""):
        if "users" in parse or uid in {str(u) for u in am.get("users") or []}:
            out.append(f"user:{uid}")
    for rid in re.findall(r"<@&(\d+)>", content or ""):
        if "roles" in parse or rid in {str(r) for r in am.get("roles") or []}:
            out.append(f"role:{rid}")
    if replied_to and am.get("replied_user", allowed_mentions is None):
        out.append(f"user:{replied_to}")
    return out
