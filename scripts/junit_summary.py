"""Per-file counts of a pytest JUnit XML report: passed, failed (failures
and errors), skipped. Usage: python scripts/junit_summary.py report.xml"""

import sys
import xml.etree.ElementTree as ET
from collections import defaultdict


def main(path):
    counts = defaultdict(lambda: [0, 0, 0])
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("classname", "").split(".")
        module = next((p for p in name if p.startswith("test_")), ".".join(name))
        kinds = {child.tag for child in case}
        slot = 1 if kinds & {"failure", "error"} else 2 if "skipped" in kinds else 0
        counts[module][slot] += 1
    print(f"{'file':<32}{'passed':>8}{'failed':>8}{'skipped':>8}")
    totals = [0, 0, 0]
    for module in sorted(counts):
        c = counts[module]
        totals = [t + x for t, x in zip(totals, c)]
        print(f"{module:<32}{c[0]:>8}{c[1]:>8}{c[2]:>8}")
    print(f"{'all':<32}{totals[0]:>8}{totals[1]:>8}{totals[2]:>8}")


if __name__ == "__main__":
    main(sys.argv[1])
