"""Benchmarks that print figures (last line JSON); run as `python -m bench.<name>`."""
