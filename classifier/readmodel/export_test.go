package readmodel

// SetSmallCands changes the candidate-set threshold, so tests can force
// either way of answering a search; it returns a func that restores it.
func SetSmallCands(n int) (restore func()) {
	old := smallCands
	smallCands = n
	return func() { smallCands = old }
}
