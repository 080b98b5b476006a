package boltmem_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"trawl.dev/proto/boltmem"
)

// rssFile returns the process's resident mapped-file memory (RssFile).
func rssFile(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status:", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "RssFile:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Skip("no RssFile in /proc/self/status")
	return 0
}

// Reading a 64 MiB file maps its pages; Release unmaps them, the data reads
// back intact, and Keep releases again by itself.
func TestReleaseUnmapsPagesAndKeepsData(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("madvise is used on Linux only")
	}
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "x.db"), 0o644, &bbolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	value := func(i int) []byte {
		return bytes.Repeat(binary.BigEndian.AppendUint32(nil, uint32(i)), 1024) // 4 KiB
	}
	const n = 16 << 10 // 64 MiB of values
	for i := 0; i < n; i += 1024 {
		err := db.Update(func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("b"))
			if err != nil {
				return err
			}
			for j := i; j < i+1024; j++ {
				if err := b.Put(binary.BigEndian.AppendUint32(nil, uint32(j)), value(j)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	readAll := func() {
		t.Helper()
		err := db.View(func(tx *bbolt.Tx) error {
			i := 0
			return tx.Bucket([]byte("b")).ForEach(func(k, v []byte) error {
				if !bytes.Equal(v, value(i)) {
					t.Fatalf("value %d differs after a release", i)
				}
				i++
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	readAll()
	mapped := rssFile(t)
	if err := boltmem.Release(db); err != nil {
		t.Fatal(err)
	}
	released := rssFile(t)
	t.Logf("RssFile %d MiB after reading, %d MiB after Release", mapped>>20, released>>20)
	if mapped-released < 48<<20 {
		t.Fatalf("RssFile went from %d to %d bytes: want the 64 MiB file's pages released", mapped, released)
	}
	readAll()
	if again := rssFile(t); again-released < 48<<20 {
		t.Fatalf("RssFile %d after reading again: want the pages mapped again", again)
	}
	stop := boltmem.Keep(db, 20*time.Millisecond)
	defer stop()
	deadline := time.Now().Add(10 * time.Second)
	for rssFile(t) > released+16<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("Keep did not release the pages: RssFile %d", rssFile(t))
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	stop() // a second stop is harmless
}
