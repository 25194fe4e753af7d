"""Charts: tables in, matplotlib ``Figure`` out (pure; object-oriented API, never pyplot).

Each function draws one chart from data that is already computed (by :mod:`metrics.measure`
or :mod:`metrics.timeseries`) and returns the figure; :func:`base.render` turns it into PNG
bytes. Colours come from one :class:`base.Palette` per report, so a stage or a role has the same
colour in every chart, and numbers go through the report's
:class:`~salesim.reports.formatting.NumberStyle`.

Readability rules every chart follows: a title that says what it shows, axis labels with units,
grouped thousands, no label drawn over another (rows and panels grow with the data; tick
labels are thinned when they would collide).

One module per chart family: :mod:`base` (colours, style, helpers, rendering), :mod:`flow`
(funnel, time, work in progress, losses), :mod:`capacity` (bottleneck, utilisation, heat maps),
:mod:`money`, :mod:`plans`, and for a comparison of variants :mod:`compare` (key figures,
differences) and :mod:`compare_capacity` (utilisation, bottleneck verdicts).
"""
