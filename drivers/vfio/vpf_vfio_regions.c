/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * VFIO regions of the backend: region info with its capability chain, and
 * the BARs mapped as far as VFIO lets vpf map them (sparse areas, or the
 * BAR around the MSI-X pages). Everything the kernel says here is checked
 * before use: offsets and sizes against the region, the capability chain
 * against argsz, the number of asks and the room asked for (D-VFIO.5).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_common.h>

#include "vfio_internal.h"

int
vpf_vfio_region_info(int fd, uint32_t index, struct vfio_region_info **out)
{
	struct vfio_region_info *ri;
	uint32_t sz = sizeof(*ri);
	unsigned int tries;

	for (tries = 0; tries < VFIO_REGION_INFO_TRIES; tries++) {
		ri = calloc(1, sz);
		if (ri == NULL)
			return -ENOMEM;
		ri->argsz = sz;
		ri->index = index;
		if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, ri) < 0) {
			int e = errno;

			free(ri);
			return -e;
		}
		if (ri->argsz <= sz) {
			*out = ri;
			return 0;
		}
		/* The kernel wants room for the capability chain. */
		sz = ri->argsz;
		free(ri);
		if (sz > VFIO_REGION_INFO_MAX_ARGSZ) {
			VFIO_LOG(ERR, "region %u: the kernel wants %u bytes of "
				 "region info, more than %u", index, sz,
				 VFIO_REGION_INFO_MAX_ARGSZ);
			return -EIO;
		}
	}
	VFIO_LOG(ERR, "region %u: the kernel still wants more room for the "
		 "region info after %u tries (%u bytes)", index, tries, sz);
	return -EIO;
}

bool
vpf_vfio_area_fits(uint64_t size, uint64_t off, uint64_t len)
{
	/* Not off + len <= size: that wraps for an offset near 2^64. */
	return len <= size && off <= size - len;
}

static const struct vfio_info_cap_header *
region_cap(const struct vfio_region_info *ri, uint16_t id)
{
	uint32_t off;
	unsigned int n = 0;

	if (!(ri->flags & VFIO_REGION_INFO_FLAG_CAPS))
		return NULL;
	for (off = ri->cap_offset; off && n < 16; n++) {
		const struct vfio_info_cap_header *h;

		/* Inside argsz, after the fixed part, aligned for the
		 * header's u32 (the kernel aligns capabilities to 8). */
		if (off < sizeof(*ri) || (off & 3) ||
		    off + sizeof(*h) > ri->argsz)
			return NULL;
		h = (const void *)((const uint8_t *)ri + off);
		if (h->id == id)
			return h;
		off = h->next;
	}
	return NULL;
}

const struct vfio_region_sparse_mmap_area *
vpf_vfio_sparse_areas(const struct vfio_region_info *ri, uint32_t *n)
{
	const struct vfio_region_info_cap_sparse_mmap *sp;

	const struct vfio_info_cap_header *h;
	uint64_t room;

	*n = 0;
	h = region_cap(ri, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
	if (h == NULL)
		return NULL;
	/* region_cap() checked the 8-byte header only: nr_areas must be
	 * inside argsz before it is read, then the areas it counts. */
	room = ri->argsz - (uint64_t)((const uint8_t *)h -
				      (const uint8_t *)ri);
	sp = (const void *)h;
	if (room < sizeof(*sp) ||
	    (uint64_t)sp->nr_areas * sizeof(sp->areas[0]) >
	    room - sizeof(*sp))
		return NULL;	/* malformed: fall back to pread/pwrite */
	*n = sp->nr_areas;
	return *n ? sp->areas : NULL;
}

int
vpf_vfio_map_area(struct vpf_vfio_dev *d, struct vfio_bar *b, uint64_t off,
		  uint64_t len)
{
	struct vfio_area *a;
	void *va;

	if (len == 0)
		return 0;
	if (!vpf_vfio_area_fits(b->size, off, len) ||
	    b->n_areas >= VFIO_MAX_AREAS)
		return -ERANGE;
	va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
		  (off_t)(b->fd_off + off));
	if (va == MAP_FAILED)
		return -errno;
	a = &b->areas[b->n_areas++];
	a->off = off;
	a->len = len;
	a->va = va;
	return 0;
}

