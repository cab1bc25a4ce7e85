/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The VFIO backend: a real PF bound to vfio-pci behind struct vpf_pf_ops.
 *
 * Only DPDK's public VFIO API is used (rte_vfio.h; Debian's DPDK 22.11 ships
 * no PCI driver SDK headers): rte_vfio_setup_device() puts the IOMMU group
 * into EAL's default container, which DMA-maps all EAL memory, so a memzone's
 * IOVA is valid for the device. Everything else is plain VFIO ioctls on the
 * device fd: region info, mmap of the BARs, pread/pwrite on the config
 * region.
 *
 * A PF with VFs enabled is never function-reset (it would tear down VFs
 * that running VMs use): the core resets it through the virtio status
 * register (FACTS.md 3).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include <rte_bus.h>
#include <rte_common.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_io.h>
#include <rte_memzone.h>
#include <rte_uuid.h>
#include <rte_vfio.h>

#include "vfio_internal.h"

RTE_LOG_REGISTER(vpf_vfio_logtype, vpf.vfio, NOTICE);

#define SYSFS_PCI_DEVICES	"/sys/bus/pci/devices"
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

struct vpf_vfio_dev {
	char bdf[VPF_PCI_BDF_LEN];
	int fd;
	int group;
	struct vfio_device_info info;
	uint64_t cfg_off;
	uint32_t cfg_size;
	struct vfio_bar bar[6];
	struct vpf_pci_func func;
	uint16_t command_saved;
};

