"""The SimPy model: random streams, the event log, staff and leads moving through the stages."""
