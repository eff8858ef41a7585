"""Benchmarks: bench/engine.py, bench/timers.py; python -m bench.http_load, bench.asgi_cpu."""
