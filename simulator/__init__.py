"""The engine and its layers: scenario → engine → metrics/plans → runner → store → experiments
→ cli.

Import the public API from :mod:`salesim`; ``docs/design.md`` maps the folders.
"""
