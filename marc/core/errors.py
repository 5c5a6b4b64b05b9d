"""Located, user-facing errors.

Every problem a user can cause (bad YAML, bad data, bad geometry, a failed download) is reported as a
:class:`Problem` that says *where* (``file:line:column`` for YAML, ``source id`` and row for data) and
*what to do*.  Library code raises :class:`MarcError` carrying one or more problems; the CLI prints
them one per line and exits with code 2, the app shows them and keeps its last good state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem.

    ``file`` is a path (YAML, CSV) or a source id; ``line``/``column`` are 1-based (0 = unknown).
    ``code`` is a stable, kebab-case identifier that tests and users can grep for.
    """

    file: str
    line: int
    column: int
    code: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return f"{where}: [{self.code}] {self.message}"


@dataclass
class MarcError(Exception):
    """An error in user input, carrying every problem found (never just the first)."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.render())

    @classmethod
    def single(cls, file: str | Path, code: str, message: str, line: int = 0, column: int = 0) -> "MarcError":
        return cls([Problem(str(file), line, column, code, message)])

    def render(self) -> str:
        return "\n".join(str(p) for p in sorted(self.problems))

    def __str__(self) -> str:  # dataclass would otherwise replace Exception.__str__
        return self.render()
