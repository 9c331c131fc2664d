"""``SummaryWriter``: ``torch.utils.tensorboard.SummaryWriter``'s API, streaming to Metrics."""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
import time
import uuid
import weakref
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np

from . import _summaries
from ._journal import claim, default_root, orphans
from ._offline import OfflineSink
from ._online import Connection, OnlineSink
from ._proto.tensorboard import graph_pb2, summary_pb2
from ._sink import NEW_STYLE_DOUBLE, NEW_STYLE_FLOAT, SIMPLE, Sink
from ._values import to_float, to_numpy, to_step, to_walltime
from .errors import CloseResult, Statistics, SummaryWriterError

log = logging.getLogger("metrics_client")
_time = time.time

DEFAULT_CLOSE_TIMEOUT = 30.0
DEFAULT_MAX_MEMORY_BYTES = 64 << 20
_TRUE = {"1", "true", "yes", "on"}


def default_run_name(comment: str = "") -> str:
    """torch's default ``log_dir``: ``runs/<Mon DD_HH-MM-SS>_<host><comment>``."""
    return os.path.join("runs", datetime.now().strftime("%b%d_%H-%M-%S") + "_" + socket.gethostname() + comment)


def run_name_problem(name: str) -> Optional[str]:
    if not name:
        return "the run name (log_dir) is empty"
    if name.startswith("/") or "\\" in name or any(ord(c) < 32 or ord(c) == 127 for c in name):
        return f"run name {name!r} must be a relative path without backslashes or control characters"
    if any(segment in ("", ".", "..") for segment in name.split("/")):
        return f"run name {name!r} must be made of non-empty segments other than '.' and '..'"
    return None


def _run_name_of(log_dir: str) -> str:
    """The run name of a ``log_dir``: the path as given, relative, with '/' separators (absolute paths
    under the working directory are made relative to it)."""
    path = os.fspath(log_dir)
    if os.path.isabs(path):
        try:
            relative = os.path.relpath(path, os.getcwd())
        except ValueError:
            relative = path
        if relative.startswith(".."):
            raise ValueError(
                f"log_dir {path!r} is the run name on the server and must be a relative path such as "
                "'runs/mnist/lr-0.01' (or write event files with METRICS_OFFLINE=1)")
        path = relative
    name = os.path.normpath(path).replace(os.sep, "/")
    problem = run_name_problem(name)
    if problem:
        raise ValueError(problem)
    return name


