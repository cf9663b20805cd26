"""Click recording: the recorder, the counting it plans, and the spool of clicks the redirect
could not emit."""
