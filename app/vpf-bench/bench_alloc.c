/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Counting allocator. vpf-bench is linked with -Wl,--wrap=<fn> for the
 * allocation functions below, so the references from the statically linked
 * libvpf and libvpf_model (and from vpf-bench itself) land here, then in the
 * real allocator (glibc, or the sanitizer's interceptor in an ASan build).
 * Sizes are the allocator's usable sizes, so that a free subtracts exactly
 * what its allocation added.
 *
 * Attribution: code running inside a backend op (bench_ops.c brackets every
 * call with bench_alloc_enter_device/leave_device) counts as the device; the
 * rest counts as the driver. With the synchronous model everything runs in
 * the calling thread, so the split is exact.
 */

#include <malloc.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void __real_free(void *p);
int __real_posix_memalign(void **p, size_t align, size_t size);
void *__real_aligned_alloc(size_t align, size_t size);
void *__real_memalign(size_t align, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void __wrap_free(void *p);
int __wrap_posix_memalign(void **p, size_t align, size_t size);
void *__wrap_aligned_alloc(size_t align, size_t size);
void *__wrap_memalign(size_t align, size_t size);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static _Atomic int64_t live[2];
static _Atomic uint64_t calls[2];
static __thread unsigned int in_device;

bool
bench_alloc_available(void)
{
	return true;
}

void
bench_alloc_snapshot(struct bench_alloc_counts *c)
{
	c->driver_live = atomic_load_explicit(&live[0], memory_order_relaxed);
	c->device_live = atomic_load_explicit(&live[1], memory_order_relaxed);
	c->driver_calls = atomic_load_explicit(&calls[0], memory_order_relaxed);
	c->device_calls = atomic_load_explicit(&calls[1], memory_order_relaxed);
}

void
bench_alloc_enter_device(void)
{
	in_device++;
}

void
bench_alloc_leave_device(void)
{
	in_device--;
}

static inline void
account_alloc(void *p)
{
	int who = in_device ? 1 : 0;

	if (p == NULL)
		return;
	atomic_fetch_add_explicit(&live[who],
				  (int64_t)malloc_usable_size(p),
				  memory_order_relaxed);
	atomic_fetch_add_explicit(&calls[who], 1, memory_order_relaxed);
}

static inline void
account_free(void *p)
{
	int who = in_device ? 1 : 0;

	if (p == NULL)
		return;
	atomic_fetch_sub_explicit(&live[who],
				  (int64_t)malloc_usable_size(p),
				  memory_order_relaxed);
}

void *
__wrap_malloc(size_t size)
{
	void *p = __real_malloc(size);

	account_alloc(p);
	return p;
}

void *
__wrap_calloc(size_t n, size_t size)
{
	void *p = __real_calloc(n, size);

	account_alloc(p);
	return p;
}

void *
__wrap_realloc(void *p, size_t size)
{
	size_t old = p ? malloc_usable_size(p) : 0;
	int who = in_device ? 1 : 0;
	void *q = __real_realloc(p, size);

	if (q == NULL) {
		/* realloc(p, 0) may free p and return NULL; otherwise p is
		 * untouched. */
		if (p != NULL && size == 0)
			atomic_fetch_sub_explicit(&live[who], (int64_t)old,
						  memory_order_relaxed);
		return NULL;
	}
	atomic_fetch_add_explicit(&live[who],
				  (int64_t)malloc_usable_size(q) - (int64_t)old,
				  memory_order_relaxed);
	atomic_fetch_add_explicit(&calls[who], 1, memory_order_relaxed);
	return q;
}

void
__wrap_free(void *p)
{
	account_free(p);
	__real_free(p);
}

int
__wrap_posix_memalign(void **p, size_t align, size_t size)
{
	int rc = __real_posix_memalign(p, align, size);

	if (rc == 0)
		account_alloc(*p);
	return rc;
}

void *
__wrap_aligned_alloc(size_t align, size_t size)
{
	void *p = __real_aligned_alloc(align, size);

	account_alloc(p);
	return p;
}

void *
__wrap_memalign(size_t align, size_t size)
{
	void *p = __real_memalign(align, size);

	account_alloc(p);
	return p;
}

char *
__wrap_strdup(const char *s)
{
	char *p = __real_strdup(s);

	account_alloc(p);
	return p;
}

char *
__wrap_strndup(const char *s, size_t n)
{
	char *p = __real_strndup(s, n);

	account_alloc(p);
	return p;
}
