/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_BACKEND_H
#define VPF_BACKEND_H

/**
 * @file
 * The backend contract: how vpf reaches one PCI function. A backend (the
 * software model, libvpf_model; VFIO, libvpf_vfio; a test's fake device)
 * fills a const struct vpf_pf_ops with config-space and BAR accessors and
 * a DMA allocator; everything above it (lib/vq, the generic virtio layer of
 * vpf_virtio.h, the PF of vpf_pf.h) reaches the device only through it.
 *
 * This header is all a backend needs to include; it declares no function.
 */

#include <stddef.h>
#include <stdint.h>

#include "vpf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A DMA-able memory region: CPU address, device address (IOVA) and length.
 * Filled by vpf_pf_ops::dma_alloc; @c cookie belongs to the backend.
 */
struct vpf_dma_region {
	void *va;	/**< CPU virtual address, zeroed on allocation */
	uint64_t iova;	/**< address the device uses for the first byte */
	size_t len;	/**< usable length in bytes */
	void *cookie;	/**< backend-private */
};

/** The device is emulated inside this process (e.g. the software model):
 *  ring accesses need C11 release/acquire fences, not I/O barriers. */
#define VPF_OPS_F_IN_PROCESS	(1u << 0)

/**
 * Operations a backend supplies for one PCI function. The table is const and
 * filled with designated initialisers; @p dev is the backend's own handle.
 *
 * Every op returns 0 or a negative errno:
 * - -EINVAL: width, alignment or arguments not allowed by the op's rules;
 * - -ERANGE: the access falls outside the config space or the BAR;
 * - -ENOENT: the BAR is not implemented;
 * - -ENODEV: the backend knows that the device is gone;
 * - -EIO: the access failed for another reason.
 * A device that disappears may also keep "succeeding" with all-ones data;
 * the core detects that (doc/protocol.md §3.6), backends need not.
 */
struct vpf_pf_ops {
	/** Backend name for messages ("model", "vfio"). */
	const char *name;
	/** VPF_OPS_F_* flags. */
	uint32_t flags;

	/** Size of the config space: 256, or 4096 for PCIe extended space. */
	uint32_t (*cfg_size)(void *dev);
	/**
	 * Read @p len bytes (1..cfg_size) of config space at @p off. Any
	 * alignment; the whole range must lie inside the config space.
	 */
	int (*cfg_read)(void *dev, uint32_t off, void *buf, uint32_t len);
	/**
	 * Write 1, 2 or 4 bytes of config space at @p off, naturally aligned
	 * (@p buf holds them little-endian).
	 */
	int (*cfg_write)(void *dev, uint32_t off, const void *buf, uint32_t len);

	/** Size of memory BAR @p bar (0..5) in bytes; -ENOENT if none. */
	int (*bar_size)(void *dev, uint8_t bar, uint64_t *size);
	/**
	 * Read a register of @p width bytes (1, 2, 4 or 8) at @p off of BAR
	 * @p bar, naturally aligned; the value is returned in CPU order.
	 * An 8-byte access may be split by the backend into two 4-byte ones,
	 * low half first (virtio 1.x allows that for 64-bit fields).
	 */
	int (*bar_read)(void *dev, uint8_t bar, uint64_t off,
			unsigned int width, uint64_t *val);
	/** Write a register; same rules as bar_read. Writes take effect in
	 *  program order (a doorbell write follows the ring update). */
	int (*bar_write)(void *dev, uint8_t bar, uint64_t off,
			 unsigned int width, uint64_t val);

	/**
	 * Allocate @p len bytes of zeroed DMA memory aligned to @p align (a
	 * power of two, at most 4096) and map it for the device. @p r is filled
	 * on success. -ENOMEM when there is no memory or no IOVA space.
	 */
	int (*dma_alloc)(void *dev, size_t len, size_t align,
			 struct vpf_dma_region *r);
	/** Unmap and free a region from dma_alloc. @p r->va NULL: no-op. */
	void (*dma_free)(void *dev, struct vpf_dma_region *r);

	/**
	 * Optional (NULL for real hardware): give an in-process device a chance
	 * to make progress, e.g. to complete delayed commands. The admin
	 * engine calls it from its poll function.
	 */
	void (*poll)(void *dev);

	/**
	 * Optional (NULL: the PF has no identity, and the migration journal
	 * is off for it): the function's identity, which keys its journal of
	 * migrated VFs (doc/migration.md, "Crash safety"). @p addr receives
	 * its address as a NUL-terminated string of at most @p len - 1
	 * characters, "dddd:bb:dd.f" for PCI (a model's synthetic one), and
	 * @p instance a 64-bit number that tells apart two devices that had
	 * the same address over time: the same for as long as this device
	 * exists, across owner restarts (VFIO: the PCIe Device Serial
	 * Number, 0 without one; a model: random, drawn at creation).
	 * -ENOSPC when @p len is too small.
	 */
	int (*identity)(void *dev, char *addr, size_t len, uint64_t *instance);
};

#ifdef __cplusplus
}
#endif

#endif /* VPF_BACKEND_H */
