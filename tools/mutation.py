"""`make mutation`: mutation testing of the legal core, one file at a time (docs/CONTRIBUTING.md).

Each file in TARGETS is mutated by mutmut (small changes: a flipped comparison, an off-by-one, a
dropped argument...) and every mutant runs against that file's own test folder. A mutant the
tests do not notice "survives": a wrong deadline those tests would let through. The run happens
in a scratch copy under `.mutation/<file>/`, so the working tree is never touched; each mutant
imports the project afresh (mutmut's fork server preloads only third-party libraries), so code
that runs at import time or builds a shared cache is mutated like the rest.

Environment: MUTATION_SAMPLE (mutants per file, default 150; 0 = all), MUTATION_FILES
(comma-separated targets; `path=tests/folder` for a file not listed below), MUTATION_SEED (the
sample, default 21), MUTATION_JOBS (parallel mutants, default 2). Needs the dev extras (mutmut).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# The one list to re-point when a file moves: file to mutate -> the test folder that guards it.
TARGETS: dict[str, str] = {
    "app/deadlines/engine.py": "tests/deadlines",
    "app/deadlines/clock.py": "tests/deadlines",
    "app/deadlines/index.py": "tests/deadlines",
    "app/deadlines/batch.py": "tests/deadlines",
    "app/deadlines/parsing.py": "tests/deadlines",
    # the processing-time reader's parts (parsing.py puts them together)
    "app/deadlines/clauses.py": "tests/deadlines",
    "app/deadlines/applicant.py": "tests/deadlines",
    "app/deadlines/cutoffs.py": "tests/deadlines",
    "app/deadlines/vi_text.py": "tests/deadlines",
    "app/procedures/catalogue.py": "tests/procedures",
    # the catalogue reader's file part (titles, header row, section headings)
    "app/procedures/catalogue_file.py": "tests/procedures",
    "connectors/portal/parse.py": "tests/connectors",
    # the portal-format parser's parts: single values, and what real senders get wrong
    "connectors/portal/fields.py": "tests/connectors",
    "connectors/portal/lenient.py": "tests/connectors",
}
# Where importable code lives (copied into mutmut's tree, so no test imports the original).
SOURCE_PATHS = ("app", "connectors")
ALSO_COPY = ("bench", "migrations", "alembic.ini")
# SQLite only: a forked test process must not share PostgreSQL connections with its parent.
PYTEST_ARGS = ("-p", "no:cacheprovider", "--backends", "sqlite")
# Imported once by the fork server; the project itself is imported afresh by every mutant.
PRELOAD = (
    "numpy", "holidays", "hypothesis", "sqlalchemy", "sqlalchemy.orm", "fastapi",
    "fastapi.testclient", "starlette", "pydantic", "pydantic_settings", "httpx", "jinja2",
    "openpyxl", "docx", "typer", "rich", "alembic", "apscheduler", "psycopg",
    "prometheus_client", "itsdangerous", "weasyprint",
)
# A mutant is stopped after (its tests' usual time + 30 s) x 3 of CPU time, or half that of
# wall time: the 30 s pay for importing the project afresh on a busy machine (with less, slow
# imports were reported as "timeout", i.e. detected, without any test having run), and the x 3
# instead of mutmut's x 30 keeps a mutant that loops forever from holding a core for minutes.
TIMEOUT_MULTIPLIER = 1.5  # mutmut doubles it
TIMEOUT_CONSTANT = 30.0
DETECTED = frozenset({"killed", "timeout", "caught by type check", "segfault"})
NOT_RUN = frozenset({"skipped", "not checked"})
_IGNORED = (
    ".git", ".venv", ".mutation", "__pycache__", ".hypothesis", "*.egg-info", ".mypy_cache",
    ".ruff_cache", ".pytest_cache", "demo-data", "node_modules",
)
# A mutant name that matches nothing (see run_target).
_LIST_ONLY = "__mutation_sampling_only__"


class MutationRunError(RuntimeError):
    """mutmut could not run (the log says why); no score to report."""


@dataclass(frozen=True)
class Setup:
    """How to copy and test a project; the defaults are this repository's."""

    source_paths: tuple[str, ...] = SOURCE_PATHS
    also_copy: tuple[str, ...] = ALSO_COPY
    pytest_args: tuple[str, ...] = PYTEST_ARGS
    preload: tuple[str, ...] = PRELOAD
    jobs: int = 2
    env: tuple[tuple[str, str], ...] = ()  # extra environment for mutmut and the tests


