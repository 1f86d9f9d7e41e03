"""The package is fully typed: ``mypy --strict`` (Debian python3-mypy) passes on it, and it ships ``py.typed``."""
import os
import subprocess
import sys
import unittest

PKG = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


class TypingTests(unittest.TestCase):
    def test_mypy_strict_is_clean(self):
        try:
            import mypy  # noqa: F401
        except ImportError:
            self.skipTest("mypy is not installed (Debian python3-mypy; test.sh installs it)")
        run = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "neuronguard"], cwd=PKG,
                             capture_output=True, text=True, timeout=900)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)


if __name__ == "__main__":
    unittest.main()
