"""Splitting a class over N CI runners: `--shard i/N` grades every N-th student of the roster
sorted by name, starting at the i-th, so the N shards cover the class exactly once whatever the
roster's order."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class ShardError(ValueError):
    pass


def parse_shard(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise ShardError(f"--shard takes i/N, e.g. 2/4 (found {text!r})")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 1 <= index <= count:
        raise ShardError(f"--shard {text}: i must be between 1 and N, and N at least 1")
    return index, count


def select(items: Sequence[T], index: int, count: int, key=lambda item: item.name) -> list[T]:
    """The items of shard `index` (1-based) of `count`."""
    ordered = sorted(items, key=lambda item: str(key(item)).casefold())
    return ordered[index - 1::count]
