"""The API's public answers, one module per resource, apart from the domain's state classes.

The domain may rename or add to its state without changing the contract: a command's answer
and a `GET` of the same entity are the same flat record (`records.Record`), and every list is
one envelope (`lists.ListAnswer`, with `lists.ViewFreshness` when read from the projections).
"""
