"""Request fuzzing of one endpoint, from its profile's request schema."""

from ._run import FAILURE_KINDS, FuzzReport, Fuzzer, FuzzSettings
from ._strategies import RequestStrategies

__all__ = ["FAILURE_KINDS", "FuzzReport", "FuzzSettings", "Fuzzer", "RequestStrategies"]
