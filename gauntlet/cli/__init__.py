"""The ``gauntlet`` command line: the composition root that ties the core together."""
