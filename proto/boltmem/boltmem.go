// Package boltmem keeps the memory a bbolt file maps into the process to
// what the process is using.
//
// bbolt reads through a shared, read-only memory map of its file. Every page
// a transaction touches stays mapped, and counted in the process's resident
// set, until the file is mapped again (when it grows past its map), so a
// store that grows for months shows a resident set that grows with it,
// although those pages are page cache the kernel can take back at any time.
// Release drops the process's mappings of those pages; the data stays in the
// page cache, and the next read of a page maps it again (a minor fault, no
// disk read). Keep does it every few seconds, so that the resident set
// follows what the service touched lately, not everything it ever read.
//
// Lately means seconds: the kernel maps the neighbours of a faulted page
// that are in the page cache too (fault-around, 64 KiB), so a store taking
// a few hundred random reads a second maps most of a file of tens of MiB
// within a quarter of a minute, and the resident set would still grow with
// the file. Measured on a classifier partition taking 13 pages a second:
// 8 MiB mapped a second after a release, 17 of its 33 MiB after 12 s.
//
// This changes what the process's resident set counts, not the page cache:
// the pages stay cached and charged to the process's memory cgroup like any
// file data it read.
package boltmem

import (
	"time"

	bbolt "go.etcd.io/bbolt"
)

// DefaultInterval is how often Keep releases a file's pages.
const DefaultInterval = 2 * time.Second

// Release drops the process's mappings of db's pages. It runs inside a read
// transaction, so that bbolt cannot map the file again meanwhile (a remap
// waits for readers), and covers only the pages the transaction sees, which
// are all inside the map. It does nothing where the system has no madvise.
func Release(db *bbolt.DB) error {
	return db.View(func(tx *bbolt.Tx) error {
		return release(db.Info().Data, tx.Size())
	})
}

// Keep calls Release on db every interval (DefaultInterval when it is not
// positive) until stop is called; stop waits for a release in progress, so
// the file can be closed after it. Failures are ignored: the pages stay
// mapped, as they would without Keep.
func Keep(db *bbolt.DB, interval time.Duration) (stop func()) {
	if interval <= 0 {
		interval = DefaultInterval
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				_ = Release(db)
			case <-quit:
				return
			}
		}
	}()
	return func() {
		select {
		case <-quit:
		default:
			close(quit)
		}
		<-done
	}
}
