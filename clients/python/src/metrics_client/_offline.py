"""Offline mode: TensorBoard event files, written as torch's ``SummaryWriter`` writes them.

``metrics upload`` sends such a logdir later.
"""

from __future__ import annotations

import itertools
import os
import socket
import time
from pathlib import Path

from ._encoding import tfrecord
from ._proto.tensorboard import event_pb2, summary_pb2
from ._sink import NEW_STYLE_DOUBLE, SIMPLE, Chunk, Sink
from . import _summaries

_file_counter = itertools.count()


class OfflineSink(Sink):
    def __init__(self, log_dir: str, max_queue: int, flush_secs: float, filename_suffix: str = "",
                 purge_step: int | None = None) -> None:
        super().__init__(log_dir, max_queue, flush_secs)
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        name = "events.out.tfevents.%010d.%s.%s.%s%s" % (
            time.time(), socket.gethostname(), os.getpid(), next(_file_counter), filename_suffix)
        self.path = self.log_dir / name
        self._file = open(self.path, "ab")
        self._write(event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))
        self._file.flush()
        if purge_step is not None:
            self.restart(purge_step)
        self.start()

    def _write(self, event: event_pb2.Event) -> None:
        self._file.write(tfrecord(event.SerializeToString()))

    def drain(self, chunk: Chunk) -> None:
        if chunk.restart_at_step is not None:
            # Two STARTs: a restart whether or not an earlier file of the run already had one.
            start = event_pb2.SessionLog(status=event_pb2.SessionLog.START)
            for _ in range(2):
                self._write(event_pb2.Event(wall_time=time.time(), step=chunk.restart_at_step, session_log=start))
        for tag, step, wall, value, mode in chunk.scalars:
            summary_value = _summaries.scalar(tag, value, new_style=mode != SIMPLE, double_precision=mode == NEW_STYLE_DOUBLE)
            self._write(event_pb2.Event(wall_time=wall, step=step, summary=summary_pb2.Summary(value=[summary_value])))
        for kind, step, wall, payload in chunk.others:
            if kind == "graph":
                self._write(event_pb2.Event(wall_time=wall, step=step, graph_def=payload))
            else:
                self._write(event_pb2.Event(wall_time=wall, step=step, summary=summary_pb2.Summary(value=payload())))

    def after_drain(self) -> None:
        self._file.flush()

    def flush(self, timeout: float | None = None) -> None:
        count = self.seal()
        deadline = None if timeout is None else time.monotonic() + timeout
        self.wait_drained(count, deadline)
        self.raise_if_broken()
        os.fsync(self._file.fileno())

    def close(self, timeout: float) -> None:
        self.stop_draining(time.monotonic() + timeout)
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
