"""The benchmarks, each run as a script from the repository root (docs/benchmarks.md).

A package, so that one benchmark uses another's helpers by a plain import
(`from bench import intake`); a script that does so puts the repository root, not
bench/, at the head of sys.path (bench/queue.py would shadow the standard library's
`queue` for every library importing it).
"""
