/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The 1.4 dialect's VF state (doc/model.md "The 1.4 dialect",
 * doc/protocol.md §10.7): the device parts a VF's state maps to (built and
 * checked with lib/parts), the net control-queue state, what a stop and a
 * resume do, the digest, and the guest-side ring state a hypervisor moves
 * as RAM. Everything is called with vpf_model::lock held, except the
 * public functions, which take it.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "common/vpf_le.h"
#include "model_internal.h"
#include "vpf_parts.h"

/* Common-cfg fields the model keeps as PCI_COMMON_CFG parts: the
 * device-wide ones (the selected queue's registers travel in VQ_CFG and
 * VQ_NOTIFY_CFG; the status in DEVICE_STATUS), D-MOD14.6. */
static const uint32_t v14_common_fields[] = {
	VPF_COMMON_DFSELECT, VPF_COMMON_DF, VPF_COMMON_GFSELECT,
	VPF_COMMON_GF, VPF_COMMON_MSIX, VPF_COMMON_NUMQ,
	VPF_COMMON_CFGGENERATION, VPF_COMMON_Q_SELECT,
};
#define V14_NCOMMON	RTE_DIM(v14_common_fields)

/* Largest parts set of one VF: every VLAN set. */
static size_t
v14_parts_max(const struct vpf_model *m)
{
	size_t n = 2 * (VPF_PARTS_HDR_SIZE + 8) +
		V14_NCOMMON * (VPF_PARTS_HDR_SIZE + 8) +
		VPF_PARTS_HDR_SIZE + 1;

	n += (size_t)m->nvq * (2 * VPF_PARTS_HDR_SIZE +
			       VPF_PARTS_VQ_CFG_SIZE +
			       VPF_PARTS_VQ_NOTIFY_CFG_SIZE);
	n += MODEL_NET_CTRL_RX_NMODES * (VPF_PARTS_HDR_SIZE + 1) +
		(VPF_PARTS_HDR_SIZE + 6) + 4096 * (VPF_PARTS_HDR_SIZE + 2) +
		(VPF_PARTS_HDR_SIZE + 2);
	return n;
}

static void
net_default(struct model_vf *vf, struct model_net14 *n)
{
	memset(n, 0, sizeof(*n));
	memcpy(n->mac, vf->st.netcfg.mac, sizeof(n->mac));
	n->mq_pairs = 1;
}

int
model_v14_init(struct vpf_model *m)
{
	struct model_v14 *v;
	uint16_t i;

	if (!model_v14_on(&m->p))
		return 0;
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	m->v14 = v;
	v->dev_get = m->p.parts_get_limit;
	v->dev_set = m->p.parts_set_limit;
	v->nobj = (uint32_t)v->dev_get + v->dev_set;
	v->obj = calloc(v->nobj, sizeof(*v->obj));
	v->scr.q = calloc(m->nvq, sizeof(*v->scr.q));
	v->buf_cap = v14_parts_max(m);
	v->buf = malloc(v->buf_cap);
	/* A LIST result: 8 bytes and a header per part, never more than
	 * the set; a SELECTED result: at most the set. */
	v->buf2_cap = v->buf_cap + 8;
	v->buf2 = malloc(v->buf2_cap);
	if (v->obj == NULL || v->scr.q == NULL || v->buf == NULL ||
	    v->buf2 == NULL)
		return -ENOMEM;
	for (i = 0; i < m->total_vfs; i++) {
		struct model_vf *vf = &m->vf[i];

		vf->v14 = calloc(1, sizeof(*vf->v14));
		if (vf->v14 == NULL)
			return -ENOMEM;
		vf->v14->pend.q = calloc(m->nvq, sizeof(*vf->v14->pend.q));
		if (vf->v14->pend.q == NULL)
			return -ENOMEM;
		net_default(vf, &vf->v14->net);
	}
	return 0;
}

void
model_v14_fini(struct vpf_model *m)
{
	uint16_t i;

	if (m->vf != NULL)
		for (i = 0; i < m->total_vfs; i++) {
			if (m->vf[i].v14 != NULL)
				free(m->vf[i].v14->pend.q);
			free(m->vf[i].v14);
			m->vf[i].v14 = NULL;
		}
	if (m->v14 == NULL)
		return;
	free(m->v14->obj);
	free(m->v14->scr.q);
	free(m->v14->buf);
	free(m->v14->buf2);
	free(m->v14);
	m->v14 = NULL;
}

