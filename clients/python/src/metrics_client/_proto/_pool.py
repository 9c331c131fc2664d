"""The SDK's private descriptor pool.

TensorBoard and PyTorch ship their own copies of the ``tensorboard.*`` messages; registering ours in
the default pool would clash with theirs ("duplicate symbol") when both are imported.
"""

from google.protobuf import descriptor_pool, struct_pb2
from google.protobuf.internal import builder as _builder

POOL = descriptor_pool.DescriptorPool()

# plugin_hparams.proto uses google.protobuf.Value: its file and message classes must exist in this pool.
_STRUCT = POOL.AddSerializedFile(struct_pb2.DESCRIPTOR.serialized_pb)
STRUCT: dict = {}
_builder.BuildMessageAndEnumDescriptors(_STRUCT, STRUCT)
_builder.BuildTopDescriptorsAndMessages(_STRUCT, "metrics_client._proto._struct_pb2", STRUCT)
