"""Numeric precisions that set how many bytes a tensor element occupies."""

from __future__ import annotations

from enum import StrEnum


class Precision(StrEnum):
    """Element precision of a tensor or a datapath."""

    INT4 = "int4"
    INT8 = "int8"
    INT16 = "int16"
    FP16 = "fp16"
    FP32 = "fp32"

    @property
    def bits(self) -> int:
        """Bits per element."""
        return _BITS[self]

    @property
    def bytes(self) -> float:
        """Bytes per element (0.5 for int4: two elements share a byte)."""
        return _BITS[self] / 8

    @property
    def is_float(self) -> bool:
        """True for floating-point formats."""
        return self in (Precision.FP16, Precision.FP32)

    @classmethod
    def parse(cls, value: str | Precision, where: str = "precision") -> Precision:
        """Turn a user string into a Precision, or raise naming the allowed values."""
        if isinstance(value, Precision):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            allowed = ", ".join(p.value for p in cls)
            raise ValueError(f"{where}: unknown precision {value!r}; allowed: {allowed}") from None


_BITS = {
    Precision.INT4: 4,
    Precision.INT8: 8,
    Precision.INT16: 16,
    Precision.FP16: 16,
    Precision.FP32: 32,
}
