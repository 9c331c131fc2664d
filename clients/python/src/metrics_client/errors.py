"""Errors the SDK raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


class SummaryWriterError(RuntimeError):
    """The server refused the writer for good (bad token, wrong project, invalid data), or the
    writer cannot be used here (closed, or inherited by a forked child). Raised from the next call."""


@dataclass(frozen=True)
class CloseResult:
    """What ``close()`` achieved: batches acknowledged, and what is left in the journal."""

    last_sequence: int
    acknowledged: int
    pending_batches: int
    journal_directory: Optional[str]
    fault: Optional[str] = None


@dataclass(frozen=True)
class Statistics:
    """A writer's counters at one moment (online; offline only ``points_added`` moves)."""

    points_added: int
    last_sequence: int
    acknowledged: int
    memory_bytes: int
    peak_memory_bytes: int
    journal_batches: int
    journal_bytes: int
    batches_spilled: int
    batches_sent: int
    batches_resent: int
    reconnects: int
    connected: bool
    fault: Optional[str]
