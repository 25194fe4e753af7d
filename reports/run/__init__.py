"""The run report's sections, one module per group: :mod:`headline` (headline figures, the
bottleneck), :mod:`flow` (funnel, time, utilisation), :mod:`money` (plan vs fact, cash, revenue,
channels, losses), :mod:`staff` (ranking, SLA) and :mod:`appendix` (the scenario, method notes);
:mod:`context` holds what they share. :mod:`salesim.reports.run_report` composes them."""
