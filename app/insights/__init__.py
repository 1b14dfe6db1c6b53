"""What happens after the call: trends of an interviewer across calls, synthesis of a study across
interviews, and the debrief. Pure functions over reports; the commands and pages sit on top."""
