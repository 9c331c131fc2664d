"""Python SDK benchmark: ``add_scalar`` cost per call in the training thread beside ``list.append`` of
the same tuple, and sustained points/s to a real ingest until every batch is acknowledged.

    python clients/python/bench.py [--points N] [--server URL --token T] [--json]

Without --server it starts its own PostgreSQL database, ingest and query (tests/stack.py) like the tests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "tests"))

from metrics_client import SummaryWriter  # noqa: E402

BLOCK = 1000


def _per_call_ns(call, blocks: int, between_blocks=lambda: None) -> list[float]:
    """Per-call cost (ns) of ``call(step)``, measured over blocks of BLOCK calls."""
    clock = time.perf_counter_ns
    costs = []
    step = 0
    for _ in range(blocks):
        between_blocks()
        start = clock()
        for _ in range(BLOCK):
            call(step)
            step += 1
        costs.append((clock() - start) / BLOCK)
    return costs


def run(server: str, token: str, points: int, journal: str) -> dict:
    blocks = max(1, points // BLOCK)
    wall = time.time
    buffer: list = []

    def baseline(step: int) -> None:
        buffer.append(("train/loss", step, wall(), 0.5, 0))

    def new_buffer() -> None:
        # Like the SDK's buffer, which the sender empties: a list that grew to a million tuples
        # would time list growth and the garbage collector instead of the append.
        buffer.clear()

    baseline_ns = _per_call_ns(baseline, blocks, new_buffer)
    with SummaryWriter("bench/python", server=server, token=token, journal_dir=journal, offline=False) as writer:
        add = writer.add_scalar
        started = time.perf_counter()
        sdk_ns = _per_call_ns(lambda step: add("train/loss", 0.5, step), blocks)
        added = time.perf_counter() - started
        writer.flush(timeout=600)
        elapsed = time.perf_counter() - started
        stats = writer.statistics()
    assert stats.acknowledged == stats.last_sequence, "not every batch was acknowledged"
    median, base = statistics.median(sdk_ns), statistics.median(baseline_ns)
    return {
        "name": "python add_scalar",
        "value": round(median / 1000, 3),
        "baseline": round(base / 1000, 3),
        "ratio": round(median / base, 2),
        "unit": "us/call (median of blocks of 1000 calls; baseline: list.append of the same tuple with time.time())",
        "p90_us": round(sorted(sdk_ns)[int(len(sdk_ns) * 0.9)] / 1000, 3),
        "points": blocks * BLOCK,
        "add_seconds": round(added, 3),
        "sustained_points_per_second": round(blocks * BLOCK / elapsed),
        "batches": stats.last_sequence,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--server")
    parser.add_argument("--token")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    journal = tempfile.mkdtemp(prefix="metrics-bench-journal-")
    if args.server:
        result = run(args.server, args.token, args.points, journal)
    else:
        from stack import Stack

        stack = Stack(Path(tempfile.mkdtemp(prefix="metrics-bench-")))
        try:
            result = run(stack.server, stack.token, args.points, journal)
        finally:
            stack.close()
    if args.json:
        print(json.dumps(result))
    else:
        print(f"add_scalar: {result['value']} us/call median (p90 {result['p90_us']}), list.append {result['baseline']} us "
              f"(ratio {result['ratio']}); sustained {result['sustained_points_per_second']:,} points/s "
              f"({result['points']:,} points, {result['batches']} batches, all acknowledged)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
