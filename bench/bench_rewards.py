"""Reward throughput: calls per second of ``rewards.reward`` per answer type, one core.

    python bench/bench_rewards.py [--calls 20000] [--repeats 5]

Prints medians over repeats; asserts nothing. Rows are written here, so no build is needed.
"""

from __future__ import annotations

import argparse
import statistics
import time

from spatialqa.generators.rewards import reward

ROWS = {
    "number (MRA)": (
        {"answer_type": "number", "family": "distance", "answer": "2.4", "metric": "mra"},
        "2.1 meters",
    ),
    "integer (counting)": (
        {"answer_type": "integer", "family": "counting", "answer": "4", "metric": "mra"},
        "5",
    ),
    "mc (accuracy)": (
        {
            "answer_type": "mc",
            "family": "direction",
            "answer": "C",
            "metric": "accuracy",
            "choices": ["A. front-left", "B. front-right", "C. back-left", "D. back-right"],
        },
        "C.",
    ),
    "yes_no (accuracy)": (
        {"answer_type": "yes_no", "family": "existence", "answer": "yes", "metric": "accuracy"},
        "no",
    ),
    "box (IoU)": (
        {
            "answer_type": "box",
            "family": "grounding",
            "answer": "[10, 20, 300, 400]",
            "metric": "iou",
        },
        "[12, 25, 310, 390]",
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"{'answer type':<20} {'calls/s':>12} {'us/call':>9}")
    for name, (row, reply) in ROWS.items():
        row = {"answerable": True, "choices": [], **row}
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            for _ in range(args.calls):
                reward(row, reply)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        print(f"{name:<20} {args.calls / median:>12,.0f} {1e6 * median / args.calls:>9.2f}")


if __name__ == "__main__":
    main()
