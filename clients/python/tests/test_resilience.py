"""Never losing a point: ingest killed, an outage, a wrong token, journal recovery, pinned writer ids."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from stack import free_port, wait_until
from metrics_client import SummaryWriter, SummaryWriterError
from metrics_client._online import MAX_BATCH_BYTES


def _writers_points(stack, run_id):
    return sum(w["points"] for w in stack.query.get(f"/api/v1/runs/{run_id}")["writers"])


def _assert_series(stack, run_name, tag, count, value_of):
    run_id = stack.query.run_id(run_name)
    series = stack.query.scalars(run_id, tag)
    assert series["steps"] == list(range(count))
    assert series["values"] == [value_of(step) for step in range(count)]
    return run_id


def test_kill9_of_ingest_three_times_stores_every_point_once(stack, writer_args):
    total, chunks = 200_000, 10
    per_chunk = total // chunks
    memory_limit = 1 << 20
    with SummaryWriter("res/kill9", max_queue=1000, max_memory_bytes=memory_limit, **writer_args) as writer:
        for chunk in range(chunks):
            for step in range(chunk * per_chunk, (chunk + 1) * per_chunk):
                writer.add_scalar("loss", step, step)
            if chunk in (2, 5, 8):
                # Mid-stream: batches of this chunk are in flight or still being encoded.
                stack.ingest.kill9()
                stack.ingest.start()
        writer.flush(timeout=120)
        stats = writer.statistics()
    assert stats.reconnects >= 3
    assert stats.acknowledged == stats.last_sequence
    # Memory stayed bounded (the limit plus the batch being added); the journal took the rest.
    assert stats.peak_memory_bytes <= memory_limit + MAX_BATCH_BYTES
    assert stats.batches_spilled > 0 and stats.journal_batches == 0
    run_id = _assert_series(stack, "res/kill9", "loss", total, float)
    assert _writers_points(stack, run_id) == total  # exactly once: no batch stored twice


def test_outage_of_30_seconds_keeps_batches_in_the_journal_until_ingest_is_back(stack, writer_args, journal):
    with SummaryWriter("res/outage", **writer_args) as writer:
        for step in range(100):
            writer.add_scalar("acc", step, step)
        writer.flush()
        stack.ingest.kill9()
        try:
            step = 100
            end = time.monotonic() + 30
            while time.monotonic() < end:  # a training loop that keeps logging through the outage
                writer.add_scalar("acc", step, step)
                step += 1
                if step % 50 == 0:
                    writer.flush(timeout=0.2)  # cannot reach the server: what is pending goes to the journal
                time.sleep(0.01)
            stats = writer.statistics()
            assert not stats.connected
            assert stats.journal_batches > 0
            assert stats.acknowledged < stats.last_sequence
            assert any(journal.rglob("*.seg"))
        finally:
            stack.ingest.start()
        writer.flush(timeout=60)
        stats = writer.statistics()
        assert stats.acknowledged == stats.last_sequence
        assert stats.journal_batches == 0
    run_id = _assert_series(stack, "res/outage", "acc", step, float)
    assert _writers_points(stack, run_id) == step
    assert not any(journal.rglob("*.seg"))


def test_wrong_token_raises_from_the_next_add_scalar(stack, writer_args):
    args = dict(writer_args, token="mt_this-is-not-a-token")
    writer = SummaryWriter("res/bad-token", **args)
    writer.add_scalar("loss", 1.0, 0)
    writer.flush(timeout=0)
    wait_until(lambda: writer.statistics().fault, 30, "the writer to be refused")
    assert "UNAUTHENTICATED" in writer.statistics().fault
    with pytest.raises(SummaryWriterError, match="UNAUTHENTICATED"):
        writer.add_scalar("loss", 2.0, 1)
    with pytest.raises(SummaryWriterError):
        writer.flush()
    result = writer.close()
    assert result.pending_batches == 1 and result.journal_directory
    assert result.fault and "UNAUTHENTICATED" in result.fault


def test_journal_of_a_writer_that_never_reached_the_server_is_sent_by_the_next_one(stack, writer_args, journal):
    unreachable = dict(writer_args, server=f"http://127.0.0.1:{free_port()}", close_timeout=1.0)
    first = SummaryWriter("res/journal", writer_id="rank-0", **unreachable)
    for step in range(500):
        first.add_scalar("loss", step, step)
    result = first.close()
    assert result.pending_batches >= 1
    assert os.path.isdir(result.journal_directory)
    with SummaryWriter("res/journal", writer_id="rank-0", **writer_args) as second:
        for step in range(500, 800):
            second.add_scalar("loss", step, step)
    run_id = _assert_series(stack, "res/journal", "loss", 800, float)
    assert _writers_points(stack, run_id) == 800
    assert not os.path.exists(result.journal_directory)


def test_restarted_pinned_writer_id_continues_the_servers_numbering(stack, writer_args, tmp_path):
    with SummaryWriter("res/pinned", writer_id="rank-1", **writer_args) as first:
        for step in range(50):
            first.add_scalar("loss", step, step)
    fresh_journal = dict(writer_args, journal_dir=tmp_path / "other-journal")
    with SummaryWriter("res/pinned", writer_id="rank-1", purge_step=50, **fresh_journal) as second:
        for step in range(50, 120):
            second.add_scalar("loss", step, step)
    run_id = _assert_series(stack, "res/pinned", "loss", 120, float)
    assert _writers_points(stack, run_id) == 120


def test_purge_step_supersedes_later_points_as_a_restart(stack, writer_args):
    with SummaryWriter("res/purge", **writer_args) as first:
        for step in range(100):
            first.add_scalar("loss", 1.0, step)
    with SummaryWriter("res/purge", purge_step=60, **writer_args) as resumed:
        for step in range(60, 80):
            resumed.add_scalar("loss", 2.0, step)
    run_id = stack.query.run_id("res/purge")
    series = stack.query.scalars(run_id, "loss")
    assert series["steps"] == list(range(80))
    assert series["values"] == [1.0] * 60 + [2.0] * 20


def test_journal_left_by_a_crashed_job_is_sent_by_the_next_writer_of_the_run(stack, writer_args, journal):
    # A job logs through an outage (its batches go to the journal) and dies without closing.
    script = f"""
import os
from metrics_client import SummaryWriter
w = SummaryWriter("res/crashed", server="http://127.0.0.1:{free_port()}", journal_dir={str(journal)!r})
for step in range(700):
    w.add_scalar("loss", step, step)
w.flush(timeout=1)
assert w.statistics().journal_batches > 0
os._exit(9)
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("METRICS_")}
    crashed = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert crashed.returncode == 9, crashed.stderr
    (folder,) = [p.parent for p in journal.rglob("*.seg")][:1]
    # The restarted job (a new writer id) finds the dead process's journal and sends it.
    with SummaryWriter("res/crashed", **writer_args) as restarted:
        for step in range(700, 1000):
            restarted.add_scalar("loss", step, step)
    run_id = _assert_series(stack, "res/crashed", "loss", 1000, float)
    assert _writers_points(stack, run_id) == 1000
    assert not folder.exists()
