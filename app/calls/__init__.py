"""Live calls: the session of one call, its event fan-out, the nudge policy, recordings."""
