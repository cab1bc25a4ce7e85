/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The compatibility pre-flight (vpf_mig_check_compat() and the driver's
 * first phase), asked while the source runs: both VFs' FIELDS_QUERY,
 * SIZE_GET(freeze) and running context, then device type, feature bits
 * (D-MIG.8), queue count and fields compared (doc/protocol.md §5.6,
 * D-5.9). The buffers of the stop-copy are sized here (D-MIG.13).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "vpf_ctx.h"
#include "mig_half.h"

static int
local_pre_summary(struct mig_vf *v)
{
	struct vpf_ctx_error cerr;
	char why[160];

	if (vpf_ctx_validate(v->ctx.p, v->ctx.len, 0, &cerr)) {
		vpf_ctx_error_str(&cerr, why, sizeof(why));
		return mig_vf_fail(v, -EIO, "%s VF %u: device returned a malformed context: %s",
				   vpf_pf_name(v->m->pf), v->vf, why);
	}
	/* Size the stream buffers for the stop-copy now, while the VF runs,
	 * so the downtime path neither grows them nor faults their pages in
	 * (twice the estimate, for a workload that grows; a larger context
	 * still works). The context buffer itself already holds a device
	 * chunk more than a context. */
	if (v->size_frz < VPF_MIG_REC_MAX / 2)
		mig_vf_prefault(v, (size_t)v->size_frz * 2 + 4096);
	return mig_ctx_summarize(v->ctx.p, v->ctx.len, &v->pre);
}

/* The 1.4 pre-flight's read: a parts set, checked by the admin layer
 * (vpf_admin_v14_parts_check()) as it arrived; summarised like a
 * context. */
static int
local_pre_summary_v14(struct mig_vf *v)
{
	if (mig_parts_summarize(v->ctx.p, v->ctx.len, &v->pre) != 0)
		return mig_vf_fail(v, -EIO, "%s VF %u: device returned a malformed parts set",
				   vpf_pf_name(v->m->pf), v->vf);
	/* The stop-copy reads the same size again (D-MIG.13). */
	if (v->ctx.len < VPF_MIG_REC_MAX / 2)
		mig_vf_prefault(v, v->ctx.len * 2 + 4096);
	return 0;
}

/* The 1.4 pre-flight: the running VF's whole state read once with a GET
 * object of its own (created and destroyed here), which the device lets
 * a driver do while the VF runs; nothing changes for the VF (D-MIG14.20). */
static int
preflight_plan_v14(struct mig_vf *v)
{
	mig_op_add(v, ACT_V14_CREATE, VPF_PARTS_OBJ_GET, 0, NULL);
	mig_op_add(v, ACT_V14_READ, MIG_V14_INTO_CTX, 0, NULL);
	mig_op_add(v, ACT_V14_DESTROY, VPF_PARTS_OBJ_GET, 0, NULL);
	return mig_op_add(v, ACT_LOCAL, 0, 0, local_pre_summary_v14);
}

int
mig_preflight_plan(struct mig_vf *v)
{
	if (v->state != VPF_MIG_STATE_RUNNING &&
	    v->state != VPF_MIG_STATE_RUNNING_P2P)
		return mig_vf_fail(v, -EPERM,
				   "%s VF %u: pre-flight needs a running VF (now %s)",
				   vpf_pf_name(v->m->pf), v->vf,
				   vpf_mig_state_name(v->state));
	if (mig_is_v14(v->m))
		return preflight_plan_v14(v);
	mig_op_add(v, ACT_FIELDS_QUERY, 0, 0, NULL);
	mig_op_add(v, ACT_SIZE_GET, 1, 0, NULL);
	/* Read the running context and drop it again: the VF keeps running,
	 * nothing changes for it (a DISCARD after a complete read makes the
	 * next read start fresh: doc/protocol.md §4.8). */
	mig_op_add(v, ACT_DISCARD, 0, 0, NULL);
	mig_op_add(v, ACT_READ_CTX, 0, 0, NULL);
	mig_op_add(v, ACT_DISCARD_FORCE, 0, 0, NULL);
	return mig_op_add(v, ACT_LOCAL, 0, 0, local_pre_summary);
}

