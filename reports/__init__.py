"""Reports on a run folder: ``report.html`` / ``report.md`` with charts, and process-mining export.

Typical use::

    from salesim.reports import build_compare_report, build_report, export_log
    build_report(Path("runs/q1"), force=True)      # report.html, report.md, report_charts/*.png
    export_log(Path("runs/q1"), "xes")             # runs/q1/eventlog.xes
    build_compare_report(Path("runs/cmp"), force=True)  # the same files for `salesim compare`

The names are loaded on first use, so that importing :mod:`salesim.simulator.cli.report` (which the
``salesim`` command does at start-up) does not import matplotlib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from salesim.reports.compare_report import build_compare_report
    from salesim.reports.export import export_log
    from salesim.reports.run_report import build_report
    from salesim.simulator.store.run_reader import ReportError, load_run

__all__ = ["ReportError", "build_compare_report", "build_report", "export_log", "load_run"]

_HOMES = {"ReportError": "salesim.simulator.store.run_reader",
          "load_run": "salesim.simulator.store.run_reader",
          "build_report": "salesim.reports.run_report", "export_log": "salesim.reports.export",
          "build_compare_report": "salesim.reports.compare_report"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'reports' has no attribute {name!r}")