void
vpf_vfio_params_init(struct vpf_vfio_params *p)
{
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------------------
 * Preflight: say what the host got wrong before VFIO says "-1"
 * --------------------------------------------------------------------- */

int
vpf_vfio_check(const char *bdf, struct vpf_pci_func *out)
{
	struct vpf_pci_func f;
	char path[64];
	int rc;

	rc = vpf_pci_probe(NULL, bdf, &f);
	if (out)
		*out = f;
	if (rc)
		return rc;
	if (f.driver_known && strcmp(f.driver, "vfio-pci") != 0) {
		if (f.driver[0])
			return vpf_error(-EBUSY, "%s is bound to %s, not "
					 "vfio-pci: bind it with `dpdk-devbind.py "
					 "-b vfio-pci %s` (see doc/hardware.md)",
					 f.bdf, f.driver, f.bdf);
		return vpf_error(-EBUSY, "%s is not bound to vfio-pci (no "
				 "driver): bind it with `modprobe vfio-pci; "
				 "dpdk-devbind.py -b vfio-pci %s`", f.bdf,
				 f.bdf);
	}
	if (f.iommu_group < 0)
		return vpf_error(-ENXIO, "%s has no IOMMU group: enable the "
				 "IOMMU (BIOS VT-d/AMD-Vi, kernel "
				 "`intel_iommu=on` or `amd_iommu=on`, "
				 "`iommu=pt`) and reboot", f.bdf);
	snprintf(path, sizeof(path), "/dev/vfio/%d", f.iommu_group);
	if (access(path, R_OK | W_OK) != 0) {
		int e = errno;

		if (e == ENOENT)
			return vpf_error(-ENXIO, "%s does not exist: is "
					 "vfio-pci loaded (`modprobe "
					 "vfio-pci`)?", path);
		return vpf_error(-EACCES, "no permission on %s for IOMMU "
				 "group %d of %s: run as root or give your "
				 "user that node (and raise `ulimit -l`)",
				 path, f.iommu_group, f.bdf);
	}
	return 0;
}

/* Refuse a PF that a DPDK driver (e.g. net_virtio) has probed: two
 * drivers on one device would corrupt each other's queues. */
static int
check_not_probed(const char *bdf)
{
	struct rte_dev_iterator it;
	struct rte_device *dev;

	/* No PCI bus driver in this process (e.g. no plugins): nothing can
	 * have probed it. Checked first: the iterator logs an error. */
	if (rte_bus_find_by_name("pci") == NULL ||
	    rte_dev_iterator_init(&it, "bus=pci") != 0)
		return 0;
	for (dev = rte_dev_iterator_next(&it); dev != NULL;
	     dev = rte_dev_iterator_next(&it)) {
		const struct rte_driver *drv;

		if (strcmp(rte_dev_name(dev), bdf) != 0 ||
		    !rte_dev_is_probed(dev))
			continue;
		drv = rte_dev_driver(dev);
		return vpf_error(-EBUSY, "%s is claimed by DPDK driver %s: "
				 "start EAL with `-b %s` (or `--no-pci`) so "
				 "that DPDK's own PMD keeps away from the PF",
				 bdf, drv ? rte_driver_name(drv) : "?", bdf);
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Regions
 * --------------------------------------------------------------------- */

static int
region_info(struct vpf_vfio_dev *d, uint32_t index,
	    struct vfio_region_info **out)
{
	struct vfio_region_info *ri = NULL;
	uint32_t sz = sizeof(*ri);

	for (;;) {
		ri = calloc(1, sz);
		if (ri == NULL)
			return -ENOMEM;
		ri->argsz = sz;
		ri->index = index;
		if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, ri) < 0) {
			int e = errno;

			free(ri);
			return -e;
		}
		if (ri->argsz <= sz)
			break;
		/* The kernel wants room for the capability chain. */
		sz = ri->argsz;
		free(ri);
	}
	*out = ri;
	return 0;
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

static int
map_area(struct vpf_vfio_dev *d, struct vfio_bar *b, uint64_t off,
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
static int
map_bar(struct vpf_vfio_dev *d, unsigned int i)
{
	struct vfio_bar *b = &d->bar[i];
	const struct vfio_region_sparse_mmap_area *sa;
	const struct vfio_region_info_cap_sparse_mmap *sp;
	struct vfio_region_info *ri = NULL;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), lo, hi;
	int rc;

	rc = region_info(d, VFIO_PCI_BAR0_REGION_INDEX + i, &ri);
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
			rc = map_area(d, b, sa->offset, sa->size);
			if (rc)
				VFIO_LOG(INFO, "%s: BAR %u area 0x%" PRIx64
					 "+0x%" PRIx64 " not mapped (%s)",
					 d->bdf, i, (uint64_t)sa->offset,
					 (uint64_t)sa->size, strerror(-rc));
		}
	} else if (vpf_vfio_msix_hole(&d->func, i, b->size, page, &lo, &hi)) {
		rc = map_area(d, b, 0, lo);
		if (rc == 0)
			rc = map_area(d, b, hi, b->size - hi);
	} else {
		rc = map_area(d, b, 0, b->size);
	}
	for (unsigned int k = 0; k < b->n_areas; k++)
		VFIO_LOG(INFO, "%s: BAR %u (0x%" PRIx64 " bytes): mapped "
			 "0x%" PRIx64 "+0x%" PRIx64 "%s", d->bdf, i, b->size,
			 b->areas[k].off, b->areas[k].len, sp ? " (sparse)" :
			 "");
	if (b->n_areas == 0 && rc == 0)
		VFIO_LOG(INFO, "%s: BAR %u (0x%" PRIx64 " bytes) holds only the "
			 "MSI-X table/PBA: not mapped", d->bdf, i, b->size);
	if (rc)
		VFIO_LOG(INFO, "%s: BAR %u not fully mapped (%s): using "
			 "pread/pwrite", d->bdf, i, strerror(-rc));
out:
	free(ri);
	return 0;
}

static void
unmap_bars(struct vpf_vfio_dev *d)
{
	unsigned int i, k;

	for (i = 0; i < 6; i++) {
		for (k = 0; k < d->bar[i].n_areas; k++)
			munmap(d->bar[i].areas[k].va, d->bar[i].areas[k].len);
		d->bar[i].n_areas = 0;
	}
}

/* ------------------------------------------------------------------------
 * The ops
 * --------------------------------------------------------------------- */

static uint32_t
vfio_cfg_size(void *dev)
{
	return ((struct vpf_vfio_dev *)dev)->cfg_size;
}

