"""Benchmarks: each ``bench/*_bench.py`` module has a ``main()`` and runs on its own."""
