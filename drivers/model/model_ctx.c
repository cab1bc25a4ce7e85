/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The VFs' device contexts (doc/protocol.md §5): built with lib/ctx's
 * builder in canonical order, the field types and lengths FIELDS_QUERY
 * reports, the per-field check CTX_WRITE streams through, the check and
 * apply passes of a complete written context, the activation diff, and
 * the digest (SHA-256 of the canonical context).
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE4_1__
#include <smmintrin.h>
#endif

#include <rte_byteorder.h>
#include <rte_common.h>

#include "common/vpf_le.h"
#include "model_internal.h"


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

/* Bit positions of each byte value, ascending, padded with zeros. */
static uint8_t own_pos[256][8];
static pthread_once_t own_pos_once = PTHREAD_ONCE_INIT;

static void
own_pos_init(void)
{
	unsigned int b, j, k;

	for (b = 0; b < 256; b++)
		for (j = 0, k = 0; j < 8; j++)
			if (b & (1u << j))
				own_pos[b][k++] = (uint8_t)j;
}

/*
 * The indices of the bits set in @p own below @p qs, ascending, into
 * @p out (room for qs + 8 entries: eight are stored at a time). Returns
 * how many. A byte of the bitmap at a time through a table of bit
 * positions, eight indices stored at once, instead of a find-first-set
 * and a store per index: a queue three quarters owned is most of what a
 * CTX_READ costs the device thread (doc/model.md "Device CPU time").
 */
static uint32_t
own_extract(const uint64_t *own, uint32_t qs, uint16_t *out)
{
	uint32_t d, n = 0;

	(void)pthread_once(&own_pos_once, own_pos_init);
	for (d = 0; d < qs; d += 64) {
		uint64_t w = own[d / 64];
		uint32_t base;

		if (qs - d < 64)
			w &= (1ull << (qs - d)) - 1;
		for (base = d; w != 0; base += 8, w >>= 8) {
			const uint8_t *pos = own_pos[w & 0xff];
#ifdef __SSE4_1__
			__m128i v = _mm_cvtepu8_epi16(
				_mm_loadl_epi64((const __m128i *)(const void *)pos));

			v = _mm_add_epi16(v, _mm_set1_epi16((short)base));
			_mm_storeu_si128((__m128i *)(void *)(out + n), v);
#else
			unsigned int j;

			for (j = 0; j < 8; j++)
				out[n + j] = (uint16_t)(base + pos[j]);
#endif
			n += (uint32_t)__builtin_popcount((unsigned int)(w & 0xff));
		}
	}
	return n;
}

/* Build the context of the VF's current state: every field type of
 * doc/protocol.md §5.2, per-VQ fields in queue order, owned descriptors
 * ascending (the canonical form the digest hashes). Returns its length. */
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

	model_vf_common_refresh(m, vf);
	if (vpf_ctx_builder_init(&b, buf, cap) != 0)
		return 0;
	cc.device_feature_select = vpf_le32_load(c + VPF_COMMON_DFSELECT);
	cc.device_feature = vpf_le32_load(c + VPF_COMMON_DF);
	cc.driver_feature_select = vpf_le32_load(c + VPF_COMMON_GFSELECT);
	cc.driver_feature = vpf_le32_load(c + VPF_COMMON_GF);
	cc.config_msix_vector = vpf_le16_load(c + VPF_COMMON_MSIX);
	cc.num_queues = vpf_le16_load(c + VPF_COMMON_NUMQ);
	cc.device_status = c[VPF_COMMON_STATUS];
	cc.config_generation = c[VPF_COMMON_CFGGENERATION];
	cc.queue_select = vpf_le16_load(c + VPF_COMMON_Q_SELECT);
	cc.queue_size = vpf_le16_load(c + VPF_COMMON_Q_SIZE);
	cc.queue_msix_vector = vpf_le16_load(c + VPF_COMMON_Q_MSIX);
	cc.queue_enable = vpf_le16_load(c + VPF_COMMON_Q_ENABLE);
	cc.queue_notify_off = vpf_le16_load(c + VPF_COMMON_Q_NOFF);
	cc.queue_desc = vpf_le64_load(c + VPF_COMMON_Q_DESC);
	cc.queue_driver = vpf_le64_load(c + VPF_COMMON_Q_DRIVER);
	cc.queue_device = vpf_le64_load(c + VPF_COMMON_Q_DEVICE);
	cc.queue_notif_config_data = vpf_le16_load(c + VPF_COMMON_Q_NDATA);
	cc.queue_reset = vpf_le16_load(c + VPF_COMMON_Q_RESET);
	cc.admin_queue_index = vpf_le16_load(c + VPF_COMMON_ADM_Q_IDX);
	cc.admin_queue_num = vpf_le16_load(c + VPF_COMMON_ADM_Q_NUM);
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
		uint32_t qs = RTE_MIN(q->size, m->p.vq_size);
		/* Only indices below the queue's size: a context the model
		 * itself would refuse is never built. */
		uint32_t n = own_extract(q->own, qs, m->scr_idx);

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
 * for fixed types, the maximum for variable ones (doc/protocol.md §4.7,
 * §5.6). */
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
	/* A field type the device does not support (doc/protocol.md §4.6). */
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

