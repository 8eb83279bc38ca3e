"""Subcommands of the ``syncsheet`` CLI, one module each with ``register(subparsers)``.

Each module's ``register`` adds its parser and sets ``func(args) -> int`` on it.
"""

#: Module names under syncsheet.commands, in the order ``syncsheet --help`` lists them.
COMMANDS = (
    "analyze",
    "demo",
    "convert",
    "sheet",
    "hits",
    "tempos",
    "batch",
)
