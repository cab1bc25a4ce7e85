/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * See dma_watch.h.
 */

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "dma_watch.h"

#if defined(__x86_64__) && defined(__linux__)

#define TRAP_FLAG	0x100

static struct {
	volatile sig_atomic_t armed;
	uint8_t *pages;
	size_t plen;
	uint8_t *lo;
	size_t n;
	uint8_t bad[64];
	size_t nbad;
	unsigned int hits;
	bool flipped;
	struct sigaction old_segv, old_trap;
} w;

static void
on_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uint8_t *a = si->si_addr;

	if (!w.armed || a < w.pages || a >= w.pages + w.plen) {
		/* Not ours: a real fault. */
		sigaction(sig, &w.old_segv, NULL);
		return;
	}
	if (a >= w.lo && a < w.lo + w.n)
		w.hits++;
	/* Let this one instruction through, then trap after it. */
	mprotect(w.pages, w.plen, PROT_READ | PROT_WRITE);
	uc->uc_mcontext.gregs[REG_EFL] |= TRAP_FLAG;
}

static void
on_trap(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)TRAP_FLAG;
	if (w.hits > 0 && !w.flipped) {
		/* The device writes again, after the driver's first read. */
		memcpy(w.lo, w.bad, w.nbad);
		w.flipped = true;
	}
	if (w.armed)
		mprotect(w.pages, w.plen, PROT_NONE);
}

bool
dma_watch_supported(void)
{
	return true;
}

void
dma_watch_arm(void *region, size_t len, uint8_t *lo, size_t n,
	      const void *bad, size_t nbad)
{
	struct sigaction sa;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &w.old_segv);
	sa.sa_sigaction = on_trap;
	sigaction(SIGTRAP, &sa, &w.old_trap);
	w.pages = region;
	w.plen = (len + pg - 1) & ~(pg - 1);
	w.lo = lo;
	w.n = n;
	w.nbad = nbad < sizeof(w.bad) ? nbad : sizeof(w.bad);
	memcpy(w.bad, bad, w.nbad);
	w.hits = 0;
	w.flipped = false;
	w.armed = 1;
	if (mprotect(w.pages, w.plen, PROT_NONE) != 0)
		abort();
}

unsigned int
dma_watch_disarm(void)
{
	w.armed = 0;
	mprotect(w.pages, w.plen, PROT_READ | PROT_WRITE);
	sigaction(SIGSEGV, &w.old_segv, NULL);
	sigaction(SIGTRAP, &w.old_trap, NULL);
	return w.hits;
}

#else

bool
dma_watch_supported(void)
{
	return false;
}

void
dma_watch_arm(void *region, size_t len, uint8_t *lo, size_t n,
	      const void *bad, size_t nbad)
{
	(void)region;
	(void)len;
	(void)lo;
	(void)n;
	(void)bad;
	(void)nbad;
}

unsigned int
dma_watch_disarm(void)
{
	return 0;
}

#endif
