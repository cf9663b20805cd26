"""The advocacy programme: its phases as a state machine (issue 13)."""
