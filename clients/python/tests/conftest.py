import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stack import Stack  # noqa: E402


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    work = tmp_path_factory.mktemp("stack")
    s = Stack(work)
    yield s
    s.close()


@pytest.fixture
def journal(tmp_path):
    return tmp_path / "journal"


@pytest.fixture
def writer_args(stack, journal):
    """Connection arguments of an online SummaryWriter against the test stack."""
    return {"server": stack.server, "token": stack.token, "journal_dir": journal, "offline": False}


@pytest.fixture(autouse=True)
def _no_metrics_environment(monkeypatch):
    for key in list(os.environ):
        if key.startswith("METRICS_") and key != "METRICS_TEST_DATABASE_URL":
            monkeypatch.delenv(key)
