"""Reports: a stored run document rendered for people and CI tools.

``reports/`` reads run documents only (``gauntlet.rundoc``); it imports no suite, so a
report can be rebuilt on any machine from ``report.json`` alone::

    from reports.render import render_run
    render_run(Path("reports/out/latest"))   # -> [.../junit.xml, .../report.md]

Writers register by file name in :mod:`reports.registry`; ``reports.render`` imports
the built-in ones (:mod:`reports.markdown`, :mod:`reports.junit`).

``reports/out/`` holds the runs themselves, never code.
"""
