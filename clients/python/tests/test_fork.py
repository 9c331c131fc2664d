"""A forked child (a DataLoader worker) that logs gets a clear error and leaves the parent's stream alone."""

from __future__ import annotations

import multiprocessing

from metrics_client import SummaryWriter, SummaryWriterError


def _child_logs(writer, results, log_dir):
    try:
        writer.add_scalar("loss", -1.0, 10_000)
        results.put("no error")
    except SummaryWriterError as error:
        results.put("error: " + str(error))
    # A writer of its own works in the child (offline event files here).
    with SummaryWriter(log_dir, offline=True) as own:
        own.add_scalar("child", 1.0, 0)
    results.put("own writer ok")


def test_forked_child_that_logs_does_not_disturb_the_parent(stack, writer_args, tmp_path):
    context = multiprocessing.get_context("fork")
    with SummaryWriter("fork/parent", max_queue=100, **writer_args) as writer:
        for step in range(0, 5000):
            writer.add_scalar("loss", step, step)
        results = context.Queue()
        children = [context.Process(target=_child_logs, args=(writer, results, str(tmp_path / f"child{i}")))
                    for i in range(2)]
        for child in children:
            child.start()
        for step in range(5000, 10_000):
            writer.add_scalar("loss", step, step)
        messages = [results.get(timeout=60) for _ in range(4)]
        for child in children:
            child.join(60)
            assert child.exitcode == 0
        for step in range(10_000, 12_000):
            writer.add_scalar("loss", step, step)
    errors = [m for m in messages if m.startswith("error: ")]
    assert len(errors) == 2, messages
    assert "forked child" in errors[0] and "Create a SummaryWriter in the child" in errors[0]
    assert messages.count("own writer ok") == 2
    run_id = stack.query.run_id("fork/parent")
    series = stack.query.scalars(run_id, "loss")
    assert series["steps"] == list(range(12_000))
    assert series["values"] == [float(s) for s in range(12_000)]
    assert sum(w["points"] for w in stack.query.get(f"/api/v1/runs/{run_id}")["writers"]) == 12_000
    assert list((tmp_path / "child0").glob("events.out.tfevents.*"))
