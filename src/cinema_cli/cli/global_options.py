"""Global options wherever they are typed: ``cinema --json search`` and
``cinema search metro --data-dir X`` both work.

Click reads the root's options (``--data-dir``, ``--storage``, ``--debug``) only before
the command, and each command's ``--json`` only after it. People put them on either side,
so the arguments are put in Click's order before it parses them.
"""

from __future__ import annotations

from collections.abc import Sequence

ROOT_FLAGS = frozenset({"--debug"})
ROOT_VALUED = frozenset({"--data-dir", "--storage"})
COMMAND_FLAGS = frozenset({"--json"})
_STOP = frozenset({"--help", "-h", "--version"})


def _is_root_valued(token: str) -> bool:
    return token in ROOT_VALUED or token.split("=", 1)[0] in ROOT_VALUED


def reorder(argv: Sequence[str]) -> list[str]:
    """``argv`` with root options before the command and ``--json`` after it.

    Nothing after ``--`` moves; a value of an option is never taken for an option.
    """
    args = list(argv)
    root: list[str] = []
    index = 0
    # The root's own part: options (and their values) up to the command's name.
    while index < len(args) and args[index].startswith("-") and args[index] != "--":
        token = args[index]
        if token in _STOP:
            return args
        root.append(token)
        index += 1
        if token in ROOT_VALUED and index < len(args):
            root.append(args[index])
            index += 1
    moved_after = [token for token in root if token in COMMAND_FLAGS]
    root = [token for token in root if token not in COMMAND_FLAGS]
    rest: list[str] = []
    while index < len(args):
        token = args[index]
        index += 1
        if token == "--":
            rest.extend(args[index - 1 :])
            break
        if token in ROOT_FLAGS:
            root.append(token)
        elif _is_root_valued(token):
            root.append(token)
            if "=" not in token and index < len(args):
                root.append(args[index])
                index += 1
        else:
            rest.append(token)
    if moved_after and rest:
        separator = rest.index("--") if "--" in rest else len(rest)
        rest[separator:separator] = moved_after
    elif moved_after:
        root.extend(moved_after)
    return root + rest