/*
 * The owned set of @p n indices (little-endian u16 at @p desc) into the
 * bitmap @p bits of @p words words, cleared first: the indices must be
 * distinct and below @p qs. Any order is taken; -EINVAL otherwise. The general
 * walk keeps the current word in a register (a load-or-store per index
 * would wait for the previous index's store).
 */
static int
own_set_any_order(const uint8_t *desc, uint32_t n, uint16_t qs,
		  uint64_t *bits, size_t words)
{
	uint32_t k, set = 0, cw = 0;
	uint64_t cur = 0;
	size_t w;

	memset(bits, 0, words * 8);
	for (k = 0; k < n; k++) {
		uint16_t d = (uint16_t)(desc[2 * k] | desc[2 * k + 1] << 8);

		if (d >= qs) {
			bits[cw] = cur;
			return -EINVAL;
		}
		if (d / 64u != cw) {
			bits[cw] = cur;
			cw = d / 64u;
			cur = bits[cw];
		}
		cur |= 1ull << (d % 64);
	}
	bits[cw] = cur;
	/* As many bits set as indices given: no index twice. */
	for (w = 0; w < words; w++)
		set += (uint32_t)__builtin_popcountll(bits[w]);
	return set == n ? 0 : -EINVAL;
}

/*
 * own_set_any_order() with a fast path for the order a device that keeps
 * a bitmap writes (the model's own builder does): strictly increasing
 * indices are distinct, so no count is needed, and four at a time in one
 * word become one OR of four table bits. The checking of a written
 * context is device CPU time the timing model does not count
 * (doc/model.md "Device CPU time"): at about 3300 indices a CTX_WRITE it
 * was most of the destination's work in a migration. Any other order
 * falls back to the general walk, which gives the same answer.
 */
static int
own_set_build(const uint8_t *desc, uint32_t n, uint16_t qs, uint64_t *bits,
	      size_t words)
{
	static const uint64_t bit[64] = {
#define B1(i)	(1ull << (i))
#define B8(i)	B1(i), B1(i + 1), B1(i + 2), B1(i + 3), B1(i + 4), B1(i + 5), \
		B1(i + 6), B1(i + 7)
		B8(0), B8(8), B8(16), B8(24), B8(32), B8(40), B8(48), B8(56)
#undef B8
#undef B1
	};
	uint32_t k = 0, cw = 0, prev = 0;
	uint64_t cur = 0;

	memset(bits, 0, words * 8);
	for (; k + 4 <= n; k += 4) {
		const uint8_t *p = desc + 2 * k;
		uint32_t d[4], j;
		bool unsorted;

		for (j = 0; j < 4; j++)
			d[j] = (uint32_t)p[2 * j] | (uint32_t)p[2 * j + 1] << 8;
		/* Every index below qs before any is used as a word index. */
		if ((d[0] >= qs) | (d[1] >= qs) | (d[2] >= qs) | (d[3] >= qs))
			return own_set_any_order(desc, n, qs, bits, words);
		unsorted = (k > 0 && d[0] <= prev) | (d[1] <= d[0]) |
			   (d[2] <= d[1]) | (d[3] <= d[2]);
		if (unsorted)
			return own_set_any_order(desc, n, qs, bits, words);
		prev = d[3];
		if (d[0] / 64u == cw && d[3] / 64u == cw) {
			cur |= bit[d[0] % 64] | bit[d[1] % 64] |
			       bit[d[2] % 64] | bit[d[3] % 64];
			continue;
		}
		for (j = 0; j < 4; j++) {
			if (d[j] / 64u != cw) {
				bits[cw] |= cur;
				cw = d[j] / 64u;
				cur = 0;
			}
			cur |= bit[d[j] % 64];
		}
	}
	for (; k < n; k++) {
		uint32_t d = (uint32_t)desc[2 * k] |
			     (uint32_t)desc[2 * k + 1] << 8;

		if (d >= qs || (k > 0 && d <= prev))
			return own_set_any_order(desc, n, qs, bits, words);
		prev = d;
		if (d / 64u != cw) {
			bits[cw] |= cur;
			cw = d / 64u;
			cur = 0;
		}
		cur |= bit[d % 64];
	}
	bits[cw] |= cur;
	return 0;
}

