/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The compatibility descriptor of a source VF (doc/migration.md,
 * "Pre-flight across hosts"): what the destination needs to decide before
 * the source stops, in bytes that may cross hosts. Layout, little-endian:
 *
 *   0  magic "VPFDSC\r\n"      8
 *   8  le16 version (1)        10 le16 flags (bit 0: field list valid)
 *   12 le32 length = 72 + 16 n + 4
 *   16 le16 vendor id          18 le16 device id
 *   20 le16 source VF          22 le16 num_queues
 *   24 u8 dialect, u8 0[3]     28 le32 chunk
 *   32 le64 PF offered features
 *   40 le64 DEV_FEATURES word 0, 48 word 1
 *   56 le64 SIZE_GET(freeze)
 *   64 le32 n (field entries)  68 le32 0
 *   72 16 n field list (FIELDS_QUERY wire format)
 *   72 + 16 n  le32 CRC-32C of every byte before it
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mig_half.h"

#define D_OFF_VERSION	8
#define D_OFF_FLAGS	10
#define D_OFF_LEN	12
#define D_OFF_VENDOR	16
#define D_OFF_DEVICE	18
#define D_OFF_SRC_VF	20
#define D_OFF_QUEUES	22
#define D_OFF_DIALECT	24
#define D_OFF_CHUNK	28
#define D_OFF_PF_FEAT	32
#define D_OFF_FEAT0	40
#define D_OFF_FEAT1	48
#define D_OFF_ESTIMATE	56
#define D_OFF_NFIELDS	64
#define D_OFF_RSVD	68

void
mig_desc_from_vf(const struct mig_vf *v, struct vpf_mig_desc *d)
{
	const struct vpf_pf_info *in = &v->m->info;

	memset(d, 0, sizeof(*d));
	d->version = VPF_MIG_DESC_VERSION;
	d->flags = v->fields_valid ? VPF_MIG_DESC_F_FIELDS : 0;
	d->vendor_id = in->vendor_id;
	d->device_id = in->device_id;
	d->src_vf = v->vf;
	d->num_queues = v->pre.num_queues;
	d->dialect = (uint8_t)in->dialect;
	d->chunk = v->chunk;
	d->pf_features = in->device_features;
	d->features[0] = v->pre.features[0];
	d->features[1] = v->pre.features[1];
	/* 1.4: no SIZE_GET; the pre-flight's whole read is the estimate */
	d->ctx_estimate = mig_is_v14(v->m) ? v->ctx.len : v->size_frz;
	d->nfields = v->fields_valid ? v->nfields : 0;
	d->fields = d->nfields ? v->fields : NULL;
}

int
mig_desc_write(const struct vpf_mig_desc *d, uint8_t *buf, size_t cap,
	       size_t *need)
{
	size_t len = VPF_MIG_DESC_FIXED + 16u * (size_t)d->nfields + 4u;

	*need = len;
	if (d->nfields > VPF_MIG_FIELDS_MAX)
		return vpf_error(-EINVAL, "descriptor: %u fields (most %u)",
				 d->nfields, VPF_MIG_FIELDS_MAX);
	if (cap < len)
		return vpf_error(-ENOSPC, "descriptor needs %zu bytes, buffer has %zu",
				 len, cap);
	memset(buf, 0, VPF_MIG_DESC_FIXED);
	memcpy(buf, VPF_MIG_DESC_MAGIC, 8);
	vpf_le16_store(buf + D_OFF_VERSION, VPF_MIG_DESC_VERSION);
	vpf_le16_store(buf + D_OFF_FLAGS, d->flags & VPF_MIG_DESC_F_FIELDS);
	vpf_le32_store(buf + D_OFF_LEN, (uint32_t)len);
	vpf_le16_store(buf + D_OFF_VENDOR, d->vendor_id);
	vpf_le16_store(buf + D_OFF_DEVICE, d->device_id);
	vpf_le16_store(buf + D_OFF_SRC_VF, d->src_vf);
	vpf_le16_store(buf + D_OFF_QUEUES, d->num_queues);
	buf[D_OFF_DIALECT] = d->dialect;
	vpf_le32_store(buf + D_OFF_CHUNK, d->chunk);
	vpf_le64_store(buf + D_OFF_PF_FEAT, d->pf_features);
	vpf_le64_store(buf + D_OFF_FEAT0, d->features[0]);
	vpf_le64_store(buf + D_OFF_FEAT1, d->features[1]);
	vpf_le64_store(buf + D_OFF_ESTIMATE, d->ctx_estimate);
	vpf_le32_store(buf + D_OFF_NFIELDS, d->nfields);
	if (d->nfields)
		memcpy(buf + VPF_MIG_DESC_FIXED, d->fields,
		       16u * (size_t)d->nfields);
	vpf_le32_store(buf + len - 4, mig_crc32c(0, buf, len - 4));
	return (int)len;
}

