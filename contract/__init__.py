"""OpenAPI contract fuzzing with Schemathesis, plus Gauntlet's own checks."""
