"""The floor plan holds (docs/CONTRIBUTING.md, "Layers"): every import between two packages of
app/ points down the layers, so no domain reaches sideways or up into another and no knot of
packages can form. A new package must be given its layer here and in CONTRIBUTING.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import app

APP = Path(app.__file__).parent

# Lowest first. A package may import packages of lower layers only (and itself).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),  # settings, errors, the clock, JobSpec
    ("db",),  # engine, sessions, partitions, bulk writes
    ("models",),  # every table
    ("api",),  # request plumbing: SessionDep, error handlers, middleware
    ("deadlines",),  # the clock wing: pure engine + its one database seam (store/)
    ("agencies", "quality", "delivery"),  # shared services every domain may call
    ("auth", "senders"),  # who may call: tokens, roles, scope; the real senders
    ("calendar", "dossiers", "procedures", "ingest", "notices", "rates"),  # the domains
    ("scan", "retention", "forecast", "documents"),  # processes that drive domains: the scan drafts
    # notices and notifies, retention archives ingest's raw payloads, the forecast reads dossiers'
    # histories and notifies
    # documents (forms 06, 07) are views over dossiers, steps and the notices' print fonts
    ("scheduler",),  # the job registry: imports every domain's jobs.py
    ("dashboard", "health", "metrics", "ops"),  # views over everything
    ("main",),  # entry points: the ASGI app,
    ("serve",),  # serving it,
    ("demo_senders",),  # the demo's fake senders,
    ("demo",),  # the demo,
    ("cli",),  # and the `tthc` command that reaches all of them
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _package(path: Path) -> str:
    return path.relative_to(APP).parts[0].removesuffix(".py")


def _arrows() -> dict[tuple[str, str], set[str]]:
    arrows: dict[tuple[str, str], set[str]] = defaultdict(set)
    for source in sorted(APP.rglob("*.py")):
        if source.parent == APP and source.name == "__init__.py":
            continue
        here = _package(source)
        for node in ast.walk(ast.parse(source.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if parts[0] == "app" and len(parts) > 1 and parts[1] != here:
                    arrows[(here, parts[1])].add(str(source.relative_to(APP)))
    return arrows


def _upward(arrows: dict[tuple[str, str], set[str]]) -> list[str]:
    return sorted(
        f"{src} -> {dst} ({', '.join(sorted(files))})"
        for (src, dst), files in arrows.items()
        if RANK[dst] >= RANK[src]
    )


def test_every_package_has_a_layer() -> None:
    packages = {_package(p) for p in APP.iterdir() if p.suffix == ".py" or p.is_dir()}
    packages -= {"__init__", "__pycache__"}
    assert sorted(packages - RANK.keys()) == []


def test_imports_between_packages_only_point_down() -> None:
    assert _upward(_arrows()) == []


def test_the_check_sees_a_sideways_and_an_upward_arrow() -> None:
    """The rule itself: same layer and higher layer are both refused, lower is allowed."""
    arrows = {("scan", "retention"): {"x.py"}, ("notices", "scheduler"): {"y.py"},
              ("notices", "deadlines"): {"z.py"}}
    assert _upward(arrows) == ["notices -> scheduler (y.py)", "scan -> retention (x.py)"]


def test_no_domain_imports_the_scheduler_to_declare_its_jobs() -> None:
    """JobSpec is core's: the scheduler imports the domains' jobs.py, never the reverse."""
    jobs = [p for p in APP.rglob("jobs.py") if _package(p) != "scheduler"]
    assert jobs
    for source in jobs:
        assert "app.scheduler" not in source.read_text("utf-8"), source
