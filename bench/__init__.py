"""Benchmarks, run as scripts: python bench/engine.py, bench/timers.py, bench/http.py."""
