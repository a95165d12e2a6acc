"""Helpers every room of pygo-tools uses: the log, the one subprocess funnel, atomic writes,
the build cache and the checks on single configuration values.

Nothing here imports from the rest of pygo-tools except ``errors``.
"""
