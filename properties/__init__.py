"""The 36 correctness properties and E1–E8 (spec/properties.md), as Hypothesis tests."""
