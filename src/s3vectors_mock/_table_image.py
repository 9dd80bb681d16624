"""What a vector table derives from its records (norms, key hashes, typed metadata columns), saved beside the
records so that a load maps it back instead of recomputing it: recomputing costs ~2 µs a record in Python
(1M records with metadata took 2.8–4.9 s to load; restored, about a second).

Files of index n in a data directory (format 2), all plain ``np.save`` arrays of the table's live rows::

    norms-<n>.npy        float64 squared L2 norm of each row
    hashes-<n>.npy       uint32 CRC32 of each key
    columns-<n>.json     the filterable metadata keys that have a column, in order, and the string vocabulary
    kinds-<n>.npy        int8 (columns, rows)   codes-<n>.npy   int64 (columns, rows)
    numbers-<n>.npy      float64 (columns, rows) flags-<n>.npy  bool (columns, rows)

The matrices are memory-mapped copy-on-write (``mmap_mode="c"``): loading reads nothing until a page is used, and
the table may change its rows in place without ever writing to the file (which a later snapshot replaces, and
whose directory it removes: an unlinked file stays readable through its mapping).
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from .engine.columns import ARRAY, Column, MetadataColumns, Vocabulary
from .engine.keys import PackedKeys
from .engine.table import HUGE, HUGE_SQUARED_NORM, ORDINARY, TINY, TINY_SQUARED_NORM, MetadataRows, VectorTable


class ImageError(ValueError):
    """A derived file that does not hold what the table needs (the caller names the directory)."""


def write_image(
    table: VectorTable, number: int, write: Callable[[str, bytes], None], save: Callable[[str, Any], None]
) -> None:
    """Write the derived arrays of ``table``'s live rows through ``save(name, array)`` and ``write(name, bytes)``."""
    size = table.size
    save(f"norms-{number}.npy", table.squared_norms[:size])
    save(f"hashes-{number}.npy", table.key_hashes[:size])
    columns = table.columns.columns
    names = list(columns)
    strings = table.columns.vocabulary._strings
    write(f"columns-{number}.json", json.dumps({"keys": names, "vocabulary": strings}, ensure_ascii=False).encode())
    save(f"kinds-{number}.npy", _stacked([columns[name].kind[:size] for name in names], np.int8, size))
    save(f"numbers-{number}.npy", _stacked([columns[name].number[:size] for name in names], np.float64, size))
    save(f"codes-{number}.npy", _stacked([columns[name].code[:size] for name in names], np.int64, size))
    save(f"flags-{number}.npy", _stacked([columns[name].flag[:size] for name in names], np.bool_, size))


def _stacked(rows: list[npt.NDArray[Any]], dtype: Any, size: int) -> npt.NDArray[Any]:
    return np.stack(rows).astype(dtype, copy=False) if rows else np.empty((0, size), dtype=dtype)


def read_image(
    directory: pathlib.Path,
    number: int,
    table: VectorTable,
    matrix: npt.NDArray[np.float32],
    keys: list[str],
    metadata: list[Any],
) -> None:
    """Fill the empty ``table`` with ``matrix``, ``keys`` and ``metadata`` and the derived arrays saved for them."""
    count = len(keys)
    norms = _array(directory / f"norms-{number}.npy", np.float64, (count,))
    hashes = _array(directory / f"hashes-{number}.npy", np.uint32, (count,))
    try:
        described = json.loads((directory / f"columns-{number}.json").read_bytes().decode("utf-8"))
        names, strings = described["keys"], described["vocabulary"]
        if not (isinstance(names, list) and isinstance(strings, list) and all(isinstance(s, str) for s in strings)):
            raise ValueError("expected lists of keys and strings")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise ImageError(f"cannot read {directory / f'columns-{number}.json'}: {error}") from error
    shape = (len(names), count)
    kinds = _array(directory / f"kinds-{number}.npy", np.int8, shape)
    numbers = _array(directory / f"numbers-{number}.npy", np.float64, shape)
    codes = _array(directory / f"codes-{number}.npy", np.int64, shape)
    flags = _array(directory / f"flags-{number}.npy", np.bool_, shape)

    table.data = matrix
    table.size = count
    try:
        table.keys = PackedKeys.from_list(keys, hashes)
    except ValueError as error:
        raise ImageError(str(error)) from error
    table.metadata = MetadataRows(count)
    table.metadata.extend(metadata)
    table.squared_norms = norms
    # The float32 copies and classes are a few vectorized passes: cheaper to derive than to store and read.
    with np.errstate(over="ignore", divide="ignore"):
        table.inverse_norms = np.where(norms > 0, 1.0 / np.sqrt(norms), 0.0).astype(np.float32)
    classes = np.where(norms < TINY_SQUARED_NORM, TINY, np.where(norms > HUGE_SQUARED_NORM, HUGE, ORDINARY))
    table.norm_class = classes.astype(np.int8)
    table.norm_class_counts = np.bincount(table.norm_class, minlength=3).astype(np.int64)
    table.columns = _columns(count, names, strings, kinds, numbers, codes, flags, metadata)
    table.version += 1


def _columns(
    count: int,
    names: list[str],
    strings: list[str],
    kinds: npt.NDArray[np.int8],
    numbers: npt.NDArray[np.float64],
    codes: npt.NDArray[np.int64],
    flags: npt.NDArray[np.bool_],
    metadata: list[Any],
) -> MetadataColumns:
    restored = MetadataColumns(count)
    vocabulary = Vocabulary()
    vocabulary._strings = strings
    vocabulary.code_of = {text: code for code, text in enumerate(strings)}
    restored.vocabulary = vocabulary
    for position, name in enumerate(names):
        column = Column(0)
        column.kind, column.number = kinds[position], numbers[position]
        column.code, column.flag = codes[position], flags[position]
        column.written = {"number", "code", "flag"}
        # Array values are kept as tuples of the record's own list (the kind column says which rows hold one).
        try:
            column.arrays = {
                row: tuple(metadata[row][name]) for row in np.flatnonzero(kinds[position] == ARRAY).tolist()
            }
        except (TypeError, KeyError, IndexError) as error:
            raise ImageError(f"the metadata does not match the column of {name!r}") from error
        restored.columns[name] = column
    return restored


def _array(path: pathlib.Path, dtype: Any, shape: tuple[int, ...]) -> Any:
    try:
        array = (
            np.load(path, mmap_mode="c", allow_pickle=False) if _mappable(shape) else np.load(path, allow_pickle=False)
        )
    except (OSError, ValueError, EOFError) as error:
        raise ImageError(f"cannot read {path}: {error}") from error
    if array.dtype != np.dtype(dtype) or array.shape != shape:
        raise ImageError(
            f"{path} holds a {array.dtype} array of shape {array.shape}; expected {np.dtype(dtype)} {shape}"
        )
    return array


def _mappable(shape: tuple[int, ...]) -> bool:
    # numpy cannot map an empty array (mmap of length 0).
    return all(shape)
