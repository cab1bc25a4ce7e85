/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * BAR0 and the virtio-pci device behind it: device reset, the status
 * handshake, feature negotiation, queue programming and queue_reset
 * through the common cfg, the ISR, the device cfg, notifications and the
 * MSI-X table. Layout and behaviour: doc/model.md "BAR0" and "virtio-pci
 * device behaviour".
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_common.h>

#include "model_internal.h"

/* ---------------------------------------------------------------------
 * Ring addresses
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

/* ---------------------------------------------------------------------
 * virtio-pci device: reset, status, features, queues
 * ------------------------------------------------------------------ */

void
model_queues_reset(struct vpf_model *m)
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
 * doc/protocol.md §4.9. */
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
	model_queues_reset(m);
	m->last_avail = 0;
	m->vis_idx = 0;
	m->used_idx = 0;
	/* After a device reset only LIST_QUERY and LIST_USE are enabled
	 * (doc/protocol.md §2.2). */
	m->enabled_ops = VPF_ADMIN_OPS_LIST;
	model_owner_reset_vfs(m);
	model_v14_reset(m);
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
			 * it is done (the driver polls for 0,
			 * doc/protocol.md §3.4). */
			m->reset_done_ns = vpf_now_ns() +
				1000ull * m->p.reset_us;
		}
		model_device_reset(m);
		return;
	}
	if (m->reset_done_ns != 0 && vpf_now_ns() < m->reset_done_ns) {
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
		if (vpf_now_ns() < m->reset_done_ns)
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

static void
queue_enable(struct vpf_model *m, struct model_pf_vq *q, uint16_t idx)
{
	if (q->enabled)
		return;
	if (!model_is_pow2(q->size) || q->size > q->max_size) {
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
			/* queue_enable is never written 0 (doc/protocol.md
			 * §3.4). */
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
int
model_bar_rw(struct vpf_model *m, bool wr, uint64_t off, unsigned int width,
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

int
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

int
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
		rc = model_bar_rw(m, false, off, width, val);
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}

int
model_bar_write(void *dev, uint8_t bar, uint64_t off, unsigned int width,
		uint64_t val)
{
	struct vpf_model *m = dev;
	bool locked = false;
	int rc;

	if (m == NULL)
		return -EINVAL;
	if (bar != 0)
		return -ENOENT;
	if (width < 8)
		val &= (1ull << (8 * width)) - 1;
	/* An admin queue doorbell does not wait for a device thread that
	 * holds the lock (D-PERF.12). */
	if (model_aq_db_nowait(m, off, width, val)) {
		locked = pthread_mutex_trylock(&m->lock) == 0;
		if (!locked && model_aq_db_post(m))
			return 0;
	}
	if (!locked)
		pthread_mutex_lock(&m->lock);
	rc = m->gone ? 0 : model_bar_rw(m, true, off, width, &val);
	pthread_mutex_unlock(&m->lock);
	return rc;
}
