"""Job functions for the job tests, in a module a spawned worker process can import."""

from __future__ import annotations

import os
import time
from pathlib import Path

from api.jobs import JobContext


def halfway_then_done(ctx: JobContext, ref: str) -> str:
    """Reports half-way (naming the process it runs in), then returns `ref`."""
    ctx.progress(0.5, f"half-way in process {os.getpid()}")
    ctx.progress(0.75, "three quarters")
    return ref


def raises(ctx: JobContext, message: str) -> str:
    ctx.progress(0.25, "about to fail")
    raise RuntimeError(message)


def goes_backwards(ctx: JobContext) -> str:
    ctx.progress(0.8, "far")
    ctx.progress(0.3, "a later, smaller report")
    return "test:backwards"


def returns_nothing(ctx: JobContext) -> str:
    ctx.progress(0.1)
    return ""


def dies(ctx: JobContext) -> str:
    """The worker process ends abruptly (as if killed, or out of memory)."""
    ctx.progress(0.2, "about to die")
    os._exit(3)


def waits_for(ctx: JobContext, path: str) -> str:
    """Runs until the file `path` exists."""
    ctx.progress(0.1, "waiting")
    while not Path(path).exists():
        time.sleep(0.05)
    return "test:waited"
