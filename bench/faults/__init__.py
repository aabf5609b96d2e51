"""Fault runs on loopback: see __main__.py (`.venv/bin/python -m bench.faults`) and bench/README.md."""
