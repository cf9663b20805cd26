"""The ambassador portal (issue 13): an ambassador's own pages, signed in with a mailed link."""
