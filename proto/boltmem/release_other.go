//go:build !linux

package boltmem

func release(uintptr, int64) error { return nil }
