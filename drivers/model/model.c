/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Software virtio PF model: the PCI function (config space, BAR0), the
 * virtio-pci device behaviour (reset, status, features, queues, notify),
 * the DMA region table and the backend ops table. The admin queue device
 * side is in model_aq.c, the commands in model_cmd.c, the VFs in
 * model_vf.c. Layouts and decisions: doc/model.md.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_log.h>

#include "model_internal.h"

RTE_LOG_REGISTER(vpf_model_logtype, vpf.model, NOTICE);

/* ---------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------ */

uint64_t
model_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | ((uint32_t)get16(p + 2) << 16);
}

/*
 * A fatal device error: the device stops processing the admin queue and
 * sets DEVICE_NEEDS_RESET (virtio 1.x 2.1.1) until the driver resets it.
 */
void
model_fatal(struct vpf_model *m, bool dma, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->last_fault, sizeof(m->last_fault), fmt, ap);
	va_end(ap);
	if (dma)
		m->dma_faults++;
	else
		m->protocol_errors++;
	if (!m->needs_reset)
		MODEL_LOG(ERR, m, "fatal: %s (DEVICE_NEEDS_RESET)",
			  m->last_fault);
	m->needs_reset = true;
}

/* A driver error the device ignores (the access has no effect). */
void
model_protocol_error(struct vpf_model *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->last_fault, sizeof(m->last_fault), fmt, ap);
	va_end(ap);
	m->protocol_errors++;
	MODEL_LOG(WARNING, m, "driver error ignored: %s", m->last_fault);
}

/* ---------------------------------------------------------------------
 * DMA: the IOVA -> memory table (the model's IOMMU)
 * ------------------------------------------------------------------ */

