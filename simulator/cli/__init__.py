"""The ``salesim`` command: the only package that prints or exits."""
