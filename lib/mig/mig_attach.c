/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Attach and detach, and the crash safety around them (doc/protocol.md
 * §7.5, D-MIG.11): attach reads every VF's mode, and a VF found out of
 * Active was left by a process that died mid-migration (an orphan);
 * detach puts back every VF this process moved, unless it was marked
 * complete, and stops the write recording it started.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mig_vf.h"

void
vpf_mig_params_init(struct vpf_mig_params *p)
{
	memset(p, 0, sizeof(*p));
	p->chunk = 4096;
	p->scan = true;
	p->restore_on_detach = true;
}

static void
mig_free(struct vpf_mig *m)
{
	free(m->vfs);
	free(m->orphans);
	free(m->submit_bm);
	free(m->done_bm);
	free(m);
}

/* Allocate the handle of @p pf and its per-VF arrays, every VF as the
 * library assumes it until the scan says otherwise: RUNNING, Active. */
static int
attach_alloc(struct vpf_pf *pf, const struct vpf_mig_params *p,
	     struct vpf_mig **out)
{
	struct vpf_mig *m;
	uint16_t i;
	int rc;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return vpf_error(-ENOMEM, "out of memory");
	m->pf = pf;
	m->prm = *p;
	rc = vpf_pf_info_get(pf, &m->info);
	if (rc)
		goto fail;
	if ((m->info.cmds_enabled & VPF_ADMIN_OPS_MIGRATION) !=
	    VPF_ADMIN_OPS_MIGRATION) {
		rc = vpf_error(-ENOTSUP, "%s: device lacks the migration commands (enabled 0x%" PRIx64 ")",
			       vpf_pf_name(pf), m->info.cmds_enabled);
		goto fail;
	}
	m->nvfs = vpf_pf_num_vfs(pf);
	if (m->nvfs) {
		m->vfs = calloc(m->nvfs, sizeof(*m->vfs));
		m->orphans = calloc(m->nvfs, sizeof(*m->orphans));
		m->bm_words = (m->nvfs + 63u) / 64;
		m->submit_bm = calloc(m->bm_words, sizeof(uint64_t));
		m->done_bm = calloc(m->bm_words, sizeof(uint64_t));
		if (m->vfs == NULL || m->orphans == NULL ||
		    m->submit_bm == NULL || m->done_bm == NULL) {
			rc = vpf_error(-ENOMEM, "out of memory");
			goto fail;
		}
	}
	for (i = 0; i < m->nvfs; i++) {
		struct mig_vf *v = &m->vfs[i];

		v->m = m;
		v->vf = i + 1;
		v->state = S_RUN;
		v->mode = VPF_DEV_MODE_ACTIVE;
		v->orig_mode = VPF_DEV_MODE_ACTIVE;
		v->load.precopy_write = true;
		v->chunk = p->chunk;
	}
	*out = m;
	return 0;
fail:
	mig_free(m);
	return rc;
}

static int
local_scan_done(struct mig_vf *v)
{
	v->state = mig_plain_state(v->mode);
	return 0;
}

/* What the scan found for @p v: a VF out of Active is an orphan. */
static void
scan_note(struct vpf_mig *m, struct mig_vf *v)
{
	if (mig_op_wait(v)) {
		MIG_LOG(WARNING, m->pf, "VF %u: mode unknown at attach: %s",
			v->vf, v->err);
		v->mode = MIG_MODE_UNKNOWN;
		v->state = S_RUN;
		return;
	}
	if (v->mode != VPF_DEV_MODE_ACTIVE) {
		/* A dead process may have left a partial read or write, and
		 * in Freeze a written context: assume so, so that it is
		 * DISCARDed before the VF leaves Freeze (leaving applies it:
		 * doc/protocol.md §4.3, §7.5). */
		v->read_started = v->partial = true;
		v->written = v->mode == VPF_DEV_MODE_FREEZE;
		m->orphans[m->norphans].vf = v->vf;
		m->orphans[m->norphans].mode = v->mode;
		m->norphans++;
		MIG_LOG(WARNING, m->pf,
			"VF %u found in %s mode: a process may have died mid-migration; "
			"vpf_mig_recover() (CLI: ctx discard, mode set ... active) brings it back to Active, "
			"dropping any written but unapplied context",
			v->vf, vpf_dev_mode_name(v->mode));
	}
	v->moved = false;
}

