"""Classifier benchmark: throughput, latency, load time and memory of the default backend.

Run: ``.venv/bin/python -m bench.classifier_bench`` (or ``make bench``). In the same run it
times the classifier this one replaced (the ``bot`` package of ``--baseline``, taken from git
into a temporary folder and run in a process of its own) and prints the ratio.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The evaluation set: comments of every label, length and script a school sees.
SOURCES = [ROOT / "bot" / "classifier" / "data" / "eval" / "evaluation.csv"]
BASELINE = "9be8380"
_MEASURE = [sys.executable, "-m", "bench.classifier_bench", "--measure-only"]


def _texts(count: int) -> list[str]:
    texts: list[str] = []
    for path in SOURCES:
        if path.exists():
            with path.open(encoding="utf-8") as handle:
                texts.extend(row["text"] for row in csv.DictReader(handle))
    return [texts[index % len(texts)] for index in range(count)]


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    python = platform.python_version()
    return f"{model}, {os.cpu_count()} cores, {memory:.1f} GiB RAM, Python {python}"


def _throughput(classify: object, texts: list[str], batch: int) -> float:
    started = time.perf_counter()
    for begin in range(0, len(texts), batch):
        classify(texts[begin : begin + batch])  # type: ignore[operator]
    return len(texts) / (time.perf_counter() - started)


def _latency_ms(classify: object, texts: list[str]) -> tuple[float, float]:
    samples = []
    for text in texts:
        started = time.perf_counter()
        classify([text])  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def measure(comments: int, batch: int, quantise: bool = False) -> dict[str, object]:
    """Load the default classifier and time it; what ``bot`` on the path provides is measured."""
    started = time.perf_counter()
    from bot.classifier import ClassifierSettings, load_classifier

    settings = ClassifierSettings(quantise=True) if quantise else ClassifierSettings()
    classifier = load_classifier(settings)
    classifier.load()
    load_s = time.perf_counter() - started
    texts = _texts(comments)
    classifier.classify_sync(texts[:16])  # warm-up
    cps = _throughput(classifier.classify_sync, texts, batch)
    median_ms, p95_ms = _latency_ms(classifier.classify_sync, texts[:200])
    return {
        "version": classifier.version,
        "load_s": load_s,
        "comments": len(texts),
        "per_second": cps,
        "median_ms": median_ms,
        "p95_ms": p95_ms,
        "rss_mb": _rss_mb(),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _baseline(revision: str, comments: int, batch: int) -> dict[str, object] | None:
    """The same measurement of the classifier at ``revision``, in a process of its own."""
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "bot"],
            capture_output=True,
            check=False,
        )
        if archive.returncode != 0:
            print(f"baseline {revision}: not in this clone ({archive.stderr.decode().strip()})")
            return None
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        env = {**os.environ, "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}"}
        result = subprocess.run(
            [*_MEASURE, "--comments", str(comments), "--batch", str(batch)],
            capture_output=True,
            text=True,
            env=env,
            cwd=folder,
            check=False,
        )
        if result.returncode != 0:
            print(f"baseline {revision} failed: {result.stderr.strip()[-500:]}")
            return None
        return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _print(name: str, figures: dict[str, object], batch: int) -> None:
    print(f"{name:<20}{figures['version']}")
    print(f"  load (cold, incl. imports)  {figures['load_s']:.2f} s")
    print(
        f"  batched ({batch}/batch)       {figures['per_second']:.0f} comments/s over "
        f"{figures['comments']} comments"
    )
    latency = f"median {figures['median_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms"
    print(f"  single comment      {latency}")
    print(f"  resident memory     {figures['rss_mb']:.0f} MB now, peak {figures['peak_mb']:.0f} MB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=2000, help="comments for the batched run")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument(
        "--baseline",
        default=BASELINE,
        help="git revision whose classifier is timed in the same run (default: the frozen "
        "MiniLM + head that this model replaced); 'none' to skip",
    )
    parser.add_argument("--quantise", action="store_true", help="time the int8 network")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure_only:
        print(json.dumps(measure(args.comments, args.batch, args.quantise)))
        return
    figures = measure(args.comments, args.batch, args.quantise)
    import torch

    print(f"machine             {_machine()}, torch threads {torch.get_num_threads()}")
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"load average        {load} (1, 5, 15 min: other work on the same CPUs)")
    _print("current model", figures, args.batch)
    if args.baseline == "none":
        return
    before = _baseline(args.baseline, args.comments, args.batch)
    if before is None:
        return
    _print(f"baseline {args.baseline}", before, args.batch)
    ratio = float(str(figures["per_second"])) / float(str(before["per_second"]))
    print(f"ratio current / baseline    {ratio:.2f}x the throughput")


if __name__ == "__main__":
    main()
