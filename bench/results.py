"""One benchmark result, the table and bench/results.json."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    n: int
    ours_s: float
    baseline: str | None
    baseline_s: float | None
    ratio: float | None
    goal: str | None = None
    note: str | None = None

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        return {k: v for k, v in data.items() if v is not None or k in REQUIRED}


REQUIRED = ("name", "n", "ours_s", "baseline", "baseline_s", "ratio")


def result(name: str, n: int, ours_s: float, baseline: str | None, baseline_s: float | None,
           *, goal: str | None = None, note: str | None = None,
           ratio: float | None = None) -> Result:
    if ratio is None and baseline_s:
        ratio = ours_s / baseline_s
    return Result(name, n, round(ours_s, 6), baseline,
                  None if baseline_s is None else round(baseline_s, 6),
                  None if ratio is None else round(ratio, 4), goal, note)


def _met(r: Result) -> str:
    if r.goal is None or r.ratio is None:
        return ""
    limit = float(r.goal.removeprefix("<="))
    return "[green]yes[/green]" if r.ratio <= limit else "[red]no[/red]"


def print_table(results: list[Result], console: Console) -> None:
    table = Table(title="tthc-monitor benchmarks")
    for column in ("benchmark", "n", "ours (s)", "baseline", "baseline (s)", "ratio", "goal",
                   "met", "note"):
        table.add_column(column, justify="right" if column in ("n", "ours (s)", "baseline (s)",
                                                                 "ratio") else "left")
    for r in results:
        table.add_row(
            r.name, f"{r.n:,}", f"{r.ours_s:.4f}", r.baseline or "—",
            "—" if r.baseline_s is None else f"{r.baseline_s:.4f}",
            "—" if r.ratio is None else f"{r.ratio:.3f}", r.goal or "", _met(r), r.note or "",
        )
    console.print(table)


def write_json(results: list[Result], path: Path) -> None:
    path.write_text(json.dumps([r.as_json() for r in results], indent=2, ensure_ascii=False)
                    + "\n", encoding="utf-8")
