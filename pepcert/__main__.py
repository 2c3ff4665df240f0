"""``python -m pepcert`` is the ``pepcert`` command."""

from .cli import run

run()
