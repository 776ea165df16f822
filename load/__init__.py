"""Load profiles (Locust, run as a subprocess), open-model runner, HDR latency."""
