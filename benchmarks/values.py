"""Plain Go values both ways: a list of 10,000 short strings or ints passed to Go and returned
(Go copies it), against json.dumps + json.loads of the same list in Python."""

from __future__ import annotations

import json
import sys

from common import install_project, machine, median_seconds, table, targets

COUNT = 10_000


def main() -> None:
    site = install_project()
    sys.path.insert(0, str(site))
    from benchgo import api

    cases = {
        f"{COUNT:,} short strings": ([f"item-{i:05d}" for i in range(COUNT)], api.Strings),
        f"{COUNT:,} ints": (list(range(-COUNT // 2, COUNT // 2)), api.Ints),
    }
    rows = []
    goals = []
    for name, (values, function) in cases.items():
        assert function(values) == values
        ours = median_seconds(lambda: function(values), 41)  # noqa: B023 (used at once)
        baseline = median_seconds(lambda: json.loads(json.dumps(values)), 41)  # noqa: B023
        ratio = ours / baseline
        rows.append([name, f"{ours * 1e3:.2f}", f"{baseline * 1e3:.2f}", f"{ratio:.2f}×"])
        goals.append((f"{name}: at most 3× json.dumps + json.loads", ratio <= 3, f"{ratio:.2f}×"))
    print(f"### Lists through Go and back ({machine()})\n")
    print(table(["list", "typed call, in and out (ms)", "json.dumps + json.loads (ms)", "ratio"], rows))
    print(targets(*goals))


if __name__ == "__main__":
    main()
