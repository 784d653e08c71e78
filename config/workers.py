"""gunicorn's sync worker, its request loop run in one large interpreter frame.

CPython 3.11 and 3.12 keep a thread's Python frames in 16 KB chunks: a call that does not fit
in the current chunk maps a new one, and the return from it unmaps it again. A loop whose body
calls across such a boundary — Django's template engine drawing a form's options or a table's
rows, a few levels below where gunicorn's loop leaves the stack — maps and unmaps a chunk on
every turn: measured here, 2,170 ``mmap``/``munmap`` pairs and as many page faults for one
request of a form page, half of its CPU time (31 ms against 15 ms for the same page served
from a thread, whose stack starts elsewhere). Where the boundary falls depends only on the
depth the loop starts at, so any page may meet it. Later releases of CPython keep a spare
chunk instead (python/cpython issue 142183); the image runs 3.11.

``SyncWorker`` runs gunicorn's own loop inside a call whose frame is about 264 KB: that frame
gets a 512 KB chunk of its own and every frame of every request is pushed after it in the
same chunk, which stays mapped as long as the worker lives. Nothing else changes: it is
gunicorn's sync worker, selected with ``--worker-class config.workers.SyncWorker``.
"""

from collections.abc import Callable

from gunicorn.workers.sync import SyncWorker as GunicornSyncWorker

Call = Callable[[Callable[[], object]], object]

# Local variables of the large frame, 8 bytes each: 264 KB, so that CPython gives the frame a
# 512 KB chunk (chunks double from 16 KB until the frame fits) and leaves ~248 KB after it for
# the frames of the loop and of each request (Python's recursion limit of 1,000 frames of ~200
# bytes fits).
LARGE_FRAME_LOCALS = 33_000


def _large_frame_call() -> Call:
    names = ", ".join(f"_{i}" for i in range(LARGE_FRAME_LOCALS))
    # The assignment is never run; it only makes the names local variables of the function
    # (the compiler counts them before it drops the dead branch).
    source = f"def call(function):\n    if False:\n        {names} = None\n    return function()\n"
    namespace: dict[str, Call] = {}
    exec(compile(source, "<config.workers large frame>", "exec"), namespace)
    return namespace["call"]


in_large_frame = _large_frame_call()


class SyncWorker(GunicornSyncWorker):
    """gunicorn's sync worker whose loop, and so every request, runs in one large frame."""

    def run(self) -> None:
        in_large_frame(super().run)
