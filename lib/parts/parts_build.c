/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Parts builder: appends parts (doc/protocol.md §10.3: no padding between
 * them) to a caller buffer, after an optional command head. No allocation;
 * a failing append changes nothing.
 */

#include <errno.h>
#include <inttypes.h>

#include "parts_internal.h"

static int
builder_start(struct vpf_parts_builder *b, void *buf, size_t cap, size_t base)
{
	if (b == NULL || (buf == NULL && cap > 0))
		return vpf_error(-EINVAL, "parts builder: NULL argument");
	if (cap < base)
		return vpf_error(-ENOSPC,
				 "a %zu-byte buffer cannot hold the %zu-byte command head",
				 cap, base);
	b->buf = buf;
	b->cap = cap;
	b->base = base;
	b->len = base;
	b->count = 0;
	b->padded = false;
	if (base > 0)
		memset(b->buf, 0, base);
	return 0;
}

int
vpf_parts_builder_init(struct vpf_parts_builder *b, void *buf, size_t cap)
{
	return builder_start(b, buf, cap, 0);
}

static void
put_obj_hdr(uint8_t *p, uint32_t obj_id)
{
	vpf_le16_store(p, VPF_PARTS_OBJ_TYPE_DEV_PARTS);
	vpf_le32_store(p + offsetof(struct vpf_parts_obj_hdr, id), obj_id);
}

int
vpf_parts_builder_init_set(struct vpf_parts_builder *b, void *buf, size_t cap,
			   uint32_t obj_id)
{
	int rc = builder_start(b, buf, cap, VPF_PARTS_OBJ_HDR_SIZE);

	if (rc == 0)
		put_obj_hdr(b->buf, obj_id);
	return rc;
}

int
vpf_parts_builder_init_get(struct vpf_parts_builder *b, void *buf, size_t cap,
			   uint32_t obj_id, uint8_t get_type)
{
	int rc = builder_start(b, buf, cap, VPF_PARTS_GET_DATA_SIZE);

	if (rc == 0) {
		put_obj_hdr(b->buf, obj_id);
		b->buf[offsetof(struct vpf_parts_get_data, type)] = get_type;
	}
	return rc;
}

void
vpf_parts_builder_reset(struct vpf_parts_builder *b)
{
	if (b == NULL)
		return;
	b->len = b->base;
	b->count = 0;
	b->padded = false;
}

const void *
vpf_parts_builder_data(const struct vpf_parts_builder *b)
{
	return b->buf;
}

size_t
vpf_parts_builder_len(const struct vpf_parts_builder *b)
{
	return b->len;
}

const void *
vpf_parts_builder_parts(const struct vpf_parts_builder *b)
{
	return b->buf + b->base;
}

size_t
vpf_parts_builder_parts_len(const struct vpf_parts_builder *b)
{
	return b->len - b->base;
}

uint32_t
vpf_parts_builder_count(const struct vpf_parts_builder *b)
{
	return b->count;
}

int
vpf_parts_builder_pad(struct vpf_parts_builder *b)
{
	size_t pad;

	if (b == NULL)
		return vpf_error(-EINVAL, "vpf_parts_builder_pad: NULL builder");
	pad = (8 - b->len % 8) % 8;
	if (pad > b->cap - b->len)
		return vpf_error(-ENOSPC, "no room for %zu padding bytes", pad);
	memset(b->buf + b->len, 0, pad);
	b->len += pad;
	b->padded = true;
	return 0;
}

/* Room for a part of @bytes in all (header included); its header is written
 * at the returned position, the length member set to @length. */