/* Crash safety: one DEV_MODE_GET per VF, all in flight together. */
static void
attach_scan(struct vpf_mig *m)
{
	uint16_t i;

	for (i = 0; i < m->nvfs; i++) {
		struct mig_vf *v = &m->vfs[i];

		mig_op_begin(v, NULL, NULL);
		mig_op_add(v, ACT_MODE_GET, 0, 0, NULL);
		mig_op_add(v, ACT_LOCAL, 0, 0, local_scan_done);
		mig_op_start(v);
	}
	for (i = 0; i < m->nvfs; i++)
		scan_note(m, &m->vfs[i]);
}

struct vpf_mig *
vpf_mig_attach(struct vpf_pf *pf, const struct vpf_mig_params *p)
{
	struct vpf_mig_params def;
	struct vpf_mig *m = NULL;
	int rc;

	if (pf == NULL) {
		errno = EINVAL;
		vpf_error(-EINVAL, "vpf_mig_attach: no PF");
		return NULL;
	}
	if (p == NULL) {
		vpf_mig_params_init(&def);
		p = &def;
	}
	if (p->chunk == 0 || p->chunk % 8) {
		errno = EINVAL;
		vpf_error(-EINVAL, "chunk %u is not a non-zero multiple of 8 bytes",
			  p->chunk);
		return NULL;
	}
	rc = attach_alloc(pf, p, &m);
	if (rc) {
		errno = -rc;
		return NULL;
	}
	if (p->scan)
		attach_scan(m);
	return m;
}

struct vpf_pf *
vpf_mig_pf(const struct vpf_mig *m)
{
	return m ? m->pf : NULL;
}

int
vpf_mig_orphans(const struct vpf_mig *m, struct vpf_mig_orphan *out,
		unsigned int max)
{
	unsigned int i;

	if (m == NULL || (out == NULL && max))
		return vpf_error(-EINVAL, "orphans: bad arguments");
	for (i = 0; i < m->norphans && i < max; i++)
		out[i] = m->orphans[i];
	return (int)m->norphans;
}

/* Put @p v back as detach leaves it: the mode it had before this process
 * moved it (unless it is a source marked complete), recording stopped. */
static void
detach_restore(struct vpf_mig *m, struct mig_vf *v)
{
	if (v->busy)
		mig_op_wait(v);
	if (m->prm.restore_on_detach && v->moved && !v->complete) {
		if (vpf_mig_abort(m, v->vf))
			MIG_LOG(ERR, m->pf, "VF %u: could not restore Active at detach: %s",
				v->vf, v->err);
		else
			MIG_LOG(INFO, m->pf, "VF %u restored to %s at detach",
				v->vf, vpf_dev_mode_name(v->mode));
	} else if (v->dirty.started) {
		/* The driver must stop recording it started (D-6.9). */
		if (vpf_mig_dirty_stop(m, v->vf))
			MIG_LOG(ERR, m->pf, "VF %u: write recording stop failed: %s",
				v->vf, v->err);
	}
}

static void
vf_free(struct mig_vf *v)
{
	mig_buf_free(&v->ctx);
	mig_buf_free(&v->save.out);
	mig_buf_free(&v->load.pend);
	mig_buf_free(&v->load.wbuf);
	mig_parser_fini(&v->load.parser);
	free(v->fields);
	free(v->dirty.ranges);
	free(v->dirty.start_data);
	mig_wr_rec_free(v);
}

void
vpf_mig_detach(struct vpf_mig *m)
{
	uint16_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nvfs; i++) {
		detach_restore(m, &m->vfs[i]);
		vf_free(&m->vfs[i]);
	}
	mig_free(m);
}
