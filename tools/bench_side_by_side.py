#!/usr/bin/env python3
"""Side-by-side criterion comparison of two builds of the `hebb` bench binary.

The machine is noisy, so absolute times drift; this runs the two binaries alternately, round
after round, on the same benchmark filters, and reports each build's median estimate per round
and the ratio new/old (median over rounds). Usage:

    # build the old commit's benches in a worktree, and the current ones
    git worktree add /tmp/old <commit>
    (cd /tmp/old && CARGO_TARGET_DIR=/tmp/tgt-old cargo bench -p hebb-benches --bench hebb --no-run)
    cargo bench -p hebb-benches --bench hebb --no-run
    python3 tools/bench_side_by_side.py OLD_BIN NEW_BIN 'network/ant/ABCD_lr/Avx2' \
        'network/car_head/ABCD_lr/Avx2' --rounds 5

where OLD_BIN/NEW_BIN are the `target/release/deps/hebb-<hash>` executables cargo prints.
Pin it to one core (`taskset -c 1`) on a machine with other work.
"""
import argparse
import re
import statistics
import subprocess

UNITS = {"ps": 1e-6, "ns": 1e-3, "µs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}
TIME = re.compile(r"^(\S.*?)\s*\n?\s*time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", re.M)


def run(binary, flt, warm, meas):
    out = subprocess.run(
        [binary, "--bench", "--noplot", "--warm-up-time", str(warm), "--measurement-time", str(meas), flt],
        capture_output=True, text=True, check=True,
    ).stdout
    found = {}
    for m in TIME.finditer(out):
        found[m.group(1).strip()] = float(m.group(2)) * UNITS[m.group(3)]
    if not found:
        raise SystemExit(f"no criterion result for {flt!r} from {binary}:\n{out}")
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("filters", nargs="+", help="criterion filters (regexes on benchmark ids)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warm-up", type=float, default=1.0)
    ap.add_argument("--measurement", type=float, default=3.0)
    ap.add_argument("--against", help="compare every new benchmark missing from OLD against this OLD id")
    a = ap.parse_args()
    times = {}  # id -> {"old": [...], "new": [...]}
    for r in range(a.rounds):
        for flt in a.filters:
            for which, binary in (("old", a.old), ("new", a.new)) if r % 2 == 0 else (("new", a.new), ("old", a.old)):
                for bid, t in run(binary, flt, a.warm_up, a.measurement).items():
                    times.setdefault(bid, {"old": [], "new": []})[which].append(t)
        print(f"round {r + 1}/{a.rounds} done", flush=True)
    print(f"\n{'benchmark':40} {'old µs':>10} {'new µs':>10} {'new/old':>8}  per-round ratios")
    for bid, t in times.items():
        if not t["old"] and a.against in times:
            t = {"old": times[a.against]["old"], "new": t["new"]}
        if not t["old"] or not t["new"]:
            print(f"{bid:40} only in {'new' if t['new'] else 'old'}")
            continue
        ratios = [n / o for o, n in zip(t["old"], t["new"])]
        print(
            f"{bid:40} {statistics.median(t['old']):10.3f} {statistics.median(t['new']):10.3f} "
            f"{statistics.median(ratios):8.3f}  " + " ".join(f"{x:.3f}" for x in ratios)
        )


if __name__ == "__main__":
    main()
