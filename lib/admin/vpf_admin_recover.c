/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Admin command engine, recovery: after a timeout or a device that needs a
 * reset, the admin queue is reset or the device re-initialised, bounded
 * and never nested; an owner reset (vpf_pf_reset()); failing every
 * outstanding command when the device is gone or the PF detached.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "admin_internal.h"

/* Fail every command on the ring: @p culprit with @p culprit_rc, the others
 * with -ECANCELED (they were not at fault, but the device may or may not
 * have executed them: the caller decides whether to repeat). */
static void
fail_ring(struct vpf_pf *pf, struct vpf_admin_slot *culprit, int culprit_rc,
	  int other_rc, uint64_t now, struct done_list *dl)
{
	struct vpf_admin_slot *s;

	while ((s = pf->head) != NULL) {
		ring_remove(pf, s);
		slot_finish(pf, s, s == culprit ? culprit_rc : other_rc, false,
			    now, dl);
	}
}

static void
fail_retry(struct vpf_pf *pf, int rc, uint64_t now, struct done_list *dl)
{
	struct vpf_admin_slot *s;

	while ((s = pf->retry_head) != NULL) {
		pf->retry_head = s->next;
		pf->nretry--;
		s->next = NULL;
		slot_finish(pf, s, rc, false, now, dl);
	}
}

void
admin_mark_gone(struct vpf_pf *pf, uint64_t now, struct done_list *dl)
{
	char keep[256];

	snprintf(keep, sizeof(keep), "%s", vpf_last_error());
	pf->gone = true;
	fail_ring(pf, NULL, -ENODEV, -ENODEV, now, dl);
	fail_retry(pf, -ENODEV, now, dl);
	ADMIN_LOG(ERR, pf, "%s", keep);
	vpf_error(-ENODEV, "PF %s: %s", pf->name, keep);
}

/* One attempt: queue reset when allowed, else device re-initialisation
 * and LIST_QUERY / LIST_USE. The latter runs commands, and so polls, from
 * inside the recovery: a fault seen by those polls fails the recovery's
 * command (admin_recover() does not nest) and so this attempt. */
static int
recover_once(struct vpf_pf *pf, bool reinit, const char *reason)
{
	uint8_t st = 0;
	int rc;

	rc = vpf_virtio_status_get(&pf->vd, &st);
	if (rc == -ENODEV)
		return rc;
	/* One queue can be reset only on a device that is otherwise fine. */
	rc = -ENOTSUP;
	if (!reinit && !(st & (VPF_STATUS_DEVICE_NEEDS_RESET | VPF_STATUS_FAILED)) &&
	    (pf->vd.driver_features & VPF_FEATURE(VPF_F_RING_RESET))) {
		rc = vpf_virtio_queue_reset(&pf->vd, &pf->aq,
					    pf->params.reset_timeout_us);
		if (rc == 0)
			ADMIN_LOG(WARNING, pf, "admin queue reset after: %s", reason);
	}
	if (rc == -ENODEV || pf->vd.gone)
		return -ENODEV;
	if (rc == 0)
		return 0;
	/* An owner reset: what the device knew of the driver is gone. */
	pf->cmds_enabled = VPF_ADMIN_OPS_LIST;
	if (pf->wr_cap_valid != NULL)
		memset(pf->wr_cap_valid, 0, ((size_t)pf->num_vfs + 1) *
		       sizeof(*pf->wr_cap_valid));
	rc = vpf_pf_device_init(pf, false);
	if (rc == 0)
		rc = vpf_admin_negotiate(pf);
	if (rc == -ENODEV || pf->vd.gone)
		return -ENODEV;
	if (rc == 0)
		ADMIN_LOG(WARNING, pf, "device re-initialised after: %s", reason);
	return rc;
}

