"""Online mode: numbered batches streamed to the ingest service (metrics.v1.Ingest/Write).

The protocol of the C# SDK (docs/client.md): a stable writer id, batches numbered 1, 2, 3 …,
resent from the server's ``Resume`` after every reconnect, dropped when acknowledged; a journal
for what is not acknowledged; permanent errors raised from the next call.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import threading
import time
import weakref
from collections import defaultdict
from pathlib import Path
from typing import Mapping, Optional, Sequence

import grpc
import numpy as np

from ._encoding import varint
from ._journal import Journal, folder_for, owner_of
from ._migrate import BLOBS, SCALAR, TENSOR, Point, migrate
from ._pending import PendingBatches
from ._proto.metrics.v1 import ingest_pb2
from ._proto.tensorboard import plugin_scalar_pb2
from ._sink import NEW_STYLE_DOUBLE, Chunk, Sink
from .errors import CloseResult, Statistics, SummaryWriterError

log = logging.getLogger("metrics_client")

MAX_BATCH_POINTS = 10_000
MAX_BATCH_BYTES = 1 << 20
INLINE_BLOB_LIMIT = 1 << 20
BLOB_CHUNK_BYTES = 512 * 1024
MAX_IN_FLIGHT = 64

_PERMANENT = {
    grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.UNIMPLEMENTED,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.OUT_OF_RANGE,
}
_SCALAR_CONTENT = plugin_scalar_pb2.ScalarPluginData().SerializeToString()
RUN_GRAPH_TAG = "__run_graph__"


class Connection:
    """One gRPC channel to ingest, shared by a writer's runs (its main run and sub-runs)."""

    def __init__(self, server: str, token: Optional[str], project: Optional[str]) -> None:
        if server.startswith("https://"):
            target, secure = server[len("https://"):], True
        elif server.startswith("http://"):
            target, secure = server[len("http://"):], False
        else:
            raise ValueError(f"server must be an http:// or https:// URL, not {server!r}")
        target = target.rstrip("/")
        if not target or "/" in target:
            raise ValueError(f"server must be scheme://host:port, not {server!r}")
        if ":" not in target.rsplit("]", 1)[-1]:
            target += ":443" if secure else ":80"
        options = [
            ("grpc.max_send_message_length", -1),
            ("grpc.max_receive_message_length", 16 << 20),
            ("grpc.keepalive_time_ms", 15_000),
            ("grpc.keepalive_timeout_ms", 15_000),
            ("grpc.http2.max_pings_without_data", 0),
            ("grpc.initial_reconnect_backoff_ms", 100),
            ("grpc.min_reconnect_backoff_ms", 100),
            ("grpc.max_reconnect_backoff_ms", 5_000),
            ("grpc.enable_retries", 0),
        ]
        self._target, self._secure, self._options = target, secure, options
        self.metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self.project = project or ""
        self._lock = threading.Lock()
        self._retired: list = []
        self._build()
        _connections.add(self)

    def _build(self) -> None:
        if self._secure:
            self.channel = grpc.secure_channel(self._target, grpc.ssl_channel_credentials(), options=self._options)
        else:
            self.channel = grpc.insecure_channel(self._target, options=self._options)
        self.generation = _fork_generation
        self.open_run = self.channel.unary_unary(
            "/metrics.v1.Ingest/OpenRun",
            request_serializer=ingest_pb2.OpenRunRequest.SerializeToString,
            response_deserializer=ingest_pb2.OpenRunResponse.FromString)
        self.write = self.channel.stream_stream(
            "/metrics.v1.Ingest/Write",
            request_serializer=lambda data: data,
            response_deserializer=ingest_pb2.WriteResponse.FromString)

    def renew_if_stale(self, seen_generation: int, failures: int) -> None:
        """A channel that was connecting while the process forked can stay broken in the parent; so
        can one after repeated failures. A failed stream asks for a fresh channel in those cases."""
        with self._lock:
            if self.generation != _fork_generation or (failures >= 3 and seen_generation == self.generation):
                self._retired.append(self.channel)
                self._build()
                self.generation = _fork_generation if failures < 3 else self.generation + 1_000_000

    def close(self) -> None:
        for channel in [*self._retired, self.channel]:
            channel.close()


_connections: "weakref.WeakSet[Connection]" = weakref.WeakSet()
_fork_generation = 0


def _after_fork_in_parent() -> None:
    global _fork_generation
    _fork_generation += 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_parent=_after_fork_in_parent)


