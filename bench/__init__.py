"""The benchmark harness (`make bench`, bench/run.py); see bench/README.md. Never part of `make test`."""