static struct model_dma *
dma_find(struct vpf_model *m, uint64_t iova)
{
	uint32_t lo = 0, hi = m->ndma;

	/* Regions are allocated with increasing IOVAs: binary search. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		struct model_dma *d = &m->dma[mid];

		if (iova < d->iova)
			hi = mid;
		else if (iova - d->iova >= d->len)
			lo = mid + 1;
		else
			return d;
	}
	return NULL;
}

void *
model_dma_ptr(struct vpf_model *m, uint64_t iova, uint64_t len)
{
	struct model_dma *d = dma_find(m, iova);

	if (d == NULL || d->mem == NULL)
		return NULL;
	if (len > d->len - (iova - d->iova))
		return NULL;
	return (uint8_t *)d->mem + (iova - d->iova);
}

static void
dma_fault(struct vpf_model *m, const char *what, uint64_t iova, uint64_t len)
{
	struct model_dma *d = dma_find(m, iova);
	const char *why = d == NULL ? "unmapped" :
		d->mem == NULL ? "freed region" : "past the end of its region";

	model_fatal(m, true, "DMA %s fault at IOVA 0x%" PRIx64 " len %" PRIu64
		    " (%s)", what, iova, len, why);
}

int
model_dma_read(struct vpf_model *m, uint64_t iova, void *buf, uint64_t len)
{
	void *p = model_dma_ptr(m, iova, len);

	if (p == NULL) {
		dma_fault(m, "read", iova, len);
		return -EFAULT;
	}
	memcpy(buf, p, len);
	return 0;
}

int
model_dma_write(struct vpf_model *m, uint64_t iova, const void *buf,
		uint64_t len)
{
	void *p = model_dma_ptr(m, iova, len);

	if (p == NULL) {
		dma_fault(m, "write", iova, len);
		return -EFAULT;
	}
	memcpy(p, buf, len);
	return 0;
}

static int
model_dma_alloc(void *dev, size_t len, size_t align, struct vpf_dma_region *r)
{
	struct vpf_model *m = dev;
	struct model_dma *d;
	size_t alen;
	void *mem;

	if (m == NULL || r == NULL || len == 0 || align == 0 ||
	    (align & (align - 1)) != 0 || align > 4096)
		return vpf_error(-EINVAL, "model dma_alloc: bad arguments "
				 "(len %zu align %zu)", len, align);
	if (len > (size_t)1 << 32)
		return vpf_error(-ENOMEM, "model dma_alloc: %zu bytes is too "
				 "large", len);
	alen = (len + 4095) & ~(size_t)4095;
	mem = aligned_alloc(4096, alen);
	if (mem == NULL)
		return vpf_error(-ENOMEM, "model dma_alloc: out of memory");
	memset(mem, 0, alen);

	pthread_mutex_lock(&m->lock);
	/* IOVAs and table entries are never reused: refuse rather than let
	 * the next IOVA or the entry count wrap (out of reach in practice,
	 * 2^31 allocations). */
	if (m->iova_next > UINT64_MAX - alen - MODEL_IOVA_GUARD ||
	    (m->ndma == m->dma_cap && m->dma_cap > UINT32_MAX / 2)) {
		pthread_mutex_unlock(&m->lock);
		free(mem);
		return vpf_error(-ENOMEM, "model dma_alloc: IOVA space "
				 "exhausted");
	}
	if (m->ndma == m->dma_cap) {
		uint32_t ncap = m->dma_cap ? m->dma_cap * 2 : 64;
		struct model_dma *nd = realloc(m->dma, ncap * sizeof(*nd));

		if (nd == NULL) {
			pthread_mutex_unlock(&m->lock);
			free(mem);
			return vpf_error(-ENOMEM, "model dma_alloc: out of "
					 "memory");
		}
		m->dma = nd;
		m->dma_cap = ncap;
	}
	d = &m->dma[m->ndma];
	d->iova = m->iova_next;
	d->len = len;
	d->mem = mem;
	m->iova_next += alen + MODEL_IOVA_GUARD;
	r->va = mem;
	r->iova = d->iova;
	r->len = len;
	r->cookie = (void *)(uintptr_t)(m->ndma + 1);
	m->ndma++;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static void
model_dma_free(void *dev, struct vpf_dma_region *r)
{
	struct vpf_model *m = dev;
	uintptr_t idx;

	if (m == NULL || r == NULL || r->va == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	idx = (uintptr_t)r->cookie;
	if (idx == 0 || idx > m->ndma || m->dma[idx - 1].mem != r->va ||
	    m->dma[idx - 1].iova != r->iova) {
		model_protocol_error(m, "dma_free of a region the model did "
				     "not allocate (va %p)", r->va);
		pthread_mutex_unlock(&m->lock);
		return;
	}
	free(m->dma[idx - 1].mem);
	/* The IOVA range stays dead: a later device access faults. */
	m->dma[idx - 1].mem = NULL;
	pthread_mutex_unlock(&m->lock);
	r->va = NULL;
	r->cookie = NULL;
}

/* ---------------------------------------------------------------------
 * PCI config space
 * ------------------------------------------------------------------ */

bool
model_ring_fits(uint64_t desc, uint64_t driver, uint64_t device,
		uint32_t size)
{
	/* Split ring sizes: 16 bytes a descriptor; flags, idx, ring[],
	 * used_event (avail); flags, idx, 8-byte ring[], avail_event
	 * (used). */
	return 16ull * size - 1 <= UINT64_MAX - desc &&
	       6ull + 2ull * size - 1 <= UINT64_MAX - driver &&
	       6ull + 8ull * size - 1 <= UINT64_MAX - device;
}

uint16_t
model_num_vfs(const struct vpf_model *m)
{
	uint16_t ctrl, num;

	if (m->p.off & VPF_MODEL_OFF_SR_IOV)
		return 0;
	ctrl = get16(&m->cfg[MODEL_EXT_SRIOV + VPF_SRIOV_CTRL]);
	num = get16(&m->cfg[MODEL_EXT_SRIOV + VPF_SRIOV_NUM_VF]);
	if (!(ctrl & VPF_SRIOV_CTRL_VFE))
		return 0;
	return num > m->total_vfs ? m->total_vfs : num;
}

static void
vcap(uint8_t *c, uint8_t at, uint8_t next, uint8_t len, uint8_t type,
     uint32_t off, uint32_t length)
{
	c[at + 0] = VPF_PCI_CAP_ID_VNDR;
	c[at + 1] = next;
	c[at + 2] = len;
	c[at + 3] = type;
	c[at + 4] = 0;		/* BAR0 */
	c[at + 5] = 0;
	put32(&c[at + 8], off);
	put32(&c[at + 12], length);
}

static void
cfg_build(struct vpf_model *m)
{
	uint8_t *c = m->cfg;
	uint8_t *w = m->wmask;
	uint32_t off = m->p.off;
	uint32_t common_off = MODEL_COMMON_OFF;
	uint32_t common_len = VPF_COMMON_CFG_LEN;

	memset(c, 0, sizeof(m->cfg));
	memset(w, 0, sizeof(m->wmask));
	put16(&c[VPF_PCI_VENDOR_ID], VPF_VIRTIO_PCI_VENDOR);
	put16(&c[VPF_PCI_DEVICE_ID], VPF_VIRTIO_PCI_DEVICE_NET);
	put16(&c[VPF_PCI_STATUS], VPF_PCI_STATUS_CAP_LIST | 0x0010);
	c[VPF_PCI_REVISION_ID] = 0x01;
	c[0x0b] = 0x02;			/* class: network controller */
	c[0x0e] = 0x00;			/* header type 0 */
	/* BAR0: 64-bit memory, non-prefetchable. */
	put32(&c[VPF_PCI_BASE_ADDRESS_0], 0xfd000000u | 0x4);
	put32(&c[VPF_PCI_BASE_ADDRESS_0 + 4], 0);
	put16(&c[0x2c], VPF_VIRTIO_PCI_VENDOR);
	put16(&c[VPF_PCI_SUBSYSTEM_ID], 0x1100);
	c[VPF_PCI_CAPABILITY_LIST] = MODEL_CAP_PCIE;
	c[0x3d] = 1;			/* INTx pin A */

	/* PCI Express capability (v2, endpoint): extended space exists. */
	c[MODEL_CAP_PCIE] = VPF_PCI_CAP_ID_EXP;
	c[MODEL_CAP_PCIE + 1] = MODEL_CAP_MSIX;
	put16(&c[MODEL_CAP_PCIE + 2], 0x0002);
	put32(&c[MODEL_CAP_PCIE + 4], 0x10008000u); /* FLR capable */

	/* MSI-X: 8 vectors, table and PBA in BAR0. */
	c[MODEL_CAP_MSIX] = VPF_PCI_CAP_ID_MSIX;
	c[MODEL_CAP_MSIX + 1] = MODEL_CAP_COMMON;
	put16(&c[MODEL_CAP_MSIX + 2], MODEL_MSIX_VECTORS - 1);
	put32(&c[MODEL_CAP_MSIX + 4], MODEL_MSIX_TABLE_OFF);
	put32(&c[MODEL_CAP_MSIX + 8], MODEL_MSIX_PBA_OFF);

	if (off & VPF_MODEL_OFF_LONG_COMMON_CFG)
		common_len = VPF_COMMON_CFG_LEN_LEGACY;
	if (off & VPF_MODEL_OFF_CAP_BOUNDS)
		common_off = MODEL_BAR0_SIZE - 0x20;
	vcap(c, MODEL_CAP_COMMON, MODEL_CAP_NOTIFY, 16, VPF_PCI_CAP_COMMON_CFG,
	     common_off, common_len);
	vcap(c, MODEL_CAP_NOTIFY, MODEL_CAP_ISR, 20, VPF_PCI_CAP_NOTIFY_CFG,
	     MODEL_NOTIFY_OFF, MODEL_NOTIFY_LEN);
	put32(&c[MODEL_CAP_NOTIFY + 16], MODEL_NOTIFY_MULT);
	vcap(c, MODEL_CAP_ISR, MODEL_CAP_DEVICE, 16, VPF_PCI_CAP_ISR_CFG,
	     MODEL_ISR_OFF, MODEL_ISR_LEN);
	vcap(c, MODEL_CAP_DEVICE, MODEL_CAP_PCICFG, 16,
	     VPF_PCI_CAP_DEVICE_CFG, MODEL_DEVCFG_OFF, MODEL_DEVCFG_LEN);
	vcap(c, MODEL_CAP_PCICFG,
	     (off & VPF_MODEL_OFF_CAP_LIST) ? MODEL_CAP_PCIE : 0, 20,
	     VPF_PCI_CAP_PCI_CFG, 0, 0);

	/* SR-IOV extended capability. */
	if (!(off & VPF_MODEL_OFF_SR_IOV)) {
		uint8_t *s = &c[MODEL_EXT_SRIOV];
		bool vfe = !(off & VPF_MODEL_OFF_VF_ENABLE);

		put32(s, VPF_PCI_EXT_CAP_ID_SRIOV | (1u << 16));
		put16(s + VPF_SRIOV_CTRL, vfe ?
		      VPF_SRIOV_CTRL_VFE | VPF_SRIOV_CTRL_MSE : 0);
		put16(s + VPF_SRIOV_INITIAL_VF, m->total_vfs);
		put16(s + VPF_SRIOV_TOTAL_VF, m->total_vfs);
		put16(s + VPF_SRIOV_NUM_VF, vfe ? m->total_vfs : 0);
		put16(s + VPF_SRIOV_VF_OFFSET, 1);
		put16(s + VPF_SRIOV_VF_STRIDE, 1);
		put16(s + VPF_SRIOV_VF_DID, VPF_VIRTIO_PCI_DEVICE_NET);
		put32(s + VPF_SRIOV_SUP_PGSIZE, 0x553);
		put32(s + VPF_SRIOV_SYS_PGSIZE, 1);
		put32(s + VPF_SRIOV_BAR, 0x4);
		put16(&w[MODEL_EXT_SRIOV + VPF_SRIOV_CTRL],
		      VPF_SRIOV_CTRL_VFE | VPF_SRIOV_CTRL_MSE);
		put16(&w[MODEL_EXT_SRIOV + VPF_SRIOV_NUM_VF], 0xffff);
		put32(&w[MODEL_EXT_SRIOV + VPF_SRIOV_SYS_PGSIZE], 0xffffffffu);
	}

	/* Writable bits. */
	put16(&w[VPF_PCI_COMMAND], 0x0547);
	put32(&w[VPF_PCI_BASE_ADDRESS_0], ~(MODEL_BAR0_SIZE - 1) & ~0xfu);
	put32(&w[VPF_PCI_BASE_ADDRESS_0 + 4], 0xffffffffu);
	w[0x3c] = 0xff;
	put16(&w[MODEL_CAP_PCIE + 8], 0xffff);	/* device control */
	put16(&w[MODEL_CAP_MSIX + 2], 0xc000);	/* enable, function mask */
	w[MODEL_CAP_PCICFG + 4] = 0xff;		/* cap.bar */
	put32(&w[MODEL_CAP_PCICFG + 8], 0xffffffffu);
	put32(&w[MODEL_CAP_PCICFG + 12], 0xffffffffu);
	put32(&w[MODEL_CAP_PCICFG + 16], 0xffffffffu);
}

static uint32_t
model_cfg_size(void *dev)
{
	(void)dev;
	return VPF_PCI_CFG_SPACE_EXP_SIZE;
}

static int bar_rw(struct vpf_model *m, bool wr, uint64_t off,
		  unsigned int width, uint64_t *val);

/* The PCI cfg capability window (virtio 1.x 4.1.4.9): an access to
 * pci_cfg_data reaches BAR @c cap.bar at @c cap.offset, @c cap.length
 * bytes wide. */
static void
pcicfg_access(struct vpf_model *m, bool wr)
{
	uint8_t *cap = &m->cfg[MODEL_CAP_PCICFG];
	uint32_t off = get32(cap + 8), len = get32(cap + 12);
	uint64_t v = 0;

	if (cap[4] != 0 || (len != 1 && len != 2 && len != 4) ||
	    (off & (len - 1)) != 0) {
		if (!wr)
			memset(cap + 16, 0, 4);
		return;
	}
	if (wr) {
		v = get32(cap + 16) & (len == 4 ? 0xffffffffu :
				       (1u << (8 * len)) - 1);
		(void)bar_rw(m, true, off, len, &v);
	} else if (bar_rw(m, false, off, len, &v) == 0) {
		put32(cap + 16, (uint32_t)v);
	}
}

static int
model_cfg_read(void *dev, uint32_t off, void *buf, uint32_t len)
{
	struct vpf_model *m = dev;

	if (m == NULL || buf == NULL || len == 0)
		return -EINVAL;
	if (off >= VPF_PCI_CFG_SPACE_EXP_SIZE ||
	    len > VPF_PCI_CFG_SPACE_EXP_SIZE - off)
		return -ERANGE;
	pthread_mutex_lock(&m->lock);
	if (m->gone) {
		/* A removed function reads all-ones (FACTS.md 3). */
		memset(buf, 0xff, len);
		pthread_mutex_unlock(&m->lock);
		return 0;
	}
	if (off < MODEL_CAP_PCICFG + 20 && off + len > MODEL_CAP_PCICFG + 16)
		pcicfg_access(m, false);
	memcpy(buf, &m->cfg[off], len);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static int
model_cfg_write(void *dev, uint32_t off, const void *buf, uint32_t len)
{
	struct vpf_model *m = dev;
	const uint8_t *b = buf;
	uint32_t i;
	uint16_t old_ctrl;

	if (m == NULL || buf == NULL || (len != 1 && len != 2 && len != 4) ||
	    (off & (len - 1)) != 0)
		return -EINVAL;
	if (off >= VPF_PCI_CFG_SPACE_EXP_SIZE)
		return -ERANGE;
	pthread_mutex_lock(&m->lock);
	if (m->gone) {
		pthread_mutex_unlock(&m->lock);
		return 0;
	}
	old_ctrl = get16(&m->cfg[MODEL_EXT_SRIOV + VPF_SRIOV_CTRL]);
	for (i = 0; i < len; i++) {
		uint32_t o = off + i;
		uint8_t wm = m->wmask[o];

		/* NumVFs may only change while VF Enable is clear (SR-IOV
		 * 1.1, 3.3.10); larger than TotalVFs is ignored. */
		if (o == MODEL_EXT_SRIOV + VPF_SRIOV_NUM_VF ||
		    o == MODEL_EXT_SRIOV + VPF_SRIOV_NUM_VF + 1) {
			if (old_ctrl & VPF_SRIOV_CTRL_VFE)
				continue;
		}
		m->cfg[o] = (uint8_t)((m->cfg[o] & ~wm) | (b[i] & wm));
	}
	if (!(m->p.off & VPF_MODEL_OFF_SR_IOV) &&
	    get16(&m->cfg[MODEL_EXT_SRIOV + VPF_SRIOV_NUM_VF]) > m->total_vfs)
		put16(&m->cfg[MODEL_EXT_SRIOV + VPF_SRIOV_NUM_VF],
		      m->total_vfs);
	if (off < MODEL_CAP_PCICFG + 20 && off + len > MODEL_CAP_PCICFG + 16)
		pcicfg_access(m, true);
	/* PCIe Device Control "Initiate Function Level Reset" (bit 15): a
	 * PF FLR resets the virtio device like device_status 0. */
	if (m->cfg[MODEL_CAP_PCIE + 9] & 0x80) {
		m->cfg[MODEL_CAP_PCIE + 9] &= 0x7f;
		model_device_reset(m);
	}
	pthread_mutex_unlock(&m->lock);
	return 0;
}

/* ---------------------------------------------------------------------
 * virtio-pci device: reset, status, features, queues
 * ------------------------------------------------------------------ */

static void
queues_reset(struct vpf_model *m)
{
	uint16_t i;

	for (i = 0; i < m->nq; i++) {
		struct model_pf_vq *q = &m->q[i];
		uint16_t max = q->max_size;

		memset(q, 0, sizeof(*q));
		q->max_size = max;
		q->size = max;
		q->msix = 0xffff;
	}
}

/* Device reset (device_status 0, or a PF FLR): the owner reset of
 * FACTS.md 4. */
void
model_device_reset(struct vpf_model *m)
{
	model_aq_drop_all(m, "device reset");
	m->status = 0;
	m->needs_reset = false;
	m->dfselect = 0;
	m->gfselect = 0;
	m->driver_features = 0;
	m->config_msix = 0xffff;
	m->queue_select = 0;
	m->isr = 0;
	queues_reset(m);
	m->last_avail = 0;
	m->vis_idx = 0;
	m->used_idx = 0;
	/* After a device reset only LIST_QUERY and LIST_USE are enabled
	 * (FACTS.md 2). */
	m->enabled_ops = VPF_ADMIN_OPS_LIST;
	model_owner_reset_vfs(m);
	m->resets++;
}

static uint8_t status_read(struct vpf_model *m);

static bool
features_ok(struct vpf_model *m, const char **why)
{
	uint64_t f = m->driver_features;

	if (m->p.off & VPF_MODEL_OFF_FEATURES_OK) {
		*why = "FEATURES_OK switched off";
		return false;
	}
	if (f & ~m->offered) {
		*why = "driver accepted features the device did not offer";
		return false;
	}
	/* A modern-only device: without VERSION_1 nothing else (ADMIN_VQ,
	 * SR_IOV, ACCESS_PLATFORM, RING_RESET) is possible. */
	if (!(f & VPF_FEATURE(VPF_F_VERSION_1))) {
		*why = "VERSION_1 not accepted";
		return false;
	}
	return true;
}

static void
status_write(struct vpf_model *m, uint8_t v)
{
	uint8_t cur = m->status;
	uint8_t add;

	if (v == 0) {
		if (m->p.off & VPF_MODEL_OFF_RESET) {
			/* The reset never completes (doc/model.md). */
			m->reset_stuck = true;
			m->stuck_status = cur ? cur : VPF_STATUS_ACKNOWLEDGE;
			return;
		}
		m->stuck_status = status_read(m);
		if (m->p.reset_us > 0 && m->stuck_status != 0) {
			/* The reset takes time: the old status shows until
			 * it is done (the driver polls for 0, FACTS.md 3). */
			m->reset_done_ns = model_now_ns() +
				1000ull * m->p.reset_us;
		}
		model_device_reset(m);
		return;
	}
	if (m->reset_done_ns != 0 && model_now_ns() < m->reset_done_ns) {
		model_protocol_error(m, "device_status written 0x%02x while "
				     "the reset is in progress", v);
		return;
	}
	v &= (uint8_t)~VPF_STATUS_DEVICE_NEEDS_RESET;
	if ((v & cur) != cur) {
		model_protocol_error(m, "device_status write 0x%02x clears "
				     "bits of 0x%02x", v, cur);
		return;
	}
	add = v & (uint8_t)~cur;
	if (add & VPF_STATUS_FEATURES_OK) {
		const char *why = NULL;

		if ((cur | add) & VPF_STATUS_DRIVER_OK &&
		    !(cur & VPF_STATUS_FEATURES_OK)) {
			why = "DRIVER_OK together with FEATURES_OK";
		} else if (!((cur | add) & VPF_STATUS_DRIVER)) {
			why = "FEATURES_OK before DRIVER";
		} else {
			(void)features_ok(m, &why);
		}
		if (why != NULL) {
			MODEL_LOG(INFO, m, "FEATURES_OK refused: %s", why);
			add &= (uint8_t)~(VPF_STATUS_FEATURES_OK |
					  VPF_STATUS_DRIVER_OK);
		}
	}
	if ((add & VPF_STATUS_DRIVER_OK) &&
	    !((cur | add) & VPF_STATUS_FEATURES_OK)) {
		model_protocol_error(m, "DRIVER_OK without FEATURES_OK");
		add &= (uint8_t)~VPF_STATUS_DRIVER_OK;
	}
	m->status = cur | add;
}

static uint8_t
status_read(struct vpf_model *m)
{
	if (m->reset_stuck)
		return m->stuck_status;
	if (m->reset_done_ns != 0) {
		if (model_now_ns() < m->reset_done_ns)
			return m->stuck_status;
		m->reset_done_ns = 0;
	}
	return m->status | (m->needs_reset ? VPF_STATUS_DEVICE_NEEDS_RESET : 0);
}

static struct model_pf_vq *
sel_q(struct vpf_model *m)
{
	return m->queue_select < m->nq ? &m->q[m->queue_select] : NULL;
}

static bool
is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static void
queue_enable(struct vpf_model *m, struct model_pf_vq *q, uint16_t idx)
{
	if (q->enabled)
		return;
	if (!is_pow2(q->size) || q->size > q->max_size) {
		model_fatal(m, false, "queue %u enabled with size %u (max %u, "
			    "power of 2)", idx, q->size, q->max_size);
		return;
	}
	if ((q->desc & 15) || (q->driver & 1) || (q->device & 3)) {
		model_fatal(m, false, "queue %u enabled with misaligned rings "
			    "(desc 0x%" PRIx64 " driver 0x%" PRIx64
			    " device 0x%" PRIx64 ")", idx, q->desc, q->driver,
			    q->device);
		return;
	}
	/* Every ring address the device computes (base + offset of an
	 * entry) stays below 2^64: a ring that wraps the address space
	 * would make a wrapped address reach memory the driver never
	 * gave to the ring. */
	if (!model_ring_fits(q->desc, q->driver, q->device, q->size)) {
		model_fatal(m, false, "queue %u enabled with rings that wrap "
			    "the 64-bit address space (desc 0x%" PRIx64
			    " driver 0x%" PRIx64 " device 0x%" PRIx64
			    ", size %u)", idx, q->desc, q->driver, q->device,
			    q->size);
		return;
	}
	q->enabled = 1;
	q->reset = 0;
	if (idx == m->aq_index) {
		m->last_avail = 0;
		m->vis_idx = 0;
		m->used_idx = 0;
	}
}

static void
queue_reset(struct vpf_model *m, struct model_pf_vq *q, uint16_t idx)
{
	uint16_t max = q->max_size;

	if (!(m->driver_features & VPF_FEATURE(VPF_F_RING_RESET))) {
		model_protocol_error(m, "queue_reset without RING_RESET");
		return;
	}
	if (idx == m->aq_index)
		model_aq_drop_all(m, "admin queue reset");
	memset(q, 0, sizeof(*q));
	q->max_size = max;
	q->size = max;
	q->msix = 0xffff;
	q->reset = 1;
	if (idx == m->aq_index) {
		m->last_avail = 0;
		m->vis_idx = 0;
		m->used_idx = 0;
	}
}

struct common_field {
	uint8_t off;
	uint8_t size;
};

static const struct common_field common_fields[] = {
	{ 0, 4 }, { 4, 4 }, { 8, 4 }, { 12, 4 }, { 16, 2 }, { 18, 2 },
	{ 20, 1 }, { 21, 1 }, { 22, 2 }, { 24, 2 }, { 26, 2 }, { 28, 2 },
	{ 30, 2 }, { 32, 8 }, { 40, 8 }, { 48, 8 }, { 56, 2 }, { 58, 2 },
	{ 60, 2 }, { 62, 2 },
};

/* Whether (off, width) addresses a common cfg field as a whole, or half
 * of a 64-bit one. */
static bool
common_access_ok(uint64_t off, unsigned int width)
{
	size_t i;

	for (i = 0; i < RTE_DIM(common_fields); i++) {
		const struct common_field *f = &common_fields[i];

		if (off == f->off && width == f->size)
			return true;
		if (f->size == 8 && width == 4 &&
		    (off == f->off || off == f->off + 4u))
			return true;
	}
	return false;
}

static uint64_t *
q64(struct model_pf_vq *q, uint64_t base)
{
	return base == VPF_COMMON_Q_DESC ? &q->desc :
		base == VPF_COMMON_Q_DRIVER ? &q->driver : &q->device;
}

static uint64_t
common_read(struct vpf_model *m, uint64_t off, unsigned int width)
{
	struct model_pf_vq *q = sel_q(m);
	uint64_t base = off & ~7ull;

	if (off >= VPF_COMMON_Q_DESC && off < VPF_COMMON_Q_NDATA) {
		uint64_t v = q ? *q64(q, base) : 0;

		if (width == 8)
			return v;
		return (off & 4) ? v >> 32 : (uint32_t)v;
	}
	switch (off) {
	case VPF_COMMON_DFSELECT: return m->dfselect;
	case VPF_COMMON_DF:
		return m->dfselect < 2 ?
			(uint32_t)(m->offered >> (32 * m->dfselect)) : 0;
	case VPF_COMMON_GFSELECT: return m->gfselect;
	case VPF_COMMON_GF:
		return m->gfselect < 2 ?
			(uint32_t)(m->driver_features >> (32 * m->gfselect)) :
			0;
	case VPF_COMMON_MSIX: return m->config_msix;
	case VPF_COMMON_NUMQ: return MODEL_PF_NUM_QUEUES;
	case VPF_COMMON_STATUS: return status_read(m);
	case VPF_COMMON_CFGGENERATION: return m->config_generation;
	case VPF_COMMON_Q_SELECT: return m->queue_select;
	case VPF_COMMON_Q_SIZE: return q ? q->size : 0;
	case VPF_COMMON_Q_MSIX: return q ? q->msix : 0xffff;
	case VPF_COMMON_Q_ENABLE: return q ? q->enabled : 0;
	case VPF_COMMON_Q_NOFF: return q ? m->queue_select : 0;
	case VPF_COMMON_Q_NDATA: return q ? m->queue_select : 0;
	case VPF_COMMON_Q_RESET: return q ? q->reset : 0;
	case VPF_COMMON_ADM_Q_IDX: return m->aq_index;
	case VPF_COMMON_ADM_Q_NUM:
		return (m->p.off & VPF_MODEL_OFF_ADMIN_QUEUE) ? 0 : 1;
	default: return 0;
	}
}

static void
common_write(struct vpf_model *m, uint64_t off, unsigned int width,
	     uint64_t v)
{
	struct model_pf_vq *q = sel_q(m);

	if (off >= VPF_COMMON_Q_SIZE && off < VPF_COMMON_ADM_Q_IDX &&
	    off != VPF_COMMON_Q_NOFF && off != VPF_COMMON_Q_RESET) {
		if (q == NULL) {
			model_protocol_error(m, "queue register 0x%" PRIx64
					     " written for queue %u that does "
					     "not exist", off, m->queue_select);
			return;
		}
		if (q->enabled) {
			model_protocol_error(m, "queue register 0x%" PRIx64
					     " written while queue %u is "
					     "enabled", off, m->queue_select);
			return;
		}
	}
	if (off >= VPF_COMMON_Q_DESC && off < VPF_COMMON_Q_NDATA) {
		uint64_t *p = q64(q, off & ~7ull);

		if (width == 8)
			*p = v;
		else if (off & 4)
			*p = (*p & 0xffffffffull) | (v << 32);
		else
			*p = (*p & ~0xffffffffull) | (v & 0xffffffffull);
		return;
	}
	switch (off) {
	case VPF_COMMON_DFSELECT: m->dfselect = (uint32_t)v; break;
	case VPF_COMMON_GFSELECT: m->gfselect = (uint32_t)v; break;
	case VPF_COMMON_GF:
		if (m->status & VPF_STATUS_FEATURES_OK) {
			model_protocol_error(m, "driver_feature written after "
					     "FEATURES_OK");
			break;
		}
		if (m->gfselect < 2) {
			uint64_t sh = 32 * m->gfselect;

			m->driver_features &= ~(0xffffffffull << sh);
			m->driver_features |= (v & 0xffffffffull) << sh;
		} else if (v != 0) {
			model_protocol_error(m, "driver_feature word %u "
					     "written non-zero", m->gfselect);
		}
		break;
	case VPF_COMMON_MSIX:
		m->config_msix = v < MODEL_MSIX_VECTORS ? (uint16_t)v : 0xffff;
		break;
	case VPF_COMMON_STATUS: status_write(m, (uint8_t)v); break;
	case VPF_COMMON_Q_SELECT: m->queue_select = (uint16_t)v; break;
	case VPF_COMMON_Q_SIZE: q->size = (uint16_t)v; break;
	case VPF_COMMON_Q_MSIX:
		q->msix = v < MODEL_MSIX_VECTORS ? (uint16_t)v : 0xffff;
		break;
	case VPF_COMMON_Q_ENABLE:
		if (v != 1) {
			/* queue_enable is never written 0 (FACTS.md 3). */
			model_protocol_error(m, "queue_enable written %" PRIu64,
					     v);
			break;
		}
		queue_enable(m, q, m->queue_select);
		break;
	case VPF_COMMON_Q_RESET:
		if (q == NULL) {
			model_protocol_error(m, "queue_reset of queue %u that "
					     "does not exist", m->queue_select);
			break;
		}
		if (v == 1)
			queue_reset(m, q, m->queue_select);
		else
			model_protocol_error(m, "queue_reset written %" PRIu64,
					     v);
		break;
	default:
		model_protocol_error(m, "write to read-only common cfg "
				     "register 0x%" PRIx64, off);
		break;
	}
}

static void
notify_write(struct vpf_model *m, uint64_t off, unsigned int width,
	     uint64_t v)
{
	uint16_t qi = (uint16_t)v;

	m->notifies++;
	if (width != 2 && width != 4) {
		model_protocol_error(m, "notify write of width %u", width);
		return;
	}
	if (qi >= m->nq || off != (uint64_t)qi * MODEL_NOTIFY_MULT) {
		model_protocol_error(m, "notify of queue %u at notify offset "
				     "0x%" PRIx64, qi, off);
		return;
	}
	if (qi != m->aq_index)
		return;		/* the PF's net queues carry no traffic */
	if (!(m->status & VPF_STATUS_DRIVER_OK) || !m->q[qi].enabled ||
	    !(m->driver_features & VPF_FEATURE(VPF_F_ADMIN_VQ)))
		return;
	model_aq_notify(m);
}

/* BAR0 access, lock held. */
static int
bar_rw(struct vpf_model *m, bool wr, uint64_t off, unsigned int width,
       uint64_t *val)
{
	if (width != 1 && width != 2 && width != 4 && width != 8)
		return -EINVAL;
	if ((off & (width - 1)) != 0)
		return -EINVAL;
	if (off >= MODEL_BAR0_SIZE || width > MODEL_BAR0_SIZE - off)
		return -ERANGE;

	if (off < MODEL_COMMON_OFF + VPF_COMMON_CFG_LEN) {
		if (!common_access_ok(off, width))
			return vpf_error(-EINVAL, "model: common cfg access "
					 "at 0x%" PRIx64 " width %u does not "
					 "match a register", off, width);
		if (wr)
			common_write(m, off, width, *val);
		else
			*val = common_read(m, off, width);
		return 0;
	}
	if (off >= MODEL_ISR_OFF && off < MODEL_ISR_OFF + MODEL_ISR_LEN) {
		if (!wr) {
			/* Reading the ISR clears it. */
			*val = off == MODEL_ISR_OFF ? m->isr : 0;
			if (off == MODEL_ISR_OFF)
				m->isr = 0;
		}
		return 0;
	}
	if (off >= MODEL_DEVCFG_OFF && off < MODEL_DEVCFG_OFF + 0x100) {
		uint64_t o = off - MODEL_DEVCFG_OFF;

		if (!wr) {
			uint64_t v = 0;
			unsigned int i;

			for (i = 0; i < width; i++)
				if (o + i < MODEL_DEVCFG_LEN)
					v |= (uint64_t)((const uint8_t *)
						&m->netcfg)[o + i] << (8 * i);
			*val = v;
		}
		return 0;
	}
	if (off >= MODEL_NOTIFY_OFF && off < MODEL_NOTIFY_OFF +
	    MODEL_NOTIFY_LEN) {
		if (wr)
			notify_write(m, off - MODEL_NOTIFY_OFF, width, *val);
		else
			*val = 0;
		return 0;
	}
	if (off >= MODEL_MSIX_TABLE_OFF &&
	    off < MODEL_MSIX_TABLE_OFF + sizeof(m->msix)) {
		uint64_t o = off - MODEL_MSIX_TABLE_OFF;
		unsigned int i;

		if (o + width > sizeof(m->msix))
			return -ERANGE;
		if (wr) {
			for (i = 0; i < width; i++)
				m->msix[o + i] = (uint8_t)(*val >> (8 * i));
		} else {
			*val = 0;
			for (i = 0; i < width; i++)
				*val |= (uint64_t)m->msix[o + i] << (8 * i);
		}
		return 0;
	}
	if (!wr)
		*val = 0;
	return 0;
}

static int
model_bar_size(void *dev, uint8_t bar, uint64_t *size)
{
	(void)dev;
	if (size == NULL)
		return -EINVAL;
	if (bar != 0)
		return -ENOENT;
	*size = MODEL_BAR0_SIZE;
	return 0;
}

static int
model_bar_read(void *dev, uint8_t bar, uint64_t off, unsigned int width,
	       uint64_t *val)
{
	struct vpf_model *m = dev;
	int rc;

	if (m == NULL || val == NULL)
		return -EINVAL;
	if (bar != 0)
		return -ENOENT;
	pthread_mutex_lock(&m->lock);
	if (m->gone) {
		*val = width == 8 ? UINT64_MAX : (1ull << (8 * width)) - 1;
		rc = 0;
	} else {
		rc = bar_rw(m, false, off, width, val);
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}

static int
model_bar_write(void *dev, uint8_t bar, uint64_t off, unsigned int width,
		uint64_t val)
{
	struct vpf_model *m = dev;
	int rc;

	if (m == NULL)
		return -EINVAL;
	if (bar != 0)
		return -ENOENT;
	if (width < 8)
		val &= (1ull << (8 * width)) - 1;
	pthread_mutex_lock(&m->lock);
	rc = m->gone ? 0 : bar_rw(m, true, off, width, &val);
	pthread_mutex_unlock(&m->lock);
	return rc;
}

static void
model_poll(void *dev)
{
	struct vpf_model *m = dev;

	/* With a device thread there is nothing to do here; not taking the
	 * lock keeps a spinning driver from slowing the device down. */
	if (m == NULL || m->thread_on)
		return;
	pthread_mutex_lock(&m->lock);
	model_aq_poll(m);
	pthread_mutex_unlock(&m->lock);
}

const struct vpf_pf_ops vpf_model_ops = {
	.name = "model",
	.flags = VPF_OPS_F_IN_PROCESS,
	.cfg_size = model_cfg_size,
	.cfg_read = model_cfg_read,
	.cfg_write = model_cfg_write,
	.bar_size = model_bar_size,
	.bar_read = model_bar_read,
	.bar_write = model_bar_write,
	.dma_alloc = model_dma_alloc,
	.dma_free = model_dma_free,
	.poll = model_poll,
};

/* ---------------------------------------------------------------------
 * Create / destroy
 * ------------------------------------------------------------------ */

void
vpf_model_params_init(struct vpf_model_params *p)
{
	if (p == NULL)
		return;
	memset(p, 0, sizeof(*p));
	p->name = "model";
	p->num_vfs = 4;
	p->num_qp = 2;
	p->vq_size = 256;
	p->seed = 1;
	p->admin_queue_size = VPF_ADMIN_QUEUE_SIZE_DEFAULT;
	p->guest_mem_size = UINT64_C(1) << 30;
	p->concurrency = 1;
}

struct vpf_model *
vpf_model_create(const struct vpf_model_params *p)
{
	struct vpf_model_params def;
	struct vpf_model *m;
	uint16_t i;

	if (p == NULL) {
		vpf_model_params_init(&def);
		p = &def;
	}
	if (p->num_vfs == 0 || p->num_vfs > 256 || p->num_qp == 0 ||
	    p->num_qp > 128 || !is_pow2(p->vq_size) ||
	    p->vq_size > VPF_VRING_MAX_SIZE ||
	    !is_pow2(p->admin_queue_size) || p->admin_queue_size > 4096 ||
	    p->guest_mem_size < 4096 || p->guest_mem_size > (UINT64_C(1) << 40) ||
	    (p->guest_mem_size & 4095) != 0) {
		vpf_error(-EINVAL, "model: bad parameters (vfs 1..256, qp "
			  "1..128, vq_size and admin_queue_size powers of 2, "
			  "guest memory 4 KiB..1 TiB in whole pages)");
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		vpf_error(-ENOMEM, "model: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	m->p = *p;
	/* More engines than queue entries can never be busy. */
	if (m->p.concurrency == 0)
		m->p.concurrency = 1;
	if (m->p.concurrency > m->p.admin_queue_size)
		m->p.concurrency = m->p.admin_queue_size;
	if (m->p.service_time_us > 0 || m->p.transfer_ns_per_kib > 0)
		m->p.threaded = true;
	snprintf(m->name, sizeof(m->name), "%s", p->name ? p->name : "model");
	m->p.name = m->name;
	pthread_mutex_init(&m->lock, NULL);
	{
		pthread_condattr_t ca;

		/* Due times are CLOCK_MONOTONIC (model_now_ns). */
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&m->cv, &ca);
		pthread_condattr_destroy(&ca);
	}

	m->total_vfs = p->num_vfs;
	m->nvq = (uint16_t)(2 * p->num_qp + 1);
	m->iova_next = MODEL_IOVA_BASE;
	m->aq_index = MODEL_PF_NUM_QUEUES;
	m->nq = MODEL_PF_NUM_QUEUES +
		((p->off & VPF_MODEL_OFF_ADMIN_QUEUE) ? 0 : 1);
	for (i = 0; i < MODEL_PF_NUM_QUEUES; i++)
		m->q[i].max_size = MODEL_PF_QUEUE_SIZE;
	m->q[MODEL_PF_NUM_QUEUES].max_size = p->admin_queue_size;

	m->offered = VPF_FEATURE(VPF_F_VERSION_1) |
		VPF_FEATURE(VPF_F_ACCESS_PLATFORM) | VPF_FEATURE(5);
	if (!(p->off & VPF_MODEL_OFF_SR_IOV))
		m->offered |= VPF_FEATURE(VPF_F_SR_IOV);
	if (!(p->off & VPF_MODEL_OFF_RING_RESET))
		m->offered |= VPF_FEATURE(VPF_F_RING_RESET);
	if (!(p->off & VPF_MODEL_OFF_ADMIN_VQ))
		m->offered |= VPF_FEATURE(VPF_F_ADMIN_VQ);

	m->netcfg.mac[0] = 0x52;
	m->netcfg.mac[1] = 0x54;
	m->netcfg.mac[5] = 0x01;
	m->netcfg.status = 1;		/* LINK_UP */
	m->netcfg.max_virtqueue_pairs = 1;
	m->netcfg.mtu = 1500;

	cfg_build(m);
	queues_reset(m);
	m->config_msix = 0xffff;
	m->enabled_ops = VPF_ADMIN_OPS_LIST;

	if (model_vfs_init(m) != 0 || model_aq_init(m) != 0)
		goto fail;
	if (m->p.threaded && model_thread_start(m) != 0)
		goto fail;
	MODEL_LOG(INFO, m, "created: %u VFs, %u queue pairs, vq size %u%s",
		  m->total_vfs, p->num_qp, p->vq_size,
		  m->p.threaded ? ", device thread" : "");
	return m;
fail:
	model_aq_fini(m);
	model_vfs_fini(m);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->lock);
	free(m);
	vpf_error(-ENOMEM, "model: out of memory");
	errno = ENOMEM;
	return NULL;
}

void
vpf_model_destroy(struct vpf_model *m)
{
	uint32_t i;

	if (m == NULL)
		return;
	model_thread_stop(m);
	model_aq_fini(m);
	model_vfs_fini(m);
	for (i = 0; i < m->ndma; i++)
		free(m->dma[i].mem);
	free(m->dma);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

const char *
vpf_model_name(const struct vpf_model *m)
{
	return m ? m->name : "";
}

bool
vpf_model_needs_reset(struct vpf_model *m)
{
	bool r;

	if (m == NULL)
		return false;
	pthread_mutex_lock(&m->lock);
	r = m->needs_reset;
	pthread_mutex_unlock(&m->lock);
	return r;
}

void
vpf_model_surprise_remove(struct vpf_model *m)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	/* The function is gone: nothing completes any more, every read
	 * returns all-ones and writes are dropped. */
	m->gone = true;
	m->needs_reset = true;
	snprintf(m->last_fault, sizeof(m->last_fault), "surprise removal");
	pthread_mutex_unlock(&m->lock);
}

const char *
vpf_model_last_fault(struct vpf_model *m)
{
	return m ? m->last_fault : "";
}

/* ---------------------------------------------------------------------
 * Config dump in `lspci -xxxx` format
 * ------------------------------------------------------------------ */

int
vpf_model_dump_config(struct vpf_model *m, const char *bdf, const char *path)
{
	uint8_t c[VPF_PCI_CFG_SPACE_EXP_SIZE];
	FILE *f;
	int i;

	if (m == NULL || bdf == NULL || path == NULL)
		return vpf_error(-EINVAL, "model dump: bad arguments");
	pthread_mutex_lock(&m->lock);
	memcpy(c, m->cfg, sizeof(c));
	pthread_mutex_unlock(&m->lock);
	f = fopen(path, "w");
	if (f == NULL)
		return vpf_error(-errno, "model dump: cannot open %s", path);
	fprintf(f, "%s Ethernet controller: Red Hat, Inc. Virtio 1.0 network "
		"device (rev %02x)\n", bdf, c[VPF_PCI_REVISION_ID]);
	for (i = 0; i < VPF_PCI_CFG_SPACE_EXP_SIZE; i++) {
		if ((i & 15) == 0)
			fprintf(f, "%02x:", i);
		fprintf(f, " %02x", c[i]);
		if ((i & 15) == 15)
			fputc('\n', f);
	}
	fputc('\n', f);
	if (fclose(f) != 0)
		return vpf_error(-EIO, "model dump: write to %s failed", path);
	return 0;
}