class _Stream:
    """State of one Write stream, shared by the request generator and the response reader."""

    def __init__(self) -> None:
        self.alive = True
        self.resume: Optional[int] = None


def _hparam_value(kind: str, value) -> ingest_pb2.HParamValue:
    if kind == "bool":
        return ingest_pb2.HParamValue(bool_value=value)
    if kind == "string":
        return ingest_pb2.HParamValue(string_value=value)
    return ingest_pb2.HParamValue(number_value=value)


class OnlineSink(Sink):
    def __init__(self, connection: Connection, run_name: str, writer_id: str, writer_id_is_new: bool,
                 journal_root: Path, max_queue: int, flush_secs: float, max_memory_bytes: int,
                 restart_at_step: Optional[int] = None, hparams: Optional[Mapping[str, tuple]] = None,
                 hparam_metrics: Sequence[str] = ()) -> None:
        super().__init__(run_name, max_queue, flush_secs)
        self.connection = connection
        self.writer_id = writer_id
        self.journal_directory = folder_for(journal_root, run_name, writer_id)
        owner = owner_of(run=run_name, writer_id=writer_id)
        self.store = PendingBatches(Journal(self.journal_directory, owner), max_memory_bytes)
        self.claim = None  # the lock on an adopted journal (SummaryWriter._adopt_orphans)
        recovered = self.store.recover()
        if recovered:
            log.warning("metrics_client: run %s, writer %s: %d batches found in the journal %s are sent first",
                        run_name, writer_id, recovered, self.journal_directory)
        self._may_renumber = recovered == 0 and not writer_id_is_new
        self._restart_at_step = restart_at_step
        self._hparams = {name: _hparam_value(kind, value) for name, (kind, value) in (hparams or {}).items()}
        self._hparam_metrics = list(hparam_metrics)
        self._tags: dict[str, int] = {}
        self._stop = threading.Event()
        self._call = None
        self._reconnects = 0
        self._batches_sent = 0
        self._batches_resent = 0
        self._max_sent = 0
        self.fault: Optional[str] = None
        self.start()
        self._connection_thread = threading.Thread(
            target=self._connection_loop, name=f"metrics-client-send-{run_name}", daemon=True)
        self._connection_thread.start()

    # Encoding (drain thread) ----------------------------------------------------------------------

    def drain(self, chunk: Chunk) -> None:
        builder = _BatchBuilder(self._tags, chunk.restart_at_step)
        by_tag: dict[str, list] = defaultdict(list)
        for item in chunk.scalars:
            by_tag[item[0]].append(item)
        for tag, items in by_tag.items():
            builder.add_scalars(tag, items)
        for kind, step, wall, payload in chunk.others:
            if kind == "graph":
                builder.add_point(Point(RUN_GRAPH_TAG, "graphs", b"", BLOBS, "", "", [payload]), step, wall)
                continue
            for value in payload():
                point = migrate(value)
                if point is not None:
                    builder.add_point(point, step, wall)
        for batch in builder.finish():
            self.store.append(batch)

    # Connection (its own thread) ----------------------------------------------------------------

    def _open_request(self) -> ingest_pb2.OpenRunRequest:
        request = ingest_pb2.OpenRunRequest(
            run_name=self.run_name, writer_id=self.writer_id, hparam_metrics=self._hparam_metrics,
            expected_project=self.connection.project)
        for name, value in self._hparams.items():
            request.hparams[name].CopyFrom(value)
        if self._restart_at_step is not None:
            request.restart_at_step = self._restart_at_step
        return request

    def _connection_loop(self) -> None:
        backoff = 0.1
        failures = 0
        while not self._stop.is_set():
            stream = _Stream()
            generation = self.connection.generation
            try:
                opened = self.connection.open_run(self._open_request(), metadata=self.connection.metadata, timeout=15)
                self._after_open(opened)
                self._call = self.connection.write(self._requests(stream, opened.run_id), metadata=self.connection.metadata)
                for response in self._call:
                    if response.HasField("resume"):
                        self._on_resume(stream, response.resume.last_committed_seq)
                        backoff = 0.1
                        failures = 0
                    elif response.HasField("ack"):
                        self.store.acknowledge(response.ack.seq)
            except grpc.RpcError as error:
                code = error.code() if hasattr(error, "code") else None
                if self._stop.is_set():
                    break
                if code in _PERMANENT:
                    self._fail(f"ingest refused run {self.run_name!r} ({code.name}): {error.details()}")
                    break
                log.info("metrics_client: run %s: connection lost (%s), reconnecting", self.run_name, code)
            except SummaryWriterError as error:
                self._fail(str(error))
                break
            finally:
                with self.store.cond:
                    stream.alive = False
                    self.store.cond.notify_all()
                self.store.set_connected(False)
                self._call = None
            if self._stop.is_set():
                break
            self._reconnects += 1
            failures += 1
            self.connection.renew_if_stale(generation, failures)
            self._stop.wait(backoff * random.uniform(0.8, 1.2))
            backoff = min(backoff * 2, 5.0)

    def _after_open(self, opened: ingest_pb2.OpenRunResponse) -> None:
        if self._may_renumber:
            self._may_renumber = False
            if opened.last_committed_seq > 0 and not self.store.sent_any:
                # A pinned writer id the server already holds batches of (a restarted rank-0).
                self.store.renumber(opened.last_committed_seq)

    def _on_resume(self, stream: _Stream, last_committed: int) -> None:
        with self.store.cond:
            if last_committed > self.store.last_seq:
                raise SummaryWriterError(
                    f"the server holds batch {last_committed} of writer {self.writer_id!r} but this writer numbered "
                    f"only {self.store.last_seq}: two processes use the same writer id")
        self.store.acknowledge(last_committed)
        self.store.set_connected(True)
        with self.store.cond:
            stream.resume = last_committed
            self.store.cond.notify_all()

    def _requests(self, stream: _Stream, run_id: int):
        yield ingest_pb2.WriteRequest(header=ingest_pb2.WriteHeader(run_id=run_id, writer_id=self.writer_id)).SerializeToString()
        store = self.store
        with store.cond:
            while stream.alive and stream.resume is None:
                store.cond.wait(0.2)
            if not stream.alive:
                return
            next_seq = stream.resume + 1
        while True:
            with store.cond:
                while stream.alive and not (next_seq <= store.last_seq and next_seq - store.acknowledged <= MAX_IN_FLIGHT):
                    store.cond.wait(0.2)
                if not stream.alive:
                    return
                next_seq = max(next_seq, store.acknowledged + 1)
                data = store.get(next_seq)
                store.sent_any = True
            if next_seq <= self._max_sent:
                self._batches_resent += 1
            self._max_sent = max(self._max_sent, next_seq)
            self._batches_sent += 1
            # Stored batches carry no seq (renumbering stays free): prepend Batch.seq (field 1) and wrap
            # the bytes as WriteRequest.batch (field 2), without re-parsing them.
            batch = b"\x08" + varint(next_seq) + data
            yield b"\x12" + varint(len(batch)) + batch
            next_seq += 1

    def _fail(self, message: str) -> None:
        self.fault = message
        self.broken = SummaryWriterError(message)
        log.error("metrics_client: %s; pending batches stay in %s", message, self.journal_directory)
        with self.store.cond:
            self.store.cond.notify_all()

    # Training-thread side -------------------------------------------------------------------------

    def statistics(self) -> Statistics:
        store = self.store
        with store.cond:
            return Statistics(
                points_added=self.points_added + len(self.scalars) + len(self.others),
                last_sequence=store.last_seq, acknowledged=store.acknowledged,
                memory_bytes=store.memory_bytes, peak_memory_bytes=store.peak_memory_bytes,
                journal_batches=len(store.journal), journal_bytes=store.journal.bytes, batches_spilled=store.spilled,
                batches_sent=self._batches_sent, batches_resent=self._batches_resent,
                reconnects=self._reconnects, connected=store.connected, fault=self.fault)

    def flush(self, timeout: Optional[float]) -> None:
        """Waits until everything added so far is acknowledged (or, after ``timeout``, safe in the journal)."""
        self.raise_if_broken()
        deadline = None if timeout is None else time.monotonic() + timeout
        self.wait_drained(self.seal(), deadline)
        self._wait_acknowledged(self.store.last_seq, deadline)
        self.raise_if_broken()
        if self.store.acknowledged < self.store.last_seq:
            self.store.spill_all()

    def _wait_acknowledged(self, seq: int, deadline: Optional[float]) -> bool:
        store = self.store
        with store.cond:
            while store.acknowledged < seq and self.broken is None:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                store.cond.wait(0.2 if remaining is None else min(0.2, remaining))
        return store.acknowledged >= seq

    def close(self, timeout: float) -> CloseResult:
        deadline = time.monotonic() + timeout
        self.stop_draining(deadline)
        self._wait_acknowledged(self.store.last_seq, deadline)
        self._stop.set()
        call = self._call
        if call is not None:
            call.cancel()
        self._connection_thread.join(max(1.0, deadline - time.monotonic()))
        self.store.spill_all()
        self.store.journal.close()
        if self.claim is not None:
            self.claim.close()
        pending = self.store.pending()
        if pending:
            log.warning("metrics_client: run %s closed with %d batches not acknowledged; they stay in %s and are "
                        "sent by the next SummaryWriter of this run and writer id", self.run_name, pending,
                        self.journal_directory)
        return CloseResult(last_sequence=self.store.last_seq, acknowledged=self.store.acknowledged,
                           pending_batches=pending,
                           journal_directory=str(self.journal_directory) if pending else None, fault=self.fault)


