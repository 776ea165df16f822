"""``python -m gauntlet.cli`` is the ``gauntlet`` command."""

from gauntlet.cli.main import main

main()
