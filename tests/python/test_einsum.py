"""einsum against numpy's einsum."""

import numpy as np
import pytest
from oracle import assert_close

import mlx.core as mx

CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("ijk->kji", [(2, 3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,i->", [(6,), (6,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,jk,kl->il", [(3, 4), (4, 5), (5, 2)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)]),
    ("iij->j", [(3, 3, 2)]),
    ("ab,ab->a", [(3, 4), (3, 4)]),
]


@pytest.mark.parametrize("subscripts,shapes", CASES, ids=[c[0] for c in CASES])
def test_einsum_matches_numpy(rng, subscripts, shapes):
    ops = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    got = mx.einsum(subscripts, *[mx.array(o) for o in ops])
    want = np.einsum(subscripts, *[o.astype(np.float64) for o in ops])
    assert_close(got, want.astype(np.float32), rtol=1e-4, atol=1e-4)


def test_einsum_path_is_greedy():
    a, b, c = mx.zeros((5, 8)), mx.zeros((8, 10)), mx.zeros((10, 7))
    path, description = mx.einsum_path("ij,jk,kl", a, b, c)
    assert path == [(1, 2), (0, 1)]
    assert isinstance(description, str)


def test_einsum_errors():
    with pytest.raises(ValueError):
        mx.einsum("ij,jk", mx.zeros((2, 3)))  # too few operands
    with pytest.raises(ValueError):
        mx.einsum("ij,jk", mx.zeros((2, 3)), mx.zeros((4, 5)))  # size mismatch
    with pytest.raises(ValueError):
        mx.einsum("ijk", mx.zeros((2, 3)))  # wrong number of subscripts
