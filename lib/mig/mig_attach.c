/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Attach and detach, and the crash safety around them (doc/protocol.md
 * §7.5, D-MIG.11, D-JRN.n; doc/migration.md "Crash safety"): attach reads
 * every VF's mode and holds it against the PF's journal of migrated VFs:
 * a VF found out of Active either migrated away (in the journal: left
 * stopped) or was left mid-migration by an owner that died (resumed);
 * detach puts back every VF this process moved, unless it was marked
 * complete, and stops the write recording it started.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mig_journal.h"
#include "mig_vf.h"

void
vpf_mig_params_init(struct vpf_mig_params *p)
{
	memset(p, 0, sizeof(*p));
	p->chunk = 4096;
	p->scan = true;
	p->restore_on_detach = true;
	p->journal_dir = NULL;
	p->recover_orphans = true;
}

const char *
vpf_mig_orphan_fate_name(enum vpf_mig_orphan_fate f)
{
	static const char *const names[] = {
		[VPF_MIG_ORPHAN_LEFT] = "left",
		[VPF_MIG_ORPHAN_RESUMED] = "resumed",
		[VPF_MIG_ORPHAN_RESUME_FAILED] = "resume-failed",
		[VPF_MIG_ORPHAN_MIGRATED] = "migrated",
		[VPF_MIG_ORPHAN_UNKNOWN] = "unknown",
		[VPF_MIG_ORPHAN_STALE] = "stale",
	};

	if ((unsigned int)f >= sizeof(names) / sizeof(names[0]))
		return "invalid";
	return names[f];
}

