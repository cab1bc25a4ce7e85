/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Typed decoders: little-endian, unaligned wire values (doc/protocol.md §5) to
 * host-order structs. They re-check the length they need, so they are safe
 * on views that did not come from the validator too. Extension tails
 * (longer fixed fields) are ignored here and stay in the field view.
 */

#include <errno.h>
#include <stddef.h>

#include "ctx_internal.h"

static int
decode_check(const struct vpf_ctx_field *f, uint16_t type, uint64_t min,
	     const void *out)
{
	if (f == NULL || out == NULL)
		return vpf_error(-EINVAL, "context decoder: NULL argument");
	if (f->type != type)
		return vpf_error(-EINVAL, "context field %u is %s, not %s",
				 f->index, vpf_ctx_type_name(f->type),
				 vpf_ctx_type_name(type));
	if (f->length < min || (f->value == NULL && f->length > 0))
		return vpf_error(-EBADMSG,
				 "context field %u (%s): %s value of %llu bytes, need %llu",
				 f->index, vpf_ctx_type_name(type),
				 f->value == NULL ? "no" : "a",
				 (unsigned long long)f->length,
				 (unsigned long long)min);
	return 0;
}

int
vpf_ctx_decode_common_cfg(const struct vpf_ctx_field *f,
			  struct vpf_ctx_common_cfg *c)
{
	const uint8_t *v;
	int rc;

	rc = decode_check(f, VPF_CTX_PCI_COMMON_CFG, VPF_CTX_COMMON_CFG_SIZE, c);
	if (rc < 0)
		return rc;
	v = f->value;
	c->device_feature_select = vpf_le32_load(v + VPF_COMMON_DFSELECT);
	c->device_feature = vpf_le32_load(v + VPF_COMMON_DF);
	c->driver_feature_select = vpf_le32_load(v + VPF_COMMON_GFSELECT);
	c->driver_feature = vpf_le32_load(v + VPF_COMMON_GF);
	c->config_msix_vector = vpf_le16_load(v + VPF_COMMON_MSIX);
	c->num_queues = vpf_le16_load(v + VPF_COMMON_NUMQ);
	c->device_status = v[VPF_COMMON_STATUS];
	c->config_generation = v[VPF_COMMON_CFGGENERATION];
	c->queue_select = vpf_le16_load(v + VPF_COMMON_Q_SELECT);
	c->queue_size = vpf_le16_load(v + VPF_COMMON_Q_SIZE);
	c->queue_msix_vector = vpf_le16_load(v + VPF_COMMON_Q_MSIX);
	c->queue_enable = vpf_le16_load(v + VPF_COMMON_Q_ENABLE);
	c->queue_notify_off = vpf_le16_load(v + VPF_COMMON_Q_NOFF);
	c->queue_desc = vpf_le64_load(v + VPF_COMMON_Q_DESC);
	c->queue_driver = vpf_le64_load(v + VPF_COMMON_Q_DRIVER);
	c->queue_device = vpf_le64_load(v + VPF_COMMON_Q_DEVICE);
	c->queue_notif_config_data = vpf_le16_load(v + VPF_COMMON_Q_NDATA);
	c->queue_reset = vpf_le16_load(v + VPF_COMMON_Q_RESET);
	c->admin_queue_index = vpf_le16_load(v + VPF_COMMON_ADM_Q_IDX);
	c->admin_queue_num = vpf_le16_load(v + VPF_COMMON_ADM_Q_NUM);
	return 0;
}

int
vpf_ctx_decode_features(const struct vpf_ctx_field *f,
			struct vpf_ctx_features *out)
{
	int rc;

	rc = decode_check(f, VPF_CTX_DEV_FEATURES, VPF_CTX_FEATURE_WORD_SIZE,
			  out);
	if (rc < 0)
		return rc;
	if (f->length % VPF_CTX_FEATURE_WORD_SIZE != 0)
		return vpf_error(-EBADMSG,
				 "context field %u (DEV_FEATURES): length %llu is not a multiple of 8",
				 f->index, (unsigned long long)f->length);
	out->nwords = f->length / VPF_CTX_FEATURE_WORD_SIZE;
	out->words = f->value;
	return 0;
}

