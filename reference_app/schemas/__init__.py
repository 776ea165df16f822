"""Request and response schemas (strict: a bool is never a number, a number never a string)."""
