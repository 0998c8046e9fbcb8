"""Sizes of the scalar-input, scalar-output fully connected ReLU architecture.

Project convention: depth ``L`` = number of affine maps (so ``L - 1`` hidden
layers), width ``W`` = size of every hidden layer (the largest one, for the
lower bounds: narrower layers only shrink the class), parameters = weights +
biases.  For input and output dimension 1::

    P(W, L) = (W + W)            first affine map  (W weights, W biases)
            + (L - 2)(W^2 + W)   hidden-to-hidden maps
            + (W + 1)            output map
            = (L - 2) W^2 + (L + 1) W + 1      (L >= 2);   P(W, 1) = 2.
"""

from __future__ import annotations

__all__ = ["check_width_depth", "n_params", "layer_params", "hidden_units"]


def check_width_depth(W: int, L: int) -> None:
    """Raise ValueError unless ``W >= 1`` and ``L >= 2`` are integers."""
    if not isinstance(W, int) or isinstance(W, bool) or W < 1:
        raise ValueError(f"width W must be an integer >= 1, got {W!r}")
    if not isinstance(L, int) or isinstance(L, bool) or L < 2:
        raise ValueError(f"depth L must be an integer >= 2 (number of affine maps), got {L!r}")


def layer_params(W: int, L: int) -> list[int]:
    """Parameters feeding the units of layer ``i`` (``i = 1..L``; layer ``L`` = output unit).

    Examples
    --------
    >>> layer_params(3, 3)
    [6, 12, 4]
    """
    check_width_depth(W, L)
    return [2 * W] + [W * W + W] * (L - 2) + [W + 1]


def n_params(W: int, L: int) -> int:
    """Number of weights + biases ``P(W, L) = (L-2) W^2 + (L+1) W + 1``.

    Parameters
    ----------
    W : int
        Hidden width, ``>= 1``.
    L : int
        Number of affine maps, ``>= 2``.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``W < 1`` or ``L < 2``.

    Examples
    --------
    >>> n_params(1, 2), n_params(8, 4)
    (4, 169)
    """
    check_width_depth(W, L)
    return (L - 2) * W * W + (L + 1) * W + 1


def hidden_units(W: int, L: int) -> int:
    """Number of hidden ReLU units ``(L - 1) W``."""
    check_width_depth(W, L)
    return (L - 1) * W
