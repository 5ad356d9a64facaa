"""Tongxin's command lines, at the top of the package graph.

``tongxin layers ...`` (check, import, export and restore data) and ``tongxin auth ...``
(accounts).

``python -m tongxin`` is the one entry; ``python -m layers`` and ``python -m auth`` remain
the names the README and the messages use.
"""
