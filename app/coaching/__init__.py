"""After the call: the shared debrief, the coach's review of flagged moments, the interviewer's
review inbox and the coaches' overrides of the detectors (exported as training labels)."""
