/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The VFs: migratable state, the seeded simulated guest, contexts (built
 * with lib/ctx's builder, checked and applied field by field), the digest,
 * write-recording ground truth, counters and fault-injection API.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "model_internal.h"

#define GUEST_PAGE	4096u

static uint64_t
rng_next(uint64_t *s)
{
	/* splitmix64: deterministic, cheap, good enough for a workload. */
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

struct model_vf *
model_vf_get(struct vpf_model *m, uint64_t id)
{
	if (id == 0 || id > m->total_vfs)
		return NULL;
	return &m->vf[id - 1];
}

static size_t
own_words(const struct vpf_model *m)
{
	return ((size_t)m->p.vq_size + 63) / 64;
}

/* Page-aligned span of one VF queue's rings in guest memory. */
static uint64_t
ring_span(uint16_t size)
{
	uint64_t d = ((16ull * size) + 4095) & ~4095ull;
	uint64_t a = ((6ull + 2ull * size) + 4095) & ~4095ull;
	uint64_t u = ((6ull + 8ull * size) + 4095) & ~4095ull;

	return d + a + u;
}

static void
common_put16(uint8_t *c, uint32_t off, uint16_t v)
{
	v = rte_cpu_to_le_16(v);
	memcpy(c + off, &v, 2);
}

static void
common_put32(uint8_t *c, uint32_t off, uint32_t v)
{
	v = rte_cpu_to_le_32(v);
	memcpy(c + off, &v, 4);
}

static void
common_put64(uint8_t *c, uint32_t off, uint64_t v)
{
	v = rte_cpu_to_le_64(v);
	memcpy(c + off, &v, 8);
}

static uint16_t
common_get16(const uint8_t *c, uint32_t off)
{
	uint16_t v;

	memcpy(&v, c + off, 2);
	return rte_le_to_cpu_16(v);
}

static uint32_t
common_get32(const uint8_t *c, uint32_t off)
{
	uint32_t v;

	memcpy(&v, c + off, 4);
	return rte_le_to_cpu_32(v);
}

static uint64_t
common_get64(const uint8_t *c, uint32_t off)
{
	uint64_t v;

	memcpy(&v, c + off, 8);
	return rte_le_to_cpu_64(v);
}

/* The selected queue's registers in the common cfg image follow that
 * queue's state (the image is what the VF's driver would read). */
static void
common_refresh(struct vpf_model *m, struct model_vf *vf)
{
	uint8_t *c = vf->st.common;
	uint16_t sel = common_get16(c, VPF_COMMON_Q_SELECT);
	struct model_vf_vq *q;

	if (sel >= m->nvq)
		return;
	q = &vf->st.vq[sel];
	common_put16(c, VPF_COMMON_Q_SIZE, q->size);
	common_put16(c, VPF_COMMON_Q_MSIX, q->msix);
	common_put16(c, VPF_COMMON_Q_ENABLE, q->enabled);
	common_put16(c, VPF_COMMON_Q_NOFF, sel);
	common_put64(c, VPF_COMMON_Q_DESC, q->desc);
	common_put64(c, VPF_COMMON_Q_DRIVER, q->driver);
	common_put64(c, VPF_COMMON_Q_DEVICE, q->device);
}

static void
vf_state_init(struct vpf_model *m, struct model_vf *vf)
{
	uint8_t *c = vf->st.common;
	uint64_t gpa = 0x100000;
	uint16_t i;

	vf->st_gen++;

	vf->rng = m->p.seed ^ (UINT64_C(0x51ed270b27a3c5e1) * vf->id);
	(void)rng_next(&vf->rng);
	vf->st.features = MODEL_VF_FEATURES;
	/* Some variety between VFs: odd seeds/VFs did not take CSUM. */
	if (rng_next(&vf->rng) & 1)
		vf->st.features &= ~VPF_FEATURE(0);

	memset(c, 0, VPF_COMMON_CFG_LEN);
	common_put32(c, VPF_COMMON_DFSELECT, 1);
	common_put32(c, VPF_COMMON_DF, (uint32_t)(MODEL_VF_FEATURES >> 32));
	common_put32(c, VPF_COMMON_GFSELECT, 1);
	common_put32(c, VPF_COMMON_GF, (uint32_t)(vf->st.features >> 32));
	common_put16(c, VPF_COMMON_MSIX, 0);
	common_put16(c, VPF_COMMON_NUMQ, m->nvq);
	c[VPF_COMMON_STATUS] = VPF_STATUS_ACKNOWLEDGE | VPF_STATUS_DRIVER |
		VPF_STATUS_FEATURES_OK | VPF_STATUS_DRIVER_OK;
	common_put16(c, VPF_COMMON_Q_SELECT, (uint16_t)(m->nvq - 1));

	for (i = 0; i < m->nvq; i++) {
		struct model_vf_vq *q = &vf->st.vq[i];
		uint16_t size = m->p.vq_size;

		q->size = size;
		q->msix = (uint16_t)(1 + i % (MODEL_MSIX_VECTORS - 1));
		q->desc = gpa;
		q->driver = gpa + (((16ull * size) + 4095) & ~4095ull);
		q->device = q->driver + (((6ull + 2ull * size) + 4095) &
					 ~4095ull);
		gpa += ring_span(size);
		q->enabled = 1;
		q->avail_idx = (uint16_t)rng_next(&vf->rng);
		q->used_idx = q->avail_idx;
		q->latched = 0;
		q->own_count = 0;
		memset(q->own, 0, own_words(m) * 8);
		/* A virtio-net driver fills its receive queues: the device
		 * owns most of every RX ring from the start, which is what
		 * makes large VFs' contexts hundreds of KiB. */
		if ((i & 1) == 0 && i != m->nvq - 1) {
			uint32_t n = size - (uint32_t)(rng_next(&vf->rng) %
						       (size / 8u + 1u));
			uint32_t d;

			for (d = 0; d < n; d++)
				q->own[d / 64] |= 1ull << (d % 64);
			q->own_count = (uint16_t)n;
			q->avail_idx = (uint16_t)(q->avail_idx + n);
		}
	}
	common_refresh(m, vf);

	memset(&vf->st.netcfg, 0, sizeof(vf->st.netcfg));
	vf->st.netcfg.mac[0] = 0x52;
	vf->st.netcfg.mac[1] = 0x54;
	vf->st.netcfg.mac[3] = (uint8_t)(m->p.seed >> 8);
	vf->st.netcfg.mac[4] = (uint8_t)m->p.seed;
	vf->st.netcfg.mac[5] = (uint8_t)vf->id;
	vf->st.netcfg.status = rte_cpu_to_le_16(1);
	vf->st.netcfg.max_virtqueue_pairs = rte_cpu_to_le_16(m->p.num_qp);
	vf->st.netcfg.mtu = rte_cpu_to_le_16(1500);
}

int
model_vfs_init(struct vpf_model *m)
{
	uint64_t pages = m->p.guest_mem_size / GUEST_PAGE;
	size_t words = (size_t)(pages + 63) / 64;
	uint16_t i, j;

	m->ctx_max = VPF_CTX_HDR_SIZE +
		VPF_CTX_TLV_HDR_SIZE + VPF_CTX_COMMON_CFG_SIZE +
		VPF_CTX_TLV_HDR_SIZE + 8 * MODEL_FEATURE_WORDS +
		VPF_CTX_TLV_HDR_SIZE + MODEL_DEVCFG_LEN +
		(size_t)m->nvq * (3 * VPF_CTX_TLV_HDR_SIZE +
				  VPF_CTX_VQ_CFG_SIZE + VPF_CTX_VQ_RUNTIME_SIZE +
				  VPF_CTX_OWN_DESC_HDR_SIZE +
				  2 * (size_t)m->p.vq_size);
	m->vf = calloc(m->total_vfs, sizeof(*m->vf));
	m->scr_idx = calloc(m->p.vq_size, sizeof(uint16_t));
	m->scr_qsize = calloc(m->nvq, sizeof(uint16_t));
	m->scr_own = calloc((size_t)m->nvq * own_words(m), 8);
	m->scr_hasown = calloc(m->nvq, 1);
	m->scr_it[0] = malloc(sizeof(*m->scr_it[0]));
	m->scr_it[1] = malloc(sizeof(*m->scr_it[1]));
	if (m->vf == NULL || m->scr_idx == NULL || m->scr_qsize == NULL ||
	    m->scr_own == NULL || m->scr_hasown == NULL ||
	    m->scr_it[0] == NULL || m->scr_it[1] == NULL)
		return -ENOMEM;
	for (i = 0; i < m->total_vfs; i++) {
		struct model_vf *vf = &m->vf[i];

		vf->id = (uint16_t)(i + 1);
		vf->mode = VPF_DEV_MODE_ACTIVE;
		vf->st.vq = calloc(m->nvq, sizeof(*vf->st.vq));
		vf->rec = calloc(words, 8);
		vf->truth = calloc(words, 8);
		vf->pend_own = calloc((size_t)m->nvq * own_words(m), 8);
		vf->pend_hasown = calloc(m->nvq, 1);
		if (vf->st.vq == NULL || vf->rec == NULL || vf->truth == NULL ||
		    vf->pend_own == NULL || vf->pend_hasown == NULL)
			return -ENOMEM;
		vf->truth_bits = pages;
		for (j = 0; j < m->nvq; j++) {
			vf->st.vq[j].own = calloc(own_words(m), 8);
			if (vf->st.vq[j].own == NULL)
				return -ENOMEM;
		}
		vf_state_init(m, vf);
	}
	return 0;
}

void
model_vfs_fini(struct vpf_model *m)
{
	uint16_t i, j;

	if (m->vf != NULL) {
		for (i = 0; i < m->total_vfs; i++) {
			struct model_vf *vf = &m->vf[i];

			if (vf->st.vq != NULL)
				for (j = 0; j < m->nvq; j++)
					free(vf->st.vq[j].own);
			free(vf->st.vq);
			free(vf->rec);
			free(vf->truth);
			free(vf->pend_own);
			free(vf->pend_hasown);
			free(vf->rd_buf);
			free(vf->wr_buf);
			free(vf->pend_buf);
			free(vf->base_buf);
			free(vf->app_buf);
		}
	}
	free(m->vf);
	free(m->scr_idx);
	free(m->scr_qsize);
	free(m->scr_own);
	free(m->scr_hasown);
	free(m->scr_it[0]);
	free(m->scr_it[1]);
	m->scr_it[0] = m->scr_it[1] = NULL;
	m->scr_hasown = NULL;
	m->vf = NULL;
}

/* ---------------------------------------------------------------------
 * Write recording and ground truth
 * ------------------------------------------------------------------ */

void
model_wr_clear(struct model_vf *vf)
{
	memset(vf->rec, 0, (vf->truth_bits + 63) / 64 * 8);
	memset(vf->truth, 0, (vf->truth_bits + 63) / 64 * 8);
	vf->rec_bits = vf->wr_on ?
		(vf->truth_bits * GUEST_PAGE + vf->wr_page - 1) / vf->wr_page :
		0;
}

/* The VF DMA-wrote guest page @p gpa. */
void
model_vf_page_write(struct model_vf *vf, uint64_t gpa)
{
	uint64_t p = gpa / GUEST_PAGE, r;
	uint32_t i;

	if (p >= vf->truth_bits)
		return;
	vf->truth[p / 64] |= 1ull << (p % 64);
	if (!vf->wr_on)
		return;
	for (i = 0; i < vf->wr_nranges; i++) {
		const struct vpf_admin_wr_range *rg = &vf->wr_ranges[i];

		if (gpa >= rg->page_address &&
		    (gpa - rg->page_address) / vf->wr_page < rg->page_count) {
			r = gpa / vf->wr_page;
			if (r < vf->rec_bits)
				vf->rec[r / 64] |= 1ull << (r % 64);
			return;
		}
	}
}

/* ---------------------------------------------------------------------
 * Simulated guest
 * ------------------------------------------------------------------ */

/*
 * The device takes up to @p n descriptors the driver made available on
 * queue @p q: it reads the avail ring and the descriptors (DMA, so only in
 * Active) and owns them until it uses them (VQ_SPLIT_DEV_OWN_DESC).
 */
static void
guest_take(struct vpf_model *m, struct model_vf *vf, struct model_vf_vq *q,
	   uint32_t n)
{
	uint32_t k;

	if (!q->enabled || q->size == 0 || q->size > m->p.vq_size)
		return;
	vf->stats.ring_reads++;
	m->pf_stats.ring_reads++;
	for (k = 0; k < n && q->own_count < q->size; k++) {
		uint32_t d = (uint32_t)(rng_next(&vf->rng) % q->size), t;

		/* Bounded: written contexts are checked so that a free
		 * index exists, but a device never spins on its state. */
		for (t = 0; t < q->size &&
		     (q->own[d / 64] & (1ull << (d % 64))); t++)
			d = (d + 1) % q->size;
		if (t == q->size)
			return;
		vf->stats.ring_reads++;
		m->pf_stats.ring_reads++;
		q->own[d / 64] |= 1ull << (d % 64);
		q->own_count++;
		q->avail_idx++;
	}
}

/* The device writes guest page @p gpa (DMA, so only in Active). */
static void
guest_dma_write(struct vpf_model *m, struct model_vf *vf, uint64_t gpa)
{
	vf->stats.dma_writes++;
	m->pf_stats.dma_writes++;
	model_vf_page_write(vf, gpa);
}

static void
guest_return(struct vpf_model *m, struct model_vf *vf, struct model_vf_vq *q,
	     uint16_t qi, uint64_t r)
{
	uint32_t n = 1 + (uint32_t)(r % 8), k;
	uint64_t pages = m->p.guest_mem_size / GUEST_PAGE;

	if (!q->enabled || q->size == 0 || q->size > m->p.vq_size ||
	    q->own_count == 0)
		return;
	for (k = 0; k < n && q->own_count > 0; k++) {
		uint32_t d = (uint32_t)(rng_next(&vf->rng) % q->size), t;

		/* Bounded, as in guest_take(). */
		for (t = 0; t < q->size &&
		     !(q->own[d / 64] & (1ull << (d % 64))); t++)
			d = (d + 1) % q->size;
		if (t == q->size)
			break;
		q->own[d / 64] &= ~(1ull << (d % 64));
		q->own_count--;
		q->used_idx++;
		/* Receive queues write the packet into a guest buffer. */
		if ((qi & 1) == 0 && qi != m->nvq - 1)
			guest_dma_write(m, vf, (rng_next(&vf->rng) % pages) *
					GUEST_PAGE);
	}
	/* And the used ring itself. */
	guest_dma_write(m, vf, q->device);
}

/*
 * One operation of the VF's guest. A device not in Active accesses no
 * virtqueue memory (doc/protocol.md, device modes): in Stop it reads no
 * ring or descriptor and writes no page, but accepts driver notifications
 * (latched, acted on back in Active) and register writes, so the Stop
 * context changes only through the registers. In Freeze nothing changes
 * (the caller does not get here).
 */
static void
guest_op(struct vpf_model *m, struct model_vf *vf)
{
	uint64_t r = rng_next(&vf->rng);

	vf->st_gen++;
	uint32_t kind = (uint32_t)(r % 100);
	uint16_t qi = (uint16_t)((r >> 8) % m->nvq);
	struct model_vf_vq *q = &vf->st.vq[qi];
	bool active = vf->mode == VPF_DEV_MODE_ACTIVE;

	r >>= 24;
	if (kind < 40) {
		/* The driver makes descriptors available and notifies. */
		uint32_t n = 1 + (uint32_t)(r % 8);

		if (active) {
			guest_take(m, vf, q, n);
		} else {
			/* Latched: the device looks at the ring once it is
			 * back in Active. More than a ring's worth cannot be
			 * available. */
			q->latched = (uint16_t)RTE_MIN((uint32_t)q->latched + n,
						       (uint32_t)q->size);
			vf->stats.notifies_latched++;
			m->pf_stats.notifies_latched++;
		}
	} else if (kind < 75) {
		/* Use descriptors: DMA, so only in Active. */
		if (active)
			guest_return(m, vf, q, qi, r);
	} else if (kind < 85) {
		if (active)
			guest_dma_write(m, vf, (r % (m->p.guest_mem_size /
						     GUEST_PAGE)) * GUEST_PAGE);
	} else if (kind < 93) {
		/* Device config change: link flap or MTU. It raises a config
		 * notification, and in Stop the device sends none (FACTS.md
		 * 4): only in Active. */
		uint16_t st = rte_le_to_cpu_16(vf->st.netcfg.status);

		if (!active)
			goto out;

		if (r & 1)
			vf->st.netcfg.status = rte_cpu_to_le_16(st ^ 1);
		else
			vf->st.netcfg.mtu = rte_cpu_to_le_16(
				(uint16_t)(1280 + (r >> 1) % 7720));
		vf->st.common[VPF_COMMON_CFGGENERATION]++;
	} else {
		/* The VF's driver re-routes a queue's interrupt: register
		 * writes, which apply in Stop too. */
		q->msix = (uint16_t)(r % MODEL_MSIX_VECTORS);
		common_put16(vf->st.common, VPF_COMMON_Q_SELECT, qi);
	}
out:
	common_refresh(m, vf);
}

/* Back in Active: act on the notifications latched in Stop. */
static void
guest_unlatch(struct vpf_model *m, struct model_vf *vf)
{
	uint16_t i;

	for (i = 0; i < m->nvq; i++) {
		struct model_vf_vq *q = &vf->st.vq[i];

		if (q->latched == 0)
			continue;
		vf->st_gen++;
		guest_take(m, vf, q, q->latched);
		q->latched = 0;
	}
	common_refresh(m, vf);
}

int
vpf_model_guest_step(struct vpf_model *m, uint16_t vf_id, uint32_t ops)
{
	struct model_vf *vf;
	uint32_t i;

	if (m == NULL)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	vf = model_vf_get(m, vf_id);
	if (vf == NULL) {
		pthread_mutex_unlock(&m->lock);
		return vpf_error(-EINVAL, "model %s: no VF %u", m->name, vf_id);
	}
	if (vf->mode == VPF_DEV_MODE_ACTIVE)
		guest_unlatch(m, vf);
	/* In Freeze nothing changes (FACTS.md 4). */
	if (vf->mode != VPF_DEV_MODE_FREEZE)
		for (i = 0; i < ops; i++)
			guest_op(m, vf);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

/* ---------------------------------------------------------------------
 * Contexts
 * ------------------------------------------------------------------ */

size_t
model_ctx_size(struct vpf_model *m, struct model_vf *vf)
{
	size_t n = VPF_CTX_HDR_SIZE +
		VPF_CTX_TLV_HDR_SIZE + VPF_CTX_COMMON_CFG_SIZE +
		VPF_CTX_TLV_HDR_SIZE + 8 * MODEL_FEATURE_WORDS +
		VPF_CTX_TLV_HDR_SIZE + MODEL_DEVCFG_LEN;
	uint16_t i;

	for (i = 0; i < m->nvq; i++)
		n += 3 * VPF_CTX_TLV_HDR_SIZE + VPF_CTX_VQ_CFG_SIZE +
			VPF_CTX_VQ_RUNTIME_SIZE + VPF_CTX_OWN_DESC_HDR_SIZE +
			2 * (size_t)vf->st.vq[i].own_count;
	return n;
}

/* Build the context of the VF's current state: every field type of
 * FACTS.md 5, per-VQ fields in queue order, owned descriptors ascending
 * (the canonical form the digest hashes). Returns its length. */
size_t
model_ctx_build(struct vpf_model *m, struct model_vf *vf, uint8_t *buf,
		size_t cap)
{
	struct vpf_ctx_builder b;
	struct vpf_ctx_common_cfg cc;
	const uint8_t *c = vf->st.common;
	uint64_t feat = vf->st.features;
	uint16_t i;
	int rc = 0;

	common_refresh(m, vf);
	if (vpf_ctx_builder_init(&b, buf, cap) != 0)
		return 0;
	cc.device_feature_select = common_get32(c, VPF_COMMON_DFSELECT);
	cc.device_feature = common_get32(c, VPF_COMMON_DF);
	cc.driver_feature_select = common_get32(c, VPF_COMMON_GFSELECT);
	cc.driver_feature = common_get32(c, VPF_COMMON_GF);
	cc.config_msix_vector = common_get16(c, VPF_COMMON_MSIX);
	cc.num_queues = common_get16(c, VPF_COMMON_NUMQ);
	cc.device_status = c[VPF_COMMON_STATUS];
	cc.config_generation = c[VPF_COMMON_CFGGENERATION];
	cc.queue_select = common_get16(c, VPF_COMMON_Q_SELECT);
	cc.queue_size = common_get16(c, VPF_COMMON_Q_SIZE);
	cc.queue_msix_vector = common_get16(c, VPF_COMMON_Q_MSIX);
	cc.queue_enable = common_get16(c, VPF_COMMON_Q_ENABLE);
	cc.queue_notify_off = common_get16(c, VPF_COMMON_Q_NOFF);
	cc.queue_desc = common_get64(c, VPF_COMMON_Q_DESC);
	cc.queue_driver = common_get64(c, VPF_COMMON_Q_DRIVER);
	cc.queue_device = common_get64(c, VPF_COMMON_Q_DEVICE);
	cc.queue_notif_config_data = common_get16(c, VPF_COMMON_Q_NDATA);
	cc.queue_reset = common_get16(c, VPF_COMMON_Q_RESET);
	cc.admin_queue_index = common_get16(c, VPF_COMMON_ADM_Q_IDX);
	cc.admin_queue_num = common_get16(c, VPF_COMMON_ADM_Q_NUM);
	rc |= vpf_ctx_add_common_cfg(&b, &cc);
	rc |= vpf_ctx_add_features(&b, &feat, MODEL_FEATURE_WORDS);
	for (i = 0; i < m->nvq && rc == 0; i++) {
		struct model_vf_vq *q = &vf->st.vq[i];
		struct vpf_ctx_vq_cfg vc = {
			.vq_index = i, .queue_size = q->size,
			.queue_msix_vector = q->msix, .queue_desc = q->desc,
			.queue_driver = q->driver, .queue_device = q->device,
		};
		struct vpf_ctx_vq_runtime rt = {
			.vq_index = i, .dev_avail_idx = q->avail_idx,
			.enabled = q->enabled,
		};
		uint32_t d, n = 0;
		uint32_t qs = RTE_MIN(q->size, m->p.vq_size);

		/* Only indices below the queue's size: a context the model
		 * itself would refuse is never built. */
		for (d = 0; d < qs; d += 64) {
			uint64_t w = q->own[d / 64];

			if (qs - d < 64)
				w &= (1ull << (qs - d)) - 1;
			while (w != 0) {
				m->scr_idx[n++] =
					(uint16_t)(d + (uint32_t)__builtin_ctzll(w));
				w &= w - 1;
			}
		}
		rc |= vpf_ctx_add_vq_cfg(&b, &vc);
		rc |= vpf_ctx_add_vq_runtime(&b, &rt);
		rc |= vpf_ctx_add_own_desc(&b, i, m->scr_idx, (uint16_t)n);
	}
	rc |= vpf_ctx_add_dev_cfg(&b, &vf->st.netcfg, MODEL_DEVCFG_LEN);
	if (rc != 0) {
		MODEL_LOG(ERR, m, "VF %u: context does not fit %zu bytes",
			  vf->id, cap);
		return 0;
	}
	return vpf_ctx_builder_len(&b);
}

/* The field types the model supports, ascending, and their length: exact
 * for fixed types, the maximum for variable ones (FACTS.md 5). */
static const uint16_t field_types[] = {
	VPF_CTX_PCI_COMMON_CFG, VPF_CTX_DEV_FEATURES,
	VPF_CTX_PCI_VQ_CFG, VPF_CTX_VQ_SPLIT_RUNTIME_CFG,
	VPF_CTX_VQ_SPLIT_DEV_OWN_DESC, VPF_CTX_DEV_CFG,
};

static uint64_t
field_len(const struct vpf_model *m, uint32_t i)
{
	switch (field_types[i]) {
	case VPF_CTX_PCI_COMMON_CFG: return VPF_CTX_COMMON_CFG_SIZE;
	case VPF_CTX_DEV_FEATURES: return 8 * MODEL_FEATURE_WORDS;
	case VPF_CTX_PCI_VQ_CFG: return VPF_CTX_VQ_CFG_SIZE;
	case VPF_CTX_VQ_SPLIT_RUNTIME_CFG: return VPF_CTX_VQ_RUNTIME_SIZE;
	case VPF_CTX_VQ_SPLIT_DEV_OWN_DESC:
		return VPF_CTX_OWN_DESC_HDR_SIZE + 2ull * m->p.vq_size;
	default: return MODEL_DEVCFG_LEN;
	}
}

uint32_t
model_fields_query(struct vpf_model *m, struct vpf_admin_ctx_field_info *out,
		   uint32_t max)
{
	uint32_t i;

	for (i = 0; i < RTE_DIM(field_types) && i < max; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].type = rte_cpu_to_le_16(field_types[i]);
		out[i].length = rte_cpu_to_le_64(field_len(m, i));
	}
	return i;
}

/* Type and length of a field against what FIELDS_QUERY reports. Called for
 * every field of every CTX_WRITE chunk: no list is built. */
int
model_ctx_check_field(struct vpf_model *m, const struct vpf_ctx_field *f)
{
	uint32_t i;

	for (i = 0; i < RTE_DIM(field_types); i++) {
		if (field_types[i] != f->type)
			continue;
		if (vpf_ctx_type_fixed_size(f->type) != 0)
			return f->length == field_len(m, i) ? 0 : -EINVAL;
		return f->length <= field_len(m, i) ? 0 : -EINVAL;
	}
	/* A field type the device does not support (FACTS.md 4). */
	return -EINVAL;
}

static bool
msix_ok(uint16_t v)
{
	return v < MODEL_MSIX_VECTORS || v == 0xffff;
}

/*
 * Applying a context runs three passes over its fields: 0 checks each field
 * on its own and collects the queue sizes the context sets, 1 checks the
 * owned descriptors against those sizes, 2 (not in a dry run) applies.
 */
struct apply {
	struct vpf_model *m;
	struct model_vf *vf;
	int pass;
	bool seen_common, seen_feat, seen_cfg;
	const uint64_t *own;	/* pass 2: owned sets found by pass 1 */
};

static int
apply_common(struct apply *a, const struct vpf_ctx_field *f)
{
	struct vpf_ctx_common_cfg cc;
	struct vpf_model *m = a->m;

	if (vpf_ctx_decode_common_cfg(f, &cc) != 0)
		return -EINVAL;
	if (a->pass == 0) {
		if (a->seen_common || cc.num_queues != m->nvq ||
		    cc.queue_select >= m->nvq || cc.admin_queue_index != 0 ||
		    cc.admin_queue_num != 0 || !msix_ok(cc.config_msix_vector))
			return -EINVAL;
		a->seen_common = true;
	} else if (a->pass == 2) {
		memcpy(a->vf->st.common, f->value, VPF_COMMON_CFG_LEN);
	}
	return 0;
}

static int
apply_features(struct apply *a, const struct vpf_ctx_field *f)
{
	struct vpf_ctx_features ft;
	uint64_t w;

	if (vpf_ctx_decode_features(f, &ft) != 0)
		return -EINVAL;
	w = vpf_ctx_features_word(&ft, 0);
	if (a->pass == 0) {
		/* Only what the VF offers, and a modern driver. */
		if (a->seen_feat || (w & ~MODEL_VF_FEATURES) ||
		    !(w & VPF_FEATURE(VPF_F_VERSION_1)))
			return -EINVAL;
		a->seen_feat = true;
	} else if (a->pass == 2) {
		a->vf->st.features = w;
	}
	return 0;
}

static int
apply_vq_cfg(struct apply *a, const struct vpf_ctx_field *f)
{
	struct vpf_ctx_vq_cfg vc;
	struct vpf_model *m = a->m;
	struct model_vf_vq *q;

	if (vpf_ctx_decode_vq_cfg(f, &vc) != 0 || vc.vq_index >= m->nvq)
		return -EINVAL;
	if (a->pass == 0) {
		if ((vc.queue_size & (vc.queue_size - 1)) ||
		    vc.queue_size == 0 || vc.queue_size > m->p.vq_size ||
		    (vc.queue_desc & 15) || (vc.queue_driver & 1) ||
		    (vc.queue_device & 3) || !msix_ok(vc.queue_msix_vector) ||
		    !model_ring_fits(vc.queue_desc, vc.queue_driver,
				     vc.queue_device, vc.queue_size))
			return -EINVAL;
		m->scr_qsize[vc.vq_index] = vc.queue_size;
	} else if (a->pass == 2) {
		q = &a->vf->st.vq[vc.vq_index];
		q->size = vc.queue_size;
		q->msix = vc.queue_msix_vector;
		q->desc = vc.queue_desc;
		q->driver = vc.queue_driver;
		q->device = vc.queue_device;
		q->latched = 0;
	}
	return 0;
}

static int
apply_runtime(struct apply *a, const struct vpf_ctx_field *f)
{
	struct vpf_ctx_vq_runtime rt;
	struct model_vf_vq *q;

	if (vpf_ctx_decode_vq_runtime(f, &rt) != 0 ||
	    rt.vq_index >= a->m->nvq || rt.enabled > 1)
		return -EINVAL;
	if (a->pass == 2) {
		q = &a->vf->st.vq[rt.vq_index];
		q->avail_idx = rt.dev_avail_idx;
		q->used_idx = rt.dev_avail_idx;
		q->enabled = rt.enabled;
		/* The ring position is the context's now: what the device
		 * was told about the old one no longer applies (a context
		 * carries no latched notification). */
		q->latched = 0;
	}
	return 0;
}

static int
apply_own_desc(struct apply *a, const struct vpf_ctx_field *f)
{
	struct vpf_model *m = a->m;
	struct vpf_ctx_own_desc od;
	struct model_vf_vq *q;
	uint64_t *bits;
	uint32_t k;
	uint16_t qs, d;

	if (vpf_ctx_decode_own_desc(f, &od) != 0 || od.vq_index >= m->nvq)
		return -EINVAL;
	qs = m->scr_qsize[od.vq_index];
	/* Pass 1 builds the queue's owned set in its scratch bitmap; pass 2
	 * (each per-VQ type occurs once per queue) installs it. A context
	 * carries thousands of indices: one loop over them per check. */
	bits = m->scr_own + (size_t)od.vq_index * own_words(m);
	if (a->pass == 2 && a->own != NULL)
		bits = (uint64_t *)(uintptr_t)a->own +
			(size_t)od.vq_index * own_words(m);
	if (a->pass == 1) {
		/* Distinct indices below the queue size: each below it, and
		 * as many bits set as indices given. */
		uint32_t set = 0;
		size_t w;

		memset(bits, 0, own_words(m) * 8);
		if (od.desc_count > qs)
			return -EINVAL;
		for (k = 0; k < od.desc_count; k++) {
			d = (uint16_t)(od.desc[2 * k] | od.desc[2 * k + 1] << 8);
			if (d >= qs)
				return -EINVAL;
			bits[d / 64] |= 1ull << (d % 64);
		}
		for (w = 0; w < own_words(m); w++)
			set += (uint32_t)__builtin_popcountll(bits[w]);
		if (set != od.desc_count)
			return -EINVAL;
		m->scr_hasown[od.vq_index] = 1;
	} else if (a->pass == 2) {
		q = &a->vf->st.vq[od.vq_index];
		memcpy(q->own, bits, own_words(m) * 8);
		q->own_count = od.desc_count;
	}
	return 0;
}

static int
apply_dev_cfg(struct apply *a, const struct vpf_ctx_field *f)
{
	struct vpf_virtio_net_config nc = a->vf->st.netcfg;
	const uint8_t *cfg;
	uint64_t cl;

	if (vpf_ctx_decode_dev_cfg(f, &cfg, &cl) != 0 ||
	    cl > MODEL_DEVCFG_LEN)
		return -EINVAL;
	if (a->pass == 0) {
		memcpy(&nc, cfg, cl);
		if (a->seen_cfg ||
		    rte_le_to_cpu_16(nc.max_virtqueue_pairs) != a->m->p.num_qp)
			return -EINVAL;
		a->seen_cfg = true;
	} else if (a->pass == 2) {
		memcpy(&a->vf->st.netcfg, cfg, cl);
	}
	return 0;
}

static int
apply_field(struct apply *a, const struct vpf_ctx_field *f)
{
	switch (f->type) {
	case VPF_CTX_PCI_COMMON_CFG: return apply_common(a, f);
	case VPF_CTX_DEV_FEATURES: return apply_features(a, f);
	case VPF_CTX_PCI_VQ_CFG: return apply_vq_cfg(a, f);
	case VPF_CTX_VQ_SPLIT_RUNTIME_CFG: return apply_runtime(a, f);
	case VPF_CTX_VQ_SPLIT_DEV_OWN_DESC: return apply_own_desc(a, f);
	case VPF_CTX_DEV_CFG: return apply_dev_cfg(a, f);
	/* Not in FIELDS_QUERY: already refused while streaming. */
	default: return -EINVAL;
	}
}

/*
 * After pass 1: a queue whose size the context changes but whose owned
 * descriptors it does not carry keeps its current ones, which must still
 * lie below the resulting size (the guest and the context builder index
 * the ring with them).
 */
static int
check_kept_own(struct vpf_model *m, struct model_vf *vf)
{
	uint16_t i;
	size_t w;

	for (i = 0; i < m->nvq; i++) {
		const struct model_vf_vq *q = &vf->st.vq[i];
		uint32_t qs = m->scr_qsize[i];

		if (m->scr_hasown[i])
			continue;
		if (q->own_count > qs)
			return -EINVAL;
		for (w = qs / 64; w < own_words(m); w++) {
			uint64_t bits = q->own[w];

			if (w == qs / 64)
				bits &= qs % 64 ? ~((1ull << (qs % 64)) - 1) :
					~0ull;
			if (bits != 0)
				return -EINVAL;
		}
	}
	return 0;
}

/*
 * Check (dry run) or apply a complete, well-formed context to @p vf.
 * Semantics: a field present replaces that part of the state; absent
 * fields keep theirs. Non-per-VQ types at most once.
 */
/* Passes @p from..@p to (inclusive) of applying @p ctx to @p vf. */
static int
apply_passes(struct apply *a, const uint8_t *ctx, size_t len, int from,
	     int to)
{
	struct vpf_model *m = a->m;
	struct vpf_ctx_iter *it = m->scr_it[0];
	struct vpf_ctx_field f;
	uint16_t i;
	int rc = 0;

	for (i = 0; i < m->nvq; i++) {
		m->scr_qsize[i] = a->vf->st.vq[i].size;
		m->scr_hasown[i] = 0;
	}
	for (a->pass = from; a->pass <= to && rc == 0; a->pass++) {
		vpf_ctx_iter_init(it, ctx, len, VPF_CTX_F_ALLOW_PAD);
		while (rc == 0 && vpf_ctx_iter_next(it, &f) == 1)
			rc = apply_field(a, &f);
		if (rc == 0 && vpf_ctx_iter_error(it)->code != VPF_CTX_OK)
			rc = -EBADMSG;
		/* Cross-field: the resulting owned set of every queue lies
		 * below its resulting size (nothing applied otherwise). */
		if (rc == 0 && a->pass == 1)
			rc = check_kept_own(m, a->vf);
	}
	if (rc == 0 && to == 2) {
		a->vf->st_gen++;
		common_refresh(m, a->vf);
	}
	return rc;
}

/*
 * Check (dry run) or apply a complete, well-formed context to @p vf.
 * Semantics: a field present replaces that part of the state; absent
 * fields keep theirs. Non-per-VQ types at most once.
 */
int
model_ctx_apply(struct vpf_model *m, struct model_vf *vf, const uint8_t *ctx,
		size_t len, bool dry_run)
{
	struct apply a = { .m = m, .vf = vf };

	return apply_passes(&a, ctx, len, 0, dry_run ? 1 : 2);
}

void
model_ctx_keep_check(struct vpf_model *m, struct model_vf *vf)
{
	memcpy(vf->pend_own, m->scr_own,
	       (size_t)m->nvq * own_words(m) * 8);
	memcpy(vf->pend_hasown, m->scr_hasown, m->nvq);
	vf->pend_gen = vf->st_gen;
	vf->pend_checked = true;
}

int
model_ctx_activate(struct vpf_model *m, struct model_vf *vf)
{
	struct apply a = { .m = m, .vf = vf };

	/* In Freeze nothing changes (FACTS.md 4), so the state is normally
	 * the one the context was checked against at CTX_WRITE: install it
	 * (pass 2) with the owned sets found then. */
	if (vf->pend_checked && vf->pend_gen == vf->st_gen) {
		a.own = vf->pend_own;
		return apply_passes(&a, vf->pend_buf, vf->pend_len, 2, 2);
	}
	return apply_passes(&a, vf->pend_buf, vf->pend_len, 0, 2);
}

/* Key of a field for the activation diff: type, and vq_index for per-VQ
 * types. */
static uint32_t
field_key(const struct vpf_ctx_field *f)
{
	uint16_t vq = 0;

	if (vpf_ctx_type_is_per_vq(f->type) && f->length >= 2)
		vq = (uint16_t)(f->value[0] | (f->value[1] << 8));
	return ((uint32_t)f->type << 16) | vq;
}

/*
 * Fields of @a that are not in @b with the same value (matched by type and
 * vq_index). Both contexts passed model_ctx_apply(), so each key occurs at
 * most once. The search for each field of @a resumes where the last one
 * matched and wraps around once: contexts in the same field order (the
 * usual case: the same device's builder made both) cost one pass.
 */
uint32_t
model_ctx_diff(struct vpf_model *m, const uint8_t *a, size_t alen,
	       const uint8_t *b, size_t blen)
{
	struct vpf_ctx_iter *ia = m->scr_it[0], *ib = m->scr_it[1];
	struct vpf_ctx_field fa, fb;
	uint32_t n = 0;

	vpf_ctx_iter_init(ia, a, alen, VPF_CTX_F_ALLOW_PAD);
	if (b != NULL)
		vpf_ctx_iter_init(ib, b, blen, VPF_CTX_F_ALLOW_PAD);
	while (vpf_ctx_iter_next(ia, &fa) == 1) {
		uint32_t key = field_key(&fa);
		bool same = false, found = false;
		int pass;

		for (pass = 0; b != NULL && pass < 2 && !found; pass++) {
			if (pass == 1)
				vpf_ctx_iter_init(ib, b, blen,
						  VPF_CTX_F_ALLOW_PAD);
			while (vpf_ctx_iter_next(ib, &fb) == 1) {
				if (field_key(&fb) != key)
					continue;
				found = true;
				same = fa.length == fb.length &&
					memcmp(fa.value, fb.value,
					       fa.length) == 0;
				break;
			}
		}
		if (!same)
			n++;
	}
	return n;
}

/* ---------------------------------------------------------------------
 * Observability API
 * ------------------------------------------------------------------ */

int
vpf_model_digest(struct vpf_model *m, uint16_t vf_id, uint8_t digest[32])
{
	struct model_vf *vf;
	uint8_t *buf;
	size_t len;

	if (m == NULL || digest == NULL)
		return -EINVAL;
	buf = malloc(m->ctx_max);
	if (buf == NULL)
		return vpf_error(-ENOMEM, "model digest: out of memory");
	pthread_mutex_lock(&m->lock);
	vf = model_vf_get(m, vf_id);
	if (vf == NULL) {
		pthread_mutex_unlock(&m->lock);
		free(buf);
		return vpf_error(-EINVAL, "model %s: no VF %u", m->name, vf_id);
	}
	/* The canonical serialisation is the Freeze context itself. */
	len = model_ctx_build(m, vf, buf, m->ctx_max);
	pthread_mutex_unlock(&m->lock);
	model_sha256(buf, len, digest);
	free(buf);
	return 0;
}

void
vpf_model_digest_hex(const uint8_t digest[32], char hex[65])
{
	static const char x[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		hex[2 * i] = x[digest[i] >> 4];
		hex[2 * i + 1] = x[digest[i] & 15];
	}
	hex[64] = '\0';
}

int
vpf_model_vf_ctx(struct vpf_model *m, uint16_t vf_id, void *buf, size_t cap,
		 size_t *len)
{
	struct model_vf *vf;
	size_t n;

	if (m == NULL || buf == NULL || len == NULL)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	vf = model_vf_get(m, vf_id);
	if (vf == NULL) {
		pthread_mutex_unlock(&m->lock);
		return vpf_error(-EINVAL, "model %s: no VF %u", m->name, vf_id);
	}
	n = model_ctx_size(m, vf);
	if (n > cap) {
		pthread_mutex_unlock(&m->lock);
		*len = n;
		return vpf_error(-ENOSPC, "model: context of %zu bytes does "
				 "not fit %zu", n, cap);
	}
	*len = model_ctx_build(m, vf, buf, cap);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int
vpf_model_vf_mode(struct vpf_model *m, uint16_t vf_id, uint8_t *mode)
{
	struct model_vf *vf;

	if (m == NULL || mode == NULL)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	vf = model_vf_get(m, vf_id);
	if (vf != NULL)
		*mode = vf->mode;
	pthread_mutex_unlock(&m->lock);
	return vf ? 0 : vpf_error(-EINVAL, "model %s: no VF %u", m->name,
				  vf_id);
}

int
vpf_model_dirty_bitmap(struct vpf_model *m, uint16_t vf_id, uint64_t addr,
		       uint64_t len, uint64_t page_size, uint64_t *bitmap,
		       uint64_t *pages)
{
	struct model_vf *vf;
	uint64_t nbits, i, cnt = 0;

	if (m == NULL || bitmap == NULL || page_size < GUEST_PAGE ||
	    (page_size & (page_size - 1)) || (addr & (page_size - 1)) ||
	    (len & (page_size - 1)) || len == 0 || len - 1 > UINT64_MAX - addr)
		return vpf_error(-EINVAL, "model dirty: bad range or page "
				 "size");
	nbits = len / page_size;
	memset(bitmap, 0, (nbits + 63) / 64 * 8);
	pthread_mutex_lock(&m->lock);
	vf = model_vf_get(m, vf_id);
	if (vf == NULL) {
		pthread_mutex_unlock(&m->lock);
		return vpf_error(-EINVAL, "model %s: no VF %u", m->name, vf_id);
	}
	for (i = 0; i < vf->truth_bits; i++) {
		uint64_t gpa, b;

		if (vf->truth[i / 64] == 0) {
			i |= 63;
			continue;
		}
		if (!(vf->truth[i / 64] & (1ull << (i % 64))))
			continue;
		gpa = i * GUEST_PAGE;
		if (gpa < addr || gpa - addr >= len)
			continue;
		b = (gpa - addr) / page_size;
		if (!(bitmap[b / 64] & (1ull << (b % 64)))) {
			bitmap[b / 64] |= 1ull << (b % 64);
			cnt++;
		}
	}
	pthread_mutex_unlock(&m->lock);
	if (pages != NULL)
		*pages = cnt;
	return 0;
}

int
vpf_model_dirty_count(struct vpf_model *m, uint16_t vf_id, uint64_t *pages)
{
	struct model_vf *vf;
	uint64_t i, cnt = 0;

	if (m == NULL || pages == NULL)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	vf = model_vf_get(m, vf_id);
	if (vf != NULL)
		for (i = 0; i < (vf->truth_bits + 63) / 64; i++)
			cnt += (uint64_t)__builtin_popcountll(vf->truth[i]);
	pthread_mutex_unlock(&m->lock);
	if (vf == NULL)
		return vpf_error(-EINVAL, "model %s: no VF %u", m->name, vf_id);
	*pages = cnt;
	return 0;
}

int
vpf_model_stats_get(struct vpf_model *m, uint16_t vf_id,
		    struct vpf_model_stats *st)
{
	const struct model_stats_i *s;

	if (m == NULL || st == NULL)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&m->lock);
	if (vf_id == 0) {
		s = &m->pf_stats;
		st->dma_faults = m->dma_faults;
		st->notifies = m->notifies;
		st->resets = m->resets;
		st->protocol_errors = m->protocol_errors;
		st->cmds_dropped = m->cmds_dropped;
	} else {
		struct model_vf *vf = model_vf_get(m, vf_id);

		if (vf == NULL) {
			pthread_mutex_unlock(&m->lock);
			return vpf_error(-EINVAL, "model %s: no VF %u",
					 m->name, vf_id);
		}
		s = &vf->stats;
	}
	memcpy(st->cmds, s->cmds, sizeof(st->cmds));
	st->errors = s->errors;
	st->activations = s->activations;
	st->fields_applied_diff = s->fields_applied_diff;
	st->ring_reads = s->ring_reads;
	st->dma_writes = s->dma_writes;
	st->notifies_latched = s->notifies_latched;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

/* ---------------------------------------------------------------------
 * Fault injection API
 * ------------------------------------------------------------------ */

static const char *const fault_names[VPF_MODEL_FAULT_MAX] = {
	[VPF_MODEL_FAULT_NONE] = "none",
	[VPF_MODEL_FAULT_HANG] = "hang",
	[VPF_MODEL_FAULT_DELAY] = "delay",
	[VPF_MODEL_FAULT_EAGAIN] = "eagain",
	[VPF_MODEL_FAULT_EINVAL] = "einval",
	[VPF_MODEL_FAULT_FLR] = "flr",
	[VPF_MODEL_FAULT_RESET] = "reset",
	[VPF_MODEL_FAULT_DMA] = "dma",
	[VPF_MODEL_FAULT_BAD_ID] = "bad-id",
	[VPF_MODEL_FAULT_BAD_LEN] = "bad-len",
	[VPF_MODEL_FAULT_DUP] = "dup",
};

int
vpf_model_fault_parse(const char *name, enum vpf_model_fault_kind *kind)
{
	int i;

	if (name == NULL || kind == NULL)
		return -EINVAL;
	for (i = 0; i < VPF_MODEL_FAULT_MAX; i++) {
		if (strcmp(name, fault_names[i]) == 0) {
			*kind = (enum vpf_model_fault_kind)i;
			return 0;
		}
	}
	return vpf_error(-EINVAL, "unknown fault '%s' (hang delay eagain "
			 "einval flr reset dma bad-id bad-len dup)", name);
}

const char *
vpf_model_fault_name(enum vpf_model_fault_kind kind)
{
	if ((int)kind < 0 || kind >= VPF_MODEL_FAULT_MAX)
		return "unknown";
	return fault_names[kind];
}

int
vpf_model_fault_inject(struct vpf_model *m, uint16_t vf_id,
		       enum vpf_model_fault_kind kind, uint32_t count,
		       uint32_t param)
{
	struct model_fault *f;

	if (m == NULL || (int)kind < 0 || kind >= VPF_MODEL_FAULT_MAX)
		return vpf_error(-EINVAL, "model fault: bad arguments");
	pthread_mutex_lock(&m->lock);
	if (vf_id == 0) {
		f = &m->pf_fault;
	} else {
		struct model_vf *vf = model_vf_get(m, vf_id);

		if (vf == NULL) {
			pthread_mutex_unlock(&m->lock);
			return vpf_error(-EINVAL, "model %s: no VF %u",
					 m->name, vf_id);
		}
		f = &vf->fault;
	}
	f->kind = kind;
	f->count = kind == VPF_MODEL_FAULT_NONE ? 0 : (count ? count : 1);
	f->until_ns = 0;
	f->param = param;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int
vpf_model_fault_inject_for(struct vpf_model *m, uint16_t vf_id,
			   enum vpf_model_fault_kind kind, uint32_t ms,
			   uint32_t param)
{
	int rc = vpf_model_fault_inject(m, vf_id, kind, 1, param);
	struct model_fault *f;

	if (rc != 0 || kind == VPF_MODEL_FAULT_NONE)
		return rc;
	pthread_mutex_lock(&m->lock);
	f = vf_id == 0 ? &m->pf_fault : &model_vf_get(m, vf_id)->fault;
	f->until_ns = model_now_ns() + 1000000ull * (ms ? ms : 1);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

void
vpf_model_fault_clear(struct vpf_model *m)
{
	uint16_t i;

	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	memset(&m->pf_fault, 0, sizeof(m->pf_fault));
	for (i = 0; i < m->total_vfs; i++) {
		memset(&m->vf[i].fault, 0, sizeof(m->vf[i].fault));
		m->vf[i].busy_until = 0;
	}
	pthread_mutex_unlock(&m->lock);
}
