"""Long-running processes other than the API: the relay, embedded feeds, webhooks, the projector.
"""