@dataclass
class FileReport:
    target: str
    tests: str
    total: int
    statuses: dict[str, str]  # sampled mutant -> mutmut status
    diffs: dict[str, str] = field(default_factory=dict)  # survivor -> its diff

    @property
    def counts(self) -> Counter[str]:
        return Counter(self.statuses.values())

    @property
    def tested(self) -> int:
        return sum(1 for s in self.statuses.values() if s not in NOT_RUN)

    @property
    def detected(self) -> int:
        return sum(1 for s in self.statuses.values() if s in DETECTED)

    @property
    def score(self) -> float:
        return 100.0 * self.detected / self.tested if self.tested else 0.0

    @property
    def survivors(self) -> list[str]:
        return sorted(
            (n for n, s in self.statuses.items() if s not in DETECTED | NOT_RUN), key=_natural
        )

    def summary(self) -> str:
        sampled = len(self.statuses)
        scope = "all" if sampled == self.total else f"{sampled} sampled of {self.total}"
        return (
            f"{self.target}: {self.detected}/{self.tested} detected = {self.score:.1f} % "
            f"({scope}; tests: {self.tests}; {dict(sorted(self.counts.items()))})"
        )


def _natural(name: str) -> tuple[str, int]:
    stem, _, number = name.rpartition("__mutmut_")
    return stem, int(number) if number.isdigit() else 0


def _mutmut() -> str:
    beside = Path(sys.executable).parent / "mutmut"
    found = str(beside) if beside.exists() else shutil.which("mutmut")
    if found is None:
        raise MutationRunError("mutmut is not installed: run `make install` (dev extras)")
    return found


