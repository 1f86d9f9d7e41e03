#!/usr/bin/python3
"""Runs every Python client test with pytest (Debian python3-pytest) and ends with the line test.sh folds into its
summary: ``python tests: N passed, N failed, N skipped``. Skips are listed with their reasons (-rs). Extra
arguments go to pytest (e.g. ``-k generate`` or a test file). Exit status: pytest's."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


class _Counts:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.outcome != "passed":  # setup/teardown count only when they fail or skip
            if report.passed and report.when == "call":
                self.passed += 1
            elif report.skipped:
                self.skipped += 1
            elif report.failed:
                self.failed += 1


if __name__ == "__main__":
    counts = _Counts()
    args = sys.argv[1:] or [HERE]
    code = pytest.main(["-rs", "-v", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "--rootdir", HERE, *args],
                       plugins=[counts])
    failed = counts.failed + (1 if code not in (0, 5) and counts.failed == 0 else 0)  # a collection error counts
    print(f"python tests: {counts.passed} passed, {failed} failed, {counts.skipped} skipped", flush=True)
    sys.exit(int(code) if code != 5 else 0)
