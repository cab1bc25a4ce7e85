/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_VFIO_INTERNAL_H
#define VPF_VFIO_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_log.h>

#include "vpf_spec.h"
#include "vpf_vfio.h"

/** rte_log type "vpf.vfio". */
extern int vpf_vfio_logtype;

#define VFIO_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vpf_vfio_logtype, \
		"vpf.vfio: " fmt "\n", ##__VA_ARGS__)

/** Re-run the capability checks after BAR sizes became known. */
void vpf_pci_recheck(struct vpf_pci_func *f);

/**
 * The part of BAR @p bar (of @p size bytes) that holds the MSI-X table or
 * PBA, widened to whole pages of @p page bytes: [*lo, *hi). false when the
 * BAR holds neither (or they lie outside it): map it whole.
 */
bool vpf_vfio_msix_hole(const struct vpf_pci_func *f, unsigned int bar,
			uint64_t size, uint64_t page, uint64_t *lo,
			uint64_t *hi);

/**
 * Tests only: a device over a plain file descriptor laid out like a VFIO
 * device fd (config space at @p cfg_off, BAR i at @p bar_off[i]), with the
 * BARs mmap'ed (@p map) or reached with pread/pwrite. No VFIO, no EAL.
 */
struct vpf_vfio_dev *vpf_vfio_dev_fake(int fd, uint64_t cfg_off,
				       uint32_t cfg_size,
				       const uint64_t bar_off[6],
				       const uint64_t bar_size[6], bool map);
/** Free a vpf_vfio_dev_fake() device (the fd stays open). */
void vpf_vfio_dev_fake_free(struct vpf_vfio_dev *d);

#endif /* VPF_VFIO_INTERNAL_H */
