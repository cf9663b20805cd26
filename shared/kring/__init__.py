"""Kring: employee advocacy and social recruiting on AWS serverless.

Layers point one way: ``functions/*/app.py`` → domain logic (``kring.<domain>``) →
data access (``kring.dal``) and the other edges (``kring.integrations``).
"""