static uint8_t *
part_start(struct vpf_parts_builder *b, uint16_t type, uint8_t hflags,
	   const uint8_t *sel, uint32_t length, uint64_t bytes, int *rc)
{
	uint8_t *h;

	if (b == NULL || b->buf == NULL || b->padded) {
		*rc = vpf_error(-EINVAL, b != NULL && b->padded ?
				"no part may follow the padding" :
				"parts builder: not initialised");
		return NULL;
	}
	if (bytes > b->cap - b->len) {
		*rc = vpf_error(-ENOSPC,
				"no room for a %" PRIu64 "-byte %s part (%zu of %zu bytes used)",
				bytes, vpf_parts_type_name(type), b->len,
				b->cap);
		return NULL;
	}
	if (b->len - b->base + bytes > VPF_PARTS_MAX_SET_SIZE) {
		*rc = vpf_error(-ENOSPC,
				"a parts set may not exceed %" PRIu64 " bytes",
				(uint64_t)VPF_PARTS_MAX_SET_SIZE);
		return NULL;
	}
	h = b->buf + b->len;
	vpf_le16_store(h + VPF_PARTS_HDR_TYPE_OFF, type);
	h[VPF_PARTS_HDR_FLAGS_OFF] = hflags;
	h[VPF_PARTS_HDR_RSVD_OFF] = 0;
	if (sel != NULL)
		memcpy(h + VPF_PARTS_HDR_SEL_OFF, sel, VPF_PARTS_SEL_SIZE);
	else
		memset(h + VPF_PARTS_HDR_SEL_OFF, 0, VPF_PARTS_SEL_SIZE);
	vpf_le32_store(h + VPF_PARTS_HDR_LEN_OFF, length);
	b->len += (size_t)bytes;
	b->count++;
	*rc = 0;
	return h;
}

int
vpf_parts_add_reserve(struct vpf_parts_builder *b, uint16_t type,
		      uint8_t hflags, const uint8_t *sel, uint32_t len,
		      void **value)
{
	uint8_t *h;
	int rc;

	h = part_start(b, type, hflags, sel, len,
		       VPF_PARTS_HDR_SIZE + (uint64_t)len, &rc);
	if (h == NULL)
		return rc;
	memset(h + VPF_PARTS_HDR_SIZE, 0, len);
	if (value != NULL)
		*value = h + VPF_PARTS_HDR_SIZE;
	return 0;
}

int
vpf_parts_add_raw(struct vpf_parts_builder *b, uint16_t type, uint8_t hflags,
		  const uint8_t *sel, const void *value, uint32_t len)
{
	void *v;
	int rc;

	rc = vpf_parts_add_reserve(b, type, hflags, sel, len, &v);
	if (rc == 0 && value != NULL && len > 0)
		memcpy(v, value, len);
	return rc;
}

int
vpf_parts_add_part(struct vpf_parts_builder *b, const struct vpf_parts_part *p)
{
	uint8_t *h;
	int rc;

	if (p == NULL || p->hdr == NULL || p->value == NULL)
		return vpf_error(-EINVAL, "vpf_parts_add_part: not a part with a value");
	h = part_start(b, p->type, p->hflags, p->hdr + VPF_PARTS_HDR_SEL_OFF,
		       p->length, VPF_PARTS_HDR_SIZE + (uint64_t)p->length,
		       &rc);
	if (h == NULL)
		return rc;
	/* The header verbatim (reserved byte included), then the value. */
	memcpy(h, p->hdr, VPF_PARTS_HDR_SIZE);
	memcpy(h + VPF_PARTS_HDR_SIZE, p->value, p->length);
	return 0;
}

int
vpf_parts_add_header(struct vpf_parts_builder *b, uint16_t type, uint8_t hflags,
		     const uint8_t *sel, uint32_t length)
{
	int rc;

	part_start(b, type, hflags, sel, length, VPF_PARTS_HDR_SIZE, &rc);
	return rc;
}

static int
add_features(struct vpf_parts_builder *b, uint16_t type, uint8_t hflags,
	     const uint64_t *words, uint32_t nwords)
{
	uint8_t *v;
	int rc;

	if (words == NULL || nwords == 0 ||
	    nwords > VPF_PARTS_MAX_SET_SIZE / VPF_PARTS_FEATURE_WORD_SIZE)
		return vpf_error(-EINVAL, "%s needs 1 or more feature words",
				 vpf_parts_type_name(type));
	rc = vpf_parts_add_reserve(b, type, hflags, NULL,
				   nwords * VPF_PARTS_FEATURE_WORD_SIZE,
				   (void **)&v);
	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < nwords; i++)
		vpf_le64_store(v + (size_t)i * 8, words[i]);
	return 0;
}

int
vpf_parts_add_dev_features(struct vpf_parts_builder *b, const uint64_t *words,
			   uint32_t nwords)
{
	return add_features(b, VPF_PARTS_DEV_FEATURES, VPF_PARTS_HF_OPTIONAL,
			    words, nwords);
}

int
vpf_parts_add_drv_features(struct vpf_parts_builder *b, const uint64_t *words,
			   uint32_t nwords)
{
	return add_features(b, VPF_PARTS_DRV_FEATURES, 0, words, nwords);
}

