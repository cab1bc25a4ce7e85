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
 * Whether [@p off, @p off + @p len) lies inside a region of @p size bytes
 * (no wrap: a VFIO sparse area comes from the kernel as two u64s).
 */
bool vpf_vfio_area_fits(uint64_t size, uint64_t off, uint64_t len);

struct vfio_region_info;
struct vfio_region_sparse_mmap_area;
/**
 * The sparse-mmap areas of region info @p ri (@p ri->argsz bytes, its
 * capability chain included) and their number in *@p n; NULL and 0 when it
 * has none or the capability does not fit in argsz (then the BAR is reached
 * with pread/pwrite).
 */
const struct vfio_region_sparse_mmap_area *
vpf_vfio_sparse_areas(const struct vfio_region_info *ri, uint32_t *n);

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
