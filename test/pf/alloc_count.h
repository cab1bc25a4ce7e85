/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_TEST_ALLOC_COUNT_H
#define VPF_TEST_ALLOC_COUNT_H

/*
 * Allocation counting for the "no allocation on the admin fast path"
 * tests: alloc_count.c wraps malloc, calloc, realloc, aligned_alloc and
 * posix_memalign (link with -Wl,--wrap=<each>) and counts every call.
 */

extern unsigned long n_alloc;

#endif /* VPF_TEST_ALLOC_COUNT_H */
