"""The ambassador roster: create, read, update, erase, CSV import."""
