"""outline_mask: the pixels of an outline's parts, all parts together."""

import numpy as np

from spatialqa.oracle.outlines import outline_mask


def test_outline_mask_is_the_union_of_the_parts_spans():
    # Two parts over rows 5..7 (top 5). Part 0 spans columns 2-4, 3-3, empty (first > last);
    # part 1 spans 4-6, empty, 8-9. Block columns 2..9 (left = 2, right = 10).
    first = np.array([[2, 3, 7], [4, 9, 8]])
    last = np.array([[4, 3, 6], [6, 8, 9]])
    top, left, mask = outline_mask((5, first, last))
    assert (top, left) == (5, 2)
    expected = np.array(
        [
            # columns 2 3 4 5 6 7 8 9
            [1, 1, 1, 1, 1, 0, 0, 0],  # 2-4 and 4-6: 2..6 (4 in both, once)
            [0, 1, 0, 0, 0, 0, 0, 0],  # 3-3; part 1 empty
            [0, 0, 0, 0, 0, 0, 1, 1],  # part 0 empty; 8-9
        ],
        dtype=bool,
    )
    np.testing.assert_array_equal(mask, expected)


def test_outline_mask_of_one_part_and_of_none():
    top, left, mask = outline_mask((0, np.array([[1, 2]]), np.array([[2, 2]])))
    assert (top, left) == (0, 1)
    np.testing.assert_array_equal(mask, [[True, True], [False, True]])
    assert outline_mask((0, np.array([[3]]), np.array([[2]]))) is None
    assert outline_mask(None) is None
