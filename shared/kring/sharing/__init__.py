"""Sharing: the fan-out of share links, share intents and their suggested texts."""