void
model_v14_reset(struct vpf_model *m)
{
	struct model_v14 *v = m->v14;

	if (v == NULL)
		return;
	/* A device reset destroys every object and clears the driver's
	 * limits (doc/protocol.md §10.7); VF states survive (D-4.2). */
	memset(v->obj, 0, v->nobj * sizeof(*v->obj));
	v->drv_get = 0;
	v->drv_set = 0;
	v->self_enabled = 0;
}

/* ---------------------------------------------------------------------
 * State <-> VF
 * ------------------------------------------------------------------ */

static uint32_t
word32(uint64_t features, uint32_t sel)
{
	if (sel == 0)
		return (uint32_t)features;
	if (sel == 1)
		return (uint32_t)(features >> 32);
	return 0;
}

/* Re-derive the image's derived registers: the feature windows and the
 * selected queue's registers. */
static void
state_refresh(struct vpf_model *m, struct model_v14_state *s)
{
	uint8_t *c = s->common;
	uint16_t sel = vpf_le16_load(c + VPF_COMMON_Q_SELECT);

	vpf_le32_store(c + VPF_COMMON_DF,
		       word32(MODEL_VF_FEATURES,
			      vpf_le32_load(c + VPF_COMMON_DFSELECT)));
	vpf_le32_store(c + VPF_COMMON_GF,
		       word32(s->features,
			      vpf_le32_load(c + VPF_COMMON_GFSELECT)));
	if (sel < m->nvq) {
		const struct model_v14_q *q = &s->q[sel];

		vpf_le16_store(c + VPF_COMMON_Q_SIZE, q->size);
		vpf_le16_store(c + VPF_COMMON_Q_MSIX, q->msix);
		vpf_le16_store(c + VPF_COMMON_Q_ENABLE, q->enabled);
		vpf_le16_store(c + VPF_COMMON_Q_NOFF, sel);
		vpf_le64_store(c + VPF_COMMON_Q_DESC, q->desc);
		vpf_le64_store(c + VPF_COMMON_Q_DRIVER, q->driver);
		vpf_le64_store(c + VPF_COMMON_Q_DEVICE, q->device);
	}
}

void
model_v14_state_get(struct vpf_model *m, struct model_vf *vf,
		    struct model_v14_state *s)
{
	uint16_t i;

	s->features = vf->st.features;
	memcpy(s->common, vf->st.common, sizeof(s->common));
	for (i = 0; i < m->nvq; i++) {
		const struct model_vf_vq *q = &vf->st.vq[i];

		s->q[i].size = q->size;
		s->q[i].msix = q->msix;
		s->q[i].enabled = q->enabled;
		s->q[i].desc = q->desc;
		s->q[i].driver = q->driver;
		s->q[i].device = q->device;
	}
	s->net = vf->v14->net;
}

void
model_v14_state_copy(struct vpf_model *m, struct model_v14_state *dst,
		     const struct model_v14_state *src)
{
	struct model_v14_q *q = dst->q;

	dst->features = src->features;
	memcpy(dst->common, src->common, sizeof(dst->common));
	memcpy(q, src->q, (size_t)m->nvq * sizeof(*q));
	dst->net = src->net;
}

void
model_v14_state_put(struct vpf_model *m, struct model_vf *vf,
		    const struct model_v14_state *s)
{
	uint16_t i;

	vf->st_gen++;
	vf->st.features = s->features;
	memcpy(vf->st.common, s->common, sizeof(vf->st.common));
	for (i = 0; i < m->nvq; i++) {
		struct model_vf_vq *q = &vf->st.vq[i];

		q->size = s->q[i].size;
		q->msix = s->q[i].msix;
		q->enabled = (uint8_t)s->q[i].enabled;
		q->desc = s->q[i].desc;
		q->driver = s->q[i].driver;
		q->device = s->q[i].device;
		/* Buffers outstanding never exceed a ring (import checked
		 * them against this size; bounded anyway). */
		if (q->latched > q->size)
			q->latched = q->size;
	}
	vf->v14->net = s->net;
	model_vf_common_refresh(m, vf);
}

