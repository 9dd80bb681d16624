"""Growing per-row arrays without making their unused tail resident."""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

Array = TypeVar("Array", bound=npt.NDArray[Any])


def grown(values: Array, capacity: int, copy: bool = True) -> Array:
    """``values`` in a larger array whose rows past them are zeros (``np.zeros``: pages the operating system
    hands out only when written, where ``np.resize`` writes every one); ``copy=False`` when ``values`` are all
    zeros (then nothing is written at all)."""
    larger: Array = np.zeros((capacity, *values.shape[1:]), dtype=values.dtype)  # type: ignore[assignment]
    if copy:
        larger[: len(values)] = values
    return larger
