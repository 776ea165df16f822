"""Fault proxy (Toxiproxy API), HTTP fault layer and chaos scenarios."""
