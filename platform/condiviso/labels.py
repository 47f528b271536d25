"""The words people read for the members of an enum: one table per enum, complete or refused at
import, looked up by member or by stored value."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import Any


class EnumLabels(Mapping[Any, str]):
    """`labels[member]`, `labels("stored value")` or `labels(value)`: the label, in the person's
    language when the labels are lazy strings. Every member of the enum must have one."""

    def __init__(self, labels: Mapping[enum.Enum, Any]) -> None:
        self._enum = type(next(iter(labels)))
        missing = [member.name for member in self._enum if member not in labels]
        if missing:
            raise ValueError(f"{self._enum.__name__} has no label for {', '.join(missing)}")
        self._labels = dict(labels)

    def __getitem__(self, key: Any) -> Any:
        return self._labels[self._enum(key)]

    def __iter__(self) -> Iterator[enum.Enum]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)

    def __call__(self, key: Any) -> str:
        return str(self[key])
