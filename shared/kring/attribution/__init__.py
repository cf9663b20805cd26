"""Attribution: its rules and entities, the recorder, the explanation read back, and rewards."""
