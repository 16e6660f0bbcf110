"""The program text of an imported model's layers."""

from __future__ import annotations

from ._importing import Item


def program(head: str, sequence: list[Item]) -> str:
    return "\n".join([head, *(item.text() for item in sequence)])
