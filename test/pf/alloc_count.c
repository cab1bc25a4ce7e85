/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Counting allocator wrappers (alloc_count.h).
 */

#include <stddef.h>
#include <stdlib.h>

#include "alloc_count.h"

unsigned long n_alloc;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t s);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
int __real_posix_memalign(void **p, size_t a, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t s);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);
int __wrap_posix_memalign(void **p, size_t a, size_t n);

void *
__wrap_malloc(size_t n)
{
	n_alloc++;
	return __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t s)
{
	n_alloc++;
	return __real_calloc(n, s);
}

void *
__wrap_realloc(void *p, size_t n)
{
	n_alloc++;
	return __real_realloc(p, n);
}

void *
__wrap_aligned_alloc(size_t a, size_t n)
{
	n_alloc++;
	return __real_aligned_alloc(a, n);
}

int
__wrap_posix_memalign(void **p, size_t a, size_t n)
{
	n_alloc++;
	return __real_posix_memalign(p, a, n);
}
