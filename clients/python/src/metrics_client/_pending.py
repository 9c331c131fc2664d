"""Numbered batches between the encoder and the server's acks: newest in memory, oldest in the journal."""

from __future__ import annotations

import threading
from collections import OrderedDict

from ._journal import Journal


class PendingBatches:
    """Thread-safe store of unacknowledged batches by seq, bounded in memory.

    Above ``max_memory_bytes`` the oldest half spills to the journal; while disconnected
    everything spills, so the journal always holds the oldest pending seqs and memory the newest.
    """

    def __init__(self, journal: Journal, max_memory_bytes: int) -> None:
        self.cond = threading.Condition()
        self.journal = journal
        self.max_memory_bytes = max_memory_bytes
        self._memory: "OrderedDict[int, bytes]" = OrderedDict()
        self.memory_bytes = 0
        self.peak_memory_bytes = 0
        self.last_seq = 0
        self.acknowledged = 0
        self.connected = False
        self.spilled = 0
        self.sent_any = False

    def recover(self) -> int:
        """Loads the journal left by an earlier writer of the same run and id; returns how many batches."""
        with self.cond:
            seqs = self.journal.recover()
            if seqs:
                self.last_seq = seqs[-1]
                self.acknowledged = seqs[0] - 1
            return len(seqs)

    def append(self, data: bytes) -> int:
        """Numbers a batch (the next seq) and keeps it; returns its seq."""
        with self.cond:
            self.last_seq += 1
            seq = self.last_seq
            self._memory[seq] = data
            self.memory_bytes += len(data)
            self.peak_memory_bytes = max(self.peak_memory_bytes, self.memory_bytes)
            if not self.connected:
                self._spill(len(self._memory))
            elif self.memory_bytes > self.max_memory_bytes:
                self._spill(max(1, len(self._memory) // 2))
            self.cond.notify_all()
            return seq

    def get(self, seq: int) -> bytes:
        with self.cond:
            data = self._memory.get(seq)
            return data if data is not None else self.journal.read(seq)

    def acknowledge(self, seq: int) -> None:
        with self.cond:
            if seq <= self.acknowledged:
                return
            self.acknowledged = seq
            while self._memory:
                first = next(iter(self._memory))
                if first > seq:
                    break
                self.memory_bytes -= len(self._memory.pop(first))
            if len(self.journal):
                self.journal.acknowledge(seq)
            self.cond.notify_all()

    def set_connected(self, connected: bool) -> None:
        with self.cond:
            self.connected = connected
            if not connected:
                self._spill(len(self._memory))
            self.cond.notify_all()

    def spill_all(self) -> None:
        with self.cond:
            self._spill(len(self._memory))

    def renumber(self, shift: int) -> None:
        """Shifts every pending seq by ``shift`` (a pinned writer id the server already knows)."""
        with self.cond:
            self._memory = OrderedDict((seq + shift, data) for seq, data in self._memory.items())
            if len(self.journal):
                self.journal.rewrite(shift)
            self.last_seq += shift
            self.acknowledged += shift
            self.cond.notify_all()

    def pending(self) -> int:
        with self.cond:
            return self.last_seq - self.acknowledged

    def _spill(self, count: int) -> None:
        items = []
        for _ in range(count):
            seq, data = self._memory.popitem(last=False)
            self.memory_bytes -= len(data)
            items.append((seq, data))
        self.journal.append(items)
        self.spilled += len(items)