/* ---------------------------------------------------------------------
 * Parts
 * ------------------------------------------------------------------ */

static uint64_t
common_value(const uint8_t *c, uint32_t off, uint32_t size)
{
	switch (size) {
	case 1: return c[off];
	case 2: return vpf_le16_load(c + off);
	case 4: return vpf_le32_load(c + off);
	default: return vpf_le64_load(c + off);
	}
}

size_t
model_v14_parts_build(struct vpf_model *m, const struct model_v14_state *s)
{
	struct vpf_parts_builder b;
	uint64_t w;
	uint32_t i;
	int rc = 0;

	(void)vpf_parts_builder_init(&b, m->v14->buf, m->v14->buf_cap);
	/* In the order of doc/protocol.md §10.3. The buffer holds the
	 * largest set (v14_parts_max), so no add can fail. */
	w = MODEL_VF_FEATURES;
	rc |= vpf_parts_add_dev_features(&b, &w, 1);
	w = s->features;
	rc |= vpf_parts_add_drv_features(&b, &w, 1);
	for (i = 0; i < V14_NCOMMON; i++) {
		uint32_t off = v14_common_fields[i];

		rc |= vpf_parts_add_common(&b, off, common_value(s->common,
			off, vpf_parts_common_field_size(off)));
	}
	rc |= vpf_parts_add_status(&b, s->common[VPF_COMMON_STATUS]);
	for (i = 0; i < m->nvq; i++) {
		struct vpf_parts_vq_cfg q = {
			.vq_index = (uint16_t)i, .queue_size = s->q[i].size,
			.vector = s->q[i].msix, .enabled = s->q[i].enabled,
			.desc = s->q[i].desc, .driver = s->q[i].driver,
			.device = s->q[i].device,
		};

		rc |= vpf_parts_add_vq_cfg(&b, &q);
	}
	for (i = 0; i < m->nvq; i++) {
		/* Device-owned in the model: the queue's index (D-MOD14.6). */
		struct vpf_parts_vq_notify n = {
			.vq_index = (uint16_t)i, .queue_notify_off = (uint16_t)i,
			.queue_notif_config_data = (uint16_t)i,
		};

		rc |= vpf_parts_add_vq_notify(&b, &n);
	}
	for (i = 0; i < MODEL_NET_CTRL_RX_NMODES; i++)
		rc |= vpf_parts_add_cvq(&b, MODEL_NET_CTRL_RX, (uint8_t)i,
					&s->net.rx[i], 1);
	rc |= vpf_parts_add_cvq(&b, MODEL_NET_CTRL_MAC,
				MODEL_NET_CTRL_MAC_ADDR_SET, s->net.mac, 6);
	for (i = 0; i < 4096; i++) {
		uint8_t vid[2];

		if (s->net.vlan[i / 64] == 0) {
			i |= 63;
			continue;
		}
		if (!(s->net.vlan[i / 64] & (1ull << (i % 64))))
			continue;
		vpf_le16_store(vid, (uint16_t)i);
		rc |= vpf_parts_add_cvq(&b, MODEL_NET_CTRL_VLAN,
					MODEL_NET_CTRL_VLAN_ADD, vid, 2);
	}
	{
		uint8_t pairs[2];

		vpf_le16_store(pairs, s->net.mq_pairs);
		rc |= vpf_parts_add_cvq(&b, MODEL_NET_CTRL_MQ,
					MODEL_NET_CTRL_MQ_VQ_PAIRS_SET, pairs, 2);
	}
	if (rc != 0)
		MODEL_LOG(ERR, m, "parts buffer too small (model bug)");
	return vpf_parts_builder_len(&b);
}

/* One control-queue part onto @p n. 0, or -EINVAL. */
static int
apply_cvq(struct vpf_model *m, const struct vpf_parts_part *p,
	  struct model_net14 *n)
{
	struct vpf_parts_cvq q;
	uint16_t v;

