"""The committed protobuf modules are what protoc makes from proto/ today."""

import shutil
import subprocess
import sys
from pathlib import Path

import metrics_client

HERE = Path(__file__).resolve().parent
GENERATOR = HERE.parent / "tools" / "generate_protos.py"
SOURCE_PROTO = HERE.parent / "src" / "metrics_client" / "_proto"


def _generated_files(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in root.rglob("*.py") if p.parent != root}


def test_generated_code_is_fresh(tmp_path):
    assert shutil.which("protoc"), "protoc is required (apt-get install protobuf-compiler)"
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(tmp_path)], check=True, capture_output=True)
    fresh = _generated_files(tmp_path)
    committed = _generated_files(SOURCE_PROTO)
    assert sorted(fresh) == sorted(committed), "run clients/python/tools/generate_protos.py: the set of generated modules changed"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"stale generated code, run clients/python/tools/generate_protos.py: {stale}"


def test_installed_package_carries_the_generated_code():
    installed = Path(metrics_client.__file__).parent / "_proto"
    assert _generated_files(installed) == _generated_files(SOURCE_PROTO)


def test_messages_do_not_clash_with_tensorboards_own_copies():
    # TensorBoard and torch register tensorboard.* messages in the default pool; ours must still load.
    script = """
from google.protobuf import descriptor_pb2, descriptor_pool
f = descriptor_pb2.FileDescriptorProto(name="tensorboard/compat/proto/tensor.proto", package="tensorboard", syntax="proto3")
f.message_type.add(name="TensorProto")
f.message_type.add(name="Summary")
descriptor_pool.Default().Add(f)
from metrics_client import SummaryWriter
from metrics_client._proto.tensorboard import summary_pb2
print(summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="x", simple_value=1.5)]).value[0].simple_value)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1.5"
