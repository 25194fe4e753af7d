"""Files on disk: the one atomic writer, and the run folder written and read here."""
