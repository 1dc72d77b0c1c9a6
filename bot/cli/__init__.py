"""The command line shell: `python -m bot COMMAND`, one module per command group.

`main` parses the arguments and dispatches; `ask`, `corpus` (add, list, remove), `glossary`,
`measure` (eval, tune, bench) and `run` (the Discord bot) do the argument handling of their
commands; `render` prints an `Answer` for the terminal.
"""
