"""The floor: persistence (the event store, its recorders and hash chain, SQL connections,
the delivery ledger, subject key stores), messaging (envelopes, the outbox, Kafka settings)
and runtime plumbing (settings, logs and metrics, polling). Imports only `domain` and itself.
"""
