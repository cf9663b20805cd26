"""Points and leaderboards: what an ambassador's activity is worth, counted the way a fair-minded
colleague would, and the rankings per ISO week, month and quarter."""
