/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The backend ops table of a VFIO PF (struct vpf_pf_ops): config space
 * through the VFIO config region, BAR registers through the mapped areas
 * (or pread/pwrite where nothing is mapped), DMA memory from EAL memzones.
 */

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_io.h>
#include <rte_memzone.h>

#include "vfio_internal.h"

static uint32_t
vfio_cfg_size(void *dev)
{
	return ((struct vpf_vfio_dev *)dev)->cfg_size;
}

int
vpf_vfio_cfg_read(void *dev, uint32_t off, void *buf, uint32_t len)
{
	struct vpf_vfio_dev *d = dev;
	ssize_t n;

	if (len == 0 || off >= d->cfg_size || len > d->cfg_size - off)
		return -ERANGE;
	n = pread(d->fd, buf, len, (off_t)(d->cfg_off + off));
	if (n < 0)
		return errno == ENODEV ? -ENODEV : -EIO;
	return (uint32_t)n == len ? 0 : -EIO;
}

int
vpf_vfio_cfg_write(void *dev, uint32_t off, const void *buf, uint32_t len)
{
	struct vpf_vfio_dev *d = dev;
	ssize_t n;

	if ((len != 1 && len != 2 && len != 4) || (off & (len - 1)))
		return -EINVAL;
	if (off >= d->cfg_size || len > d->cfg_size - off)
		return -ERANGE;
	n = pwrite(d->fd, buf, len, (off_t)(d->cfg_off + off));
	if (n < 0)
		return errno == ENODEV ? -ENODEV : -EIO;
	return (uint32_t)n == len ? 0 : -EIO;
}

static int
vfio_bar_size(void *dev, uint8_t bar, uint64_t *size)
{
	struct vpf_vfio_dev *d = dev;

	if (bar > 5)
		return -EINVAL;
	if (d->bar[bar].size == 0 || d->bar[bar].io)
		return -ENOENT;
	*size = d->bar[bar].size;
	return 0;
}

static volatile void *
bar_ptr(struct vfio_bar *b, uint64_t off, unsigned int width)
{
	unsigned int k;

	for (k = 0; k < b->n_areas; k++) {
		const struct vfio_area *a = &b->areas[k];

		if (off >= a->off && off + width <= a->off + a->len)
			return (volatile uint8_t *)a->va + (off - a->off);
	}
	return NULL;
}

static int
bar_check(struct vpf_vfio_dev *d, uint8_t bar, uint64_t off,
	  unsigned int width)
{
	if (bar > 5 || (width != 1 && width != 2 && width != 4 && width != 8) ||
	    (off & (width - 1)))
		return -EINVAL;
	if (d->bar[bar].size == 0 || d->bar[bar].io)
		return -ENOENT;
	if (off >= d->bar[bar].size || width > d->bar[bar].size - off)
		return -ERANGE;
	return 0;
}

static int
rw32(struct vpf_vfio_dev *d, uint8_t bar, uint64_t off, unsigned int width,
     uint64_t *val, bool wr)
{
	struct vfio_bar *b = &d->bar[bar];
	volatile void *p = bar_ptr(b, off, width);
	uint8_t tmp[4];
	ssize_t n;

	if (p) {
		/* rte_read*() / rte_write*() carry the I/O barriers that
		 * order MMIO against the ring updates in DMA memory. */
		if (wr) {
			switch (width) {
			case 1: rte_write8((uint8_t)*val, p); break;
			case 2: rte_write16((uint16_t)*val, p); break;
			default: rte_write32((uint32_t)*val, p); break;
			}
		} else {
			switch (width) {
			case 1: *val = rte_read8(p); break;
			case 2: *val = rte_read16(p); break;
			default: *val = rte_read32(p); break;
			}
		}
		return 0;
	}
	/* Not mapped: go through the region with pread/pwrite (x86 and
	 * arm64 are little-endian, as PCI is). */
	if (wr) {
		uint32_t v = (uint32_t)*val;

		memcpy(tmp, &v, width);
		rte_io_wmb();
		n = pwrite(d->fd, tmp, width, (off_t)(b->fd_off + off));
	} else {
		uint32_t v = 0;

		n = pread(d->fd, tmp, width, (off_t)(b->fd_off + off));
		memcpy(&v, tmp, width);
		*val = v;
		rte_io_rmb();
	}
	if (n < 0)
		return errno == ENODEV ? -ENODEV : -EIO;
	return (unsigned int)n == width ? 0 : -EIO;
}

