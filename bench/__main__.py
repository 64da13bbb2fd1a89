"""``python -m bench``: run every ``*_bench.py`` module, each in a fresh interpreter.

A fresh process per benchmark keeps load times and resident memory honest: one benchmark's
imports and caches never count towards another's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    failures = 0
    for path in sorted(Path(__file__).resolve().parent.glob("*_bench.py")):
        module = f"bench.{path.stem}"
        print(f"== {module}", flush=True)
        result = subprocess.run([sys.executable, "-m", module], check=False)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
