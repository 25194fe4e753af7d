"""The comparison report's parts: :mod:`reading` (the folder ``salesim compare`` wrote),
:mod:`context` (what the sections share), and one module per section: :mod:`summary`,
:mod:`side_by_side`, :mod:`differences`, :mod:`method`. :mod:`salesim.reports.compare_report`
composes them."""