def _toml_list(values: list[str] | tuple[str, ...]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def prepare(root: Path, scratch: Path, target: str, tests: str, setup: Setup) -> None:
    """A fresh copy of the project with mutmut configured for one target file."""
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(root, scratch, ignore=shutil.ignore_patterns(*_IGNORED))
    preload = scratch / ".mutation-preload.txt"
    preload.write_text("\n".join(setup.preload) + "\n", encoding="utf-8")
    also_copy = [p for p in setup.also_copy if (scratch / p).exists()]
    config = f"""

[tool.mutmut]
source_paths = {_toml_list(setup.source_paths)}
only_mutate = {_toml_list([target])}
pytest_add_cli_args_test_selection = {_toml_list([tests])}
pytest_add_cli_args = {_toml_list(setup.pytest_args)}
also_copy = {_toml_list(also_copy)}
process_isolation = "forkserver"
forkserver_warmup = "import"
preload_modules_file = {json.dumps(str(preload))}
use_git_change_detection = false
timeout_multiplier = {TIMEOUT_MULTIPLIER}
timeout_constant = {TIMEOUT_CONSTANT}
"""
    pyproject = scratch / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8") if pyproject.exists() else ""
    if "[tool.mutmut]" in text:
        raise MutationRunError("pyproject.toml has its own [tool.mutmut]; TARGETS configures it")
    pyproject.write_text(text + config, encoding="utf-8")


def _mutmut_call(scratch: Path, args: list[str], log: Path, setup: Setup) -> int:
    env = {
        **os.environ, "TTHC_TEST_BACKENDS": "sqlite", "HYPOTHESIS_PROFILE": "mutation",
        "PYTHONDONTWRITEBYTECODE": "1", **dict(setup.env),
    }
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ mutmut {' '.join(args[:6])}{' ...' if len(args) > 6 else ''}\n")
        out.flush()
        done = subprocess.run(
            [_mutmut(), *args], cwd=scratch, env=env, stdout=out, stderr=subprocess.STDOUT,
            check=False,
        )
    return done.returncode


_RESULT_LINE = re.compile(r"^\s+(\S+__mutmut_\d+): (.+)$")


def read_statuses(scratch: Path, log: Path) -> dict[str, str]:
    """Every mutant of the target and its status, as `mutmut results` prints them."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [_mutmut(), "results", "--all", "true"], cwd=scratch, env=env, capture_output=True,
        text=True, check=False,
    )
    if done.returncode != 0:
        with log.open("a", encoding="utf-8") as out:
            out.write(done.stdout + done.stderr)
        raise MutationRunError(f"`mutmut results` failed; see {log}")
    found = (_RESULT_LINE.match(line) for line in done.stdout.splitlines())
    return {m.group(1): m.group(2).strip() for m in found if m}


def show(scratch: Path, mutant: str) -> str:
    """The mutant as a diff, only its changed lines."""
    done = subprocess.run(
        [_mutmut(), "show", mutant], cwd=scratch, capture_output=True, text=True, check=False
    )
    lines = done.stdout.splitlines()
    changed = [
        line for line in lines
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    return "\n".join(changed) or done.stdout.strip()


def choose(names: list[str], *, sample: int, seed: int, target: str) -> list[str]:
    """`sample` of the mutants (all when 0 or more than there are), the same for a given seed."""
    if sample <= 0 or sample >= len(names):
        return list(names)
    return sorted(random.Random(f"{seed}:{target}").sample(names, sample), key=_natural)


def run_target(
    root: Path, target: str, tests: str, *, sample: int, seed: int, setup: Setup | None = None
) -> FileReport:
    """Mutate `target` (a path relative to `root`), run `tests` against a sample of its mutants."""
    setup = setup or Setup()
    scratch = root / ".mutation" / target.replace("/", "__").removesuffix(".py")
    prepare(root, scratch, target, tests, setup)
    log = scratch / "mutation.log"
    jobs = ["--max-children", str(setup.jobs)]
    # Generates the mutants and maps tests to them, then stops: the name matches no mutant.
    _mutmut_call(scratch, ["run", *jobs, _LIST_ONLY], log, setup)
    listed = read_statuses(scratch, log)
    if not listed:
        raise MutationRunError(f"no mutant generated for {target}; see {log}")
    names = sorted(listed, key=_natural)
    chosen = choose(names, sample=sample, seed=seed, target=target)
    if _mutmut_call(scratch, ["run", *jobs, *chosen], log, setup) != 0:
        raise MutationRunError(f"mutmut failed on {target}; see {log}")
    statuses = read_statuses(scratch, log)
    report = FileReport(target, tests, len(names), {n: statuses[n] for n in chosen})
    report.diffs = {name: show(scratch, name) for name in report.survivors}
    return report


def selected_targets(value: str) -> dict[str, str]:
    """MUTATION_FILES: empty = every target; else comma-separated paths or `path=tests`."""
    if not value.strip():
        return dict(TARGETS)
    chosen: dict[str, str] = {}
    for item in (part.strip() for part in value.split(",") if part.strip()):
        path, _, tests = item.partition("=")
        path = path.strip()
        if tests:
            chosen[path] = tests.strip()
        elif path in TARGETS:
            chosen[path] = TARGETS[path]
        else:
            known = ", ".join(TARGETS)
            raise SystemExit(f"{path} is not a mutation target ({known}); give it as path=tests")
    return chosen


def render(reports: list[FileReport]) -> str:
    lines = ["Mutation testing: detected share of sampled mutants, per file", ""]
    lines += [f"  {r.score:5.1f} %  {r.summary()}" for r in reports]
    for r in reports:
        if not r.survivors:
            continue
        lines += ["", f"== survivors in {r.target} ({len(r.survivors)}) =="]
        for name in r.survivors:
            lines += [f"-- {name} [{r.statuses[name]}]", r.diffs.get(name, "")]
    return "\n".join(lines) + "\n"


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    sample = int(os.environ.get("MUTATION_SAMPLE", "150") or 0)
    seed = int(os.environ.get("MUTATION_SEED", "21") or 21)
    setup = Setup(jobs=max(1, int(os.environ.get("MUTATION_JOBS", "2") or 2)))
    reports: list[FileReport] = []
    for target, tests in selected_targets(os.environ.get("MUTATION_FILES", "")).items():
        if not (root / target).is_file():
            raise SystemExit(f"{target} does not exist: re-point TARGETS in {__file__}")
        print(f"mutating {target} against {tests} ...", flush=True)
        report = run_target(root, target, tests, sample=sample, seed=seed, setup=setup)
        print(f"  {report.summary()}", flush=True)
        reports.append(report)
    text = render(reports)
    (root / ".mutation").mkdir(exist_ok=True)
    (root / ".mutation" / "report.txt").write_text(text, encoding="utf-8")
    print("\n" + text + f"(also in {root / '.mutation' / 'report.txt'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