bool
vpf_vfio_msix_hole(const struct vpf_pci_func *f, unsigned int bar,
		   uint64_t size, uint64_t page, uint64_t *lo, uint64_t *hi)
{
	uint64_t l = size, h = 0;

	if (!f->has_msix || (f->msix_table_bar != bar && f->msix_pba_bar != bar))
		return false;
	if (f->msix_table_bar == bar) {
		l = RTE_MIN(l, (uint64_t)f->msix_table_offset);
		h = RTE_MAX(h, (uint64_t)f->msix_table_offset +
			       f->msix_table_size * 16u);
	}
	if (f->msix_pba_bar == bar) {
		l = RTE_MIN(l, (uint64_t)f->msix_pba_offset);
		h = RTE_MAX(h, (uint64_t)f->msix_pba_offset +
			       (f->msix_table_size + 63u) / 64u * 8u);
	}
	/* mmap works in pages: the hole covers whole pages. */
	l = RTE_ALIGN_FLOOR(l, page);
	h = RTE_MIN(RTE_ALIGN_CEIL(h, page), size);
	if (l >= h)
		return false;	/* table outside the BAR: nothing to avoid */
	*lo = l;
	*hi = h;
	return true;
}

/*
 * Map what VFIO lets us map: the sparse areas it names, or, without them,
 * the BAR minus the pages holding the MSI-X table and PBA (the interrupt
 * setup belongs to VFIO; vpf polls and never touches them). Anything not
 * mapped is reached with pread/pwrite.
 */
int
vpf_vfio_map_bar(struct vpf_vfio_dev *d, unsigned int i)
{
	struct vfio_bar *b = &d->bar[i];
	const struct vfio_region_sparse_mmap_area *sa;
	const struct vfio_region_info_cap_sparse_mmap *sp;
	struct vfio_region_info *ri = NULL;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), lo, hi;
	int rc;

	rc = vpf_vfio_region_info(d->fd, VFIO_PCI_BAR0_REGION_INDEX + i, &ri);
	if (rc)
		return rc;
	b->size = ri->size;
	b->fd_off = ri->offset;
	b->flags = ri->flags;
	if (b->size == 0 || b->io || !(ri->flags & VFIO_REGION_INFO_FLAG_MMAP))
		goto out;
	sp = (const void *)region_cap(ri, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
	if (sp) {
		uint32_t k, n;
		const struct vfio_region_sparse_mmap_area *areas =
			vpf_vfio_sparse_areas(ri, &n);

		for (k = 0; k < n; k++) {
			sa = &areas[k];
			rc = vpf_vfio_map_area(d, b, sa->offset, sa->size);
			if (rc)
				VFIO_DEV_LOG(INFO, d, "BAR %u area 0x%" PRIx64
					     "+0x%" PRIx64 " not mapped (%s)",
					     i, (uint64_t)sa->offset,
					     (uint64_t)sa->size, strerror(-rc));
		}
	} else if (vpf_vfio_msix_hole(&d->func, i, b->size, page, &lo, &hi)) {
		rc = vpf_vfio_map_area(d, b, 0, lo);
		if (rc == 0)
			rc = vpf_vfio_map_area(d, b, hi, b->size - hi);
	} else {
		rc = vpf_vfio_map_area(d, b, 0, b->size);
	}
	for (unsigned int k = 0; k < b->n_areas; k++)
		VFIO_DEV_LOG(INFO, d, "BAR %u (0x%" PRIx64 " bytes): mapped "
			     "0x%" PRIx64 "+0x%" PRIx64 "%s", i, b->size,
			     b->areas[k].off, b->areas[k].len,
			     sp ? " (sparse)" : "");
	if (b->n_areas == 0 && rc == 0)
		VFIO_DEV_LOG(INFO, d, "BAR %u (0x%" PRIx64 " bytes) holds only "
			     "the MSI-X table/PBA: not mapped", i, b->size);
	if (rc)
		VFIO_DEV_LOG(INFO, d, "BAR %u not fully mapped (%s): using "
			     "pread/pwrite", i, strerror(-rc));
out:
	free(ri);
	return 0;
}

void
vpf_vfio_unmap_bars(struct vpf_vfio_dev *d)
{
	unsigned int i, k;

	for (i = 0; i < 6; i++) {
		for (k = 0; k < d->bar[i].n_areas; k++)
			munmap(d->bar[i].areas[k].va, d->bar[i].areas[k].len);
		d->bar[i].n_areas = 0;
	}
}
