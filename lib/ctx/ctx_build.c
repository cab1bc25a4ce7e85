/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Context builder: appends TLVs (doc/protocol.md §5.1, D-5.1: no padding
 * between fields) and keeps field_count in the header right after every
 * append, so that the buffer always holds a well-formed context. A failing
 * append changes nothing.
 */

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>

#include "ctx_internal.h"

#define BUILDER_MIN_CAP	256u

int
vpf_ctx_builder_init(struct vpf_ctx_builder *b, void *buf, size_t cap)
{
	if (b == NULL || buf == NULL)
		return vpf_error(-EINVAL, "vpf_ctx_builder_init: NULL argument");
	if (cap < VPF_CTX_HDR_SIZE)
		return vpf_error(-ENOSPC,
				 "context buffer of %zu bytes cannot hold the 4-byte header",
				 cap);
	b->buf = buf;
	b->cap = cap;
	b->grow = false;
	vpf_ctx_builder_reset(b);
	return 0;
}

int
vpf_ctx_builder_init_grow(struct vpf_ctx_builder *b, size_t hint)
{
	if (b == NULL)
		return vpf_error(-EINVAL, "vpf_ctx_builder_init_grow: NULL builder");
	if (hint < BUILDER_MIN_CAP)
		hint = BUILDER_MIN_CAP;
	b->buf = malloc(hint);
	if (b->buf == NULL)
		return vpf_error(-ENOMEM, "cannot allocate a %zu-byte context buffer",
				 hint);
	b->cap = hint;
	b->grow = true;
	vpf_ctx_builder_reset(b);
	return 0;
}

void
vpf_ctx_builder_fini(struct vpf_ctx_builder *b)
{
	if (b == NULL)
		return;
	if (b->grow)
		free(b->buf);
	b->buf = NULL;
	b->cap = 0;
	b->len = 0;
	b->count = 0;
}

void
vpf_ctx_builder_reset(struct vpf_ctx_builder *b)
{
	if (b == NULL || b->buf == NULL)
		return;
	b->len = VPF_CTX_HDR_SIZE;
	b->count = 0;
	vpf_le32_store(b->buf, 0);
}

const void *
vpf_ctx_builder_data(const struct vpf_ctx_builder *b)
{
	return b->buf;
}

size_t
vpf_ctx_builder_len(const struct vpf_ctx_builder *b)
{
	return b->len;
}

uint32_t
vpf_ctx_builder_count(const struct vpf_ctx_builder *b)
{
	return b->count;
}

void *
vpf_ctx_builder_detach(struct vpf_ctx_builder *b, size_t *len)
{
	void *buf;

	if (b == NULL || !b->grow || b->buf == NULL) {
		vpf_error(-EINVAL, "only a growing builder's buffer can be detached");
		errno = EINVAL;
		return NULL;
	}
	buf = b->buf;
	if (len != NULL)
		*len = b->len;
	b->buf = NULL;
	b->cap = 0;
	b->len = 0;
	b->count = 0;
	return buf;
}

/* Make room for a TLV with @vlen value bytes; returns the TLV's address. */
static int
builder_room(struct vpf_ctx_builder *b, uint64_t vlen, uint8_t **tlv)
{
	size_t need, cap;
	uint8_t *nbuf;

	if (b == NULL || b->buf == NULL)
		return vpf_error(-EINVAL, "context builder not initialised");
	if (b->count == VPF_CTX_MAX_FIELDS)
		return vpf_error(-ENOSPC, "context already has %u fields",
				 (unsigned int)VPF_CTX_MAX_FIELDS);
	if (vlen > SIZE_MAX - VPF_CTX_TLV_HDR_SIZE - b->len)
		return vpf_error(b->grow ? -ENOMEM : -ENOSPC,
				 "field of %" PRIu64 " bytes cannot be addressed",
				 vlen);
	need = b->len + VPF_CTX_TLV_HDR_SIZE + (size_t)vlen;
	if (need > b->cap) {
		if (!b->grow)
			return vpf_error(-ENOSPC,
					 "context buffer full: field needs %zu bytes, %zu of %zu used",
					 (size_t)vlen + VPF_CTX_TLV_HDR_SIZE,
					 b->len, b->cap);
		cap = b->cap;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		nbuf = realloc(b->buf, cap);
		if (nbuf == NULL)
			return vpf_error(-ENOMEM,
					 "cannot grow the context buffer to %zu bytes",
					 cap);
		b->buf = nbuf;
		b->cap = cap;
	}
	*tlv = b->buf + b->len;
	return 0;
}

