"""Classifier benchmark: throughput, latency, load time and memory of the embedded backend.

Run: ``.venv/bin/python -m bench.classifier_bench`` (or ``make bench``). It also times, in the
same run, a detoxify-shaped BERT-base (the ``original`` model's architecture built from its
config with random weights: the same computation as the real one) and prints the ratio.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import resource
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    ROOT.parent / "shared" / "data" / "school_comments_dev.csv",
    ROOT / "bot" / "classifier" / "data" / "extra_comments.csv",
]


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=2000, help="comments for the batched run")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--bert-comments", type=int, default=300)
    parser.add_argument("--skip-bert", action="store_true")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    from bot.classifier import ClassifierSettings, load_classifier

    classifier = load_classifier(ClassifierSettings())
    classifier.load()
    load_s = time.perf_counter() - started
    texts = _texts(args.comments)
    classifier.classify_sync(texts[:16])  # warm-up
    cps = _throughput(classifier.classify_sync, texts, args.batch)
    median_ms, p95_ms = _latency_ms(classifier.classify_sync, texts[:200])
    rss = _rss_mb()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    import torch

    print(f"machine             {_machine()}, torch threads {torch.get_num_threads()}")
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"load average        {load} (1, 5, 15 min: other work on the same CPUs)")
    print(f"embedded backend    {classifier.version}")
    print(f"load (cold, incl. imports)  {load_s:.2f} s")
    print(f"batched ({args.batch}/batch)       {cps:.0f} comments/s over {len(texts)} comments")
    print(f"single comment      median {median_ms:.1f} ms, p95 {p95_ms:.1f} ms")
    print(f"resident memory     {rss:.0f} MB now, peak {peak:.0f} MB")
    if args.skip_bert:
        return

    import transformers

    from bot.classifier.encoder import packaged_model_dir

    transformers.logging.set_verbosity_error()
    # bert-base-uncased's architecture (the detoxify "original" model): 12 layers, 768 wide,
    # six outputs; random weights, since the real ones cannot be fetched here. MiniLM ships
    # the same uncased WordPiece vocabulary, so its tokenizer stands in for bert-base's.
    bert = transformers.BertForSequenceClassification(transformers.BertConfig(num_labels=6)).eval()
    tokenizer = transformers.BertTokenizerFast.from_pretrained(str(packaged_model_dir()))

    def detoxify_shaped(batch: list[str]) -> object:
        # Given the embedded backend's advantage too: length-sorted passes of 16 texts.
        ordered = sorted(batch, key=len)
        with torch.inference_mode():
            for begin in range(0, len(ordered), 16):
                encoded = tokenizer(
                    ordered[begin : begin + 16], return_tensors="pt", truncation=True, padding=True
                )
                torch.sigmoid(bert(**encoded)[0])
        return None

    bert_texts = texts[: args.bert_comments]
    detoxify_shaped(bert_texts[:8])
    bert_cps = _throughput(detoxify_shaped, bert_texts, args.batch)
    bert_median, _ = _latency_ms(detoxify_shaped, bert_texts[:50])
    single = f"single median {bert_median:.1f} ms"
    print(f"detoxify-shaped BERT-base   {bert_cps:.0f} comments/s, {single}")
    print(f"ratio embedded / BERT-base  {cps / bert_cps:.1f}x the throughput")


if __name__ == "__main__":
    main()