int
vpf_parts_add_common(struct vpf_parts_builder *b, uint32_t offset,
		     uint64_t value)
{
	uint32_t size = vpf_parts_common_field_size(offset);
	uint8_t sel[VPF_PARTS_SEL_SIZE] = { 0 };
	uint8_t *v;
	int rc;

	if (size == 0)
		return vpf_error(-EINVAL,
				 "no common configuration field starts at offset %" PRIu32,
				 offset);
	vpf_le32_store(sel, offset);
	rc = vpf_parts_add_reserve(b, VPF_PARTS_PCI_COMMON_CFG, 0, sel, size,
				   (void **)&v);
	if (rc < 0)
		return rc;
	switch (size) {
	case 1: v[0] = (uint8_t)value; break;
	case 2: vpf_le16_store(v, (uint16_t)value); break;
	case 4: vpf_le32_store(v, (uint32_t)value); break;
	default: vpf_le64_store(v, value); break;
	}
	return 0;
}

int
vpf_parts_add_status(struct vpf_parts_builder *b, uint8_t status)
{
	return vpf_parts_add_raw(b, VPF_PARTS_DEVICE_STATUS, 0, NULL, &status,
				 VPF_PARTS_DEVICE_STATUS_SIZE);
}

static void
vq_sel(uint8_t sel[VPF_PARTS_SEL_SIZE], uint16_t vq)
{
	memset(sel, 0, VPF_PARTS_SEL_SIZE);
	vpf_le16_store(sel, vq);
}

int
vpf_parts_add_vq_cfg(struct vpf_parts_builder *b,
		     const struct vpf_parts_vq_cfg *q)
{
	uint8_t sel[VPF_PARTS_SEL_SIZE];
	uint8_t *v;
	int rc;

	if (q == NULL)
		return vpf_error(-EINVAL, "vpf_parts_add_vq_cfg: NULL queue");
	vq_sel(sel, q->vq_index);
	rc = vpf_parts_add_reserve(b, VPF_PARTS_VQ_CFG, 0, sel,
				   VPF_PARTS_VQ_CFG_SIZE, (void **)&v);
	if (rc < 0)
		return rc;
	vpf_le16_store(v + offsetof(struct vpf_parts_vq_cfg_wire, queue_size),
		       q->queue_size);
	vpf_le16_store(v + offsetof(struct vpf_parts_vq_cfg_wire, vector),
		       q->vector);
	vpf_le16_store(v + offsetof(struct vpf_parts_vq_cfg_wire, enabled),
		       q->enabled);
	vpf_le64_store(v + offsetof(struct vpf_parts_vq_cfg_wire, desc),
		       q->desc);
	vpf_le64_store(v + offsetof(struct vpf_parts_vq_cfg_wire, driver),
		       q->driver);
	vpf_le64_store(v + offsetof(struct vpf_parts_vq_cfg_wire, device),
		       q->device);
	return 0;
}

int
vpf_parts_add_vq_notify(struct vpf_parts_builder *b,
			const struct vpf_parts_vq_notify *n)
{
	uint8_t sel[VPF_PARTS_SEL_SIZE];
	uint8_t *v;
	int rc;

	if (n == NULL)
		return vpf_error(-EINVAL, "vpf_parts_add_vq_notify: NULL queue");
	vq_sel(sel, n->vq_index);
	rc = vpf_parts_add_reserve(b, VPF_PARTS_VQ_NOTIFY_CFG, 0, sel,
				   VPF_PARTS_VQ_NOTIFY_CFG_SIZE, (void **)&v);
	if (rc < 0)
		return rc;
	vpf_le16_store(v, n->queue_notify_off);
	vpf_le16_store(v + 2, n->queue_notif_config_data);
	return 0;
}

int
vpf_parts_add_cvq(struct vpf_parts_builder *b, uint8_t cls, uint8_t command,
		  const void *data, uint32_t len)
{
	uint8_t sel[VPF_PARTS_SEL_SIZE] = { cls, command };

	if (data == NULL && len > 0)
		return vpf_error(-EINVAL, "vpf_parts_add_cvq: NULL data");
	return vpf_parts_add_raw(b, VPF_PARTS_NET_CVQ_CFG, 0, sel, data, len);
}
