//go:build !race

package colly_test

const raceEnabled = false
