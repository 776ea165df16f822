"""Static scans (bandit, semgrep), runtime probes and the security-header grade."""
