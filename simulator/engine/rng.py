"""Named random streams split from one root seed (common random numbers across variants)."""

from __future__ import annotations

import zlib

import numpy as np

STREAMS = ("arrivals", "leads", "durations", "decisions", "people")


class Streams:
    """One independent ``numpy.random.Generator`` per purpose, all derived from one seed.

    Replication ``r`` of seed ``s`` is ``SeedSequence(s, spawn_key=(r,))``; replication 0 is the
    plain run. Streams are named, not positional, so adding a stream never shifts the others.
    """

    def __init__(self, seed: int, replication: int = 0) -> None:
        root = np.random.SeedSequence(seed, spawn_key=(replication,))
        self.seed = seed
        self.replication = replication
        children = root.spawn(len(STREAMS))
        self._generators = {
            name: np.random.Generator(np.random.PCG64(child))
            for name, child in zip(STREAMS, children, strict=True)
        }

    def __getitem__(self, name: str) -> np.random.Generator:
        return self._generators[name]

    def named(self, purpose: str, name: str) -> np.random.Generator:
        """A generator for one purpose and one named thing (a role, a step).

        Keyed by the name, not by position: adding a role or a step leaves the draws of the
        others unchanged, and person k of a role gets the same speed whatever the headcount.
        """
        key = (self.replication, STREAMS.index(purpose), zlib.crc32(name.encode("utf-8")))
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed,
                                                                          spawn_key=key)))