static int
vfio_cfg_read(void *dev, uint32_t off, void *buf, uint32_t len)
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

static int
vfio_cfg_write(void *dev, uint32_t off, const void *buf, uint32_t len)
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

const struct vpf_pf_ops vpf_vfio_ops = {
	.name = "vfio",
	.flags = 0,
	.cfg_size = vfio_cfg_size,
	.cfg_read = vfio_cfg_read,
	.cfg_write = vfio_cfg_write,
	.bar_size = vfio_bar_size,
	.bar_read = vfio_bar_read,
	.bar_write = vfio_bar_write,
	.dma_alloc = vfio_dma_alloc,
	.dma_free = vfio_dma_free,
	.poll = NULL,
};

/* ------------------------------------------------------------------------
 * Open / close
 * --------------------------------------------------------------------- */

static int
set_vf_token(struct vpf_vfio_dev *d, const char *token)
{
	uint8_t buf[sizeof(struct vfio_device_feature) + 16];
	struct vfio_device_feature *feat = (void *)buf;
	rte_uuid_t uu;

	if (rte_uuid_parse(token, uu) != 0)
		return vpf_error(-EINVAL, "VF token '%s' is not a UUID", token);
	memset(buf, 0, sizeof(buf));
	feat->argsz = sizeof(buf);
	feat->flags = VFIO_DEVICE_FEATURE_SET |
		      VFIO_DEVICE_FEATURE_PCI_VF_TOKEN;
	memcpy(feat->data, uu, 16);
	if (ioctl(d->fd, VFIO_DEVICE_FEATURE, feat) < 0) {
		int e = errno;

		if (e == ENOTTY || e == EINVAL)
			return vpf_error(-ENOTSUP, "cannot set a VF token on "
					 "%s: it is not an SR-IOV PF, or the "
					 "kernel's vfio-pci has no VF tokens "
					 "(Linux >= 5.7 needed)", d->bdf);
		return vpf_error(-e, "cannot set the VF token on %s: %s",
				 d->bdf, strerror(e));
	}
	VFIO_LOG(INFO, "%s: VF token set", d->bdf);
	return 0;
}

static int
read_func(struct vpf_vfio_dev *d)
{
	uint8_t cfg[VPF_PCI_CFG_SPACE_EXP_SIZE];
	unsigned int i;
	int rc;

	rc = vfio_cfg_read(d, 0, cfg, d->cfg_size);
	if (rc)
		return vpf_error(rc, "cannot read the config space of %s "
				 "through VFIO", d->bdf);
	/* The PCI config header's BAR bit 0 says I/O. */
	for (i = 0; i < 6; i++) {
		uint32_t v;

		memcpy(&v, cfg + VPF_PCI_BASE_ADDRESS_0 + 4 * i, 4);
		d->bar[i].io = v & 1;
	}
	rc = vpf_pci_parse_config(cfg, d->cfg_size, &d->func);
	if (rc)
		return rc;
	return 0;
}

