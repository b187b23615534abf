package main

// ignoreBrokenPipe: Windows has no SIGPIPE; a write to a closed pipe
// already fails with an error.
func ignoreBrokenPipe() {}
