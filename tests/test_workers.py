"""The web workers' loop runs in one large frame (``config/workers.py``): no Python call made
inside it maps or unmaps a frame chunk, whatever depth it loops at."""

import resource
import sys

import pytest
from gunicorn.workers.sync import SyncWorker as GunicornSyncWorker

from config import workers


def _descend(depth: int) -> int:
    return 0 if depth == 0 else _descend(depth - 1) + 1


def _loop_at_every_depth() -> int:
    """Minor page faults while calls 1 to 300 frames deep are made 30 times each: a loop at
    any depth whose calls cross a chunk boundary maps and unmaps a chunk on every turn."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for depth in range(1, 300):
        for _ in range(30):
            _descend(depth)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_the_large_frame_returns_what_the_call_returns():
    assert workers.in_large_frame(lambda: 42) == 42
    assert workers.in_large_frame.__code__.co_nlocals > workers.LARGE_FRAME_LOCALS


def test_calls_inside_the_large_frame_map_no_chunks():
    workers.in_large_frame(_loop_at_every_depth)  # its pages touched once
    assert workers.in_large_frame(_loop_at_every_depth) < 20


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="later CPython keeps a spare chunk")
def test_the_same_calls_outside_it_do():
    """What the large frame avoids, on the Python the image runs."""
    _loop_at_every_depth()
    assert _loop_at_every_depth() > 1000


def test_the_worker_is_gunicorns_sync_worker_run_in_the_frame(monkeypatch):
    seen = []
    monkeypatch.setattr(GunicornSyncWorker, "run", lambda self: seen.append(sys._getframe(1)))
    workers.SyncWorker.run(object.__new__(workers.SyncWorker))
    assert issubclass(workers.SyncWorker, GunicornSyncWorker)
    assert seen[0].f_code is workers.in_large_frame.__code__
