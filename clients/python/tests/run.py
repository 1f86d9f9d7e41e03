#!/usr/bin/python3
"""Runs every Python client test (unittest) and ends with one line test.sh folds into its summary:
``python tests: N passed, N failed, N skipped``. Exit status 1 when any test failed or errored."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

if __name__ == "__main__":
    suite = unittest.defaultTestLoader.discover(HERE, pattern=sys.argv[1] if len(sys.argv) > 1 else "test_*.py")
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    print(f"python tests: {passed} passed, {failed} failed, {skipped} skipped", flush=True)
    sys.exit(0 if failed == 0 else 1)