static int
local_pre_fresh(struct mig_vf *v)
{
	v->pre_fresh = true;
	return 0;
}

static int
plan_preflight_async(struct mig_vf *v, const void *unused)
{
	int rc;

	(void)unused;
	rc = mig_preflight_plan(v);
	return rc ? rc : mig_op_add(v, ACT_LOCAL, 0, 0, local_pre_fresh);
}

int
vpf_mig_preflight_async(struct vpf_mig *m, uint16_t vf, vpf_mig_done_t done,
			void *arg)
{
	return mig_run(m, vf, plan_preflight_async, NULL, done, arg, false);
}

/* Whether @p v holds a pre-flight read by vpf_mig_preflight_async() that
 * nothing has run after (then it is taken: used once). */
static bool
pre_take(struct mig_vf *v)
{
	if (!v->pre_fresh || v->busy || mig_vf_busy(v) ||
	    (v->state != VPF_MIG_STATE_RUNNING &&
	     v->state != VPF_MIG_STATE_RUNNING_P2P))
		return false;
	v->pre_fresh = false;
	return true;
}

int
mig_preflight_run(struct mig_vf *v)
{
	int rc;

	if (pre_take(v))
		return 0;
	rc = mig_op_begin(v, NULL, NULL);
	if (rc == 0)
		rc = mig_preflight_plan(v);
	if (rc == 0) {
		mig_op_start(v);
		rc = mig_op_wait(v);
	}
	return rc;
}

/* Feature bits only the owner (PF) has: not a VF's business. */
#define OWNER_ONLY_FEATURES \
	(VPF_FEATURE(VPF_F_SR_IOV) | VPF_FEATURE(VPF_F_ADMIN_VQ))

/*
 * Source descriptor against destination VF (both pre-flight read): the
 * part of the comparison that needs no source context, so that it runs
 * as well on a descriptor from another host (mig_desc.c).
 */
int
mig_desc_compare(const struct vpf_mig_desc *sd, const struct mig_vf *d,
		 struct vpf_mig_compat *out)
{
	const struct vpf_pf_info *di = &d->m->info;
	bool s_fields = (sd->flags & VPF_MIG_DESC_F_FIELDS) != 0;
	uint64_t sf, df;
	uint32_t i;

	memset(out, 0, sizeof(*out));
	out->src_queues = sd->num_queues;
	out->dst_queues = d->pre.num_queues;
	out->src_features = sd->features[0];
	out->ctx_estimate = sd->ctx_estimate;
	out->fields_checked = s_fields && d->fields_valid;
	/* 1.4 has no field list: the destination device checks each part
	 * at PARTS_SET (length, order, DEV_FEATURES). */
	if (!out->fields_checked && sd->dialect != VPF_DIALECT_V14_PARTS)
		snprintf(out->warning, sizeof(out->warning),
			 "%s has no DEV_CTX_FIELDS_QUERY: context fields not checked against the destination",
			 !s_fields ? "source" : "destination");

	if (sd->vendor_id != di->vendor_id || sd->device_id != di->device_id) {
		snprintf(out->reason, sizeof(out->reason),
			 "device type differs: source %04x:%04x, destination %04x:%04x",
			 sd->vendor_id, sd->device_id, di->vendor_id,
			 di->device_id);
		goto incompatible;
	}
	if (sd->dialect != (uint8_t)di->dialect) {
		snprintf(out->reason, sizeof(out->reason),
			 "admin command dialect differs: source %u, destination %u",
			 sd->dialect, (unsigned int)di->dialect);
		goto incompatible;
	}
	/* A VF's offered features are not visible through admin commands;
	 * the PF's offer stands for its VFs' (D-MIG.8). */
	sf = sd->pf_features & ~OWNER_ONLY_FEATURES;
	df = di->device_features & ~OWNER_ONLY_FEATURES;
	if (sf & ~df) {
		snprintf(out->reason, sizeof(out->reason),
			 "destination does not offer feature bits 0x%" PRIx64,
			 sf & ~df);
		goto incompatible;
	}
	if (sd->num_queues != d->pre.num_queues) {
		snprintf(out->reason, sizeof(out->reason),
			 "queue count differs: source %u, destination %u",
			 sd->num_queues, d->pre.num_queues);
		goto incompatible;
	}
	if (!out->fields_checked) {
		out->compatible = true;
		return 0;
	}
	for (i = 0; i < sd->nfields; i++) {
		uint16_t t = vpf_le16_load(&sd->fields[i].type);
		uint64_t l = vpf_le64_load(&sd->fields[i].length), dl = 0;
		enum vpf_ctx_cmp_kind k;

		k = vpf_ctx_field_compat(t, l, d->fields, d->nfields, &dl);
		if (k == VPF_CTX_CMP_MISSING || k == VPF_CTX_CMP_LENGTH) {
			snprintf(out->reason, sizeof(out->reason),
				 "field %s (0x%04x): source length %" PRIu64 ", destination %s%" PRIu64,
				 vpf_ctx_type_name(t), t, l,
				 k == VPF_CTX_CMP_MISSING ? "has none " : "",
				 dl);
			goto incompatible;
		}
	}
	out->compatible = true;
	return 0;
incompatible:
	out->compatible = false;
	return vpf_error(-EPROTO, "incompatible: %s", out->reason);
}

