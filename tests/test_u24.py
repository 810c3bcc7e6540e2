"""Columns stored in 3 bytes a value (surface ids, postings): written in chunks by
U24Writer, read back exactly."""

from __future__ import annotations

import numpy as np
import pytest

from concord.store import U24, U24_LIMIT, U24Writer, load_npy


@pytest.fixture
def values() -> np.ndarray:
    rng = np.random.default_rng(3)
    out = rng.integers(0, U24_LIMIT, size=5000).astype(np.int32)
    out[:4] = [0, U24_LIMIT - 1, 255, 65536]
    out[-1] = U24_LIMIT - 1
    return out


def write(tmp_path, values, limit: int = U24_LIMIT, dtype=np.int32, chunks: int = 3) -> None:
    """Write ``values`` as the store does, in ``chunks`` appended parts."""
    writer = U24Writer(tmp_path, "col", dtype, limit)
    for part in np.array_split(values, chunks):
        writer.write(part)
    writer.close()


def packed(tmp_path, values, dtype=np.int32) -> U24:
    write(tmp_path, values)
    assert not (tmp_path / "col.npy").exists()
    lo, hi = (np.asarray(load_npy(tmp_path / f"col_{part}.npy")) for part in ("lo", "hi"))
    assert lo.nbytes + hi.nbytes == 3 * values.size
    return U24(lo, hi, dtype)


def test_whole_column(tmp_path, values):
    column = packed(tmp_path, values).column()
    assert len(column) == values.size
    whole = np.asarray(column)
    assert whole.dtype == np.int32
    assert np.array_equal(whole, values)


def test_every_kind_of_key(tmp_path, values):
    column = packed(tmp_path, values).column()
    assert column[0] == 0 and column[1] == U24_LIMIT - 1 and column[-1] == U24_LIMIT - 1
    assert np.array_equal(column[10:20], values[10:20])
    assert np.array_equal(column[::7], values[::7])
    idx = np.array([4999, 0, 17, 17, -2])
    assert np.array_equal(column[idx], values[idx])
    mask = values % 3 == 0
    assert np.array_equal(column[mask], values[mask])


def test_a_sub_range_indexes_from_its_start(tmp_path, values):
    u24 = packed(tmp_path, values, np.int64)
    lo, hi = 1200, 1300
    column = u24.column(lo, hi)
    expected = values[lo:hi].astype(np.int64)
    assert len(column) == hi - lo and column.size == hi - lo
    assert np.array_equal(np.asarray(column), expected)
    assert np.array_equal(np.asarray(column, dtype=np.int64), expected)
    assert column[0] == expected[0] and column[-1] == expected[-1]
    assert np.array_equal(column[5:50:5], expected[5:50:5])
    assert np.array_equal(column[np.array([0, 99, -100])], expected[[0, 99, 0]])
    assert np.array_equal(column[expected > 2**23], expected[expected > 2**23])
    for bad in (100, -101):
        with pytest.raises(IndexError):
            column[bad]
    with pytest.raises(IndexError):
        column[np.array([3, 100])]


def test_sorted_postings_can_be_searched(tmp_path):
    positions = np.arange(0, U24_LIMIT, 4099, dtype=np.int64)
    write(tmp_path, positions.astype(np.uint32))
    column = U24(load_npy(tmp_path / "col_lo.npy"), load_npy(tmp_path / "col_hi.npy"), np.int64).column(10, 20)
    assert np.searchsorted(column, [0, positions[10], positions[15] + 1, U24_LIMIT]).tolist() == [0, 0, 6, 10]


def test_values_too_wide_stay_as_they_are(tmp_path):
    values = np.array([0, 5, U24_LIMIT], dtype=np.int32)
    write(tmp_path, values, limit=U24_LIMIT + 1, chunks=2)
    assert not (tmp_path / "col_hi.npy").exists()
    wide = np.load(tmp_path / "col.npy")
    assert wide.dtype == np.int32 and wide.tolist() == [0, 5, U24_LIMIT]