static int
vfio_bar_read(void *dev, uint8_t bar, uint64_t off, unsigned int width,
	      uint64_t *val)
{
	struct vpf_vfio_dev *d = dev;
	uint64_t lo, hi;
	int rc;

	rc = bar_check(d, bar, off, width);
	if (rc)
		return rc;
	if (width < 8)
		return rw32(d, bar, off, width, val, false);
	/* 64-bit fields as two 32-bit accesses, low half first (virtio 1.x
	 * 4.1.3.1 allows it; not every host bridge does 8-byte MMIO). */
	rc = rw32(d, bar, off, 4, &lo, false);
	if (rc == 0)
		rc = rw32(d, bar, off + 4, 4, &hi, false);
	if (rc == 0)
		*val = lo | hi << 32;
	return rc;
}

static int
vfio_bar_write(void *dev, uint8_t bar, uint64_t off, unsigned int width,
	       uint64_t val)
{
	struct vpf_vfio_dev *d = dev;
	uint64_t lo = val & 0xffffffffu, hi = val >> 32;
	int rc;

	rc = bar_check(d, bar, off, width);
	if (rc)
		return rc;
	if (width < 8)
		return rw32(d, bar, off, width, &val, true);
	rc = rw32(d, bar, off, 4, &lo, true);
	if (rc == 0)
		rc = rw32(d, bar, off + 4, 4, &hi, true);
	return rc;
}

static atomic_uint dma_seq;

/*
 * DMA memory is an IOVA-contiguous EAL memzone: EAL memory is mapped into
 * the default VFIO container (at device setup and on every later memory
 * hotplug event), so the memzone's IOVA is what the device may use.
 */
static int
vfio_dma_alloc(void *dev, size_t len, size_t align, struct vpf_dma_region *r)
{
	const struct rte_memzone *mz;
	char name[RTE_MEMZONE_NAMESIZE];

	(void)dev;
	if (len == 0 || align == 0 || (align & (align - 1)) || align > 4096)
		return -EINVAL;
	snprintf(name, sizeof(name), "vpf_dma_%u",
		 atomic_fetch_add(&dma_seq, 1));
	mz = rte_memzone_reserve_aligned(name, len, SOCKET_ID_ANY,
					 RTE_MEMZONE_IOVA_CONTIG,
					 RTE_MAX(align, (size_t)RTE_CACHE_LINE_SIZE));
	if (mz == NULL) {
		VFIO_LOG(ERR, "no DMA memory for %zu bytes: %s (more "
			 "hugepages, or a larger -m)", len,
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	if (mz->iova == RTE_BAD_IOVA) {
		rte_memzone_free(mz);
		VFIO_LOG(ERR, "memzone has no IOVA");
		return -ENOMEM;
	}
	memset(mz->addr, 0, mz->len);
	r->va = mz->addr;
	r->iova = mz->iova;
	r->len = len;
	r->cookie = (void *)(uintptr_t)mz;
	return 0;
}

static void
vfio_dma_free(void *dev, struct vpf_dma_region *r)
{
	(void)dev;
	if (r == NULL || r->va == NULL)
		return;
	rte_memzone_free(r->cookie);
	memset(r, 0, sizeof(*r));
}

/* The PF's address, and its Device Serial Number as the instance (0
 * without one): the same across owner restarts, so a restarted owner
 * finds the journal its predecessor wrote (doc/migration.md). */
static int
vfio_identity(void *dev, char *addr, size_t len, uint64_t *instance)
{
	struct vpf_vfio_dev *d = dev;

	if (strlen(d->bdf) >= len)
		return -ENOSPC;
	memcpy(addr, d->bdf, strlen(d->bdf) + 1);
	*instance = d->func.has_dsn ? d->func.dsn : 0;
	return 0;
}

const struct vpf_pf_ops vpf_vfio_ops = {
	.name = "vfio",
	.flags = 0,
	.cfg_size = vfio_cfg_size,
	.cfg_read = vpf_vfio_cfg_read,
	.cfg_write = vpf_vfio_cfg_write,
	.bar_size = vfio_bar_size,
	.bar_read = vfio_bar_read,
	.bar_write = vfio_bar_write,
	.dma_alloc = vfio_dma_alloc,
	.dma_free = vfio_dma_free,
	.poll = NULL,
	.identity = vfio_identity,
};