/*
 * Recover the admin queue after a timeout or a device error: the commands
 * on the ring are failed at once (the culprit with @p culprit_rc, the others
 * with @p other_rc), then the queue is reset (VIRTIO_F_RING_RESET) or, failing
 * that or with @p reinit, the device is re-initialised and the command list
 * negotiated again. Commands waiting for a retry stay and are posted again
 * afterwards. VF state is the device's and survives (doc/protocol.md
 * §4.9, D-4.2; the recovery itself is D-DRV.3, D-DRV.4, D-DRV.22).
 *
 * Never nested: called while a recovery runs (a fault seen by the polls of
 * the recovery's own LIST_QUERY / LIST_USE), it only fails what is on the
 * ring, which fails that attempt. Bounded: every attempt counts in
 * recover_run, which only an answered command resets; at
 * VPF_ADMIN_RECOVERY_MAX the PF is failed, every waiting command fails with
 * -EIO and so does every later submit, with the reason (D-DRV.25, D-DRV.26).
 */
int
admin_recover(struct vpf_pf *pf, struct vpf_admin_slot *culprit, int culprit_rc,
	int other_rc, uint64_t now, struct done_list *dl, const char *why,
	bool reinit)
{
	char reason[256], keep[256] = "";
	int rc;

	snprintf(reason, sizeof(reason), "%s", why);
	fail_ring(pf, culprit, culprit_rc, other_rc, now, dl);
	pf->unkicked = 0;
	if (pf->recovering)
		return vpf_error(-EIO, "during recovery: %s", reason);
	if (pf->dead)
		return vpf_error(-EIO, "PF %s is failed: %s", pf->name, pf->dead_why);
	pf->recovering = true;
	for (;;) {
		if (pf->recover_run >= VPF_ADMIN_RECOVERY_MAX) {
			/* The reason is cut to fit: keep and reason have
			 * the same size. */
			snprintf(keep, sizeof(keep),
				 "%u recoveries in a row without a command answered (last: %.160s)",
				 pf->recover_run, reason);
			rc = -EIO;
			break;
		}
		pf->recover_run++;
		pf->recoveries++;
		rc = recover_once(pf, reinit, reason);
		if (rc == 0)
			break;
		if (rc == -ENODEV) {
			admin_mark_gone(pf, now, dl);
			pf->recovering = false;
			return -ENODEV;
		}
		/* The attempt failed: try again with a device re-init (the
		 * failed one may have left the command list un-negotiated). */
		snprintf(keep, sizeof(keep), "%s", vpf_last_error());
		ADMIN_LOG(ERR, pf, "recovery attempt %u failed: %s", pf->recover_run,
			  keep);
		snprintf(reason, sizeof(reason), "%s", keep);
		reinit = true;
	}
	pf->recovering = false;
	pf->last_progress_tk = vpf_ticks();
	if (rc < 0) {
		snprintf(pf->dead_why, sizeof(pf->dead_why), "%s", keep);
		pf->dead = true;
		fail_retry(pf, -EIO, now, dl);
		ADMIN_LOG(ERR, pf, "PF failed: %s", pf->dead_why);
		return vpf_error(-EIO, "PF %s is failed: %s; detach and attach again",
				 pf->name, pf->dead_why);
	}
	return 0;
}

/* Owner reset (vpf_pf_reset()): a reset device never completes what it had,
 * so every outstanding command, on the ring or waiting for a retry, is
 * completed now with -ECANCELED, then the device is re-initialised. */
int
vpf_admin_owner_reset(struct vpf_pf *pf)
{
	struct done_list dl = { NULL, NULL };
	uint64_t now = vpf_ticks();
	int rc;

	fail_retry(pf, -ECANCELED, now, &dl);
	pf->recover_run = 0;
	rc = admin_recover(pf, NULL, -ECANCELED, -ECANCELED, now, &dl,
		     "owner reset", true);
	if (rc == 0)
		pf->recover_run = 0;	/* asked for, not a fault */
	else
		rc = vpf_error(rc, "%s", vpf_last_error());
	admin_done_run(pf, &dl);
	return rc;
}

void
vpf_admin_fail_all(struct vpf_pf *pf, int rc)
{
	struct done_list dl = { NULL, NULL };
	uint64_t now = vpf_ticks();

	if (pf->slots == NULL)
		return;
	fail_ring(pf, NULL, rc, rc, now, &dl);
	fail_retry(pf, rc, now, &dl);
	admin_done_run(pf, &dl);
}
