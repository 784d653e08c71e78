"""Demo data: a generated So-net-like scenario in the import formats."""

from .generator import DemoStats, generate

__all__ = ["DemoStats", "generate"]
