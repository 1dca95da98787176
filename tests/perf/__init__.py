"""The benchmark and soak harness: `make bench` and `make soak` (python -m perf bench|soak).

It starts a production-like stack of its own on this machine (a durable PostgreSQL, the API
under uvicorn with production settings, nginx), loads it with wrk and writes its reports.
Only the `test_*.py` modules here are tests; the rest is the harness they check.
"""
