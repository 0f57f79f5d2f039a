#!/usr/bin/env python3
"""Totals every JUnit/TRX result file under a folder into the one closing line CI reads:
`N passed, N failed, N skipped`. Exits 1 when anything failed or nothing ran."""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def count_junit(root):
    passed = failed = skipped = 0
    for case in root.iter("testcase"):
        status = case.get("status", "")
        if case.find("failure") is not None or case.find("error") is not None or status == "fail":
            failed += 1
        elif case.find("skipped") is not None or status in ("notrun", "disabled", "skipped"):
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def count_trx(root):
    ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
    passed = failed = skipped = 0
    for r in root.iterfind(".//t:UnitTestResult", ns):
        outcome = r.get("outcome")
        if outcome == "Passed":
            passed += 1
        elif outcome in ("NotExecuted", "Inconclusive"):
            skipped += 1
        else:
            failed += 1
    return passed, failed, skipped


def main():
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "artifacts/test")
    totals = [0, 0, 0]
    for f in sorted(folder.rglob("*")):
        if f.suffix not in (".xml", ".trx"):
            continue
        try:
            root = ET.parse(f).getroot()
        except ET.ParseError:
            print(f"{f}: unreadable result file, counted as 1 failure")
            totals[1] += 1
            continue
        counts = count_trx(root) if f.suffix == ".trx" else count_junit(root)
        print(f"{f.relative_to(folder)}: {counts[0]} passed, {counts[1]} failed, {counts[2]} skipped")
        totals = [a + b for a, b in zip(totals, counts)]
    print(f"{totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
    return 1 if totals[1] or sum(totals) == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
