"""Dataclasses pickled by their constructors, for what crosses a pipe to a worker process.

A slotted dataclass unpickles through dataclasses' pure-Python ``__setstate__``, which asks
for the class's fields at every object: under the profiler that cost more than parsing a
record (the file import's read-ahead worker). Rebuilt by their constructors (no validation
runs there), a page of 5,000 CSV rows unpickles in ~70 ms against ~230 ms to hash and parse
it. Registering a class changes how every pickle in this process writes it; the reading
process needs only the class itself.
"""

from __future__ import annotations

import copyreg
from collections.abc import Callable
from dataclasses import fields
from typing import Any


def _by_constructor(cls: type[Any]) -> Callable[[Any], tuple[Any, tuple[Any, ...]]]:
    names = tuple(f.name for f in fields(cls))

    def reduce(obj: Any) -> tuple[Any, tuple[Any, ...]]:
        return cls, tuple(getattr(obj, name) for name in names)

    return reduce


def pickle_by_constructor(*classes: type[Any]) -> None:
    """Pickle these dataclasses (every field an ``__init__`` argument) as a call of their
    constructor with their fields' values."""
    for cls in classes:
        copyreg.pickle(cls, _by_constructor(cls))
