/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The save stream of a source VF (doc/protocol.md §7.3): each state entry
 * of STOP_COPY, PRE_COPY and PRE_COPY_P2P reads a whole context (D-MIG.3),
 * checks it, and appends it to the stream as one record; the caller pulls
 * the stream with vpf_mig_save_read() in any piece size.
 */

#include <errno.h>
#include <string.h>

#include "vpf_ctx.h"
#include "mig_vf.h"

int
mig_session_drop(struct mig_vf *v)
{
	v->save.session = false;
	mig_buf_reset(&v->save.out);
	v->save.round = 0;
	v->save.round_end = 0;
	return 0;
}

static int
save_emit(struct mig_vf *v, bool final)
{
	struct vpf_ctx_error cerr;
	struct mig_ctx_summary sum;
	bool v14 = mig_is_v14(v->m);
	char why[160];
	int rc;

	/* The device is untrusted: its context must be well formed before it
	 * goes into a stream (the destination would refuse it anyway). A
	 * 1.4 parts set was checked when it was read (mig_v14.c). */
	rc = v14 ? 0 : vpf_ctx_validate(v->ctx.p, v->ctx.len, 0, &cerr);
	if (rc) {
		vpf_ctx_error_str(&cerr, why, sizeof(why));
		return mig_vf_fail(v, -EIO, "VF %u: device returned a malformed context: %s",
				   v->vf, why);
	}
	if (!v->save.session) {
		mig_session_drop(v);
		mig_writer_init(&v->save.w, &v->save.out);
		v->save.session = true;
	}
	if (!v->save.w.started) {
		struct mig_src_desc d;

		memset(&d, 0, sizeof(d));
		d.vendor_id = v->m->info.vendor_id;
		d.device_id = v->m->info.device_id;
		d.src_vf = v->vf;
		if (v14) {
			/* Parts records, no field list. */
			mig_parts_summarize(v->ctx.p, v->ctx.len, &sum);
			d.parts = true;
		} else {
			/* validated above */
			mig_ctx_summarize_checked(v->ctx.p, v->ctx.len, &sum);
			d.nfields = v->fields_valid ? v->nfields : 0;
			d.fields = v->fields;
		}
		d.num_queues = sum.num_queues;
		d.features[0] = sum.features[0];
		d.features[1] = sum.features[1];
		rc = mig_writer_header(&v->save.w, &d);
		if (rc)
			return rc;
	}
	if (final) {
		rc = mig_writer_final(&v->save.w, v->ctx.p, v->ctx.len);
		if (rc == 0)
			rc = mig_writer_end(&v->save.w);
	} else {
		rc = mig_writer_precopy(&v->save.w, v->save.round + 1, v->ctx.p,
					v->ctx.len);
		if (rc == 0)
			v->save.round++;
	}
	if (rc)
		return rc;
	v->save.round_end = v->save.out.len;
	v->save.total = v->save.w.bytes;
	return 0;
}

int
mig_local_save_round(struct mig_vf *v)
{
	int rc;

	v->save.round_size = v->size_cur;
	v->save.dirty_bytes = v->size_frz;
	rc = save_emit(v, false);
	if (rc)
		return rc;
	v->state = v->target;
	return 0;
}

int
mig_local_save_final(struct mig_vf *v)
{
	int rc = save_emit(v, true);

	if (rc)
		return rc;
	v->state = S_SC;
	return 0;
}

int
vpf_mig_save_read(struct vpf_mig *m, uint16_t vf, void *buf, size_t len,
		  size_t *got)
{
	struct mig_vf *v = mig_vf_get(m, vf);
	size_t n;

	if (got)
		*got = 0;
	if (v == NULL)
		return -EINVAL;
	if ((buf == NULL && len) || got == NULL)
		return vpf_error(-EINVAL, "save_read: NULL buffer");
	if (!mig_is_save(v->state))
		return vpf_error(-EPERM, "VF %u: no save stream in %s", vf,
				 vpf_mig_state_name(v->state));
	if (mig_vf_busy(v))
		return vpf_error(-EBUSY, "VF %u: an operation is running", vf);
	n = v->save.out.len - v->save.out.off;
	if (n > len)
		n = len;
	if (n)
		memcpy(buf, v->save.out.p + v->save.out.off, n);
	v->save.out.off += n;
	*got = n;
	if (v->save.out.off == v->save.out.len) {
		/* Drained: reuse the buffer from the start. */
		v->save.out.off = v->save.out.len = 0;
		v->save.round_end = 0;
	}
	return 0;
}

int
vpf_mig_precopy_info(const struct vpf_mig *m, uint16_t vf,
		     struct vpf_mig_precopy_info *info)
{
	const struct mig_vf *v = mig_vf_get(m, vf);

	if (v == NULL)
		return -EINVAL;
	if (info == NULL)
		return vpf_error(-EINVAL, "precopy_info: NULL");
	if (v->state != S_PC && v->state != S_PCP)
		return vpf_error(-EPERM, "VF %u: precopy info only in PRE_COPY states (now %s)",
				 vf, vpf_mig_state_name(v->state));
	/* SIZE_GET(current) of the round being read, the same figure the
	 * driver's progress report sums (D-7.5, D-MIG.12); on a 1.4 PF
	 * METADATA SIZE, and no dirty bytes (D-MIG14.6). */
	info->initial_bytes = v->save.round_size;
	info->dirty_bytes = v->save.dirty_bytes;
	info->round_size = v->save.round_size;
	info->round = v->save.round;
	info->pending_bytes = v->save.out.len - v->save.out.off;
	return 0;
}

int
mig_precopy_round_plan(struct mig_vf *v)
{
	if (v->state != S_PC && v->state != S_PCP)
		return mig_vf_fail(v, -EPERM, "VF %u: precopy round only in PRE_COPY states (now %s)",
				   v->vf, vpf_mig_state_name(v->state));
	v->target = v->state;
	if (mig_is_v14(v->m))
		return mig_v14_precopy_round_plan(v);
	/* DISCARD makes the next READ start a fresh complete context of
	 * the current state (doc/protocol.md §4.8). */
	mig_op_add(v, ACT_DISCARD_FORCE, 0, 0, NULL);
	mig_op_add(v, ACT_SIZE_GET, 0, 0, NULL);
	mig_op_add(v, ACT_READ_CTX, 0, 0, NULL);
	mig_op_add(v, ACT_SIZE_GET, 1, 0, NULL);
	return mig_op_add(v, ACT_LOCAL, 0, 0, mig_local_save_round);
}


static int
plan_precopy_round(struct mig_vf *v, const void *unused)
{
	(void)unused;
	return mig_precopy_round_plan(v);
}

int
vpf_mig_precopy_round_async(struct vpf_mig *m, uint16_t vf,
			    vpf_mig_done_t done, void *arg)
{
	return mig_run(m, vf, plan_precopy_round, NULL, done, arg, false);
}

int
vpf_mig_precopy_round(struct vpf_mig *m, uint16_t vf)
{
	return mig_run(m, vf, plan_precopy_round, NULL, NULL, NULL, true);
}
