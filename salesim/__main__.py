"""``python -m salesim``: the same as the ``salesim`` command."""

from salesim.simulator.cli.main import main

main()