int
vpf_mig_desc_parse(const void *buf, size_t len, struct vpf_mig_desc *out)
{
	const uint8_t *b = buf;
	uint32_t dlen, n;
	uint16_t flags;

	if (buf == NULL || out == NULL)
		return vpf_error(-EINVAL, "desc_parse: NULL");
	memset(out, 0, sizeof(*out));
	if (len < VPF_MIG_DESC_FIXED + 4u)
		return vpf_error(-EBADMSG, "descriptor of %zu bytes is too short (at least %u)",
				 len, VPF_MIG_DESC_FIXED + 4u);
	if (memcmp(b, VPF_MIG_DESC_MAGIC, 8) != 0)
		return vpf_error(-EBADMSG, "not a vpf compatibility descriptor (magic)");
	dlen = vpf_le32_load(b + D_OFF_LEN);
	if (dlen != len)
		return vpf_error(-EBADMSG, "descriptor length field %u, but %zu bytes",
				 dlen, len);
	if (mig_crc32c(0, b, len - 4) != vpf_le32_load(b + len - 4))
		return vpf_error(-EBADMSG, "descriptor checksum mismatch");
	out->version = vpf_le16_load(b + D_OFF_VERSION);
	if (out->version != VPF_MIG_DESC_VERSION)
		return vpf_error(-EPROTONOSUPPORT, "descriptor version %u (this side reads %u)",
				 out->version, VPF_MIG_DESC_VERSION);
	flags = vpf_le16_load(b + D_OFF_FLAGS);
	if (flags & ~VPF_MIG_DESC_F_FIELDS)
		return vpf_error(-EPROTONOSUPPORT, "descriptor flags 0x%x unknown",
				 flags & ~VPF_MIG_DESC_F_FIELDS);
	if (b[D_OFF_DIALECT + 1] | b[D_OFF_DIALECT + 2] | b[D_OFF_DIALECT + 3] ||
	    vpf_le32_load(b + D_OFF_RSVD) != 0)
		return vpf_error(-EBADMSG, "descriptor reserved bytes are not zero");
	n = vpf_le32_load(b + D_OFF_NFIELDS);
	/* n is bounded before it is multiplied: no overflow. */
	if (n > VPF_MIG_FIELDS_MAX ||
	    len != VPF_MIG_DESC_FIXED + 16u * (size_t)n + 4u)
		return vpf_error(-EBADMSG, "descriptor of %zu bytes cannot hold %u fields",
				 len, n);
	if (n && !(flags & VPF_MIG_DESC_F_FIELDS))
		return vpf_error(-EBADMSG, "descriptor lists %u fields without its field-list flag",
				 n);
	out->flags = flags;
	out->vendor_id = vpf_le16_load(b + D_OFF_VENDOR);
	out->device_id = vpf_le16_load(b + D_OFF_DEVICE);
	out->src_vf = vpf_le16_load(b + D_OFF_SRC_VF);
	out->num_queues = vpf_le16_load(b + D_OFF_QUEUES);
	out->dialect = b[D_OFF_DIALECT];
	out->chunk = vpf_le32_load(b + D_OFF_CHUNK);
	out->pf_features = vpf_le64_load(b + D_OFF_PF_FEAT);
	out->features[0] = vpf_le64_load(b + D_OFF_FEAT0);
	out->features[1] = vpf_le64_load(b + D_OFF_FEAT1);
	out->ctx_estimate = vpf_le64_load(b + D_OFF_ESTIMATE);
	out->nfields = n;
	out->fields = n ? (const struct vpf_admin_ctx_field_info *)
			  (const void *)(b + VPF_MIG_DESC_FIXED) : NULL;
	return 0;
}

void
mig_side_name(const struct mig_vf *v, const char *side, char *out, size_t n)
{
	snprintf(out, n, "%s %s VF %u", side, vpf_pf_name(v->m->pf), v->vf);
}

/* Run the pre-flight read of @p v and wait. */
static int
preflight_wait(struct mig_vf *v, const char *side)
{
	char who[64];
	int rc;

	rc = mig_preflight_run(v);
	if (rc) {
		mig_side_name(v, side, who, sizeof(who));
		return vpf_error(rc, "%s: %s", who, v->err[0] ? v->err :
				 vpf_last_error());
	}
	return 0;
}

int
vpf_mig_desc_export(struct vpf_mig *m, uint16_t vf, void *buf, size_t cap,
		    size_t *len)
{
	struct mig_vf *v = mig_vf_get(m, vf);
	struct vpf_mig_desc d;
	size_t need;
	int rc;

	if (v == NULL)
		return -EINVAL;
	if (len == NULL || (buf == NULL && cap))
		return vpf_error(-EINVAL, "desc_export: NULL");
	*len = 0;
	rc = preflight_wait(v, "source");
	if (rc)
		return rc;
	mig_desc_from_vf(v, &d);
	rc = mig_desc_write(&d, buf, cap, &need);
	*len = need;
	return rc < 0 ? rc : 0;
}

int
vpf_mig_desc_check(struct vpf_mig *dst, uint16_t dst_vf, const void *desc,
		   size_t len, struct vpf_mig_compat *out)
{
	struct mig_vf *d = mig_vf_get(dst, dst_vf);
	struct vpf_mig_compat tmp;
	struct vpf_mig_desc sd;
	char who[64];
	int rc;

	if (d == NULL)
		return -EINVAL;
	if (out == NULL)
		out = &tmp;
	memset(out, 0, sizeof(*out));
	rc = vpf_mig_desc_parse(desc, len, &sd);
	if (rc) {
		snprintf(out->reason, sizeof(out->reason), "%s", vpf_last_error());
		return rc;
	}
	rc = preflight_wait(d, "destination");
	if (rc) {
		snprintf(out->reason, sizeof(out->reason), "%s", vpf_last_error());
		return rc;
	}
	rc = mig_desc_compare(&sd, d, out);
	mig_side_name(d, "destination", who, sizeof(who));
	if (rc)
		return vpf_error(rc, "%s: incompatible with source VF %u: %s",
				 who, sd.src_vf, out->reason);
	if (out->warning[0])
		VPF_LOG(mig, WARNING, "%s: %s", who, out->warning);
	return 0;
}
