"""Real Redis and PostgreSQL for a run: found, or started and always stopped.

Import from the modules (this package imports nothing, so ``processes`` stays cheap):

    resolve.py     which server to use (DESIGN.md "Services" resolution order)
    session.py     ServiceSession: one run's database + key prefix, cleaned up after
    state.py       `gauntlet services up|down|status`: detached private servers
    redis.py, postgres.py   probes, private instances, keys and databases
    binaries.py    are the server binaries installed; install them or say how
    processes.py   ManagedProcess, ProcessGroup, wait_until (+ signals.install_signal_handlers)
    pgroups.py     process groups by id: list, signal, stop (for detached servers)
    ports.py, urls.py, types.py
"""
