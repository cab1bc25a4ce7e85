/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Part views to host-order values (doc/protocol.md §10.3). The validator
 * guarantees the lengths; each decoder checks them again so that a view
 * made by hand cannot make it read past the value.
 */

#include <errno.h>

#include "parts_internal.h"

bool
vpf_parts_part_optional(const struct vpf_parts_part *p)
{
	return (p->hflags & VPF_PARTS_HF_OPTIONAL) != 0;
}

uint16_t
vpf_parts_part_vq_index(const struct vpf_parts_part *p)
{
	return vpf_le16_load(p->hdr + VPF_PARTS_HDR_SEL_OFF);
}

uint32_t
vpf_parts_part_common_offset(const struct vpf_parts_part *p)
{
	return vpf_le32_load(p->hdr + VPF_PARTS_HDR_SEL_OFF);
}

uint64_t
vpf_parts_part_size(const struct vpf_parts_part *p)
{
	if (p->value == NULL)
		return VPF_PARTS_HDR_SIZE;
	return VPF_PARTS_HDR_SIZE + (uint64_t)p->length;
}

/* The part is of @type, has a value, and at least @min bytes of it. */
static int
want(const struct vpf_parts_part *p, uint16_t type, uint32_t min)
{
	if (p == NULL || p->hdr == NULL || p->type != type || p->value == NULL)
		return vpf_error(-EINVAL, "not a %s part with a value",
				 vpf_parts_type_name(type));
	if (p->length < min)
		return vpf_error(-EBADMSG,
				 "%s part of %u bytes is shorter than %u",
				 vpf_parts_type_name(type), p->length, min);
	return 0;
}

int
vpf_parts_decode_features(const struct vpf_parts_part *p,
			  struct vpf_parts_features *out)
{
	int rc;

	if (p != NULL && p->type == VPF_PARTS_DRV_FEATURES)
		rc = want(p, VPF_PARTS_DRV_FEATURES, 0);
	else
		rc = want(p, VPF_PARTS_DEV_FEATURES, 0);
	if (rc < 0)
		return rc;
	if (out == NULL)
		return vpf_error(-EINVAL, "vpf_parts_decode_features: NULL out");
	out->nwords = p->length / VPF_PARTS_FEATURE_WORD_SIZE;
	out->words = p->value;
	return 0;
}

uint64_t
vpf_parts_features_word(const struct vpf_parts_features *f, uint32_t i)
{
	if (f == NULL || i >= f->nwords)
		return 0;
	return vpf_le64_load(f->words + (size_t)i * 8);
}

bool
vpf_parts_features_test(const struct vpf_parts_features *f, uint64_t bit)
{
	if (f == NULL || bit / 64 >= f->nwords)
		return false;
	return (vpf_parts_features_word(f, (uint32_t)(bit / 64)) >>
		(bit % 64)) & 1;
}

int
vpf_parts_decode_common(const struct vpf_parts_part *p,
			struct vpf_parts_common *out)
{
	uint32_t off, size;
	int rc;

	rc = want(p, VPF_PARTS_PCI_COMMON_CFG, 0);
	if (rc < 0)
		return rc;
	off = vpf_parts_part_common_offset(p);
	size = vpf_parts_common_field_size(off);
	if (size == 0 || out == NULL)
		return vpf_error(-EINVAL,
				 "no common configuration field vpf knows starts at offset %u",
				 off);
	if (p->length != size)
		return vpf_error(-EBADMSG,
				 "common configuration field at offset %u is %u bytes, not %u",
				 off, size, p->length);
	out->offset = off;
	out->size = size;
	switch (size) {
	case 1: out->value = p->value[0]; break;
	case 2: out->value = vpf_le16_load(p->value); break;
	case 4: out->value = vpf_le32_load(p->value); break;
	default: out->value = vpf_le64_load(p->value); break;
	}
	return 0;
}

int
vpf_parts_decode_status(const struct vpf_parts_part *p, uint8_t *status)
{
	int rc = want(p, VPF_PARTS_DEVICE_STATUS, VPF_PARTS_DEVICE_STATUS_SIZE);

	if (rc < 0)
		return rc;
	if (status == NULL)
		return vpf_error(-EINVAL, "vpf_parts_decode_status: NULL out");
	*status = p->value[0];
	return 0;
}

int
vpf_parts_decode_vq_cfg(const struct vpf_parts_part *p,
			struct vpf_parts_vq_cfg *out)
{
	int rc = want(p, VPF_PARTS_VQ_CFG, VPF_PARTS_VQ_CFG_SIZE);
	const uint8_t *v;

	if (rc < 0)
		return rc;
	if (out == NULL)
		return vpf_error(-EINVAL, "vpf_parts_decode_vq_cfg: NULL out");
	v = p->value;
	out->vq_index = vpf_parts_part_vq_index(p);
	out->queue_size = vpf_le16_load(v + offsetof(struct vpf_parts_vq_cfg_wire,
						     queue_size));
	out->vector = vpf_le16_load(v + offsetof(struct vpf_parts_vq_cfg_wire,
						 vector));
	out->enabled = vpf_le16_load(v + offsetof(struct vpf_parts_vq_cfg_wire,
						  enabled));
	out->desc = vpf_le64_load(v + offsetof(struct vpf_parts_vq_cfg_wire,
					       desc));
	out->driver = vpf_le64_load(v + offsetof(struct vpf_parts_vq_cfg_wire,
						 driver));
	out->device = vpf_le64_load(v + offsetof(struct vpf_parts_vq_cfg_wire,
						 device));
	return 0;
}

int
vpf_parts_decode_vq_notify(const struct vpf_parts_part *p,
			   struct vpf_parts_vq_notify *out)
{
	int rc = want(p, VPF_PARTS_VQ_NOTIFY_CFG, VPF_PARTS_VQ_NOTIFY_CFG_SIZE);

	if (rc < 0)
		return rc;
	if (out == NULL)
		return vpf_error(-EINVAL, "vpf_parts_decode_vq_notify: NULL out");
	out->vq_index = vpf_parts_part_vq_index(p);
	out->queue_notify_off = vpf_le16_load(p->value);
	out->queue_notif_config_data = vpf_le16_load(p->value + 2);
	return 0;
}

int
vpf_parts_decode_cvq(const struct vpf_parts_part *p, struct vpf_parts_cvq *out)
{
	int rc = want(p, VPF_PARTS_NET_CVQ_CFG, 0);

	if (rc < 0)
		return rc;
	if (out == NULL)
		return vpf_error(-EINVAL, "vpf_parts_decode_cvq: NULL out");
	out->cls = p->hdr[VPF_PARTS_HDR_SEL_OFF];
	out->command = p->hdr[VPF_PARTS_HDR_SEL_OFF + 1];
	out->len = p->length;
	out->data = p->value;
	return 0;
}
