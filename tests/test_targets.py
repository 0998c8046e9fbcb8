from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, strategies as st

from relubits.constructions.targets import greedy_path, target_values


def test_target_values_rejects_bad_targets():
    xs = np.linspace(0, 1, 5)
    assert target_values(np.sin, xs).shape == (5,)
    with pytest.raises(ValueError, match="shape"):
        target_values(lambda x: x[:3], xs)
    with pytest.raises(ValueError, match="finite"), np.errstate(divide="ignore"):
        target_values(lambda x: np.log(x), xs)


@given(st.fractions(-5, 5), st.lists(st.fractions(-1, 1, max_denominator=64), min_size=1, max_size=60))
def test_greedy_path_stays_within_one_step(F0, increments):
    # a target moving by at most one unit per node is followed within one unit by the +-1 path
    F = [F0]
    for d in increments:
        F.append(F[-1] + d)
    G, sig = greedy_path(F)
    assert len(G) == len(F) and len(sig) == len(F) - 1
    assert all(s in (-1, 1) for s in sig) and all(G[m + 1] - G[m] == sig[m] for m in range(len(sig)))
    assert all(abs(g - f) <= 1 for g, f in zip(G, F))
    assert abs(G[0] - F0) <= Fraction(1, 2)  # the start is the nearest integer