static int
apply_own_desc(struct apply *a, const struct vpf_ctx_field *f)
{
	struct vpf_model *m = a->m;
	struct vpf_ctx_own_desc od;
	struct model_vf_vq *q;
	uint64_t *bits;
	uint16_t qs;

	if (vpf_ctx_decode_own_desc(f, &od) != 0 || od.vq_index >= m->nvq)
		return -EINVAL;
	qs = m->scr_qsize[od.vq_index];
	/* Pass 1 builds the queue's owned set in its scratch bitmap; pass 2
	 * (each per-VQ type occurs once per queue) installs it. A context
	 * carries thousands of indices: one loop over them per check. */
	bits = m->scr_own + (size_t)od.vq_index * model_own_words(m);
	if (a->pass == 2 && a->own != NULL)
		bits = (uint64_t *)(uintptr_t)a->own +
			(size_t)od.vq_index * model_own_words(m);
	if (a->pass == 1) {
		if (od.desc_count > qs ||
		    own_set_build(od.desc, od.desc_count, qs, bits,
				  model_own_words(m)) != 0)
			return -EINVAL;
		m->scr_hasown[od.vq_index] = 1;
	} else if (a->pass == 2) {
		q = &a->vf->st.vq[od.vq_index];
		memcpy(q->own, bits, model_own_words(m) * 8);
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
		for (w = qs / 64; w < model_own_words(m); w++) {
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
		model_vf_common_refresh(m, a->vf);
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
	       (size_t)m->nvq * model_own_words(m) * 8);
	memcpy(vf->pend_hasown, m->scr_hasown, m->nvq);
	vf->pend_gen = vf->st_gen;
	vf->pend_checked = true;
}

int
model_ctx_activate(struct vpf_model *m, struct model_vf *vf)
{
	struct apply a = { .m = m, .vf = vf };

	/* In Freeze nothing changes (doc/protocol.md §4.2), so the state is
	 * normally the one the context was checked against at CTX_WRITE:
	 * install it (pass 2) with the owned sets found then. */
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


int
vpf_model_digest(struct vpf_model *m, uint16_t vf_id, uint8_t digest[32])
{
	struct model_vf *vf;
	uint8_t *buf;
	size_t len;

	if (m == NULL || digest == NULL)
		return -EINVAL;
	if (model_v14_on(&m->p)) {
		int rc;

		if (model_lock_vf(m, vf_id, &vf) != 0)
			return -EINVAL;
		rc = model_v14_digest(m, vf, digest);
		pthread_mutex_unlock(&m->lock);
		return rc;
	}
	buf = malloc(m->ctx_max);
	if (buf == NULL)
		return vpf_error(-ENOMEM, "model digest: out of memory");
	if (model_lock_vf(m, vf_id, &vf) != 0) {
		free(buf);
		return -EINVAL;
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
	if (model_lock_vf(m, vf_id, &vf) != 0)
		return -EINVAL;
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
