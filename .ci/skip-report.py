#!/usr/bin/env python3
"""Counts the skipped tests of a CTest run by reason, from its JUnit file.

usage: skip-report.py JUNIT.xml [JUNIT.xml ...]

A gtest executable (tests/support/gtest_main.cpp) prints each skip's reason
as a line `PAGEPREP_SKIP: <reason>`; any other skipped test (a script's
SKIP_RETURN_CODE) is counted under CTest's own message. With PAGEPREP_STRICT=1
the script exits 1 when any skip has a reason other than "no CUDA device"
(or its complement, "a CUDA device is present"), naming the tests.
"""
import collections
import os
import re
import sys
import xml.etree.ElementTree as ET

ALLOWED = ("no CUDA device", "a CUDA device is present")


def skips(path):
    for case in ET.parse(path).getroot().iter("testcase"):
        skipped = case.find("skipped")
        if skipped is None and case.get("status") not in ("notrun", "disabled"):
            continue
        out = case.findtext("system-out") or ""
        m = re.search(r"^PAGEPREP_SKIP: (.*)$", out, re.M)
        if m:
            reason = m.group(1).strip()
        else:
            msg = skipped.get("message") if skipped is not None else None
            reason = "not a gtest skip: " + (msg or case.get("status") or "?")
        yield case.get("name"), reason


def main(argv):
    strict = os.environ.get("PAGEPREP_STRICT") == "1"
    by_reason = collections.defaultdict(list)
    for path in argv[1:]:
        for name, reason in skips(path):
            by_reason[reason].append(name)
    total = sum(len(v) for v in by_reason.values())
    print(f"skip-report: {total} skipped test(s)")
    refused = []
    for reason, names in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        ok = any(a in reason for a in ALLOWED)
        print(f"  {len(names):4d}  {reason}{'' if ok else '   [not allowed in strict mode]'}")
        if not ok:
            refused += names
    if strict and refused:
        print("skip-report: PAGEPREP_STRICT=1 refuses these skips:")
        for n in refused:
            print("  " + n)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
