#!/usr/bin/env python3
"""Sums the <Counters> of every TRX file under a folder and prints one line: `N passed, N failed[, N skipped]`.

    python3 tests/trx_summary.py TestResults [expected-project-name ...]

Exit code: 0 when tests ran and none failed; 1 when any failed, none ran, or an expected project left no TRX
(a test host that crashed before writing results must not look green).
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET

FAILED = ("failed", "error", "timeout", "aborted")
SKIPPED = ("notExecuted", "inconclusive", "notRunnable")


def main(folder, expected):
    passed = failed = skipped = 0
    files = sorted(glob.glob(os.path.join(folder, "**", "*.trx"), recursive=True))
    for path in files:
        counters = next((e for e in ET.parse(path).iter() if e.tag.endswith("Counters")), None)
        if counters is None:
            print(f"trx_summary: {path} has no <Counters>", file=sys.stderr)
            continue
        count = lambda names: sum(int(counters.get(n, "0")) for n in names)
        passed += count(("passed",))
        failed += count(FAILED)
        skipped += count(SKIPPED)
    names = {os.path.splitext(os.path.basename(f))[0] for f in files}
    missing = [p for p in expected if p not in names]
    for project in missing:
        print(f"trx_summary: no test results from {project} (its test run crashed or never started)", file=sys.stderr)
    line = f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
    print(line)
    return 0 if passed + failed > 0 and failed == 0 and not missing else 1


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: trx_summary.py RESULTS_FOLDER [expected-project-name ...]")
    sys.exit(main(sys.argv[1], sys.argv[2:]))
