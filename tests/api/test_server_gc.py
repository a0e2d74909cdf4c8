"""The server process collects garbage less often than Python's default (app/main.py,
`_fewer_gc_passes`; docs/scaling.md, the receiver round 4), and still runs full collections."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator

import pytest


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.set_threshold(*threshold)
    gc.unfreeze()


@pytest.mark.usefixtures("restored_gc")
def test_the_server_process_collects_young_objects_less_often_but_still_fully() -> None:
    from app.main import app_factory

    try:
        app_factory().state.engine.dispose()
    finally:
        logging.getLogger().handlers.clear()  # setup_logging's handler: not for other tests
    young, middle, old = gc.get_threshold()
    assert young >= 10_000  # Python's default is 700 (3.12: 2,000)
    assert 0 < middle <= 10 and 0 < old <= 10  # full collections are not put off for good
    assert gc.get_freeze_count() > 0  # what startup loaded is left out of every pass
