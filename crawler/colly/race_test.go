//go:build race

package colly_test

// raceEnabled: the race detector inflates allocations; budgets are not checked.
const raceEnabled = true
