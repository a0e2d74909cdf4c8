"""The portal's status codes are numbers in one file only: connectors/portal/vocabulary.py.

Everywhere else in the product (app/ and the connectors' shared code) a status is named:
`DossierStatus.FINISHED`, or a set of app/deadlines/status.py. The simulator under
connectors/simulator/ is left out on purpose: it is a fake portal that writes the senders' wire
format, quirks and string codes included (docs/CONTRIBUTING.md).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import app
import connectors

ROOTS = (Path(app.__file__).parent, Path(connectors.__file__).parent)
HOME = Path(connectors.__file__).parent / "portal" / "status.py"
LEFT_OUT = Path(connectors.__file__).parent / "simulator"
PORTAL_CODES = range(0, 11)  # NO_STATUS and 1..10; HTTP statuses (3 digits) are not these
TEMPLATE_RE = re.compile(r"\bstatus\w*\s*(==|!=|<=|>=|<|>)\s*\d")


def _sources(suffix: str) -> list[Path]:
    return [p for root in ROOTS for p in sorted(root.rglob(f"*{suffix}"))
            if p != HOME and LEFT_OUT not in p.parents]


def _names_status(node: ast.AST) -> bool:
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
    lowered = name.lower()
    return "status" in lowered and "code" not in lowered and "http" not in lowered


def _codes(node: ast.AST) -> list[int]:
    """Portal-code-sized int literals in `node` (a literal, or a tuple/set/list/dict of them)."""
    if isinstance(node, ast.Constant):
        return [node.value] if type(node.value) is int and node.value in PORTAL_CODES else []
    if isinstance(node, ast.Subscript | ast.Attribute | ast.Name):
        return []  # an index or a name, not a code
    return [code for child in ast.iter_child_nodes(node) for code in _codes(child)]


def _numbers(tree: ast.AST) -> list[tuple[int, str]]:
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_names_status(s) for s in sides):
                for side in sides:
                    if not _names_status(side) and _codes(side):
                        hits.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if (any(_names_status(t) for t in targets) and node.value is not None
                    and not isinstance(node.value, ast.Constant) and _codes(node.value)):
                hits.append((node.lineno, ast.unparse(node)[:80]))
        elif isinstance(node, ast.keyword) and node.arg and _names_status(
                ast.Name(id=node.arg)) and isinstance(node.value, ast.Constant) and _codes(
                node.value):
            hits.append((node.value.lineno, ast.unparse(node)))
    return hits


def test_status_codes_are_numbers_in_one_file_only() -> None:
    found = [f"{path}:{line}: {text}" for path in _sources(".py")
             for line, text in _numbers(ast.parse(path.read_text("utf-8")))]
    found += [f"{path}: {m.group(0)}" for path in _sources(".j2")
              for m in TEMPLATE_RE.finditer(path.read_text("utf-8"))]
    assert found == []


def test_the_check_finds_numbers_where_names_belong() -> None:
    source = """
FINISHED_STATUSES = frozenset({9, 10})
if dossier.status == 9: pass
if step.status in (5, 6): pass
query.where(Dossier.status.not_in((1, 3)))
ProgressRecord(status=4)
if response.status_code == 200: pass
if status >= 500: pass
if dossier.status in FINISHED: pass
"""
    lines = [line for line, _ in _numbers(ast.parse(source))]
    assert lines == [2, 3, 4, 6]
    assert TEMPLATE_RE.search('{% if e.status == 0 %}')


def test_the_vocabulary_names_every_code_once() -> None:
    from connectors.portal.vocabulary import (
        CHANNEL_NAMES,
        CHANNEL_TITLES,
        STATUS_ALIASES,
        STATUS_NAMES,
        Channel,
        DossierStatus,
    )

    assert [int(s) for s in DossierStatus] == list(range(1, 11))
    assert set(STATUS_NAMES) == set(DossierStatus) == set(STATUS_ALIASES.values())
    assert [int(c) for c in Channel] == [1, 2, 3]
    assert set(CHANNEL_NAMES) == set(CHANNEL_TITLES) == set(Channel)
