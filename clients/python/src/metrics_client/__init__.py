"""Metrics' Python SDK: a drop-in ``torch.utils.tensorboard.SummaryWriter`` that streams to Metrics.

    from metrics_client import SummaryWriter   # instead of torch.utils.tensorboard
"""

from .errors import CloseResult, Statistics, SummaryWriterError
from .writer import SummaryWriter

__all__ = ["CloseResult", "Statistics", "SummaryWriter", "SummaryWriterError"]
__version__ = "0.1.0"
