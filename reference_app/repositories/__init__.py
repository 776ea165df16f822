"""Data access: one repository per aggregate; every query names its columns."""
