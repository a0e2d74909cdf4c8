"""Stored data never reaches rich as markup (app/core/terminal.py): a module of app/ that prints
with rich gets its consoles from `make_console`, adds table rows with `add_data_row`, builds
progress text columns with `data_column`, and hands a console or a table no string it glued
together from data (an f-string, `+`, `%`, `.format`, `.join`) unless markup is off for it; our
styling with data in it is `safe_markup(...)`. A procedure named "Điều 5 [1] và [/a]" would
otherwise stop the command with `MarkupError`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import app

APP = Path(app.__file__).parent
HOME = APP / "core" / "terminal.py"
BUILT_THERE = {"Console": "make_console", "TextColumn": "data_column"}
# calls whose string arguments rich reads as markup (the builtin print is not one)
MARKUP_CLASSES = {"Table", "Padding", "Panel"}
MARKUP_METHODS = {"print", "log", "rule", "add_column"}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _glued(node: ast.expr) -> bool:
    """A string made here from parts, some of which may be data."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return True
    if isinstance(node, ast.Call):
        return _name(node.func) in {"format", "join"}
    if isinstance(node, ast.IfExp):
        return _glued(node.body) or _glued(node.orelse)
    return False


def _reads_markup(call: ast.Call) -> bool:
    name = _name(call.func)
    return name in MARKUP_CLASSES or (
        isinstance(call.func, ast.Attribute) and name in MARKUP_METHODS
    )


def _markup_off(call: ast.Call) -> bool:
    return any(
        k.arg == "markup" and isinstance(k.value, ast.Constant) and k.value.value is False
        for k in call.keywords
    )


def problems_in(source: str, where: str) -> list[str]:
    tree = ast.parse(source)
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names]
    uses_rich = any(module.split(".")[0] == "rich" for module in imported)
    if not uses_rich:  # e.g. python-docx's table.add_row() in app/documents
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name, line = _name(node.func), f"{where}:{node.lineno}"
        if name in BUILT_THERE:
            found.append(f"{line}: {name}(...) outside app/core/terminal.py; use "
                         f"{BUILT_THERE[name]}()")
        elif name == "add_row":
            found.append(f"{line}: table.add_row(...) parses its cells as markup; use "
                         "add_data_row(table, ...)")
        elif _reads_markup(node) and not _markup_off(node):
            arguments = [*node.args, *(k.value for k in node.keywords)]
            if any(_glued(argument) for argument in arguments):
                found.append(f"{line}: {name}(...) gets a string glued from data; use "
                             "safe_markup(...), Text(...) or markup=False")
    return found


def test_cli_modules_keep_data_out_of_markup() -> None:
    found = []
    for source in sorted(APP.rglob("*.py")):
        if source != HOME:
            found += problems_in(source.read_text("utf-8"), str(source.relative_to(APP)))
    assert found == []


def test_the_check_sees_each_way_data_could_become_markup() -> None:
    bad = '''
from rich.console import Console
from rich.progress import TextColumn
from rich.table import Table
console = Console()
table = Table(title=f"{code} — steps")
table.add_row(name)
console.print(f"[red]error:[/red] {reason}")
console.print("Cột không dùng: " + ", ".join(columns))
console.print(", ".join(columns))
console.print("{} refused".format(count))
column = TextColumn("{task.description}")
print(f"{label}: {done}", file=sys.stderr)
'''
    assert [p.split(":")[1] for p in problems_in(bad, "x.py")] == [
        "5", "6", "7", "8", "9", "10", "11", "12"
    ]
    good = '''
from rich.table import Table
from app.core.terminal import add_data_row, make_console, safe_markup
console = make_console()
table = Table("Mã", title=safe_markup("{} — steps", code))
add_data_row(table, name)
console.print(safe_markup("[red]error:[/red] {}", reason))
console.print(f"#{entry}: {payload}", markup=False)
console.print("[yellow]Cảnh báo:[/yellow] written by us")
'''
    assert problems_in(good, "y.py") == []
    docx = "from docx import Document\ncells = table.add_row().cells\n"
    assert problems_in(docx, "z.py") == []
