/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The simulated guest of each VF: a reproducible workload (per-VF
 * splitmix64 PRNG) that advances only when vpf_model_guest_step() is
 * called, and what the device does for it in each mode (doc/model.md
 * "The VFs"; doc/protocol.md §4.2).
 */

#include <errno.h>
#include <stdbool.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "common/vpf_le.h"
#include "model_internal.h"

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
		uint32_t d = (uint32_t)(model_rng_next(&vf->rng) % q->size), t;

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
		/* 1.4: each buffer of the control queue is a command the
		 * device executes as it takes it (doc/model.md). */
		if (vf->v14 != NULL && q == &vf->st.vq[m->nvq - 1])
			model_v14_cvq_exec(m, vf);
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
	uint64_t pages = m->p.guest_mem_size / MODEL_GUEST_PAGE;

	if (!q->enabled || q->size == 0 || q->size > m->p.vq_size ||
	    q->own_count == 0)
		return;
	for (k = 0; k < n && q->own_count > 0; k++) {
		uint32_t d = (uint32_t)(model_rng_next(&vf->rng) % q->size), t;

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
			guest_dma_write(m, vf,
					(model_rng_next(&vf->rng) % pages) *
					MODEL_GUEST_PAGE);
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
	uint64_t r = model_rng_next(&vf->rng);

	vf->st_gen++;
	uint32_t kind = (uint32_t)(r % 100);
	uint16_t qi = (uint16_t)((r >> 8) % m->nvq);
	struct model_vf_vq *q = &vf->st.vq[qi];
	bool active = vf->mode == VPF_DEV_MODE_ACTIVE;

	r >>= 24;
	/* 1.4: the guest changes the net device's state only through
	 * control-queue commands: one buffer made available on the control
	 * queue, where the draft's device changed its config. */
	if (vf->v14 != NULL && kind >= 85 && kind < 93) {
		kind = 0;
		qi = (uint16_t)(m->nvq - 1);
		q = &vf->st.vq[qi];
		r = 0;
	}
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
						     MODEL_GUEST_PAGE)) *
					MODEL_GUEST_PAGE);
	} else if (kind < 93) {
		/* Device config change: link flap or MTU. It raises a config
		 * notification, and in Stop the device sends none
		 * (doc/protocol.md §4.2): only in Active. */
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
		vpf_le16_store(vf->st.common + VPF_COMMON_Q_SELECT, qi);
	}
out:
	model_vf_common_refresh(m, vf);
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
	model_vf_common_refresh(m, vf);
}

int
vpf_model_guest_step(struct vpf_model *m, uint16_t vf_id, uint32_t ops)
{
	struct model_vf *vf;
	uint32_t i;

	if (m == NULL)
		return -EINVAL;
	if (model_lock_vf(m, vf_id, &vf) != 0)
		return -EINVAL;
	if (vf->mode == VPF_DEV_MODE_ACTIVE)
		guest_unlatch(m, vf);
	/* In Freeze nothing changes (doc/protocol.md §4.2). */
	if (vf->mode != VPF_DEV_MODE_FREEZE)
		for (i = 0; i < ops; i++)
			guest_op(m, vf);
	pthread_mutex_unlock(&m->lock);
	return 0;
}
