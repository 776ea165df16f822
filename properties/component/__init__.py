"""Component properties: they reach the app only through ``gauntlet.components`` Protocols."""
