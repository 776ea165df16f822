"""Black-box properties over HTTP: they need the target's URL and OpenAPI document only."""
