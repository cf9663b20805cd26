"""The one page the redirect renders itself: the 404 for a link that does not exist."""

from __future__ import annotations

NOT_FOUND_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Link not found</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}p{line-height:1.5}</style>
</head>
<body>
<h1>This link does not exist</h1>
<p>The link you followed is not (or no longer) valid. Check that it was copied completely.</p>
<p lang="nl">Deze link bestaat niet (meer). Controleer of hij volledig is gekopieerd.</p>
</body>
</html>
"""