struct vpf_vfio_dev *
vpf_vfio_open(const char *bdf, const struct vpf_vfio_params *p)
{
	struct vpf_vfio_params defp;
	struct vpf_pci_func f;
	struct vfio_region_info *ri = NULL;
	struct vpf_vfio_dev *d;
	unsigned int i;
	uint16_t cmd;
	rte_uuid_t eal_token;
	int rc;

	if (p == NULL) {
		vpf_vfio_params_init(&defp);
		p = &defp;
	}
	if (rte_eal_iova_mode() == RTE_IOVA_DC) {
		vpf_error(-EPERM, "EAL is not initialised: call rte_eal_init() "
			  "before opening a VFIO PF");
		errno = EPERM;
		return NULL;
	}
	rc = vpf_vfio_check(bdf, &f);
	if (rc) {
		errno = -rc;
		return NULL;
	}
	if (!rte_vfio_is_enabled("vfio")) {
		vpf_error(-ENXIO, "VFIO is not enabled in EAL: load the modules "
			  "(`modprobe vfio-pci`) before starting vpf");
		errno = ENXIO;
		return NULL;
	}
	rc = check_not_probed(f.bdf);
	if (rc) {
		errno = -rc;
		return NULL;
	}

	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		vpf_error(-ENOMEM, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	memcpy(d->bdf, f.bdf, sizeof(d->bdf));
	d->fd = -1;
	d->group = f.iommu_group;
	d->info.argsz = sizeof(d->info);
	if (rte_vfio_setup_device(SYSFS_PCI_DEVICES, d->bdf, &d->fd,
				  &d->info) != 0) {
		rte_eal_vfio_get_vf_token(eal_token);
		if (f.sriov.present && rte_uuid_is_null(eal_token))
			rc = vpf_error(-EIO, "VFIO could not open %s: if its "
				       "VFs are in use, the PF needs their VF "
				       "token (EAL `--vfio-vf-token=UUID`, "
				       "vpf-cli `--vfio-vf-token UUID`); "
				       "see dmesg", d->bdf);
		else
			rc = vpf_error(-EIO, "VFIO could not open %s (IOMMU "
				       "group %d): is another process using "
				       "the group, the VF token wrong, or "
				       "`ulimit -l` too low? see dmesg",
				       d->bdf, d->group);
		d->fd = -1;
		goto fail;
	}
	if (!(d->info.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    d->info.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX) {
		rc = vpf_error(-EIO, "%s: VFIO device is not a PCI device",
			       d->bdf);
		goto fail;
	}
	rc = region_info(d, VFIO_PCI_CONFIG_REGION_INDEX, &ri);
	if (rc) {
		vpf_error(rc, "%s: no VFIO config region", d->bdf);
		goto fail;
	}
	d->cfg_off = ri->offset;
	d->cfg_size = ri->size >= VPF_PCI_CFG_SPACE_EXP_SIZE ?
		      VPF_PCI_CFG_SPACE_EXP_SIZE : VPF_PCI_CFG_SPACE_SIZE;
	free(ri);
	ri = NULL;

	/* Capabilities as the device shows them through VFIO (the kernel
	 * virtualises parts of config space; this is what vpf will use). */
	memcpy(d->func.bdf, d->bdf, sizeof(d->bdf));
	d->func.domain = f.domain;
	d->func.bus = f.bus;
	d->func.dev = f.dev;
	d->func.func = f.func;
	d->func.driver_known = true;
	snprintf(d->func.driver, sizeof(d->func.driver), "vfio-pci");
	d->func.iommu_group = d->group;
	rc = read_func(d);
	if (rc)
		goto fail;
	for (i = 0; i < 6; i++) {
		rc = map_bar(d, i);
		if (rc) {
			vpf_error(rc, "%s: cannot get BAR %u region info: %s",
				  d->bdf, i, strerror(-rc));
			goto fail;
		}
		d->func.bar_size[i] = d->bar[i].io ? 0 : d->bar[i].size;
	}
	d->func.bar_sizes_known = true;
	vpf_pci_recheck(&d->func);

	/* Memory Space for the BARs, Bus Master for the rings' DMA. */
	rc = vfio_cfg_read(d, VPF_PCI_COMMAND, &cmd, 2);
	if (rc == 0) {
		d->command_saved = cmd;
		cmd |= VPF_PCI_COMMAND_MEMORY | VPF_PCI_COMMAND_MASTER;
		rc = vfio_cfg_write(d, VPF_PCI_COMMAND, &cmd, 2);
	}
	if (rc) {
		vpf_error(rc, "%s: cannot enable bus mastering", d->bdf);
		goto fail;
	}

	if (p->vf_token) {
		rc = set_vf_token(d, p->vf_token);
		if (rc)
			goto fail;
	}
	if (p->function_reset) {
		rc = vpf_vfio_function_reset(d);
		if (rc)
			goto fail;
	}
	if (d->func.sriov.present &&
	    (d->func.sriov.num_vfs == 0 || !d->func.sriov.vf_enable))
		VFIO_LOG(NOTICE, "%s: SR-IOV is disabled (NumVFs %u of %u): "
			 "enable VFs with `echo N > /sys/bus/pci/devices/%s/"
			 "sriov_numvfs` (vfio-pci needs enable_sriov=1)",
			 d->bdf, d->func.sriov.num_vfs,
			 d->func.sriov.total_vfs, d->bdf);
	VFIO_LOG(INFO, "%s: opened (IOMMU group %d, config %u bytes, %u "
		 "virtio caps)", d->bdf, d->group, d->cfg_size,
		 d->func.n_caps);
	return d;

fail:
	free(ri);
	vpf_vfio_close(d);
	errno = -rc;
	return NULL;
}

void
vpf_vfio_close(struct vpf_vfio_dev *d)
{
	if (d == NULL)
		return;
	if (d->fd >= 0) {
		uint16_t cmd;

		/* Stop DMA before the memory behind the rings goes away. */
		if (vfio_cfg_read(d, VPF_PCI_COMMAND, &cmd, 2) == 0) {
			cmd &= (uint16_t)~VPF_PCI_COMMAND_MASTER;
			vfio_cfg_write(d, VPF_PCI_COMMAND, &cmd, 2);
		}
		unmap_bars(d);
		rte_vfio_release_device(SYSFS_PCI_DEVICES, d->bdf, d->fd);
	}
	free(d);
}

const struct vpf_pci_func *
vpf_vfio_func(const struct vpf_vfio_dev *d)
{
	return &d->func;
}

int
vpf_vfio_device_fd(const struct vpf_vfio_dev *d)
{
	return d->fd;
}

int
vpf_vfio_function_reset(struct vpf_vfio_dev *d)
{
	uint16_t num_vfs = 0;

	/* Read NumVFs live: VFs may have been enabled since open. */
	if (d->func.sriov.present &&
	    vfio_cfg_read(d, d->func.sriov.pos + VPF_SRIOV_NUM_VF, &num_vfs,
			  2) != 0)
		return vpf_error(-EIO, "%s: cannot read NumVFs", d->bdf);
	if (num_vfs)
		return vpf_error(-EBUSY, "refusing a PCI function reset of %s: "
				 "it has %u VFs enabled and a reset would tear "
				 "them down; vpf resets it through the virtio "
				 "status register instead", d->bdf, num_vfs);
	if (!(d->info.flags & VFIO_DEVICE_FLAGS_RESET))
		return vpf_error(-ENOTSUP, "%s: VFIO offers no function reset "
				 "for this device", d->bdf);
	if (ioctl(d->fd, VFIO_DEVICE_RESET) < 0) {
		int e = errno;

		return vpf_error(-e, "%s: function reset failed: %s", d->bdf,
				 strerror(e));
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Test hook (vfio_internal.h)
 * --------------------------------------------------------------------- */

struct vpf_vfio_dev *
vpf_vfio_dev_fake(int fd, uint64_t cfg_off, uint32_t cfg_size,
		  const uint64_t bar_off[6], const uint64_t bar_size[6],
		  bool map)
{
	struct vpf_vfio_dev *d = calloc(1, sizeof(*d));
	unsigned int i;

	if (d == NULL)
		return NULL;
	snprintf(d->bdf, sizeof(d->bdf), "0000:fa:ce.0");
	memcpy(d->func.bdf, d->bdf, sizeof(d->bdf));
	d->fd = fd;
	d->group = -1;
	d->cfg_off = cfg_off;
	d->cfg_size = cfg_size;
	if (read_func(d) != 0) {
		free(d);
		return NULL;
	}
	for (i = 0; i < 6; i++) {
		d->bar[i].size = bar_size[i];
		d->bar[i].fd_off = bar_off[i];
		if (map && bar_size[i] && !d->bar[i].io &&
		    map_area(d, &d->bar[i], 0, bar_size[i]) != 0) {
			unmap_bars(d);
			free(d);
			return NULL;
		}
	}
	return d;
}

void
vpf_vfio_dev_fake_free(struct vpf_vfio_dev *d)
{
	if (d == NULL)
		return;
	unmap_bars(d);
	free(d);
}
