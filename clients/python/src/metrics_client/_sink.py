"""The buffer every ``add_*`` call appends to, and the background thread that drains it.

The training thread only takes ``lock`` and appends a tuple; building protos, PNG/WAV encoding,
histogram bucketing, sending and disk writes all happen on the sink's own thread.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Optional

from .errors import SummaryWriterError
from ._proto.tensorboard import summary_pb2

log = logging.getLogger("metrics_client")

# Scalar modes: simple_value (float32), new_style DT_FLOAT, new_style DT_DOUBLE.
SIMPLE, NEW_STYLE_FLOAT, NEW_STYLE_DOUBLE = 0, 1, 2

ValuesBuilder = Callable[[], "list[summary_pb2.Summary.Value]"]


@dataclass
class Chunk:
    """What was buffered between two cuts: scalars ``(tag, step, wall, value, mode)`` and other items
    ``("values", step, wall, builder)`` / ``("graph", step, wall, bytes)``, after an optional restart."""

    scalars: list
    others: list
    restart_at_step: Optional[int] = None
    points: int = field(default=0)


_live_sinks: "weakref.WeakSet[Sink]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # The child has the parent's buffers and locks but none of its threads: it must not use them.
    for sink in list(_live_sinks):
        sink.broken = SummaryWriterError(
            f"this SummaryWriter belongs to process {sink.owner_pid}; a forked child (e.g. a DataLoader "
            "worker) cannot log through it. Create a SummaryWriter in the child, or log from the parent.")


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Sink:
    """The buffer and the drain thread; subclasses say what draining does (send or write files)."""

    def __init__(self, run_name: str, max_queue: int, flush_secs: float) -> None:
        if max_queue <= 0:
            raise ValueError(f"max_queue must be positive, not {max_queue}")
        if flush_secs <= 0:
            raise ValueError(f"flush_secs must be positive, not {flush_secs}")
        self.run_name = run_name
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.lock = threading.Lock()
        self.scalars: list = []
        self.others: list = []
        self.wake = threading.Event()
        self.broken: Optional[BaseException] = None
        self.owner_pid = os.getpid()
        self.points_added = 0
        self._restart: Optional[int] = None
        self._sealed: deque = deque()
        self._sealed_count = 0
        self._drained_count = 0
        self._drained = threading.Condition()
        self._closing = False
        self._thread: Optional[threading.Thread] = None
        _live_sinks.add(self)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._drain_loop, name=f"metrics-client-{self.run_name}", daemon=True)
        self._thread.start()

    # Training-thread side -----------------------------------------------------------------------

    def raise_if_broken(self) -> None:
        if self.broken is not None:
            raise SummaryWriterError(str(self.broken)) from self.broken

    def add_other(self, item: tuple) -> None:
        self.raise_if_broken()
        with self.lock:
            self.others.append(item)
            if len(self.others) + len(self.scalars) >= self.max_queue:
                self.wake.set()

    def restart(self, step: int) -> None:
        """Everything added before is cut off; the next cut starts with a restart at ``step``."""
        self.raise_if_broken()
        with self.lock:
            self._seal_locked()
            self._restart = step
            self._seal_locked()
        self.wake.set()

    def seal(self) -> int:
        """Cuts the buffer; returns how many cuts exist so far (to wait for their draining)."""
        with self.lock:
            self._seal_locked()
            count = self._sealed_count
        self.wake.set()
        return count

    def _seal_locked(self) -> None:
        if self.scalars or self.others or self._restart is not None:
            chunk = Chunk(self.scalars, self.others, self._restart)
            self.points_added += len(self.scalars) + len(self.others)
            self.scalars, self.others, self._restart = [], [], None
            self._sealed.append(chunk)
            self._sealed_count += 1

    def wait_drained(self, count: int, deadline: Optional[float]) -> bool:
        with self._drained:
            while self._drained_count < count:
                if self._thread is None or not self._thread.is_alive():
                    return False
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._drained.wait(0.1 if remaining is None else min(remaining, 0.1))
        return True

    # Drain-thread side --------------------------------------------------------------------------

    def _drain_loop(self) -> None:
        while True:
            self.wake.wait(self.flush_secs)
            self.wake.clear()
            with self.lock:
                self._seal_locked()
                chunks = list(self._sealed)
                self._sealed.clear()
                closing = self._closing
            for chunk in chunks:
                try:
                    self.drain(chunk)
                except Exception as error:  # noqa: BLE001 - surfaced to the training thread
                    log.exception("metrics_client: could not process buffered data of run %s", self.run_name)
                    self.broken = SummaryWriterError(f"could not encode buffered data of run {self.run_name!r}: {error}")
                with self._drained:
                    self._drained_count += 1
                    self._drained.notify_all()
            self.after_drain()
            if closing:
                return

    def stop_draining(self, deadline: float) -> None:
        with self.lock:
            self._seal_locked()
            self._closing = True
        self.wake.set()
        if self._thread is not None:
            self._thread.join(max(0.0, deadline - time.monotonic()))

    def drain(self, chunk: Chunk) -> None:
        raise NotImplementedError

    def after_drain(self) -> None:
        """Called after each round of draining (the offline sink flushes its file here)."""
