"""The component interfaces the property suite tests, owned by the harness.

A team plugs its own implementation in with ``[components]`` in gauntlet.toml
(``cache = "mypkg.cache:build"``); the reference app satisfies them structurally.
"""
