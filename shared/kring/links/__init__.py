"""Ids every flow shares: share codes, click tokens, visitor hashes, identity hashes."""
