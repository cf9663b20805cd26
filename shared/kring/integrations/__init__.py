"""Kring's edges other than its own table: the event bus, queues, secrets, ATS providers."""
