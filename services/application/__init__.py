"""The application layer: commands run through one unit of work (service, handlers),
who may do what (auth), personal data and erasure (subjects), and delivery's explanations.
Imports domain, adapters and projections; never an entry point.
"""