class SummaryWriter:
    """Writes TensorBoard summaries of one run: ``torch.utils.tensorboard.SummaryWriter``'s methods and
    behaviour, streamed to a Metrics ingest service (or written as event files offline).

    Every ``add_*`` call only appends to an in-memory buffer; a background thread encodes, sends and
    handles the server's acknowledgements, spilling to a disk journal what is not acknowledged when
    memory is full or the server is unreachable.

    Args:
        log_dir: the run name (a relative path, the run's folder in an exported logdir); torch's
            default ``runs/<datetime>_<host><comment>`` when omitted. Offline, the event file folder.
        comment: appended to the default run name (ignored when ``log_dir`` is given).
        purge_step: training restarts at this step (resumed from a checkpoint): the run's points at
            this step or later written before are superseded, as TensorBoard does.
        max_queue: buffered points that wake the sender (which then sends everything buffered).
        flush_secs: the longest a point waits in the buffer.
        filename_suffix: appended to event file names (offline).
        server: ingest URL (``http://`` cleartext h2c, ``https://`` TLS); default ``METRICS_SERVER``.
        token: bearer token; default ``METRICS_TOKEN``.
        project: the project the token must belong to; default ``METRICS_PROJECT``.
        offline: write event files instead of streaming; default ``METRICS_OFFLINE=1``, and offline
            when no server is configured.
        writer_id: pin the writer id (e.g. ``"rank-0"``) so a restarted process resumes its journal
            and numbering; default ``METRICS_WRITER_ID``, else a fresh id per writer.
        journal_dir: journal root; default ``$XDG_CACHE_HOME/metrics/journal``.
        close_timeout: how long ``close()`` (and ``atexit``) waits for acknowledgements.
        max_memory_bytes: unacknowledged batches kept in memory before the oldest spill to disk.
    """

    def __init__(self, log_dir: Optional[str] = None, comment: str = "", purge_step: Optional[int] = None,
                 max_queue: int = 10, flush_secs: int = 120, filename_suffix: str = "", *,
                 server: Optional[str] = None, token: Optional[str] = None, project: Optional[str] = None,
                 offline: Optional[bool] = None, writer_id: Optional[str] = None,
                 journal_dir: Optional[Union[str, Path]] = None, close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
                 max_memory_bytes: int = DEFAULT_MAX_MEMORY_BYTES) -> None:
        self.log_dir = os.fspath(log_dir) if log_dir is not None else default_run_name(comment)
        self.purge_step = None if purge_step is None else to_step(purge_step)
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.close_timeout = close_timeout
        self._max_memory_bytes = max_memory_bytes
        server = server if server is not None else os.environ.get("METRICS_SERVER") or None
        if offline is None:
            offline = os.environ.get("METRICS_OFFLINE", "").strip().lower() in _TRUE
            if server is None and not offline:
                log.warning("metrics_client: no server (server= or METRICS_SERVER): writing TensorBoard event "
                            "files to %s; `metrics upload` sends them later", self.log_dir)
                offline = True
        if server is None and not offline:
            raise ValueError("online mode needs a server: pass server= or set METRICS_SERVER")
        self.offline = bool(offline)
        self._lock = threading.Lock()
        self._sub_sinks: dict[str, Sink] = {}
        self._closed = False
        self._close_result: Optional[CloseResult] = None
        self._pid = os.getpid()
        if self.offline:
            self.run_name = self.log_dir
            self.writer_id: Optional[str] = None
            self._connection: Optional[Connection] = None
            self._journal_root = None
            self._sink: Sink = OfflineSink(self.log_dir, max_queue, flush_secs, filename_suffix, self.purge_step)
        else:
            self.run_name = _run_name_of(self.log_dir)
            pinned = writer_id or os.environ.get("METRICS_WRITER_ID") or None
            self.writer_id = pinned or f"{socket.gethostname()}-{os.getpid()}-{int(_time() * 1000)}-{uuid.uuid4().hex[:8]}"
            self._writer_id_is_new = pinned is None
            self._journal_root = Path(journal_dir) if journal_dir is not None else default_root()
            self._connection = Connection(
                server, token if token is not None else os.environ.get("METRICS_TOKEN"),
                project if project is not None else os.environ.get("METRICS_PROJECT"))
            self._sink = OnlineSink(
                self._connection, self.run_name, self.writer_id, self._writer_id_is_new, self._journal_root,
                max_queue, flush_secs, max_memory_bytes, restart_at_step=self.purge_step)
        self._adopted: list[Sink] = []
        if not self.offline:
            self._adopt_orphans(self.run_name)
        _open_writers.add(self)

    # torch's helpers ------------------------------------------------------------------------------

    def get_logdir(self) -> str:
        """The run's directory (offline) or run name (online), as given."""
        return self.log_dir

    def __enter__(self) -> "SummaryWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # Scalars --------------------------------------------------------------------------------------

    def add_scalar(self, tag: str, scalar_value: Any, global_step: Any = None, walltime: Optional[float] = None,
                   new_style: bool = False, double_precision: bool = False) -> None:
        """Adds a scalar: float32 as TensorBoard keeps ``simple_value``; with ``new_style`` and
        ``double_precision`` the float64 as given."""
        sink = self._sink
        if sink.broken is not None:
            sink.raise_if_broken()
        if type(tag) is not str:
            raise TypeError(f"tag must be a str, not {type(tag).__name__}")
        value = scalar_value if type(scalar_value) is float else to_float(scalar_value)
        step = global_step if type(global_step) is int else to_step(global_step)
        wall = _time() if walltime is None else to_walltime(walltime, 0.0)
        mode = SIMPLE if not new_style else (NEW_STYLE_DOUBLE if double_precision else NEW_STYLE_FLOAT)
        with sink.lock:
            scalars = sink.scalars
            scalars.append((tag, step, wall, value, mode))
            if len(scalars) == sink.max_queue:
                sink.wake.set()

    def add_scalars(self, main_tag: str, tag_scalar_dict: Mapping[str, Any], global_step: Any = None,
                    walltime: Optional[float] = None) -> None:
        """Adds scalars of one step as torch does: each key is a sub-run ``<run>/<main_tag>_<key>``
        (``/`` in ``main_tag`` becomes ``_``) holding tag ``main_tag``."""
        self._sink.raise_if_broken()
        wall = to_walltime(walltime, _time())
        step = to_step(global_step)
        values = {key: to_float(value) for key, value in tag_scalar_dict.items()}
        for key, value in values.items():
            sub = self._sub_sink(main_tag.replace("/", "_") + "_" + str(key))
            with sub.lock:
                sub.scalars.append((main_tag, step, wall, value, SIMPLE))
                if len(sub.scalars) >= sub.max_queue:
                    sub.wake.set()

    # Histograms -----------------------------------------------------------------------------------

    def add_histogram(self, tag: str, values: Any, global_step: Any = None, bins: Any = "tensorflow",
                      walltime: Optional[float] = None, max_bins: Optional[int] = None) -> None:
        """Adds a histogram bucketed as torch does: ``bins='tensorflow'`` (exponential buckets), a
        numpy strategy name (``'auto'``, ``'fd'``…), a bin count or the edges."""
        array = to_numpy(values)
        if array.size == 0:
            raise ValueError("the histogram input has no element")
        if not np.issubdtype(array.dtype, np.number) and array.dtype != np.bool_:
            raise TypeError(f"histogram values must be numeric, not {array.dtype}")
        if isinstance(bins, str) and bins != "tensorflow":
            np.histogram_bin_edges(np.zeros(1), bins=bins)  # an unknown strategy name fails here, in the caller
        self._add_values(tag, global_step, walltime, lambda: [_summaries.histogram(tag, array, bins, max_bins)])

    def add_histogram_raw(self, tag: str, min: float, max: float, num: int, sum: float, sum_squares: float,
                          bucket_limits: Sequence[float], bucket_counts: Sequence[float], global_step: Any = None,
                          walltime: Optional[float] = None) -> None:
        """Adds a histogram from its statistics and buckets (right edges ``bucket_limits``)."""
        limits = [float(x) for x in to_numpy(bucket_limits).reshape(-1)]
        counts = [float(x) for x in to_numpy(bucket_counts).reshape(-1)]
        if len(limits) != len(counts):
            raise ValueError("bucket_limits and bucket_counts must have the same length")
        value = _summaries.histogram_raw(tag, float(min), float(max), float(num), float(sum), float(sum_squares), limits, counts)
        self._add_values(tag, global_step, walltime, lambda: [value])

    # Images, figures, audio, text -----------------------------------------------------------------

    def add_image(self, tag: str, img_tensor: Any, global_step: Any = None, walltime: Optional[float] = None,
                  dataformats: str = "CHW") -> None:
        """Adds an image: uint8 as is, floats in [0, 1]; ``dataformats`` CHW, HWC, HW…"""
        hwc = _summaries.to_hwc(to_numpy(img_tensor), dataformats)
        _summaries.check_image_channels(hwc)
        self._add_values(tag, global_step, walltime, lambda: [_summaries.image(tag, hwc)])

    def add_images(self, tag: str, img_tensor: Any, global_step: Any = None, walltime: Optional[float] = None,
                   dataformats: str = "NCHW") -> None:
        """Adds a batch of images as one grid of 8 columns (torch's layout)."""
        if "N" not in dataformats.upper():
            raise ValueError(f"add_images needs a batch axis N in dataformats, not {dataformats!r}")
        self.add_image(tag, img_tensor, global_step, walltime, dataformats)

    def add_figure(self, tag: str, figure: Any, global_step: Any = None, close: bool = True,
                   walltime: Optional[float] = None) -> None:
        """Adds a matplotlib figure (or a list of them, as a grid) rendered to RGBA pixels."""
        if isinstance(figure, (list, tuple)):
            images = np.stack([_render_figure(f, close) for f in figure])
            self.add_images(tag, images, global_step, walltime, dataformats="NHWC")
        else:
            self.add_image(tag, _render_figure(figure, close), global_step, walltime, dataformats="HWC")

    def add_audio(self, tag: str, snd_tensor: Any, global_step: Any = None, sample_rate: int = 44100,
                  walltime: Optional[float] = None) -> None:
        """Adds a mono clip of samples in [-1, 1] (clipped) as 16-bit WAV."""
        if int(sample_rate) <= 0:
            raise ValueError(f"sample_rate must be positive, not {sample_rate}")
        samples = _summaries.audio_samples(to_numpy(snd_tensor))
        rate = int(sample_rate)
        self._add_values(tag, global_step, walltime, lambda: [_summaries.audio(tag, samples, rate)])

    def add_text(self, tag: str, text_string: str, global_step: Any = None, walltime: Optional[float] = None) -> None:
        """Adds markdown text (tag ``<tag>/text_summary``, as torch writes it)."""
        if not isinstance(text_string, str):
            raise TypeError(f"text_string must be a str, not {type(text_string).__name__}")
        value = _summaries.text(tag, text_string)
        self._add_values(tag, global_step, walltime, lambda: [value])

    # Graph, hparams, PR curves, custom scalars ------------------------------------------------------

    def add_graph(self, model: Any, input_to_model: Any = None, verbose: bool = False,
                  use_strict_trace: bool = True, *, global_step: Any = None, walltime: Optional[float] = None) -> None:
        """Adds the run graph: a ``GraphDef`` message (ours, TensorBoard's or TensorFlow's), its
        serialized bytes, or a torch ``nn.Module`` (traced with ``input_to_model`` when torch's own
        tracer is available, else its module tree)."""
        self._sink.raise_if_broken()
        graph = _graph_bytes(model, input_to_model, verbose, use_strict_trace)
        self._sink.add_other(("graph", to_step(global_step), to_walltime(walltime, _time()), graph))

    def add_hparams(self, hparam_dict: Mapping[str, Any], metric_dict: Mapping[str, Any],
                    hparam_domain_discrete: Optional[Mapping[str, Sequence[Any]]] = None,
                    run_name: Optional[str] = None, global_step: Any = None) -> None:
        """Adds hyperparameters as torch does: a sub-run ``<run>/<run_name or time>`` holding the
        experiment, session start and end, and ``metric_dict`` as scalars."""
        if not isinstance(hparam_dict, Mapping) or not isinstance(metric_dict, Mapping):
            raise TypeError("hparam_dict and metric_dict must be dictionaries")
        values = _summaries.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        metrics = {key: to_float(value) for key, value in metric_dict.items()}
        kinds = {name: _summaries.hparam_kind(name, value) for name, value in hparam_dict.items()}
        step = to_step(global_step)
        wall = _time()
        sub = self._sub_sink(run_name or str(_time()), hparams=kinds, hparam_metrics=list(metrics))
        sub.add_other(("values", step, wall, lambda: values))
        with sub.lock:
            for key, value in metrics.items():
                sub.scalars.append((key, step, wall, value, SIMPLE))
        sub.wake.set()

    def add_pr_curve(self, tag: str, labels: Any, predictions: Any, global_step: Any = None,
                     num_thresholds: int = 127, weights: Any = None, walltime: Optional[float] = None) -> None:
        """Adds a precision-recall curve (TensorBoard's pr_curves plugin, at most 127 thresholds)."""
        labels_array = to_numpy(labels)
        predictions_array = to_numpy(predictions)
        if labels_array.shape != predictions_array.shape:
            raise ValueError(f"labels {list(labels_array.shape)} and predictions {list(predictions_array.shape)} differ in shape")
        if int(num_thresholds) < 2:
            raise ValueError("num_thresholds must be at least 2")
        weights_array = None if weights is None else to_numpy(weights)
        thresholds = int(num_thresholds)
        self._add_values(tag, global_step, walltime, lambda: [
            _summaries.pr_curve(tag, labels_array, predictions_array, thresholds, weights_array)])

    def add_pr_curve_raw(self, tag: str, true_positive_counts: Any, false_positive_counts: Any,
                         true_negative_counts: Any, false_negative_counts: Any, precision: Any, recall: Any,
                         global_step: Any = None, num_thresholds: int = 127, weights: Any = None,
                         walltime: Optional[float] = None) -> None:
        """Adds a precision-recall curve from its six precomputed rows."""
        rows = [to_numpy(x).astype(np.float64).reshape(-1) for x in (
            true_positive_counts, false_positive_counts, true_negative_counts, false_negative_counts, precision, recall)]
        if len({row.size for row in rows}) != 1:
            raise ValueError("the six pr-curve rows must have the same length")
        data = np.stack(rows)
        self._add_values(tag, global_step, walltime, lambda: [_summaries.pr_curve_from_data(tag, data)])

    def add_custom_scalars(self, layout: Mapping[str, Mapping[str, Sequence[Any]]]) -> None:
        """Adds the custom_scalars dashboard layout: ``{category: {title: ['Multiline', [tags]]}}``."""
        value = _summaries.custom_scalars(layout)  # a malformed layout fails here
        self._add_values(_summaries.CUSTOM_SCALARS_TAG, None, None, lambda: [value])

    def add_custom_scalars_multilinechart(self, tags: Sequence[str], category: str = "default", title: str = "untitled") -> None:
        self.add_custom_scalars({category: {title: ["Multiline", list(tags)]}})

    def add_custom_scalars_marginchart(self, tags: Sequence[str], category: str = "default", title: str = "untitled") -> None:
        if len(tags) != 3:
            raise ValueError("a margin chart needs three tags: value, lower, upper")
        self.add_custom_scalars({category: {title: ["Margin", list(tags)]}})

    def add_summary(self, summary: Any, global_step: Any = None, walltime: Optional[float] = None) -> None:
        """Adds a ready ``Summary`` protobuf (ours, TensorBoard's or TensorFlow's, or its bytes), as
        torch's ``FileWriter.add_summary``."""
        data = summary if isinstance(summary, (bytes, bytearray)) else summary.SerializeToString()
        parsed = summary_pb2.Summary.FromString(bytes(data))
        values = list(parsed.value)
        self._add_values("summary", global_step, walltime, lambda: values)

    # What this SDK does not do ------------------------------------------------------------------------

    def add_embedding(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            "add_embedding is not supported by Metrics (no projector plugin): write the embedding with "
            "torch.utils.tensorboard's SummaryWriter into a local logdir and open it with TensorBoard")

    def add_video(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            "add_video is not supported by Metrics: log frames with add_images, or write the video with "
            "torch.utils.tensorboard's SummaryWriter into a local logdir")

    def add_mesh(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            "add_mesh is not supported by Metrics (no mesh plugin): write it with torch.utils.tensorboard's "
            "SummaryWriter into a local logdir")

    def add_onnx_graph(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("add_onnx_graph is not supported: pass a GraphDef or a torch model to add_graph")

    def add_image_with_boxes(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("add_image_with_boxes is not supported: draw the boxes into the pixels and use add_image")

    # Flush, close, statistics -----------------------------------------------------------------------

    def flush(self, timeout: Optional[float] = None) -> None:
        """Waits until everything added so far is committed by the server (offline: on disk). After
        ``timeout`` (default ``close_timeout``) what is not acknowledged is left safe in the journal."""
        if os.getpid() != self._pid:
            self._sink.raise_if_broken()
        timeout = self.close_timeout if timeout is None else timeout
        for sink in self._sinks():
            sink.flush(timeout)

    def close(self) -> Optional[CloseResult]:
        """Sends what is buffered and waits for the acknowledgements up to ``close_timeout``; what is
        left stays in the journal (reported in the result and a log warning). Idempotent."""
        if os.getpid() != self._pid:
            return None
        with self._lock:
            if self._closed:
                return self._close_result
            self._closed = True
        results = []
        for sink in self._sinks():
            results.append(sink.close(self.close_timeout))
            sink.broken = sink.broken or SummaryWriterError("the SummaryWriter is closed")
        if self._connection is not None:
            self._connection.close()
        _open_writers.discard(self)
        online = [r for r in results if r is not None]
        self._close_result = online[0] if online else None
        if len(online) > 1:
            pending = sum(r.pending_batches for r in online)
            self._close_result = CloseResult(online[0].last_sequence, online[0].acknowledged, pending,
                                             online[0].journal_directory, online[0].fault)
        return self._close_result

    def statistics(self) -> Optional[Statistics]:
        """The main run's counters (online), None offline."""
        return self._sink.statistics() if isinstance(self._sink, OnlineSink) else None

    # Internals --------------------------------------------------------------------------------------

    def _sinks(self) -> list[Sink]:
        with self._lock:
            return [self._sink, *self._sub_sinks.values(), *self._adopted]

    def _adopt_orphans(self, run: str) -> None:
        """Sends the journals a crashed process of this host left for ``run`` (under their writer ids)."""
        for folder, owner in orphans(self._journal_root, run):
            if owner.get("writer_id") == self.writer_id:
                continue  # this writer's own journal (a pinned id): its sink recovered it
            handle = claim(folder)
            if handle is None:
                continue
            sink = OnlineSink(self._connection, run, str(owner.get("writer_id")), False, self._journal_root,
                              self.max_queue, self.flush_secs, self._max_memory_bytes)
            sink.claim = handle
            log.warning("metrics_client: run %s: sending the journal %s left by process %s (writer %s)",
                        run, folder, owner.get("pid"), owner.get("writer_id"))
            self._adopted.append(sink)

    def _add_values(self, tag: str, global_step: Any, walltime: Optional[float], build: Any) -> None:
        if not isinstance(tag, str):
            raise TypeError(f"tag must be a str, not {type(tag).__name__}")
        self._sink.add_other(("values", to_step(global_step), to_walltime(walltime, _time()), build))

    def _sub_sink(self, suffix: str, hparams: Optional[Mapping[str, tuple]] = None,
                  hparam_metrics: Sequence[str] = ()) -> Sink:
        with self._lock:
            if self._closed:
                raise SummaryWriterError("the SummaryWriter is closed")
            sink = self._sub_sinks.get(suffix)
            if sink is not None and hparams is None:
                return sink
            if self.offline:
                sink = OfflineSink(os.path.join(self.log_dir, suffix), self.max_queue, self.flush_secs, self.filename_suffix)
            else:
                run = self.run_name + "/" + suffix
                problem = run_name_problem(run)
                if problem:
                    raise ValueError(problem)
                sink = OnlineSink(self._connection, run, self.writer_id, self._writer_id_is_new, self._journal_root,
                                  self.max_queue, self.flush_secs, self._max_memory_bytes,
                                  hparams=hparams, hparam_metrics=hparam_metrics)
            previous = self._sub_sinks.get(suffix)
            self._sub_sinks[suffix] = sink
        if previous is not None:
            previous.close(self.close_timeout)
        if not self.offline and previous is None:
            with self._lock:
                self._adopt_orphans(sink.run_name)
        return sink


def _render_figure(figure: Any, close: bool) -> np.ndarray:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
    except ImportError:
        raise ImportError("add_figure needs matplotlib (apt-get install python3-matplotlib)") from None
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba(), dtype=np.uint8).copy()
    if close:
        import matplotlib.pyplot as plt

        plt.close(figure)
    return pixels


def _graph_bytes(model: Any, input_to_model: Any, verbose: bool, use_strict_trace: bool) -> bytes:
    if isinstance(model, (bytes, bytearray)):
        data = bytes(model)
    elif hasattr(model, "SerializeToString") and hasattr(model, "node"):
        data = model.SerializeToString()
    elif hasattr(model, "named_modules") and hasattr(model, "forward"):
        data = _torch_graph(model, input_to_model, verbose, use_strict_trace)
    else:
        raise TypeError(f"add_graph takes a GraphDef, its bytes or a torch nn.Module, not {type(model).__name__}")
    try:
        graph_pb2.GraphDef.FromString(data)
    except Exception as error:  # noqa: BLE001 - protobuf raises its own DecodeError types
        raise ValueError(f"the graph is not a serialized GraphDef: {error}") from None
    return data


def _torch_graph(model: Any, input_to_model: Any, verbose: bool, use_strict_trace: bool) -> bytes:
    """torch's own tracer when it is importable (it needs the tensorboard package), else the module tree."""
    if input_to_model is not None:
        try:
            from torch.utils.tensorboard._pytorch_graph import graph as trace_graph

            graph_def, _ = trace_graph(model, input_to_model, verbose, use_strict_trace)
            return graph_def.SerializeToString()
        except ImportError:
            pass
    graph = graph_pb2.GraphDef()
    previous = None
    for name, module in model.named_modules():
        if not name:
            continue
        node = graph.node.add(name=name.replace(".", "/"), op=type(module).__name__)
        if previous is not None and "." not in name:
            node.input.append(previous)
        if "." not in name:
            previous = node.name
    return graph.SerializeToString()


_open_writers: "weakref.WeakSet[SummaryWriter]" = weakref.WeakSet()


@atexit.register
def _close_open_writers() -> None:
    for writer in list(_open_writers):
        try:
            writer.close()
        except Exception:  # noqa: BLE001 - exit must go on
            log.exception("metrics_client: closing a SummaryWriter at exit failed")
