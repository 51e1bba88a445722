#!/usr/bin/env python3
"""Prints the peers bench as a Markdown table: ns/op per implementation, throughput ratios of idlc to each peer.

Reads criterion's results under $CARGO_TARGET_DIR/criterion (default: ./target/criterion).
"""

import json
import os
import sys
from pathlib import Path

PEERS = ["apache", "pilota", "pilota-unsafe"]


def main() -> int:
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path(__file__).parent / "target"))
    root = target / "criterion"
    results = {}
    for bench in root.glob("*/*/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        estimates = json.loads((bench.parent / "estimates.json").read_text())
        group = meta["group_id"]
        results.setdefault(group, {})[meta["function_id"]] = estimates["median"]["point_estimate"]
    if not results:
        print(f"no criterion results under {root}", file=sys.stderr)
        return 1
    header = (
        "| message | protocol | direction | idlc ns | idlc-faststr ns | apache ns | pilota ns | pilota-unsafe ns "
        "| idlc/apache | idlc/pilota | idlc/pilota-unsafe | faststr/apache | faststr/pilota | faststr/pilota-unsafe |"
    )
    print(header)
    print("|" + "|".join(["---"] * (header.count("|") - 1)) + "|")
    order = {"small": 0, "medium": 1, "large": 2}
    for group in sorted(results, key=lambda g: (order.get(g.split("/")[0], 9), g.split("/")[1], g.split("/")[2] != "encode")):
        times = results[group]
        message, protocol, direction = group.split("/")
        cells = [message, protocol, direction]
        cells += [f"{times[n]:,.0f}" if n in times else "–" for n in ["idlc", "idlc-faststr"] + PEERS]
        for ours in ["idlc", "idlc-faststr"]:
            for peer in PEERS:
                # Same bytes per op for everyone, so the throughput ratio is the inverse time ratio.
                mine = times.get(ours)
                cells.append(f"{times[peer] / mine:.2f}x" if mine and peer in times else "–")
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
