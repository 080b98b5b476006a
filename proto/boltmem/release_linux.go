package boltmem

import (
	"os"
	"syscall"
)

// release advises the kernel that the mapped pages in [addr, addr+size) are
// not needed: for a shared file mapping that only unmaps them from the
// process (nothing is lost; they are read back from the page cache).
func release(addr uintptr, size int64) error {
	n := uintptr(size) &^ uintptr(os.Getpagesize()-1)
	if addr == 0 || n == 0 {
		return nil
	}
	if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, addr, n, syscall.MADV_DONTNEED); errno != 0 {
		return errno
	}
	return nil
}
