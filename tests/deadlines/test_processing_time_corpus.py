"""Published processing-time texts (tests/procedures/corpus) read as a careful supervisor would.

Each case is a real text with its source and the reading a person gives it by hand: a reading
(value, unit, cut-off, how many named exceptions) or "listed back" with every reading it allows.
A reading where the person lists back, or another reading, is a silently wrong deadline.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.deadlines.parsing import Reading, read_processing_time
from app.deadlines.rules import ProcessingTime

CORPUS = Path(__file__).parents[1] / "procedures" / "corpus"


def _cases() -> list[Any]:
    cases = []
    for path in sorted(CORPUS.glob("*.json")):
        family = json.loads(path.read_text(encoding="utf-8"))
        for index, case in enumerate(family["cases"]):
            cases.append(pytest.param(case, id=f"{family['family']}-{index}"))
    return cases


def _key(value: str, unit: str, cutoff: str | None = None) -> tuple[ProcessingTime, dt.time | None]:
    return (ProcessingTime(Decimal(value), unit),  # type: ignore[arg-type]
            dt.time.fromisoformat(cutoff) if cutoff else None)


def _seen(reading: Reading) -> tuple[ProcessingTime, dt.time | None]:
    return reading.time, reading.cutoff


def test_the_corpus_is_large_and_varied() -> None:
    texts = [p.values[0]["text"] for p in _cases()]
    assert len(set(texts)) == len(texts) >= 100
    assert len(list(CORPUS.glob("*.json"))) >= 10


@pytest.mark.parametrize("case", _cases())
def test_published_text_is_read_as_a_person_reads_it(case: dict[str, Any]) -> None:
    result = read_processing_time(case["text"])
    if "read" in case:
        expected = case["read"]
        assert result.reading is not None, f"listed back: {result.reason}"
        assert _seen(result.reading) == _key(expected["value"], expected["unit"],
                                              expected.get("cutoff"))
        assert result.reading.phrase and result.reading.phrase in " ".join(case["text"].split())
        if "exceptions" in expected:
            assert len(result.exceptions) == expected["exceptions"], result.exceptions
    else:
        assert result.reading is None, f"read as {result.reading}"
        assert {_seen(c) for c in result.candidates} == {_key(*r) for r in case["listed_back"]}
        assert result.reason
        if "reason" in case:
            assert case["reason"] in result.reason
