"""The clock wing's engine is pure (docs/CONTRIBUTING.md): no database, no clock, no other domain.

Everything under app/deadlines/ except its one database seam `app/deadlines/store/` may import
only the standard library, numpy and python-holidays, the engine's own modules, the portal's
status vocabulary and the local time zone. A due time then depends on its arguments alone.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import app.deadlines

ENGINE = Path(app.deadlines.__file__).parent
SEAM = ENGINE / "store"
THIRD_PARTY = {"numpy", "holidays"}
# module -> the names the engine may take from it (None: any)
ALLOWED_APP = {"app.core.clock": {"LOCAL_TZ"}, "connectors.portal.vocabulary": None}
CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time"),
               ("time", "monotonic"), ("time", "perf_counter")}


def _engine_files() -> list[Path]:
    return [p for p in sorted(ENGINE.rglob("*.py")) if SEAM not in p.parents]


def _refusal(module: str, names: list[str]) -> str | None:
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top in THIRD_PARTY:
        return None
    if module == "app.deadlines" or module.startswith("app.deadlines."):
        seam = module == "app.deadlines.store" or module.startswith("app.deadlines.store.")
        return "imports the database seam" if seam else None
    if module in ALLOWED_APP:
        allowed = ALLOWED_APP[module]
        extra = set(names) - allowed if allowed is not None else set()
        return f"takes {sorted(extra)} from {module}" if extra else None
    return f"imports {module}"


def test_the_engine_imports_nothing_but_itself_the_vocabulary_and_pure_libraries() -> None:
    refusals = []
    for source in _engine_files():
        for node in ast.walk(ast.parse(source.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                found = [(a.name, [a.name]) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found = [(node.module, [a.name for a in node.names])]
            else:
                continue
            for module, names in found:
                reason = _refusal(module, names)
                if reason:
                    refusals.append(f"{source.relative_to(ENGINE)}: {reason}")
    assert refusals == []


def test_the_engine_never_reads_the_clock() -> None:
    reads = []
    for source in _engine_files():
        for node in ast.walk(ast.parse(source.read_text("utf-8"))):
            where = f"{source.relative_to(ENGINE)}:{getattr(node, 'lineno', 0)}"
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and (node.value.id, node.attr) in CLOCK_READS):
                reads.append(f"{where} {node.value.id}.{node.attr}")
            if isinstance(node, ast.Name) and node.id == "utcnow":
                reads.append(f"{where} utcnow")
    assert reads == []


def test_importing_the_engine_loads_no_database_or_web_library() -> None:
    """The import check above, at run time: every engine module imported in a fresh process."""
    modules = sorted(
        ".".join(p.relative_to(ENGINE.parent.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in _engine_files()
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'fastapi', 'starlette', 'psycopg', 'alembic') "
        "or m.startswith(('app.db', 'app.models', 'app.deadlines.store')))\n"
        "print(','.join(bad))\n"
    )
    root = ENGINE.parent.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_the_check_refuses_what_it_should() -> None:
    """The rule itself: a database import, the seam and a clock-reading name are refused."""
    assert _refusal("sqlalchemy.orm", ["Session"]) == "imports sqlalchemy.orm"
    assert _refusal("app.models", ["Dossier"]) == "imports app.models"
    assert _refusal("app.deadlines.store.sync", ["load_context"]) == "imports the database seam"
    assert _refusal("app.core.clock", ["utcnow"]) == "takes ['utcnow'] from app.core.clock"
    assert _refusal("app.core.clock", ["LOCAL_TZ"]) is None
    assert _refusal("app.deadlines.clock", ["WorkingClock"]) is None
