"""`make mutation` itself (tools/mutation.py): on a toy project with one weak test, the runner
copies, mutates, samples, runs, and reports the score and the survivor that the weak test lets
through. Needs mutmut (dev extras)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _runner():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("tthc_mutation", ROOT / "tools" / "mutation.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


TOY_SOURCE = '''
def is_late(finished: int, due: int) -> bool:
    return finished > due


def hours_over(finished: int, due: int) -> int:
    return max(finished - due, 0)
'''
# Never tries finished == due, so `>=` survives; every other mutant is caught.
TOY_TEST = '''
from toy.due import hours_over, is_late


def test_late() -> None:
    assert is_late(5, 3)
    assert not is_late(1, 3)
    assert hours_over(5, 3) == 2
    assert hours_over(1, 3) == 0
'''


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    (tmp_path / "toy").mkdir()
    (tmp_path / "toy" / "__init__.py").write_text("")
    (tmp_path / "toy" / "due.py").write_text(TOY_SOURCE)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_due.py").write_text(TOY_TEST)
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\naddopts = "-q"\n')
    return tmp_path


def test_the_runner_scores_a_file_and_names_its_survivors(toy: Path) -> None:
    mutation = _runner()
    setup = mutation.Setup(
        source_paths=("toy",), also_copy=(), pytest_args=("-p", "no:cacheprovider"), preload=(),
        jobs=1, env=(("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1"),),  # a bare pytest starts faster
    )
    report = mutation.run_target(toy, "toy/due.py", "tests", sample=0, seed=1, setup=setup)
    assert report.total == len(report.statuses) >= 4
    (survivor,) = report.survivors
    assert "finished >= due" in report.diffs[survivor]
    assert report.detected == report.tested - 1
    assert f"{report.score:.1f} %" in report.summary()
    assert "== survivors in toy/due.py (1) ==" in mutation.render([report])
    assert (toy / "toy" / "due.py").read_text() == TOY_SOURCE  # the original is never touched


def test_targets_are_chosen_by_path_or_given_with_their_tests() -> None:
    mutation = _runner()
    assert mutation.selected_targets("") == mutation.TARGETS
    assert mutation.selected_targets("app/deadlines/clock.py") == {
        "app/deadlines/clock.py": "tests/deadlines"}
    assert mutation.selected_targets(" app/x.py = tests/x ") == {"app/x.py": "tests/x"}
    with pytest.raises(SystemExit, match="not a mutation target"):
        mutation.selected_targets("app/unknown.py")
    for target, tests in mutation.TARGETS.items():
        assert (ROOT / target).is_file() and (ROOT / tests).is_dir(), target


def test_a_sample_is_repeatable_and_never_larger_than_the_file() -> None:
    mutation = _runner()
    names = [f"m.x_f__mutmut_{n}" for n in range(1, 41)]
    first = mutation.choose(names, sample=10, seed=21, target="a.py")
    assert len(first) == len(set(first)) == 10 and set(first) <= set(names)
    assert first == mutation.choose(names, sample=10, seed=21, target="a.py")
    assert first != mutation.choose(names, sample=10, seed=22, target="a.py")
    assert first == sorted(first, key=lambda n: int(n.rsplit("_", 1)[1]))  # in file order
    assert mutation.choose(names, sample=0, seed=21, target="a.py") == names
    assert mutation.choose(names, sample=99, seed=21, target="a.py") == names
