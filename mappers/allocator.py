"""First-fit placement of contiguous tensors in a scratchpad of fixed size."""

from __future__ import annotations


def first_fit(placed: dict[str, int], sizes: dict[str, int], nbytes: int, capacity: int) -> int | None:
    """Lowest offset where ``nbytes`` fit between the ``placed`` tensors, or None.

    ``placed`` maps tensor -> offset; ``sizes`` gives every tensor's bytes.
    """
    cursor = 0
    for offset, name in sorted((off, t) for t, off in placed.items()):
        if offset - cursor >= nbytes:
            return cursor
        cursor = max(cursor, offset + sizes[name])
    return cursor if capacity - cursor >= nbytes else None


def pack(names: list[str], sizes: dict[str, int]) -> dict[str, int]:
    """Offsets that lay ``names`` end to end from offset 0, largest first."""
    offsets: dict[str, int] = {}
    cursor = 0
    for name in sorted(names, key=lambda t: (-sizes[t], t)):
        offsets[name] = cursor
        cursor += sizes[name]
    return offsets
