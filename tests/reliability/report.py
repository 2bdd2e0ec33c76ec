"""The table every reliability test prints: what was tried and what survived.

Each test fills a `Table`, which prints itself (visible with `pytest -s`) and writes
`test-artifacts/reliability-<name>.md`, so a run leaves a readable record even when
nothing failed. The test's assertions are the pass/fail criterion; the table shows why.
"""

from __future__ import annotations

from pathlib import Path


class Table:
    def __init__(self, name: str, title: str, columns: list[str], criterion: str):
        self.name, self.title, self.columns, self.criterion = name, title, columns, criterion
        self.rows: list[list[str]] = []

    def add(self, *cells) -> None:
        self.rows.append([_cell(c) for c in cells])

    def markdown(self) -> str:
        lines = [f"# {self.title}", "", f"Pass criterion: {self.criterion}", "",
                 "| " + " | ".join(self.columns) + " |", "|" + "---|" * len(self.columns)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines) + "\n"

    def write(self, artifacts_dir: Path, suffix: str = "") -> Path:
        text = self.markdown()
        print("\n" + text)
        path = Path(artifacts_dir) / f"reliability-{self.name}{suffix}.md"
        path.write_text(text)
        return path


def _cell(value) -> str:
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 160 else text[:157] + "..."
