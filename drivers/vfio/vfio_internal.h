/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_VFIO_INTERNAL_H
#define VPF_VFIO_INTERNAL_H

/*
 * What the files of drivers/vfio share. Discovery (vpf_pci_*) is
 * vpf_pci_parse.c (config space, from any source) and vpf_pci_scan.c
 * (libpci and sysfs); the VFIO backend (vpf_vfio_*) is vpf_vfio.c (open,
 * close, reset), vpf_vfio_regions.c (region info and BAR mapping),
 * vpf_vfio_ops.c (the backend ops table) and vpf_vfio_attach.c.
 */

#include <stdbool.h>
#include <stdint.h>

#include <linux/vfio.h>

#include "vpf_spec.h"
#include "vpf_vfio.h"

#include "common/vpf_log.h"

/* rte_log type "vpf.vfio" (registered in vpf_vfio.c). */
VPF_LOG_DECLARE(vfio);

/* "vpf.vfio: <fmt>" (lib/common/vpf_log.h). */
#define VFIO_LOG(level, fmt, ...) \
	VPF_LOG(vfio, level, fmt, ##__VA_ARGS__)
/* "vpf.vfio: <BDF of device d>: <fmt>". */
#define VFIO_DEV_LOG(level, d, fmt, ...) \
	VPF_LOG_NAMED(vfio, level, (d)->bdf, fmt, ##__VA_ARGS__)

/* Mapped windows per BAR: VFIO's sparse areas, or the BAR around the
 * MSI-X pages (two). */
#define VFIO_MAX_AREAS		8

/* A mapped window of a BAR. */
struct vfio_area {
	uint64_t off;		/* offset in the BAR */
	uint64_t len;
	void *va;
};

struct vfio_bar {
	uint64_t size;		/* 0: not implemented (or I/O) */
	uint64_t fd_off;	/* region offset in the device fd */
	uint32_t flags;		/* VFIO_REGION_INFO_FLAG_* */
	bool io;		/* I/O BAR: not for vpf */
	struct vfio_area areas[VFIO_MAX_AREAS];
	unsigned int n_areas;
};

/* An open PF (opaque in vpf_vfio.h). */
struct vpf_vfio_dev {
	char bdf[VPF_PCI_BDF_LEN];
	int fd;			/* VFIO device fd; -1 before it is open */
	int group;		/* IOMMU group */
	struct vfio_device_info info;
	uint64_t cfg_off;	/* config region offset in the device fd */
	uint32_t cfg_size;	/* 256 or 4096 */
	struct vfio_bar bar[6];
	struct vpf_pci_func func;	/* as seen through VFIO */
	uint16_t command_saved;	/* PCI command register before open */
};

/*
 * Bounds of vpf_vfio_region_info(). The kernel says how much room the
 * region's capability chain needs in its first answer, so the second ask
 * gets it all; the chain is a few dozen bytes per capability. A kernel that
 * asks for ever more, or for more than this, is not waited for.
 */
#define VFIO_REGION_INFO_TRIES		4
#define VFIO_REGION_INFO_MAX_ARGSZ	65536u

/**
 * Region info of region @p index of VFIO device fd @p fd, with its
 * capability chain, in a buffer the caller frees. Asks at most
 * VFIO_REGION_INFO_TRIES times, growing the buffer to what the kernel
 * wants, up to VFIO_REGION_INFO_MAX_ARGSZ bytes: beyond either, -EIO.
 * @return 0, or a negative errno (the ioctl's, -ENOMEM, -EIO).
 */
int vpf_vfio_region_info(int fd, uint32_t index,
			 struct vfio_region_info **out);

/** Map what VFIO lets vpf map of BAR @p i of @p d (region info first);
 *  what is not mapped is reached with pread/pwrite. 0 or a negative errno
 *  from the region info. */
int vpf_vfio_map_bar(struct vpf_vfio_dev *d, unsigned int i);

/** mmap [@p off, @p off + @p len) of BAR @p b as one more area. */
int vpf_vfio_map_area(struct vpf_vfio_dev *d, struct vfio_bar *b,
		      uint64_t off, uint64_t len);

/** Unmap every area of every BAR of @p d. */
void vpf_vfio_unmap_bars(struct vpf_vfio_dev *d);

/** Config space access of the ops table, for open, close and reset. */
int vpf_vfio_cfg_read(void *dev, uint32_t off, void *buf, uint32_t len);
int vpf_vfio_cfg_write(void *dev, uint32_t off, const void *buf,
		       uint32_t len);

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