int
mig_compat_compare(struct mig_vf *s, struct mig_vf *d,
		   struct vpf_mig_compat *out)
{
	struct vpf_mig_desc sd;
	int rc;

	mig_desc_from_vf(s, &sd);
	rc = mig_desc_compare(&sd, d, out);
	if (rc || !out->fields_checked)
		return rc;
	/* In one process the source's context itself is at hand: its
	 * fields too must fit the destination's list. */
	rc = vpf_ctx_compare_fields(s->ctx.p, s->ctx.len, 0, d->fields,
				    d->nfields, NULL, NULL, NULL, NULL);
	if (rc) {
		snprintf(out->reason, sizeof(out->reason),
			 "source context does not fit the destination: %s",
			 vpf_last_error());
		out->compatible = false;
		return vpf_error(-EPROTO, "incompatible: %s", out->reason);
	}
	return 0;
}

int
vpf_mig_check_compat(struct vpf_mig *src, uint16_t src_vf,
		     struct vpf_mig *dst, uint16_t dst_vf,
		     struct vpf_mig_compat *out)
{
	struct mig_vf *s = mig_vf_get(src, src_vf);
	struct mig_vf *d = mig_vf_get(dst, dst_vf);
	struct vpf_mig_compat tmp;
	bool sf, df;
	int rc, rd;

	if (s == NULL || d == NULL)
		return -EINVAL;
	if (s == d)
		return vpf_error(-EINVAL, "source and destination are the same VF");
	if (out == NULL)
		out = &tmp;
	memset(out, 0, sizeof(*out));
	/* A side vpf_mig_preflight_async() just read is not read again. */
	sf = pre_take(s);
	df = pre_take(d);
	rc = sf ? 0 : mig_op_begin(s, NULL, NULL);
	if (rc == 0 && !df)
		rc = mig_op_begin(d, NULL, NULL);
	if (rc)
		return rc;
	rc = sf ? 0 : mig_preflight_plan(s);
	if (rc)
		return vpf_error(rc, "source %s", s->err);
	rc = df ? 0 : mig_preflight_plan(d);
	if (rc)
		return vpf_error(rc, "destination %s", d->err);
	/* Both in flight together. */
	if (!sf)
		mig_op_start(s);
	if (!df)
		mig_op_start(d);
	rc = sf ? 0 : mig_op_wait(s);
	rd = df ? 0 : mig_op_wait(d);
	if (rc)
		return vpf_error(rc, "source %s", s->err);
	if (rd)
		return vpf_error(rd, "destination %s", d->err);
	rc = mig_compat_compare(s, d, out);
	if (rc)
		return vpf_error(rc, "source %s VF %u -> destination %s VF %u: %s",
				 vpf_pf_name(src->pf), src_vf,
				 vpf_pf_name(dst->pf), dst_vf, out->reason);
	if (rc == 0 && out->warning[0])
		VPF_LOG(mig, WARNING, "%s VF %u -> %s VF %u: %s",
			vpf_pf_name(src->pf), src_vf, vpf_pf_name(dst->pf),
			dst_vf, out->warning);
	return rc;
}
