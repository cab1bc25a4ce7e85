/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * A device that rewrites its completion while the driver reads it, made
 * deterministic: the pages of a DMA region are protected, every access the
 * driver makes to them faults, is single-stepped and counted, and after the
 * first access to a chosen byte range has completed the "device" writes new
 * bytes there. A driver that reads a device-written value twice (validate,
 * then copy) sees the new bytes the second time; one that copies once and
 * checks its copy does not. x86-64 Linux only (trap flag); elsewhere
 * dma_watch_supported() is false and the tests skip.
 */

#ifndef DMA_WATCH_H
#define DMA_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool dma_watch_supported(void);
/* Protect the pages of [region, region + len) (page aligned); count the
 * accesses that start in [lo, lo + n); after the first one has completed,
 * copy @p bad (nbad bytes) to @p lo. */
void dma_watch_arm(void *region, size_t len, uint8_t *lo, size_t n,
		   const void *bad, size_t nbad);
/* Unprotect; returns the number of accesses counted in [lo, lo + n). */
unsigned int dma_watch_disarm(void);

#endif /* DMA_WATCH_H */
