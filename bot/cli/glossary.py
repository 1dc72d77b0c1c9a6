"""`python -m bot glossary [TERM...] [--json] [--corpus DIR]`: print one entry, or list all terms.

Argument handling and terminal layout only; lookup and quotes come from `bot.engine.glossary` via the
same `Knowledge` snapshot the bot uses, so the command line shows exactly what Discord shows.
Exit codes: 0 found (or listed), 1 unknown term or no glossary.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap

from bot.cli.render import markdown_to_terminal
from bot.corpus.articles import DEFAULT_CORPUS_DIR
from bot.engine.glossary import GLOSSARY_FILE, NOTHING_CLOSE, Explanation, Glossary, Match

WIDTH = 100


def render_explanation(ex: Explanation, *, match: Match | None = None, width: int = WIDTH) -> str:
    """An entry for the terminal: term, aliases, definition, quotes with citations, related terms."""
    e = ex.entry
    lines: list[str] = []
    if match is not None and match.kind == "fuzzy":
        lines.append(f"(showing {e.term} for \u201c{match.query}\u201d)")
    lines.append(e.term)
    if e.aliases:
        lines.append("Also: " + ", ".join(e.aliases))
    lines.append("")
    lines.append(textwrap.fill(e.definition, width=width))
    if ex.quotes:
        lines.append("")
        lines.append("In the corpus:")
        for i, q in enumerate(ex.quotes, start=1):
            body = markdown_to_terminal(q.marked, ansi=False)
            lines.append(textwrap.fill(f"[{i}] \u201c{body}\u201d", width=width, subsequent_indent="    "))
            lines.append(textwrap.fill(f"\u2014 {q.citation.label}", width=width, initial_indent="    ",
                                       subsequent_indent="      "))
            if q.citation.url:
                lines.append(f"    {q.citation.url}")
    else:
        lines.append("")
        lines.append("No article in the corpus uses this term yet.")
    if ex.related:
        lines.append("")
        lines.append("Related: " + ", ".join(r.term for r in ex.related))
    return "\n".join(lines)


def render_unknown(match: Match, glossary: Glossary, *, width: int = WIDTH) -> str:
    lines = [f"\u201c{match.query}\u201d is not in the glossary."]
    if match.suggestions:
        lines.append("Did you mean: " + "; ".join(match.suggestions) + "?")
    else:
        lines.append(NOTHING_CLOSE)
    if match.passage is not None:
        q = match.passage
        body = markdown_to_terminal(q.marked, ansi=False)
        lines.append("")
        lines.append("The corpus passage that best matches these words:")
        lines.append(textwrap.fill(f"\u201c{body}\u201d", width=width, subsequent_indent="  "))
        lines.append(textwrap.fill(f"\u2014 {q.citation.label}", width=width, initial_indent="  "))
    lines.append("")
    lines.append("Run `python -m bot glossary` to list all terms.")
    return "\n".join(lines)


def render_list(glossary: Glossary) -> str:
    lines = [f"{len(glossary)} glossary terms:"]
    for term in glossary.terms():
        entry = glossary.get(term)
        aliases = f" ({', '.join(entry.aliases)})" if entry is not None and entry.aliases else ""
        lines.append(f"  {term}{aliases}")
    return "\n".join(lines)


def cmd_glossary(args: argparse.Namespace) -> int:
    from bot.corpus.knowledge import Knowledge

    corpus = args.corpus or DEFAULT_CORPUS_DIR
    kb = Knowledge.load(corpus)
    glossary = kb.snapshot.glossary
    if not isinstance(glossary, Glossary):
        print(f"error: no usable glossary: {corpus}/{GLOSSARY_FILE} is missing or invalid "
              "(see the log above)", file=sys.stderr)
        return 1
    query = " ".join(args.term or []).strip()
    as_json = bool(getattr(args, "json", False))
    if not query:
        if as_json:
            payload = [{"term": e.term, "aliases": list(e.aliases)}
                       for e in sorted(glossary, key=lambda e: e.term.casefold())]
            print(json.dumps({"terms": payload}, ensure_ascii=False, indent=2))
        else:
            print(render_list(glossary))
        return 0
    match = glossary.lookup(query)
    if match.entry is None:
        if as_json:
            print(json.dumps({"query": match.query, "found": False,
                              "suggestions": list(match.suggestions),
                              "passage": match.passage.to_json() if match.passage else None},
                             ensure_ascii=False, indent=2))
        else:
            print(render_unknown(match, glossary))
        return 1
    ex = glossary.explain(match.entry)
    if as_json:
        print(json.dumps({"query": match.query, "found": True, "match": match.kind} | ex.to_json(),
                         ensure_ascii=False, indent=2))
    else:
        print(render_explanation(ex, match=match))
    return 0
