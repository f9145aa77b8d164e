"""``make bench``: per-request cost in-process, HTTP throughput on loopback and the suite's own
speed, for the reference implementation side by side with its Python peers (``bench.run``)."""
