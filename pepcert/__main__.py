"""``python -m pepcert`` is the ``pepcert`` command."""

from pepcert.cli import run

run()
