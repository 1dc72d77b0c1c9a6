"""Reading a YAML file with one kind of error that says what went wrong and where.

Config, glossary, synonyms and question files all want the same thing: the data, or one line
naming the file and the problem (unreadable, not UTF-8, bad YAML at line N, an impossible date).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class YamlFileError(Exception):
    """The file cannot be read as YAML; the message names the file and the problem."""


def load_yaml_file(path: Path | str, name: str | None = None) -> Any:
    """The file's data, or YamlFileError("<name>: <problem>"); `name` defaults to the path."""
    path = Path(path)
    label = name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise YamlFileError(f"{label}: cannot be read (it does not exist)") from None
    except UnicodeDecodeError:
        raise YamlFileError(f"{label}: cannot be read (not UTF-8 text)") from None
    except OSError as exc:
        raise YamlFileError(f"{label}: cannot be read ({exc.strerror or exc})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise YamlFileError(f"{label}: not valid YAML{where}") from None
    except ValueError as exc:  # YAML reads 2016-02-31 as a date and fails on it
        raise YamlFileError(f"{label}: impossible value ({exc})") from None
