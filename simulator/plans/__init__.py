"""Sales plans: exact decomposition, plan/fact and the bottom-up forecast."""