	if (vpf_parts_decode_cvq(p, &q) != 0)
		return -EINVAL;
	if (q.cls == MODEL_NET_CTRL_RX && q.command < MODEL_NET_CTRL_RX_NMODES) {
		if (q.len != 1 || q.data[0] > 1)
			return -EINVAL;
		n->rx[q.command] = q.data[0];
		return 0;
	}
	if (q.cls == MODEL_NET_CTRL_MAC &&
	    q.command == MODEL_NET_CTRL_MAC_ADDR_SET) {
		/* A unicast address. */
		if (q.len != 6 || (q.data[0] & 1))
			return -EINVAL;
		memcpy(n->mac, q.data, 6);
		return 0;
	}
	if (q.cls == MODEL_NET_CTRL_VLAN &&
	    q.command == MODEL_NET_CTRL_VLAN_ADD) {
		if (q.len != 2)
			return -EINVAL;
		v = vpf_le16_load(q.data);
		if (v >= 4096)
			return -EINVAL;
		n->vlan[v / 64] |= 1ull << (v % 64);
		return 0;
	}
	if (q.cls == MODEL_NET_CTRL_MQ &&
	    q.command == MODEL_NET_CTRL_MQ_VQ_PAIRS_SET) {
		if (q.len != 2)
			return -EINVAL;
		v = vpf_le16_load(q.data);
		if (v == 0 || v > m->p.num_qp)
			return -EINVAL;
		n->mq_pairs = v;
		return 0;
	}
	/* A command that is no state (VLAN_DEL) or that the model does not
	 * keep: ignored when OPTIONAL, else refused (D-MOD14.7). */
	return vpf_parts_part_optional(p) ? 0 : -EINVAL;
}

static int
apply_vq_cfg(struct vpf_model *m, const struct vpf_parts_part *p,
	     struct model_v14_state *s)
{
	struct vpf_parts_vq_cfg q;

	if (vpf_parts_decode_vq_cfg(p, &q) != 0 || q.vq_index >= m->nvq)
		return -EINVAL;
	if (q.queue_size > m->p.vq_size || q.enabled > 1 ||
	    (q.queue_size != 0 && !model_is_pow2(q.queue_size)) ||
	    (q.enabled && q.queue_size == 0) ||
	    (q.vector >= MODEL_MSIX_VECTORS && q.vector != 0xffff) ||
	    (q.enabled && !model_ring_fits(q.desc, q.driver, q.device,
					   q.queue_size)))
		return -EINVAL;
	s->q[q.vq_index].size = q.queue_size;
	s->q[q.vq_index].msix = q.vector;
	s->q[q.vq_index].enabled = q.enabled;
	s->q[q.vq_index].desc = q.desc;
	s->q[q.vq_index].driver = q.driver;
	s->q[q.vq_index].device = q.device;
	return 0;
}

/* Pass 1: apply what the guest driver writes; leave the device-owned
 * common fields for pass 2. */
static int
apply_part(struct vpf_model *m, const struct vpf_parts_part *p,
	   struct model_v14_state *s, bool *net_started)
{
	struct vpf_parts_features f;
	struct vpf_parts_common cc;
	struct vpf_parts_vq_notify vn;
	uint32_t i;

