"""The kit's processes, started for real on one machine: what the tests and the benchmarks both run.

    waiting          wait_until (polls a condition, never sleeps for it), free_port
    processes        ManagedProcess (a child with its output collected), process_env, log_tails
    databases        throwaway_database_url: a fresh database of the kind DATABASE_URL names
    card_processor   running_card_processor: the card-processor sandbox, migrated and answering
    checkout         running_checkout: the checkout, its workers, the monolith and the sandbox

tests/ and benchmarks/ import from here; nothing here imports either.
"""
