"""Benchmarks of chainrule against its peers: ``python -m bench`` (see ``./scripts/bench``)."""