	/* An unknown part reached here only because it is OPTIONAL. */
	if (p->flags & VPF_PARTS_PF_UNKNOWN)
		return 0;
	switch (p->type) {
	case VPF_PARTS_DEV_FEATURES:
		/* Checked, never set (OPTIONAL or not). */
		if (vpf_parts_decode_features(p, &f) != 0 ||
		    vpf_parts_features_word(&f, 0) != MODEL_VF_FEATURES)
			return -EINVAL;
		for (i = 1; i < f.nwords; i++)
			if (vpf_parts_features_word(&f, i) != 0)
				return -EINVAL;
		return 0;
	case VPF_PARTS_DRV_FEATURES:
		if (vpf_parts_decode_features(p, &f) != 0 ||
		    (vpf_parts_features_word(&f, 0) & ~MODEL_VF_FEATURES))
			return -EINVAL;
		for (i = 1; i < f.nwords; i++)
			if (vpf_parts_features_word(&f, i) != 0)
				return -EINVAL;
		s->features = vpf_parts_features_word(&f, 0);
		return 0;
	case VPF_PARTS_PCI_COMMON_CFG:
		if (vpf_parts_decode_common(p, &cc) != 0)
			return -EINVAL;
		switch (cc.offset) {
		case VPF_COMMON_DFSELECT:
		case VPF_COMMON_GFSELECT:
			vpf_le32_store(s->common + cc.offset, (uint32_t)cc.value);
			return 0;
		case VPF_COMMON_MSIX:
			if (cc.value >= MODEL_MSIX_VECTORS && cc.value != 0xffff)
				return -EINVAL;
			vpf_le16_store(s->common + cc.offset, (uint16_t)cc.value);
			return 0;
		case VPF_COMMON_Q_SELECT:
			if (cc.value >= m->nvq)
				return -EINVAL;
			vpf_le16_store(s->common + cc.offset, (uint16_t)cc.value);
			return 0;
		case VPF_COMMON_STATUS:
			s->common[VPF_COMMON_STATUS] = (uint8_t)cc.value;
			return 0;
		default:
			return 0;	/* verified in pass 2 */
		}
	case VPF_PARTS_DEVICE_STATUS:
		return vpf_parts_decode_status(p, &s->common[VPF_COMMON_STATUS]) ?
			-EINVAL : 0;
	case VPF_PARTS_VQ_CFG:
		return apply_vq_cfg(m, p, s);
	case VPF_PARTS_VQ_NOTIFY_CFG:
		if (vpf_parts_decode_vq_notify(p, &vn) != 0 ||
		    vn.vq_index >= m->nvq || vn.queue_notify_off != vn.vq_index ||
		    vn.queue_notif_config_data != vn.vq_index)
			return -EINVAL;
		return 0;
	case VPF_PARTS_NET_CVQ_CFG:
		/* The set's control-queue parts replay onto the reset net
		 * state, as a driver replays its commands (D-MOD14.7). */
		if (!*net_started) {
			uint8_t mac[6];

			memcpy(mac, s->net.mac, sizeof(mac));
			memset(&s->net, 0, sizeof(s->net));
			memcpy(s->net.mac, mac, sizeof(mac));
			s->net.mq_pairs = 1;
			*net_started = true;
		}
		return apply_cvq(m, p, &s->net);
	default:
		return vpf_parts_part_optional(p) ? 0 : -EINVAL;
	}
}

