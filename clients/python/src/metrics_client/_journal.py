"""The on-disk journal of batches the server has not acknowledged yet.

``<root>/<key>/NNNNNNNNNN.seg``: append-only records ``[u32 length][u32 CRC-32][u64 seq][batch]``
(length and CRC cover seq and batch), the layout of the C# SDK, beside ``owner.json`` (run, writer
id, host, pid). A segment is deleted once every batch in it is acknowledged, the folder when
nothing is left; a torn or damaged tail found on open is cut off.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

_HEADER = struct.Struct("<IIQ")
OWNER_FILE = "owner.json"
_SEGMENT_BYTES = 32 << 20


def default_root() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "metrics" / "journal"


def owner_of(pid: Optional[int] = None, **fields: str) -> dict:
    """What ``owner.json`` records: the run, writer id, host and process that wrote the journal."""
    return {**fields, "host": socket.gethostname(), "pid": os.getpid() if pid is None else pid}


def orphans(root: Path, run_name: str) -> list[tuple[Path, dict]]:
    """Journal folders of ``run_name`` left by dead processes of this host (a crashed job): a new writer
    of the run sends them under their own writer ids."""
    found = []
    for owner_file in sorted(Path(root).glob(f"*/{OWNER_FILE}")):
        try:
            owner = json.loads(owner_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if owner.get("run") != run_name or owner.get("host") != socket.gethostname() or owner.get("pid") == os.getpid():
            continue
        if _process_alive(int(owner.get("pid", 0))):
            continue
        found.append((owner_file.parent, owner))
    return found


def claim(folder: Path):
    """An exclusive lock on a journal folder (held while its batches are sent), or None if another
    process holds it."""
    try:
        handle = open(folder / OWNER_FILE, "rb")
    except OSError:
        return None
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    if not (folder / OWNER_FILE).exists():  # sent and deleted by the previous holder
        handle.close()
        return None
    return handle


def _process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def folder_for(root: Path, run_name: str, writer_id: str) -> Path:
    key = hashlib.sha256(f"{run_name}\n{writer_id}".encode("utf-8")).hexdigest()[:24]
    return Path(root) / key


@dataclass
class _Location:
    segment: int
    offset: int
    length: int


class Journal:
    """Batches by seq on disk. Not thread-safe: the owner (PendingBatches) holds its lock."""

    def __init__(self, folder: Path, owner: Optional[dict] = None) -> None:
        self.folder = Path(folder)
        self._owner = owner
        self._index: dict[int, _Location] = {}
        self._segment_max: dict[int, int] = {}
        self._current: int | None = None
        self._file = None
        self.bytes = 0

    def recover(self) -> list[int]:
        """Reads the segments on disk, cutting torn tails; returns the seqs found, ascending."""
        if not self.folder.is_dir():
            return []
        if self._owner is not None:  # this process owns the folder now: not an orphan for others
            (self.folder / OWNER_FILE).write_text(json.dumps(self._owner), encoding="utf-8")
        for path in sorted(self.folder.glob("*.seg")):
            number = int(path.stem)
            valid = 0
            with open(path, "r+b") as f:
                data = f.read()
                while valid + _HEADER.size <= len(data):
                    length, crc, seq = _HEADER.unpack_from(data, valid)
                    end = valid + 8 + length
                    if length < 8 or end > len(data) or zlib.crc32(data[valid + 8 : end]) & 0xFFFFFFFF != crc:
                        break
                    self._index[seq] = _Location(number, valid + _HEADER.size, length - 8)
                    self._segment_max[number] = max(self._segment_max.get(number, 0), seq)
                    valid = end
                if valid < len(data):
                    f.truncate(valid)
            if valid == 0:
                path.unlink()
            else:
                self.bytes += valid
        return sorted(self._index)

    def __contains__(self, seq: int) -> bool:
        return seq in self._index

    def __len__(self) -> int:
        return len(self._index)

    def seqs(self) -> list[int]:
        return sorted(self._index)

    def append(self, items: list[tuple[int, bytes]]) -> None:
        """Appends batches and fsyncs once."""
        if not items:
            return
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True, exist_ok=True)
            if self._owner is not None:
                (self.folder / OWNER_FILE).write_text(json.dumps(self._owner), encoding="utf-8")
        for seq, data in items:
            if self._file is None or self._file.tell() >= _SEGMENT_BYTES:
                self._open_next()
            record = struct.pack("<Q", seq) + data
            header = struct.pack("<II", len(record), zlib.crc32(record) & 0xFFFFFFFF)
            offset = self._file.tell()
            self._file.write(header + record)
            self._index[seq] = _Location(self._current, offset + _HEADER.size, len(data))
            self._segment_max[self._current] = max(self._segment_max.get(self._current, 0), seq)
            self.bytes += len(header) + len(record)
        self._file.flush()
        os.fsync(self._file.fileno())

    def read(self, seq: int) -> bytes:
        location = self._index[seq]
        if self._file is not None and location.segment == self._current:
            self._file.flush()
        with open(self._path(location.segment), "rb") as f:
            f.seek(location.offset)
            return f.read(location.length)

    def acknowledge(self, seq: int) -> None:
        """Forgets every batch up to ``seq``; deletes segments left with nothing pending."""
        for s in [s for s in self._index if s <= seq]:
            del self._index[s]
        for number, highest in list(self._segment_max.items()):
            if highest <= seq:
                if number == self._current:
                    self._file.close()
                    self._file = None
                    self._current = None
                path = self._path(number)
                try:
                    self.bytes -= path.stat().st_size
                    path.unlink()
                except FileNotFoundError:
                    pass
                del self._segment_max[number]
        if not self._index:
            self.bytes = 0
            try:
                (self.folder / OWNER_FILE).unlink(missing_ok=True)
                self.folder.rmdir()
            except OSError:
                pass

    def rewrite(self, shift: int) -> None:
        """Renumbers every batch by ``shift`` (new segments written before the old ones are deleted)."""
        items = [(seq + shift, self.read(seq)) for seq in sorted(self._index)]
        old = list(self._segment_max)
        if self._file is not None:
            self._file.close()
            self._file = None
            self._current = None
        self._index.clear()
        self._segment_max.clear()
        next_number = (max(old) + 1) if old else 1
        self._current = next_number - 1
        self.append(items)
        for number in old:
            path = self._path(number)
            self.bytes -= path.stat().st_size
            path.unlink()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            self._current = None

    def _open_next(self) -> None:
        if self._file is not None:
            self._file.close()
        existing = [int(p.stem) for p in self.folder.glob("*.seg")]
        self._current = max(existing + [self._current or 0]) + 1
        self._file = open(self._path(self._current), "ab")

    def _path(self, number: int) -> Path:
        return self.folder / f"{number:010d}.seg"