/* Write the TLV header at @tlv and account for the field. */
static uint8_t *
builder_commit(struct vpf_ctx_builder *b, uint8_t *tlv, uint16_t type,
	       uint64_t vlen)
{
	vpf_le16_store(tlv + CTX_TLV_TYPE_OFF, type);
	memset(tlv + CTX_TLV_RSVD_OFF, 0, 6);
	vpf_le64_store(tlv + CTX_TLV_LEN_OFF, vlen);
	b->len += VPF_CTX_TLV_HDR_SIZE + (size_t)vlen;
	b->count++;
	vpf_le32_store(b->buf, b->count);
	return tlv + VPF_CTX_TLV_HDR_SIZE;
}

int
vpf_ctx_add_raw(struct vpf_ctx_builder *b, uint16_t type, const void *value,
		uint64_t len)
{
	uint8_t *tlv = NULL;
	int rc;

	if (value == NULL && len > 0)
		return vpf_error(-EINVAL, "vpf_ctx_add_raw: NULL value");
	rc = builder_room(b, len, &tlv);
	if (rc < 0)
		return rc;
	if (len > 0)
		memmove(tlv + VPF_CTX_TLV_HDR_SIZE, value, (size_t)len);
	builder_commit(b, tlv, type, len);
	return 0;
}

int
vpf_ctx_add_reserve(struct vpf_ctx_builder *b, uint16_t type, uint64_t len,
		    void **value)
{
	uint8_t *tlv = NULL, *v;
	int rc;

	if (value == NULL)
		return vpf_error(-EINVAL, "vpf_ctx_add_reserve: NULL value");
	rc = builder_room(b, len, &tlv);
	if (rc < 0)
		return rc;
	v = builder_commit(b, tlv, type, len);
	memset(v, 0, (size_t)len);
	*value = v;
	return 0;
}

int
vpf_ctx_add_field(struct vpf_ctx_builder *b, const struct vpf_ctx_field *f)
{
	uint8_t *tlv = NULL;
	int rc;

	if (f == NULL || f->tlv == NULL)
		return vpf_error(-EINVAL, "vpf_ctx_add_field: no TLV bytes to copy");
	rc = builder_room(b, f->length, &tlv);
	if (rc < 0)
		return rc;
	/* Verbatim, reserved bytes included (pass-through, D-5.3, D-CTX.6). */
	memmove(tlv, f->tlv, VPF_CTX_TLV_HDR_SIZE + (size_t)f->length);
	b->len += VPF_CTX_TLV_HDR_SIZE + (size_t)f->length;
	b->count++;
	vpf_le32_store(b->buf, b->count);
	return 0;
}

int
vpf_ctx_add_common_cfg(struct vpf_ctx_builder *b,
		       const struct vpf_ctx_common_cfg *c)
{
	uint8_t v[VPF_CTX_COMMON_CFG_SIZE];

	if (c == NULL)
		return vpf_error(-EINVAL, "vpf_ctx_add_common_cfg: NULL cfg");
	vpf_le32_store(v + VPF_COMMON_DFSELECT, c->device_feature_select);
	vpf_le32_store(v + VPF_COMMON_DF, c->device_feature);
	vpf_le32_store(v + VPF_COMMON_GFSELECT, c->driver_feature_select);
	vpf_le32_store(v + VPF_COMMON_GF, c->driver_feature);
	vpf_le16_store(v + VPF_COMMON_MSIX, c->config_msix_vector);
	vpf_le16_store(v + VPF_COMMON_NUMQ, c->num_queues);
	v[VPF_COMMON_STATUS] = c->device_status;
	v[VPF_COMMON_CFGGENERATION] = c->config_generation;
	vpf_le16_store(v + VPF_COMMON_Q_SELECT, c->queue_select);
	vpf_le16_store(v + VPF_COMMON_Q_SIZE, c->queue_size);
	vpf_le16_store(v + VPF_COMMON_Q_MSIX, c->queue_msix_vector);
	vpf_le16_store(v + VPF_COMMON_Q_ENABLE, c->queue_enable);
	vpf_le16_store(v + VPF_COMMON_Q_NOFF, c->queue_notify_off);
	vpf_le64_store(v + VPF_COMMON_Q_DESC, c->queue_desc);
	vpf_le64_store(v + VPF_COMMON_Q_DRIVER, c->queue_driver);
	vpf_le64_store(v + VPF_COMMON_Q_DEVICE, c->queue_device);
	vpf_le16_store(v + VPF_COMMON_Q_NDATA, c->queue_notif_config_data);
	vpf_le16_store(v + VPF_COMMON_Q_RESET, c->queue_reset);
	vpf_le16_store(v + VPF_COMMON_ADM_Q_IDX, c->admin_queue_index);
	vpf_le16_store(v + VPF_COMMON_ADM_Q_NUM, c->admin_queue_num);
	return vpf_ctx_add_raw(b, VPF_CTX_PCI_COMMON_CFG, v, sizeof(v));
}