uint64_t
vpf_ctx_features_word(const struct vpf_ctx_features *feat, uint64_t i)
{
	if (feat == NULL || i >= feat->nwords)
		return 0;
	return vpf_le64_load(feat->words + i * VPF_CTX_FEATURE_WORD_SIZE);
}

bool
vpf_ctx_features_test(const struct vpf_ctx_features *feat, uint64_t bit)
{
	return (vpf_ctx_features_word(feat, bit / 64) >> (bit % 64)) & 1;
}

int
vpf_ctx_decode_vq_cfg(const struct vpf_ctx_field *f, struct vpf_ctx_vq_cfg *q)
{
	const uint8_t *v;
	int rc;

	rc = decode_check(f, VPF_CTX_PCI_VQ_CFG, VPF_CTX_VQ_CFG_SIZE, q);
	if (rc < 0)
		return rc;
	v = f->value;
	q->vq_index = vpf_le16_load(v + CTX_VQ_CFG_OFF(vq_index));
	q->queue_size = vpf_le16_load(v + CTX_VQ_CFG_OFF(queue_size));
	q->queue_msix_vector =
		vpf_le16_load(v + CTX_VQ_CFG_OFF(queue_msix_vector));
	q->queue_desc = vpf_le64_load(v + CTX_VQ_CFG_OFF(queue_desc));
	q->queue_driver = vpf_le64_load(v + CTX_VQ_CFG_OFF(queue_driver));
	q->queue_device = vpf_le64_load(v + CTX_VQ_CFG_OFF(queue_device));
	return 0;
}

int
vpf_ctx_decode_vq_runtime(const struct vpf_ctx_field *f,
			  struct vpf_ctx_vq_runtime *rt)
{
	const uint8_t *v;
	int rc;

	rc = decode_check(f, VPF_CTX_VQ_SPLIT_RUNTIME_CFG,
			  VPF_CTX_VQ_RUNTIME_SIZE, rt);
	if (rc < 0)
		return rc;
	v = f->value;
	rt->vq_index = vpf_le16_load(v + CTX_VQ_RT_OFF(vq_index));
	rt->dev_avail_idx = vpf_le16_load(v + CTX_VQ_RT_OFF(dev_avail_idx));
	rt->enabled = v[CTX_VQ_RT_OFF(enabled)];
	return 0;
}

int
vpf_ctx_decode_own_desc(const struct vpf_ctx_field *f,
			struct vpf_ctx_own_desc *od)
{
	const uint8_t *v;
	uint16_t cnt;
	int rc;

	rc = decode_check(f, VPF_CTX_VQ_SPLIT_DEV_OWN_DESC,
			  VPF_CTX_OWN_DESC_HDR_SIZE, od);
	if (rc < 0)
		return rc;
	v = f->value;
	cnt = vpf_le16_load(v + 2);
	if (VPF_CTX_OWN_DESC_HDR_SIZE + 2 * (uint64_t)cnt != f->length)
		return vpf_error(-EBADMSG,
				 "context field %u (VQ_SPLIT_DEV_OWN_DESC): desc_count %u disagrees with length %llu",
				 f->index, cnt, (unsigned long long)f->length);
	od->vq_index = vpf_le16_load(v);
	od->desc_count = cnt;
	od->desc = v + VPF_CTX_OWN_DESC_HDR_SIZE;
	return 0;
}

uint16_t
vpf_ctx_own_desc_idx(const struct vpf_ctx_own_desc *od, uint32_t i)
{
	if (od == NULL || i >= od->desc_count)
		return 0;
	return vpf_le16_load(od->desc + 2 * (size_t)i);
}

int
vpf_ctx_decode_dev_cfg(const struct vpf_ctx_field *f, const uint8_t **cfg,
		       uint64_t *len)
{
	int rc;

	rc = decode_check(f, VPF_CTX_DEV_CFG, 0, cfg);
	if (rc < 0)
		return rc;
	if (len == NULL)
		return vpf_error(-EINVAL, "context decoder: NULL argument");
	*cfg = f->value;
	*len = f->length;
	return 0;
}
