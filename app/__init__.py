"""SecondEar server, streaming speech pipeline, storage and command line."""
