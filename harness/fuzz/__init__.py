"""Request fuzzing of one endpoint, from its profile's request schema."""

from ._run import FAILURE_KINDS, UNREACHABLE, UNREACHABLE_IN_A_ROW, FuzzReport, Fuzzer, FuzzSettings
from ._strategies import RequestStrategies

__all__ = ["FAILURE_KINDS", "UNREACHABLE", "UNREACHABLE_IN_A_ROW", "FuzzReport", "FuzzSettings", "Fuzzer", "RequestStrategies"]
