"""The boosted-tree part of the chrome model: flat-array evaluation and the cascade."""

from __future__ import annotations

import numpy as np

from tasks.chrome import ChromeModel, TreeEnsemble


def _stump_pair() -> TreeEnsemble:
    # tree 0 (nodes 0-2): x0 <= 0.5 -> -1.0 else +1.0
    # tree 1 (nodes 3-7): x1 <= 0 -> (x0 <= 2 -> 0.25 else 0.5) else -0.5
    inf = np.inf
    return TreeEnsemble(
        feature=np.array([0, 0, 0, 1, 0, 0, 0, 0]),
        threshold=np.array([0.5, inf, inf, 0.0, 2.0, inf, inf, inf]),
        left=np.array([1, 1, 2, 4, 6, 5, 6, 7]),
        value=np.array([0.0, -1.0, 1.0, 0.0, 0.0, -0.5, 0.25, 0.5]),
        roots=np.array([0, 3]),
        depth=2,
        baseline=0.1,
    )


def _reference(x: np.ndarray) -> np.ndarray:
    t0 = np.where(x[:, 0] <= 0.5, -1.0, 1.0)
    t1 = np.where(x[:, 1] <= 0.0, np.where(x[:, 0] <= 2.0, 0.25, 0.5), -0.5)
    out: np.ndarray = 0.1 + t0 + t1
    return out


def test_trees_walk_every_unit_to_its_leaves() -> None:
    x = np.array([[0.0, -1.0], [1.0, -1.0], [3.0, -1.0], [0.5, 0.0], [0.6, 0.1], [9.0, 5.0]])
    assert np.allclose(_stump_pair().raw(x), _reference(x))


def test_the_cascade_only_rescores_units_the_network_is_unsure_of() -> None:
    # a logistic "network" on x1 alone: 10 * x1
    base = dict(
        mean=np.zeros(2),
        scale=np.ones(2),
        w1=np.zeros((0,)),
        b1=np.zeros(0),
        w2=np.array([0.0, 10.0]),
        b2=0.0,
        threshold=0.5,
        info={},
    )
    mlp = ChromeModel(**base)  # type: ignore[arg-type]
    both = ChromeModel(**base, trees=_stump_pair(), tree_weight=1.0, gate=(0.05, 0.95))  # type: ignore[arg-type]
    x = np.array([[3.0, -1.0], [3.0, 0.0], [0.0, 1.0]])
    p_mlp, p_both = mlp.predict(x), both.predict(x)
    # sure units keep the network's probability; the unsure one (x1 = 0 -> 0.5) gets the trees'
    assert p_both[0] == p_mlp[0] and p_both[2] == p_mlp[2]
    assert np.isclose(p_both[1], 1.0 / (1.0 + np.exp(-_reference(x[1:2])[0])))
    assert not np.isclose(p_both[1], p_mlp[1])
