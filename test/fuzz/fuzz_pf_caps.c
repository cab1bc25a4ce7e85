/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * libFuzzer target: a PF's whole config space (4096 bytes) and its six
 * BAR sizes, as a broken or hostile device shows them, through every walk
 * that reads them:
 *
 * - vpf_virtio_probe() (lib/pf, the driver's bring-up walk) over a config
 *   space of 256 or 4096 bytes: it may only read inside the config space,
 *   and on success every region it found lies inside its BAR, the SR-IOV
 *   capability inside extended space, NumVFs <= TotalVFs;
 * - vpf_pci_parse_config() (drivers/vfio, discovery) with the BAR sizes
 *   known: every capability lies inside the bytes given, one marked inside
 *   its BAR is, the SR-IOV capability in extended space; VF BDFs map back
 *   to their member ids;
 * - vpf_vfio_msix_hole() for each BAR: the hole is page aligned, inside
 *   the BAR, and covers the MSI-X table and PBA parts inside the BAR.
 *
 * Input: u8 flags (bit 0: 256-byte config space), 6 x le64 BAR sizes, then
 * the config space (missing bytes are zero).
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfio_internal.h"
#include "vpf_pf.h"
#include "vpf_virtio.h"

#define CFG	4096u

struct dev {
	uint8_t *cfg;		/* exact-size heap copy */
	uint32_t cfg_size;
	uint64_t bar[6];
};

static uint32_t
d_cfg_size(void *dev)
{
	return ((struct dev *)dev)->cfg_size;
}

static int
d_cfg_read(void *dev, uint32_t off, void *buf, uint32_t len)
{
	struct dev *d = dev;

	/* The ops contract: the whole range inside the config space. A
	 * walk that asks for more has lost track of its bounds. */
	if (len == 0 || off >= d->cfg_size || len > d->cfg_size - off)
		abort();
	memcpy(buf, d->cfg + off, len);
	return 0;
}

static int
d_cfg_write(void *dev, uint32_t off, const void *buf, uint32_t len)
{
	(void)dev;
	(void)off;
	(void)buf;
	(void)len;
	return 0;
}

static int
d_bar_size(void *dev, uint8_t bar, uint64_t *size)
{
	struct dev *d = dev;

	if (bar > 5 || d->bar[bar] == 0)
		return -ENOENT;
	*size = d->bar[bar];
	return 0;
}

static int
d_bar_read(void *dev, uint8_t bar, uint64_t off, unsigned int width,
	   uint64_t *val)
{
	(void)dev;
	(void)bar;
	(void)off;
	(void)width;
	/* vpf_virtio_probe() reads nothing from the BARs. */
	abort();
	*val = 0;
	return 0;
}

static int
d_bar_write(void *dev, uint8_t bar, uint64_t off, unsigned int width,
	    uint64_t val)
{
	(void)dev;
	(void)bar;
	(void)off;
	(void)width;
	(void)val;
	abort();
	return 0;
}

static int
d_dma_alloc(void *dev, size_t len, size_t align, struct vpf_dma_region *r)
{
	(void)dev;
	(void)len;
	(void)align;
	(void)r;
	return -ENOMEM;
}

static void
d_dma_free(void *dev, struct vpf_dma_region *r)
{
	(void)dev;
	(void)r;
}

static const struct vpf_pf_ops ops = {
	.name = "fuzz",
	.cfg_size = d_cfg_size,
	.cfg_read = d_cfg_read,
	.cfg_write = d_cfg_write,
	.bar_size = d_bar_size,
	.bar_read = d_bar_read,
	.bar_write = d_bar_write,
	.dma_alloc = d_dma_alloc,
	.dma_free = d_dma_free,
};

static void
check_region(const struct vpf_virtio_dev *vd,
	     const struct vpf_virtio_region *r)
{
	if (!r->present)
		return;
	if (r->bar > 5 || r->cap_pos < 0x40 || r->length == 0 ||
	    r->offset > vd->bar_len[r->bar] ||
	    r->length > vd->bar_len[r->bar] - r->offset)
		abort();
}

static void
run_probe(struct dev *d)
{
	struct vpf_virtio_dev vd;

	if (vpf_virtio_probe(&vd, &ops, d) != 0)
		return;
	if (!vd.common.present || !vd.notify.present)
		abort();
	check_region(&vd, &vd.common);
	check_region(&vd, &vd.notify);
	check_region(&vd, &vd.isr);
	check_region(&vd, &vd.device);
	if (vd.sriov.pos && (vd.sriov.pos < 0x100 ||
			     vd.sriov.pos + VPF_SRIOV_CAP_LEN > d->cfg_size ||
			     vd.sriov.num_vfs > vd.sriov.total_vfs))
		abort();
}

static void
run_parse(struct dev *d, struct vpf_pci_func *f)
{
	char buf[8192], bdf[VPF_PCI_BDF_LEN];
	unsigned int i;
	uint16_t n, vf;

	memset(f, 0, sizeof(*f));
	snprintf(f->bdf, sizeof(f->bdf), "0000:3b:00.0");
	f->bus = 0x3b;
	f->bar_sizes_known = true;
	memcpy(f->bar_size, d->bar, sizeof(f->bar_size));
	if (vpf_pci_parse_config(d->cfg, d->cfg_size, f) != 0) {
		f->has_msix = false;
		return;
	}
	if (f->n_caps > VPF_PCI_MAX_VIRTIO_CAPS)
		abort();
	for (i = 0; i < f->n_caps; i++) {
		const struct vpf_pci_virtio_cap *c = &f->caps[i];

		if (c->pos < 0x40 || c->pos + (uint32_t)c->cap_len >
		    d->cfg_size || c->cap_len < 16)
			abort();
		if (c->in_bar && c->bar <= 5 &&
		    c->cfg_type != VPF_PCI_CAP_PCI_CFG &&
		    c->cfg_type <= VPF_PCI_CAP_VENDOR_CFG &&
		    (c->offset > f->bar_size[c->bar] ||
		     c->length > f->bar_size[c->bar] - c->offset))
			abort();
	}
	if (f->sriov.present && (f->sriov.pos < 0x100 ||
				 f->sriov.pos + VPF_SRIOV_CAP_LEN >
				 d->cfg_size))
		abort();
	if (vpf_pci_describe(f, buf, sizeof(buf)) < 0)
		abort();
	for (n = 1; n <= 8; n++) {
		if (vpf_pci_vf_bdf(f, n, bdf) != 0)
			continue;
		if (vpf_pci_vf_member(f, bdf, &vf) != 0 || vf != n)
			abort();
	}
}

/* The part of [off, off + len) inside [0, size) must be inside the hole. */
static void
check_covered(uint64_t off, uint64_t len, uint64_t size, uint64_t lo,
	      uint64_t hi)
{
	uint64_t end = off + len;	/* off < 2^32, len < 2^16 */

	if (off >= size)
		return;
	if (end > size)
		end = size;
	if (off < lo || end > hi)
		abort();
}

static void
run_hole(const struct vpf_pci_func *f)
{
	unsigned int bar;

	if (!f->has_msix)
		return;
	for (bar = 0; bar < 6; bar++) {
		uint64_t size = f->bar_size[bar], lo = 0, hi = 0;
		bool t = f->msix_table_bar == bar, p = f->msix_pba_bar == bar;
		uint64_t tlen = (uint64_t)f->msix_table_size * 16;
		uint64_t plen = ((uint64_t)f->msix_table_size + 63) / 64 * 8;

		if (!vpf_vfio_msix_hole(f, bar, size, 4096, &lo, &hi)) {
			/* nothing of the table / PBA inside the BAR */
			if ((t && f->msix_table_offset < size) ||
			    (p && f->msix_pba_offset < size))
				abort();
			continue;
		}
		if (!t && !p)
			abort();
		if (lo >= hi || hi > size || lo % 4096 ||
		    (hi % 4096 && hi != size))
			abort();
		if (t)
			check_covered(f->msix_table_offset, tlen, size, lo, hi);
		if (p)
			check_covered(f->msix_pba_offset, plen, size, lo, hi);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vpf_pci_func f;
	struct dev d;
	unsigned int i, k;

	if (size < 1 + 48)
		return 0;
	memset(&d, 0, sizeof(d));
	d.cfg_size = data[0] & 1 ? 256 : CFG;
	for (i = 0; i < 6; i++)
		for (k = 0; k < 8; k++)
			d.bar[i] |= (uint64_t)data[1 + 8 * i + k] << (8 * k);
	data += 49;
	size -= 49;
	d.cfg = calloc(1, d.cfg_size);
	if (d.cfg == NULL)
		return 0;
	memcpy(d.cfg, data, size < d.cfg_size ? size : d.cfg_size);
	run_probe(&d);
	run_parse(&d, &f);
	run_hole(&f);
	free(d.cfg);
	return 0;
}
