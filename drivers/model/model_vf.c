/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The VFs: their migratable state (seeded from the model's seed and the
 * VF number), the common cfg register image that follows the selected
 * queue, set-up and tear-down, and the per-VF query API (mode, counters).
 * What changes the state lives beside it: model_guest.c (the simulated
 * guest), model_ctx.c (contexts), model_wr.c (write recording).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "common/vpf_le.h"
#include "common/vpf_mem.h"
#include "model_internal.h"

struct model_vf *
model_vf_get(struct vpf_model *m, uint64_t id)
{
	if (id == 0 || id > m->total_vfs)
		return NULL;
	return &m->vf[id - 1];
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

/* The selected queue's registers in the common cfg image follow that
 * queue's state (the image is what the VF's driver would read). */
void
model_vf_common_refresh(struct vpf_model *m, struct model_vf *vf)
{
	uint8_t *c = vf->st.common;
	uint16_t sel = vpf_le16_load(c + VPF_COMMON_Q_SELECT);
	struct model_vf_vq *q;

	if (sel >= m->nvq)
		return;
	q = &vf->st.vq[sel];
	vpf_le16_store(c + VPF_COMMON_Q_SIZE, q->size);
	vpf_le16_store(c + VPF_COMMON_Q_MSIX, q->msix);
	vpf_le16_store(c + VPF_COMMON_Q_ENABLE, q->enabled);
	vpf_le16_store(c + VPF_COMMON_Q_NOFF, sel);
	vpf_le64_store(c + VPF_COMMON_Q_DESC, q->desc);
	vpf_le64_store(c + VPF_COMMON_Q_DRIVER, q->driver);
	vpf_le64_store(c + VPF_COMMON_Q_DEVICE, q->device);
}

static void
vf_state_init(struct vpf_model *m, struct model_vf *vf)
{
	uint8_t *c = vf->st.common;
	uint64_t gpa = 0x100000;
	uint16_t i;

	vf->st_gen++;

	vf->rng = m->p.seed ^ (UINT64_C(0x51ed270b27a3c5e1) * vf->id);
	(void)model_rng_next(&vf->rng);
	vf->st.features = MODEL_VF_FEATURES;
	/* Some variety between VFs: odd seeds/VFs did not take CSUM. */
	if (model_rng_next(&vf->rng) & 1)
		vf->st.features &= ~VPF_FEATURE(0);

	memset(c, 0, VPF_COMMON_CFG_LEN);
	vpf_le32_store(c + VPF_COMMON_DFSELECT, 1);
	vpf_le32_store(c + VPF_COMMON_DF, (uint32_t)(MODEL_VF_FEATURES >> 32));
	vpf_le32_store(c + VPF_COMMON_GFSELECT, 1);
	vpf_le32_store(c + VPF_COMMON_GF, (uint32_t)(vf->st.features >> 32));
	vpf_le16_store(c + VPF_COMMON_MSIX, 0);
	vpf_le16_store(c + VPF_COMMON_NUMQ, m->nvq);
	c[VPF_COMMON_STATUS] = VPF_STATUS_ACKNOWLEDGE | VPF_STATUS_DRIVER |
		VPF_STATUS_FEATURES_OK | VPF_STATUS_DRIVER_OK;
	vpf_le16_store(c + VPF_COMMON_Q_SELECT, (uint16_t)(m->nvq - 1));

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
		q->avail_idx = (uint16_t)model_rng_next(&vf->rng);
		q->used_idx = q->avail_idx;
		q->latched = 0;
		q->own_count = 0;
		memset(q->own, 0, model_own_words(m) * 8);
		/* A virtio-net driver fills its receive queues: the device
		 * owns most of every RX ring from the start, which is what
		 * makes large VFs' contexts hundreds of KiB. */
		if ((i & 1) == 0 && i != m->nvq - 1) {
			uint32_t n = size -
				(uint32_t)(model_rng_next(&vf->rng) %
					   (size / 8u + 1u));
			uint32_t d;

			for (d = 0; d < n; d++)
				q->own[d / 64] |= 1ull << (d % 64);
			q->own_count = (uint16_t)n;
			q->avail_idx = (uint16_t)(q->avail_idx + n);
		}
	}
	model_vf_common_refresh(m, vf);

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
	uint64_t pages = m->p.guest_mem_size / MODEL_GUEST_PAGE;
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
	/* (8 entries of slack: model_ctx.c own_extract() stores 8 at a
	 * time) */
	m->scr_idx = calloc((size_t)m->p.vq_size + 8, sizeof(uint16_t));
	m->scr_qsize = calloc(m->nvq, sizeof(uint16_t));
	m->scr_own = calloc((size_t)m->nvq * model_own_words(m), 8);
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
		vf->pend_own = calloc((size_t)m->nvq * model_own_words(m), 8);
		vf->pend_hasown = calloc(m->nvq, 1);
		if (vf->st.vq == NULL || vf->rec == NULL || vf->truth == NULL ||
		    vf->pend_own == NULL || vf->pend_hasown == NULL)
			return -ENOMEM;
		vf->truth_bits = pages;
		for (j = 0; j < m->nvq; j++) {
			vf->st.vq[j].own = calloc(model_own_words(m), 8);
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
	VPF_FREE(m->vf);
	free(m->scr_idx);
	free(m->scr_qsize);
	free(m->scr_own);
	VPF_FREE(m->scr_hasown);
	VPF_FREE(m->scr_it[0]);
	VPF_FREE(m->scr_it[1]);
}

/* The public API's way to a VF: lock the model and find VF @p vf_id. On
 * success the caller holds the lock; on failure it is released and the
 * error sentence is set. */
int
model_lock_vf(struct vpf_model *m, uint16_t vf_id, struct model_vf **vf)
{
	pthread_mutex_lock(&m->lock);
	*vf = model_vf_get(m, vf_id);
	if (*vf != NULL)
		return 0;
	pthread_mutex_unlock(&m->lock);
	return vpf_error(-EINVAL, "model %s: no VF %u", m->name, vf_id);
}

int
vpf_model_vf_mode(struct vpf_model *m, uint16_t vf_id, uint8_t *mode)
{
	struct model_vf *vf;
	int rc;

	if (m == NULL || mode == NULL)
		return -EINVAL;
	rc = model_lock_vf(m, vf_id, &vf);
	if (rc != 0)
		return rc;
	*mode = vf->mode;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int
vpf_model_stats_get(struct vpf_model *m, uint16_t vf_id,
		    struct vpf_model_stats *st)
{
	const struct model_stats_i *s;
	struct model_vf *vf;

	if (m == NULL || st == NULL)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	if (vf_id == 0) {
		pthread_mutex_lock(&m->lock);
		s = &m->pf_stats;
		st->dma_faults = m->dma_faults;
		st->notifies = m->notifies;
		st->resets = m->resets;
		st->protocol_errors = m->protocol_errors;
		st->cmds_dropped = m->cmds_dropped;
	} else {
		if (model_lock_vf(m, vf_id, &vf) != 0)
			return -EINVAL;
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
