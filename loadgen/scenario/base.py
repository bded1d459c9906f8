"""What every scenario model shares: strict types, no unknown keys, frozen; and
:class:`Problems`, the error of a cross-field check, which names each offending field's path.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

Loc = tuple[str | int, ...]


class Problems(ValueError):
    """Problems found by one cross-field check, each at a path relative to the checked model."""

    def __init__(self, problems: list[tuple[Loc, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


def raise_if(problems: list[tuple[Loc, str]]) -> None:
    if problems:
        raise Problems(problems)


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