int
vpf_ctx_add_features(struct vpf_ctx_builder *b, const uint64_t *words,
		     uint32_t nwords)
{
	void *v;
	uint8_t *p;
	uint32_t i;
	int rc;

	/* DEV_FEATURES is a non-zero multiple of 8 bytes (doc/protocol.md
	 * §5.4). */
	if (words == NULL || nwords == 0)
		return vpf_error(-EINVAL, "DEV_FEATURES needs at least one word");
	rc = vpf_ctx_add_reserve(b, VPF_CTX_DEV_FEATURES,
				 (uint64_t)nwords * VPF_CTX_FEATURE_WORD_SIZE,
				 &v);
	if (rc < 0)
		return rc;
	p = v;
	for (i = 0; i < nwords; i++)
		vpf_le64_store(p + (size_t)i * VPF_CTX_FEATURE_WORD_SIZE,
			       words[i]);
	return 0;
}

int
vpf_ctx_add_vq_cfg(struct vpf_ctx_builder *b, const struct vpf_ctx_vq_cfg *q)
{
	uint8_t v[VPF_CTX_VQ_CFG_SIZE];

	if (q == NULL)
		return vpf_error(-EINVAL, "vpf_ctx_add_vq_cfg: NULL cfg");
	vpf_le16_store(v + CTX_VQ_CFG_OFF(vq_index), q->vq_index);
	vpf_le16_store(v + CTX_VQ_CFG_OFF(queue_size), q->queue_size);
	vpf_le16_store(v + CTX_VQ_CFG_OFF(queue_msix_vector),
		       q->queue_msix_vector);
	vpf_le64_store(v + CTX_VQ_CFG_OFF(queue_desc), q->queue_desc);
	vpf_le64_store(v + CTX_VQ_CFG_OFF(queue_driver), q->queue_driver);
	vpf_le64_store(v + CTX_VQ_CFG_OFF(queue_device), q->queue_device);
	return vpf_ctx_add_raw(b, VPF_CTX_PCI_VQ_CFG, v, sizeof(v));
}

int
vpf_ctx_add_vq_runtime(struct vpf_ctx_builder *b,
		       const struct vpf_ctx_vq_runtime *rt)
{
	uint8_t v[VPF_CTX_VQ_RUNTIME_SIZE];

	if (rt == NULL)
		return vpf_error(-EINVAL, "vpf_ctx_add_vq_runtime: NULL runtime");
	vpf_le16_store(v + CTX_VQ_RT_OFF(vq_index), rt->vq_index);
	vpf_le16_store(v + CTX_VQ_RT_OFF(dev_avail_idx), rt->dev_avail_idx);
	v[CTX_VQ_RT_OFF(enabled)] = rt->enabled;
	return vpf_ctx_add_raw(b, VPF_CTX_VQ_SPLIT_RUNTIME_CFG, v, sizeof(v));
}

int
vpf_ctx_add_own_desc(struct vpf_ctx_builder *b, uint16_t vq_index,
		     const uint16_t *desc_idx, uint16_t count)
{
	void *v;
	uint8_t *p;
	uint32_t i;
	int rc;

	if (desc_idx == NULL && count > 0)
		return vpf_error(-EINVAL, "vpf_ctx_add_own_desc: NULL indices");
	rc = vpf_ctx_add_reserve(b, VPF_CTX_VQ_SPLIT_DEV_OWN_DESC,
				 VPF_CTX_OWN_DESC_HDR_SIZE + 2 * (uint64_t)count,
				 &v);
	if (rc < 0)
		return rc;
	p = v;
	vpf_le16_store(p, vq_index);
	vpf_le16_store(p + 2, count);
	for (i = 0; i < count; i++)
		vpf_le16_store(p + VPF_CTX_OWN_DESC_HDR_SIZE + 2 * i,
			       desc_idx[i]);
	return 0;
}

int
vpf_ctx_add_dev_cfg(struct vpf_ctx_builder *b, const void *cfg, size_t len)
{
	return vpf_ctx_add_raw(b, VPF_CTX_DEV_CFG, cfg, len);
}
