package tokenindex

import (
	"syscall"
	"unsafe"
)

// hugeFrom is the size from which arrays come from their own mapping with
// transparent huge pages requested. On the virtual machines nodes run on, a
// first touch of a 4 KiB page costs microseconds, so a fresh 200 MB index
// spent most of its build time in page faults; with 2 MiB pages it takes
// 512 times fewer faults, and a random probe's address translation fits
// the TLB. The kernel falls back to small pages where huge ones are not
// available or not allowed, which only costs the speed.
const hugeFrom = 4 << 20

// allocEntries returns zeroed space for n entries and, if it is not Go
// memory, the function that unmaps it. The entry type holds no pointers,
// so memory outside the Go heap is safe for it.
func allocEntries(n int) ([]entry, func()) {
	size := n * int(unsafe.Sizeof(entry{}))
	if size < hugeFrom {
		return make([]entry, n), nil
	}
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]entry, n), nil
	}
	_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE) // advice only: refused means small pages
	return unsafe.Slice((*entry)(unsafe.Pointer(unsafe.SliceData(b))), n), func() { _ = syscall.Munmap(b) }
}