static void
mig_free(struct vpf_mig *m)
{
	mig_journal_close(m);
	free(m->vfs);
	free(m->orphans);
	free(m->submit_bm);
	free(m->done_bm);
	free(m->jwait_bm);
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
	if (m->info.dialect == VPF_DIALECT_V14_PARTS) {
		/* The 1.4 device-parts commands (D-DRV14.3). */
		if ((m->info.cmds_enabled & VPF_ADMIN_V14_OPS_PARTS) !=
		    VPF_ADMIN_V14_OPS_PARTS) {
			rc = vpf_error(-ENOTSUP, "%s: device lacks the 1.4 device-parts commands (enabled 0x%" PRIx64 ")",
				       vpf_pf_name(pf), m->info.cmds_enabled);
			goto fail;
		}
	} else if ((m->info.cmds_enabled & VPF_ADMIN_OPS_MIGRATION) !=
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
		m->jwait_bm = calloc(m->bm_words, sizeof(uint64_t));
		if (m->vfs == NULL || m->orphans == NULL ||
		    m->submit_bm == NULL || m->done_bm == NULL ||
		    m->jwait_bm == NULL) {
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

/* What the scan found for @p v. */
static void
scan_note(struct vpf_mig *m, struct mig_vf *v)
{
	v->moved = false;
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
	}
}

static void
orphan_add(struct vpf_mig *m, struct mig_vf *v, enum vpf_mig_orphan_fate f)
{
	struct vpf_mig_orphan *o = &m->orphans[m->norphans++];

	o->vf = v->vf;
	o->mode = v->mode;
	o->fate = f;
}

/*
 * What a VF outside Active is, by the journal (D-JRN.2, D-JRN.3): its
 * fate, and whether to resume it. Nothing is resumed unless a readable
 * journal says it did not migrate away.
 */
static enum vpf_mig_orphan_fate
scan_fate(struct vpf_mig *m, struct mig_vf *v)
{
	switch (mig_journal_state(m)) {
	case MIG_JRN_OK:
		break;
	case MIG_JRN_OFF:
	default:
		MIG_LOG(WARNING, m->pf,
			"VF %u found in %s mode, and no journal says whether it migrated away: left as is; "
			"vpf_mig_recover() or vpf_mig_abort() (CLI: mig abort) resumes it if it did not",
			v->vf, vpf_dev_mode_name(v->mode));
		return VPF_MIG_ORPHAN_LEFT;
	}
	if (mig_journal_was_bad(m)) {
		/* Recorded as migrated away: the next attach will not
		 * resume it either, whatever the bad file said. */
		mig_journal_set(m, v->vf, true);
		v->complete = true;
		MIG_LOG(ERR, m->pf,
			"VF %u found in %s mode with the journal unreadable: it may have migrated away; left as is",
			v->vf, vpf_dev_mode_name(v->mode));
		return VPF_MIG_ORPHAN_UNKNOWN;
	}
	if (mig_journal_has(m, v->vf)) {
		v->complete = true;
		MIG_LOG(INFO, m->pf,
			"VF %u in %s mode migrated away (journal): left stopped",
			v->vf, vpf_dev_mode_name(v->mode));
		return VPF_MIG_ORPHAN_MIGRATED;
	}
	if (!m->prm.recover_orphans) {
		MIG_LOG(WARNING, m->pf,
			"VF %u found in %s mode: left mid-migration by an owner that died; "
			"vpf_mig_recover() or vpf_mig_abort() (CLI: mig abort) brings it back to Active, "
			"dropping any written but unapplied context",
			v->vf, vpf_dev_mode_name(v->mode));
		return VPF_MIG_ORPHAN_LEFT;
	}
	return VPF_MIG_ORPHAN_RESUMED;
}

/*
 * Crash safety on a 1.4 PF (D-MIG14.3): there is no MODE_GET, so the
 * journal is all there is. A VF journaled as migrated away is left
 * stopped; every other one is sent a resume (harmless on a running VF),
 * all in flight together, and those with a stop mark are reported. With
 * vpf_mig_params::recover_orphans false the stop-marked ones are only
 * reported. Without a readable journal nothing is sent: a VF may have
 * migrated away, and the modes are unknown.
 */
static void
attach_scan_v14(struct vpf_mig *m)
{
	bool changed = false;
	uint16_t i;

	if (mig_journal_state(m) != MIG_JRN_OK || mig_journal_was_bad(m)) {
		for (i = 0; i < m->nvfs; i++) {
			m->vfs[i].mode = MIG_MODE_UNKNOWN;
			m->vfs[i].complete = mig_journal_has(m, m->vfs[i].vf);
		}
		if (m->nvfs)
			MIG_LOG(WARNING, m->pf,
				"virtio 1.4 PF without a readable journal: the modes of its VFs cannot be read; none is resumed. "
				"vpf_mig_recover() or vpf_mig_abort() (CLI: mig abort) resumes a VF that did not migrate away");
		return;
	}
	for (i = 0; i < m->nvfs; i++) {
		struct mig_vf *v = &m->vfs[i];
		bool marked = mig_journal_stopped(m, v->vf);

		v->moved = false;
		if (mig_journal_has(m, v->vf)) {
			v->mode = VPF_DEV_MODE_FREEZE;
			v->state = S_STOP;
			v->complete = true;
			orphan_add(m, v, VPF_MIG_ORPHAN_MIGRATED);
			MIG_LOG(INFO, m->pf,
				"VF %u migrated away (journal): left stopped",
				v->vf);
			continue;
		}
		if (marked && !m->prm.recover_orphans) {
			v->mode = VPF_DEV_MODE_FREEZE;
			v->state = S_STOP;
			orphan_add(m, v, VPF_MIG_ORPHAN_LEFT);
			m->orphans[m->norphans - 1].mode = VPF_DEV_MODE_STOP;
			MIG_LOG(WARNING, m->pf,
				"VF %u was stopped by an owner that died (journal): left stopped; "
				"vpf_mig_recover() or vpf_mig_abort() (CLI: mig abort) resumes it",
				v->vf);
			continue;
		}
		if (marked) {
			/* The mark goes once the resume succeeded (the
			 * MODE_SET's completion drops it in memory). */
			changed = true;
			orphan_add(m, v, VPF_MIG_ORPHAN_RESUMED);
			m->orphans[m->norphans - 1].mode = VPF_DEV_MODE_STOP;
			MIG_LOG(WARNING, m->pf,
				"VF %u was stopped by an owner that died (journal): resuming it",
				v->vf);
		}
		mig_op_begin(v, NULL, NULL);
		mig_op_add(v, ACT_MODE_SET, VPF_DEV_MODE_ACTIVE, STEP_F_FORCE,
			   NULL);
		mig_op_add(v, ACT_LOCAL, 0, 0, local_scan_done);
		mig_op_start(v);
	}
	for (i = 0; i < m->nvfs; i++) {
		struct mig_vf *v = &m->vfs[i];
		unsigned int k;

		if (!v->busy && v->state != S_RUN)
			continue;
		if (mig_op_wait(v) == 0) {
			/* (its stop mark went with the resume) */
			v->moved = false;
			continue;
		}
		/* The mode is unknown now. */
		v->mode = MIG_MODE_UNKNOWN;
		v->state = S_RUN;
		MIG_LOG(ERR, m->pf, "VF %u could not be resumed at attach: %s",
			v->vf, v->err);
		for (k = 0; k < m->norphans; k++)
			if (m->orphans[k].vf == v->vf)
				m->orphans[k].fate =
					VPF_MIG_ORPHAN_RESUME_FAILED;
	}
	if (changed)
		(void)mig_journal_write(m);
}

/* Crash safety: one DEV_MODE_GET per VF, all in flight together, then
 * each VF held against the journal. */
static void
attach_scan(struct vpf_mig *m)
{
	bool changed = false;
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

	/* The journal first: entries dropped and added are durable before
	 * anything is resumed. */
	for (i = 0; i < m->nvfs; i++) {
		struct mig_vf *v = &m->vfs[i];

		if (v->mode == MIG_MODE_UNKNOWN) {
			/* Cannot tell: an entry stays; with a bad journal
			 * it is recorded, as for a VF out of Active. */
			if (mig_journal_was_bad(m))
				changed |= mig_journal_set(m, v->vf, true);
			v->complete = mig_journal_has(m, v->vf);
			continue;
		}
		if (v->mode == VPF_DEV_MODE_ACTIVE) {
			if (mig_journal_has(m, v->vf)) {
				/* It runs here: the entry is stale. */
				changed |= mig_journal_set(m, v->vf, false);
				orphan_add(m, v, VPF_MIG_ORPHAN_STALE);
				MIG_LOG(WARNING, m->pf,
					"VF %u is Active although the journal says it migrated away: stale entry dropped",
					v->vf);
			}
			continue;
		}
		if (mig_journal_was_bad(m) && !mig_journal_has(m, v->vf))
			changed = true;
		orphan_add(m, v, scan_fate(m, v));
	}
	if (changed || mig_journal_was_bad(m))
		(void)mig_journal_write(m);

	/* Then resume the VFs left mid-migration. */
	for (i = 0; i < m->norphans; i++) {
		struct vpf_mig_orphan *o = &m->orphans[i];

		if (o->fate != VPF_MIG_ORPHAN_RESUMED)
			continue;
		MIG_LOG(WARNING, m->pf,
			"VF %u found in %s mode and not in the journal: left mid-migration by an owner that died; resuming it",
			o->vf, vpf_dev_mode_name(o->mode));
		if (vpf_mig_recover(m, o->vf) < 0) {
			o->fate = VPF_MIG_ORPHAN_RESUME_FAILED;
			MIG_LOG(ERR, m->pf, "VF %u could not be resumed: %s",
				o->vf, m->vfs[o->vf - 1].err);
		}
	}
}

bool
mig_attach_left(const struct vpf_mig *m, uint16_t vf)
{
	unsigned int i;

	for (i = 0; i < m->norphans; i++)
		if (m->orphans[i].vf == vf)
			return m->orphans[i].fate != VPF_MIG_ORPHAN_RESUMED &&
			       m->orphans[i].fate != VPF_MIG_ORPHAN_STALE;
	return false;
}

/* Without a scan: the journal's VFs are marked complete, nothing else. */
static void
attach_noscan(struct vpf_mig *m)
{
	uint16_t i;

	for (i = 0; i < m->nvfs; i++)
		m->vfs[i].complete = mig_journal_has(m, m->vfs[i].vf);
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
	if (rc == 0)
		rc = mig_journal_open(m, p->journal_dir, p->scan);
	if (rc) {
		if (m != NULL)
			mig_free(m);
		errno = -rc;
		return NULL;
	}
	if (p->scan && mig_is_v14(m))
		attach_scan_v14(m);
	else if (p->scan)
		attach_scan(m);
	else
		attach_noscan(m);
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

static int
mig_v14_tidy_plan_p(struct mig_vf *v, const void *unused)
{
	(void)unused;
	return mig_v14_tidy_plan(v);
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
	} else if (mig_is_v14(m) && mig_v14_holds(v)) {
		/* No object outlives the handle (a source marked complete
		 * still in STOP_COPY, ...). */
		if (mig_run(m, v->vf, mig_v14_tidy_plan_p, NULL,
			    NULL, NULL, true))
			MIG_LOG(ERR, m->pf, "VF %u: device-parts objects not destroyed at detach: %s",
				v->vf, v->err);
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
	mig_v14_free(v);
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