int
model_v14_parts_apply(struct vpf_model *m, struct model_v14_state *s,
		      const uint8_t *parts, size_t len)
{
	struct vpf_parts_iter it;
	struct vpf_parts_part p;
	bool net_started = false;
	int rc;

	/* Exact lengths; unknown parts only when OPTIONAL (the caller
	 * checked the whole set with vpf_parts_set_data_check first). */
	if (vpf_parts_iter_init(&it, parts, len, 0) != 0)
		return -EINVAL;
	while ((rc = vpf_parts_iter_next(&it, &p)) == 1)
		if (apply_part(m, &p, s, &net_started) != 0)
			return -EINVAL;
	if (rc != 0)
		return -EINVAL;
	/* Pass 2: the device-owned common fields must match the state the
	 * set leads to. */
	state_refresh(m, s);
	vpf_le16_store(s->common + VPF_COMMON_NUMQ, m->nvq);
	(void)vpf_parts_iter_init(&it, parts, len, 0);
	while (vpf_parts_iter_next(&it, &p) == 1) {
		struct vpf_parts_common cc;

		if (p.type != VPF_PARTS_PCI_COMMON_CFG ||
		    (p.flags & VPF_PARTS_PF_UNKNOWN))
			continue;
		if (vpf_parts_decode_common(&p, &cc) != 0 ||
		    common_value(s->common, cc.offset, cc.size) != cc.value)
			return -EINVAL;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Modes
 * ------------------------------------------------------------------ */

void
model_v14_stop(struct vpf_model *m, struct model_vf *vf)
{
	uint16_t i;

	/* Write back every buffer the device has taken: a receive buffer
	 * completes with length 0, the rest as used (D-MOD14.8). After this
	 * no descriptor is in flight. */
	for (i = 0; i < m->nvq; i++) {
		struct model_vf_vq *q = &vf->st.vq[i];

		if (q->own_count == 0)
			continue;
		vf->st_gen++;
		q->used_idx = (uint16_t)(q->used_idx + q->own_count);
		memset(q->own, 0, model_own_words(m) * 8);
		q->own_count = 0;
		vf->stats.dma_writes++;
		m->pf_stats.dma_writes++;
		model_vf_page_write(vf, q->device);
	}
	vf->mode = VPF_DEV_MODE_STOP;
}

void
model_v14_resume(struct vpf_model *m, struct model_vf *vf)
{
	if (vf->v14->pend_on) {
		model_v14_state_put(m, vf, &vf->v14->pend);
		vf->v14->pend_on = false;
		vf->stats.activations++;
		m->pf_stats.activations++;
	}
	vf->mode = VPF_DEV_MODE_ACTIVE;
}

void
model_v14_cvq_exec(struct vpf_model *m, struct model_vf *vf)
{
	struct model_net14 *n = &vf->v14->net;
	uint64_t r = model_rng_next(&vf->rng);
	uint16_t v = (uint16_t)((r >> 8) % 4096);

	switch (r % 4) {
	case 0:
		n->rx[(r >> 8) % MODEL_NET_CTRL_RX_NMODES] =
			(uint8_t)((r >> 16) & 1);
		break;
	case 1:
		/* A locally administered unicast address. */
		n->mac[0] = 0x02;
		n->mac[1] = (uint8_t)(r >> 8);
		n->mac[2] = (uint8_t)(r >> 16);
		n->mac[3] = (uint8_t)(r >> 24);
		n->mac[4] = (uint8_t)(r >> 32);
		n->mac[5] = (uint8_t)(r >> 40);
		break;
	case 2:
		if ((r >> 20) % 4 == 0)
			n->vlan[v / 64] &= ~(1ull << (v % 64));
		else
			n->vlan[v / 64] |= 1ull << (v % 64);
		break;
	default:
		n->mq_pairs = (uint16_t)(1 + (r >> 8) % m->p.num_qp);
		break;
	}
}

/* ---------------------------------------------------------------------
 * Public: digest and guest ring state
 * ------------------------------------------------------------------ */

int
model_v14_digest(struct vpf_model *m, struct model_vf *vf, uint8_t digest[32])
{
	size_t len;

	model_v14_state_get(m, vf, &m->v14->scr);
	len = model_v14_parts_build(m, &m->v14->scr);
	model_sha256(m->v14->buf, len, digest);
	return 0;
}

int
vpf_model_vf_parts(struct vpf_model *m, uint16_t vf_id, void *buf, size_t cap,
		   size_t *len)
{
	struct model_vf *vf;
	size_t n;

	if (m == NULL || len == NULL || (buf == NULL && cap > 0))
		return vpf_error(-EINVAL, "model parts: bad arguments");
	if (!model_v14_on(&m->p))
		return vpf_error(-ENOTSUP, "model parts: the draft dialect "
				 "has contexts (vpf_model_vf_ctx)");
	if (model_lock_vf(m, vf_id, &vf) != 0)
		return -EINVAL;
	model_v14_state_get(m, vf, &m->v14->scr);
	n = model_v14_parts_build(m, &m->v14->scr);
	*len = n;
	if (n > cap) {
		pthread_mutex_unlock(&m->lock);
		return vpf_error(-ENOSPC, "model parts: %zu bytes needed", n);
	}
	memcpy(buf, m->v14->buf, n);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static const uint8_t ring_magic[8] = { 'V', 'P', 'F', 'G', 'R', 'I', 'N', 'G' };

int
vpf_model_guest_ring_export(struct vpf_model *m, uint16_t vf_id, void *buf,
			    size_t cap, size_t *len)
{
	struct model_vf *vf;
	uint8_t *b = buf;
	size_t need;
	uint16_t i;

	if (m == NULL || len == NULL || (buf == NULL && cap > 0))
		return vpf_error(-EINVAL, "guest ring export: bad arguments");
	if (!model_v14_on(&m->p))
		return vpf_error(-ENOTSUP, "guest ring export: the draft "
				 "dialect carries ring state in its context");
	need = VPF_MODEL_GUEST_RING_SIZE(m->nvq);
	*len = need;
	if (cap < need)
		return vpf_error(-ENOSPC, "guest ring export: %zu bytes "
				 "needed", need);
	if (model_lock_vf(m, vf_id, &vf) != 0)
		return -EINVAL;
	memset(b, 0, need);
	memcpy(b, ring_magic, 8);
	vpf_le16_store(b + 8, VPF_MODEL_GUEST_RING_VERSION);
	vpf_le16_store(b + 10, m->nvq);
	for (i = 0; i < m->nvq; i++) {
		const struct model_vf_vq *q = &vf->st.vq[i];
		uint8_t *e = b + 16 + 8 * (size_t)i;

		/* The driver's avail index: what the device took, and what
		 * was made available while it took nothing. */
		vpf_le16_store(e, (uint16_t)(q->avail_idx + q->latched));
		vpf_le16_store(e + 2, q->used_idx);
		vpf_le16_store(e + 4, q->size);
	}
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int
vpf_model_guest_ring_import(struct vpf_model *m, uint16_t vf_id,
			    const void *buf, size_t len)
{
	const uint8_t *b = buf;
	struct model_vf *vf;
	uint16_t i;

	if (m == NULL || buf == NULL)
		return vpf_error(-EINVAL, "guest ring import: bad arguments");
	if (!model_v14_on(&m->p))
		return vpf_error(-ENOTSUP, "guest ring import: the draft "
				 "dialect carries ring state in its context");
	if (len < 16 || memcmp(b, ring_magic, 8) != 0 ||
	    vpf_le16_load(b + 8) != VPF_MODEL_GUEST_RING_VERSION ||
	    vpf_le16_load(b + 10) != m->nvq ||
	    len != VPF_MODEL_GUEST_RING_SIZE(m->nvq))
		return vpf_error(-EINVAL, "guest ring import: not a version %u "
				 "ring state of %u queues",
				 VPF_MODEL_GUEST_RING_VERSION, m->nvq);
	if (model_lock_vf(m, vf_id, &vf) != 0)
		return -EINVAL;
	if (vf->mode != VPF_DEV_MODE_STOP) {
		pthread_mutex_unlock(&m->lock);
		return vpf_error(-EBUSY, "guest ring import: VF %u is running",
				 vf_id);
	}
	/* Check every queue before changing any. */
	for (i = 0; i < m->nvq; i++) {
		const uint8_t *e = b + 16 + 8 * (size_t)i;
		uint16_t size = vf->v14->pend_on ? vf->v14->pend.q[i].size :
			vf->st.vq[i].size;
		uint16_t out = (uint16_t)(vpf_le16_load(e) -
					  vpf_le16_load(e + 2));

		if (vpf_le16_load(e + 4) != size || out > size) {
			pthread_mutex_unlock(&m->lock);
			return vpf_error(-EINVAL, "guest ring import: queue %u: "
					 "size %u, %u buffers outstanding, "
					 "the VF's queue has %u entries", i,
					 vpf_le16_load(e + 4), out, size);
		}
	}
	for (i = 0; i < m->nvq; i++) {
		const uint8_t *e = b + 16 + 8 * (size_t)i;
		struct model_vf_vq *q = &vf->st.vq[i];

		/* A stopped device owns nothing: it continues from the used
		 * index and takes what lies between it and the avail index
		 * when resumed. */
		q->used_idx = vpf_le16_load(e + 2);
		q->avail_idx = q->used_idx;
		q->latched = (uint16_t)(vpf_le16_load(e) - q->used_idx);
		memset(q->own, 0, model_own_words(m) * 8);
		q->own_count = 0;
	}
	vf->st_gen++;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int
vpf_model_guest_ring_move(struct vpf_model *src, uint16_t src_vf,
			  struct vpf_model *dst, uint16_t dst_vf)
{
	/* the most queues a model has: 128 pairs and the control queue
	 * (model.c refuses more) */
	uint8_t buf[VPF_MODEL_GUEST_RING_SIZE(2 * 128 + 1)];
	size_t len;
	int rc;

	rc = vpf_model_guest_ring_export(src, src_vf, buf, sizeof(buf), &len);
	if (rc)
		return rc;
	return vpf_model_guest_ring_import(dst, dst_vf, buf, len);
}
