/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Compatibility of a context with a destination's DEV_CTX_FIELDS_QUERY
 * result (doc/protocol.md §5.6, D-5.9): every source field type is listed
 * by the destination, fixed types have equal length, variable ones fit the
 * destination's maximum. A destination runs this before it writes anything to its device.
 */

#include <errno.h>
#include <inttypes.h>

#include "ctx_internal.h"

const char *
vpf_ctx_cmp_kind_name(enum vpf_ctx_cmp_kind kind)
{
	switch (kind) {
	case VPF_CTX_CMP_OK: return "ok";
	case VPF_CTX_CMP_MISSING: return "missing";
	case VPF_CTX_CMP_LENGTH: return "length";
	case VPF_CTX_CMP_UNKNOWN: return "unknown";
	default: return "invalid";
	}
}

static uint16_t
info_type(const struct vpf_admin_ctx_field_info *info, size_t i)
{
	return vpf_le16_load((const uint8_t *)&info[i] +
			offsetof(struct vpf_admin_ctx_field_info, type));
}

static uint64_t
info_length(const struct vpf_admin_ctx_field_info *info, size_t i)
{
	return vpf_le64_load((const uint8_t *)&info[i] +
			offsetof(struct vpf_admin_ctx_field_info, length));
}

int
vpf_ctx_fields_check(const struct vpf_admin_ctx_field_info *info, size_t n)
{
	size_t i;

	if (info == NULL && n > 0)
		return vpf_error(-EINVAL, "FIELDS_QUERY list: NULL entries");
	/* One entry per supported type, ascending by type (D-5.8). */
	for (i = 1; i < n; i++)
		if (info_type(info, i) <= info_type(info, i - 1))
			return vpf_error(-EINVAL,
					 "FIELDS_QUERY list: entry %zu type 0x%04x does not ascend after 0x%04x",
					 i, info_type(info, i),
					 info_type(info, i - 1));
	return 0;
}

enum vpf_ctx_cmp_kind
vpf_ctx_field_compat(uint16_t type, uint64_t length,
		     const struct vpf_admin_ctx_field_info *info, size_t n,
		     uint64_t *dst_length)
{
	size_t lo = 0, hi = n, mid;
	uint64_t dlen, size;
	uint16_t t;

	if (dst_length != NULL)
		*dst_length = 0;
	if (info == NULL)
		return VPF_CTX_CMP_MISSING;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		t = info_type(info, mid);
		if (t == type)
			break;
		if (t < type)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= hi)
		return VPF_CTX_CMP_MISSING;
	dlen = info_length(info, mid);
	if (dst_length != NULL)
		*dst_length = dlen;
	size = vpf_ctx_type_fixed_size(type);
	if (size != 0)
		/* Fixed type: the destination's exact length (a longer
		 * source is an extension the destination must know). */
		return length == dlen ? VPF_CTX_CMP_OK : VPF_CTX_CMP_LENGTH;
	if (length > dlen)
		return VPF_CTX_CMP_LENGTH;
	/* Unknown types are treated as variable (they fit) and reported. */
	return vpf_ctx_type_is_known(type) ? VPF_CTX_CMP_OK :
		VPF_CTX_CMP_UNKNOWN;
}

int
vpf_ctx_compare_fields(const void *ctx, size_t len, uint32_t flags,
		       const struct vpf_admin_ctx_field_info *info, size_t n,
		       void (*cb)(const struct vpf_ctx_cmp_issue *is, void *arg),
		       void *arg, struct vpf_ctx_cmp_result *res,
		       struct vpf_ctx_error *err)
{
	struct vpf_ctx_cmp_result r = { .compatible = true };
	struct vpf_ctx_cmp_issue first = { .kind = VPF_CTX_CMP_OK };
	struct vpf_ctx_cmp_issue is;
	struct vpf_ctx_iter it;
	struct vpf_ctx_field f;
	int rc;

	rc = vpf_ctx_fields_check(info, n);
	if (rc < 0)
		return rc;
	rc = vpf_ctx_iter_init(&it, ctx, len, flags);
	if (rc < 0)
		return rc;
	while ((rc = vpf_ctx_iter_next(&it, &f)) > 0) {
		r.fields++;
		is.kind = vpf_ctx_field_compat(f.type, f.length, info, n,
					       &is.dst_length);
		if (is.kind == VPF_CTX_CMP_OK)
			continue;
		is.field_index = f.index;
		is.type = f.type;
		is.field_offset = f.offset;
		is.length = f.length;
		switch (is.kind) {
		case VPF_CTX_CMP_MISSING:
			r.missing++;
			break;
		case VPF_CTX_CMP_LENGTH:
			r.length++;
			break;
		default:
			r.unknown++;
			break;
		}
		if (is.kind != VPF_CTX_CMP_UNKNOWN && r.compatible) {
			r.compatible = false;
			first = is;
		}
		if (cb != NULL)
			cb(&is, arg);
	}
	if (err != NULL)
		*err = *vpf_ctx_iter_error(&it);
	if (rc < 0) {
		r.compatible = false;
		if (res != NULL)
			*res = r;
		return rc;
	}
	if (res != NULL)
		*res = r;
	if (first.kind == VPF_CTX_CMP_MISSING)
		return vpf_error(-EOPNOTSUPP,
				 "context field %" PRIu32 " (%s, 0x%04x) is not supported by the destination",
				 first.field_index,
				 vpf_ctx_type_name(first.type), first.type);
	if (first.kind == VPF_CTX_CMP_LENGTH)
		return vpf_error(-EOPNOTSUPP,
				 "context field %" PRIu32 " (%s, 0x%04x): length %" PRIu64 " %s the destination's %" PRIu64,
				 first.field_index,
				 vpf_ctx_type_name(first.type), first.type,
				 first.length,
				 vpf_ctx_type_fixed_size(first.type) ?
				 "differs from" : "exceeds",
				 first.dst_length);
	return 0;
}