class _BatchBuilder:
    """Cuts points into Batch messages of at most MAX_BATCH_POINTS points / about MAX_BATCH_BYTES."""

    def __init__(self, tags: dict, restart_at_step: Optional[int]) -> None:
        self._tags = tags
        self._done: list[bytes] = []
        self._batch = ingest_pb2.Batch()
        if restart_at_step is not None:
            self._batch.restart_at_step = restart_at_step
        self._points = 0
        self._bytes = 0

    def _metadata(self, point: Point) -> None:
        known = self._tags.get(point.tag)
        if known is None:
            self._tags[point.tag] = point.data_class
            self._batch.metadata.append(point.series_metadata())
        elif known != point.data_class:
            raise SummaryWriterError(f"tag {point.tag!r} already holds data class {known}; it cannot take {point.data_class}")

    def _cut_if_full(self) -> None:
        if self._points >= MAX_BATCH_POINTS or self._bytes >= MAX_BATCH_BYTES:
            self._cut()

    def _cut(self) -> None:
        if self._points or self._batch.HasField("restart_at_step") or len(self._batch.blob_chunks):
            self._done.append(self._batch.SerializeToString())
        self._batch = ingest_pb2.Batch()
        self._points = 0
        self._bytes = 0

    def add_scalars(self, tag: str, items: list) -> None:
        steps = [item[1] for item in items]
        walls = [item[2] for item in items]
        raw = np.array([item[3] for item in items], dtype=np.float64)
        double = np.array([item[4] == NEW_STYLE_DOUBLE for item in items], dtype=bool)
        with np.errstate(over="ignore"):
            rounded = raw.astype(np.float32).astype(np.float64)
        values = np.where(double, raw, rounded).tolist()
        start = 0
        while start < len(items):
            take = min(len(items) - start, MAX_BATCH_POINTS - self._points)
            self._metadata(Point(tag, "scalars", _SCALAR_CONTENT, SCALAR, "", "", 0.0))
            series = self._batch.scalars.add(tag=tag)
            series.steps.extend(steps[start:start + take])
            series.wall_times.extend(walls[start:start + take])
            series.values.extend(values[start:start + take])
            self._points += take
            self._bytes += 24 * take
            start += take
            self._cut_if_full()

    def add_point(self, point: Point, step: int, wall: float) -> None:
        self._metadata(point)
        if point.data_class == SCALAR:
            series = self._batch.scalars.add(tag=point.tag)
            series.steps.append(step)
            series.wall_times.append(wall)
            series.values.append(point.value)
            self._bytes += 24
        elif point.data_class == TENSOR:
            self._batch.tensors.add(tag=point.tag, step=step, wall_time=wall, tensor=point.value)
            self._bytes += point.value.ByteSize()
        else:
            blob_point = ingest_pb2.BlobPoint(tag=point.tag, step=step, wall_time=wall)
            for blob in point.value:
                if len(blob) <= INLINE_BLOB_LIMIT:
                    blob_point.blobs.add(data=blob)
                    self._bytes += len(blob)
                    continue
                # Large blobs travel as chunks in this and earlier batches, each batch staying small.
                digest = hashlib.sha256(blob).digest()
                for offset in range(0, len(blob), BLOB_CHUNK_BYTES):
                    part = blob[offset:offset + BLOB_CHUNK_BYTES]
                    self._batch.blob_chunks.add(sha256=digest, offset=offset, data=part)
                    self._bytes += len(part)
                    if self._bytes >= MAX_BATCH_BYTES:
                        self._cut()
                blob_point.blobs.add(chunked=ingest_pb2.ChunkedBlob(sha256=digest, size=len(blob)))
            self._batch.blobs.append(blob_point)
        self._points += 1
        self._cut_if_full()

    def finish(self) -> list[bytes]:
        self._cut()
        return self._done
