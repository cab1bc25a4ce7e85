/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Admin command engine, poll side: reap the used ring, validate every
 * completion (each byte the device wrote is read once, then checked in the
 * copy: D-DRV.29), retry transient failures, expire deadlines, notice a
 * device that stopped answering, and run the completion callbacks.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>

#include "admin_internal.h"

/* Longest retry backoff; it doubles from retry_backoff_us up to this. */
#define BACKOFF_MAX_US	1000u

/* ------------------------------------------------------------------------
 * One completion
 * --------------------------------------------------------------------- */

static int
proto_error(struct vpf_pf *pf, const struct vpf_admin_cmd *c, const char *what,
	    uint64_t a, uint64_t b)
{
	pf->protocol_errors++;
	ADMIN_LOG(ERR, pf, "%s on member %" PRIu64 ": device error: %s (%" PRIu64
		  " vs %" PRIu64 ")", admin_opname(pf, c->opcode), c->member, what, a, b);
	return vpf_error(-EIO, "%s on VF %" PRIu64 ": device error: %s (%" PRIu64
			 " vs %" PRIu64 ")", admin_opname(pf, c->opcode), c->member, what,
			 a, b);
}

/* Copy @p n bytes the device wrote into private memory. Every byte of a
 * completion is read from DMA memory exactly once, by this: the driver
 * validates the copy and uses the copy, so a device that rewrites its
 * buffer after the used entry (or while the driver looks at it) cannot get
 * one value validated and another one used. The compiler barrier keeps the
 * compiler from reading the source again instead of the copy. */
static inline void
dma_snap(void *dst, const volatile void *src, size_t n)
{
	memcpy(dst, (const void *)(uintptr_t)src, n);
	rte_compiler_barrier();
}

/* One aligned 8-byte load from DMA memory (raw bytes, not byte-swapped):
 * a single access, so not even a torn value can come of a device writing
 * at the same time. */
static inline uint64_t
dma_load64(const uint8_t *p)
{
	return __atomic_load_n((const uint64_t *)(const void *)p, __ATOMIC_RELAXED);
}

/* Validate the opcode-specific parts of an OK completion (doc/protocol.md
 * §2.1, §4, §6).
 * @p res is the private copy of the first min(written, 8) result bytes:
 * every fixed-size result vpf checks fits in it. */
static int
check_result(struct vpf_pf *pf, struct vpf_admin_cmd *c, const uint8_t *res,
	     uint32_t written, uint32_t posted)
{
	uint64_t v;

	if (c->priv[2] & CMD_F_V14)
		return admin_v14_check_result(pf, c, res, written, posted);
	switch (c->opcode) {
	case VPF_ADMIN_OP_LIST_QUERY:
		if (written < 8)
			return proto_error(pf, c, "LIST_QUERY result shorter than 8 bytes",
					   written, 8);
		break;
	case VPF_ADMIN_OP_DEV_MODE_GET:
		if (written < 1)
			return proto_error(pf, c, "no mode in the result", written, 1);
		if (res[0] > VPF_DEV_MODE_MAX)
			return proto_error(pf, c, "reserved mode reported", res[0],
					   VPF_DEV_MODE_MAX);
		break;
	case VPF_ADMIN_OP_DEV_CTX_SIZE_GET:
		if (written < 8)
			return proto_error(pf, c, "result shorter than 8 bytes",
					   written, 8);
		/* All-ones is the poison: no context is 2^64 - 1 bytes. */
		memcpy(&v, res, sizeof(v));
		if (v == UINT64_MAX)
			return proto_error(pf, c, "context size not written, still the driver's poison",
					   written, 8);
		break;
	case VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY:
		if (written < 8)
			return proto_error(pf, c, "result shorter than 8 bytes",
					   written, 8);
		break;
	case VPF_ADMIN_OP_DEV_CTX_READ:
		/* context_len must fit what was posted and what was written
		 * (doc/protocol.md §4.5): a device error, never trusted. */
		if (c->output > posted)
			return proto_error(pf, c, "context_len larger than the posted buffer",
					   c->output, posted);
		if (c->output > written)
			return proto_error(pf, c, "context_len larger than used.len - 8",
					   c->output, written);
		break;
	case VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY:
		if (written % sizeof(struct vpf_admin_ctx_field_info))
			return proto_error(pf, c, "FIELDS_QUERY result not a multiple of 16 bytes",
					   written, 16);
		break;
	case VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ:
		if ((uint64_t)c->output * 8 > written)
			return proto_error(pf, c, "record count larger than the result written",
					   (uint64_t)c->output * 8, written);
		break;
	default:
		break;
	}
	return 0;
}


/* Statuses vpf knows (doc/protocol.md §1.4); any other is reserved and counts as
 * EINVAL, its qualifier unchecked (a newer status may bring its own). */
static inline bool
status_known(uint16_t st)
{
	switch (st) {
	case VPF_ADMIN_STATUS_OK:
	case VPF_ADMIN_STATUS_ENXIO:
	case VPF_ADMIN_STATUS_EAGAIN:
	case VPF_ADMIN_STATUS_ENOMEM:
	case VPF_ADMIN_STATUS_EBUSY:
	case VPF_ADMIN_STATUS_EINVAL:
	case VPF_ADMIN_STATUS_ENOSPC:
		return true;
	default:
		return false;
	}
}

/*
 * The status part of a completion: status, qualifier and
 * command_specific_output in one 8-byte load (the buffer is 8-aligned),
 * decoded from that copy into the command. 0, or -EIO for a completion the
 * device got wrong: shorter than the status, status never written (still
 * the sentinel: nothing in the buffer is this command's), or a qualifier
 * out of range (doc/protocol.md §1.5: OK carries qualifier 0, a known
 * status one of 0..VPF_ADMIN_SQ_MAX; D-DRV.9).
 */
static int
complete_status(struct vpf_pf *pf, struct vpf_admin_slot *s, uint32_t len)
{
	struct vpf_admin_cmd *c = s->cmd;
	uint64_t sw;
	uint16_t st, q;

	if (unlikely(len < STS_LEN))
		return proto_error(pf, c, "used.len shorter than the 8-byte status",
				   len, STS_LEN);
	sw = rte_le_to_cpu_64(dma_load64(s->wr_post));
	st = (uint16_t)sw;
	q = (uint16_t)(sw >> 16);
	c->status = st;
	c->qualifier = q;
	c->output = (uint32_t)(sw >> 32);
	c->result_written = len - STS_LEN;
	if (unlikely(st == STS_SENTINEL)) {
		c->result_written = 0;
		return proto_error(pf, c, "status not written, still the driver's sentinel",
				   len, STS_SENTINEL);
	}
	if (unlikely(st == VPF_ADMIN_STATUS_OK ? q != VPF_ADMIN_SQ_OK :
		     q > VPF_ADMIN_SQ_MAX && status_known(st))) {
		c->result_written = 0;
		return proto_error(pf, c, st == VPF_ADMIN_STATUS_OK ?
				   "status OK with a non-zero qualifier" :
				   "status qualifier out of range", q,
				   st == VPF_ADMIN_STATUS_OK ? 0 : VPF_ADMIN_SQ_MAX);
	}
	return 0;
}

/*
 * The result of an OK completion. The first 8 result bytes (every
 * fixed-size result) are copied once and checked in the copy; the caller
 * gets that copy, and the bytes after it are read once, by the copy into
 * the caller's buffer. 0, or -EIO when the result is wrong.
 */
static int
complete_ok(struct vpf_pf *pf, struct vpf_admin_slot *s)
{
	struct vpf_admin_cmd *c = s->cmd;
	const uint8_t *res = s->wr_post + STS_LEN;
	uint32_t written = c->result_written;
	uint32_t nfix, ncopy;
	uint64_t fixed = 0;
	int rc;

	nfix = RTE_MIN(written, (uint32_t)sizeof(fixed));
	if (nfix == sizeof(fixed))
		fixed = dma_load64(res);	/* raw bytes */
	else if (nfix != 0)
		dma_snap(&fixed, res, nfix);
	rc = check_result(pf, c, (const uint8_t *)&fixed, written,
			  s->wr_len - STS_LEN);
	if (unlikely(rc < 0)) {
		c->result_written = 0;
		return rc;
	}
	ncopy = c->result != NULL ? RTE_MIN(written, c->result_len) : 0;
	if (ncopy != 0) {
		memcpy(c->result, &fixed, RTE_MIN(ncopy, nfix));
		if (ncopy > nfix)
			dma_snap((uint8_t *)c->result + nfix, res + nfix,
				 ncopy - nfix);
	}
	return 0;
}

/*
 * Transient lack of resources: no side effect, retry after a bounded
 * backoff (doc/protocol.md §1.4, D-4.11, D-DRV.9): EAGAIN whatever the
 * qualifier, ENOMEM only with NORESOURCE or TRYAGAIN. Another status keeps
 * its meaning whatever qualifier comes with it (ENXIO + TRYAGAIN is not
 * "try again"). True when @p s went onto the retry list.
 */
static bool
complete_retry(struct vpf_pf *pf, struct vpf_admin_slot *s, uint64_t now)
{
	struct vpf_admin_cmd *c = s->cmd;
	uint16_t st = c->status, q = c->qualifier;
	uint64_t us;

	if (!(st == VPF_ADMIN_STATUS_EAGAIN ||
	      (st == VPF_ADMIN_STATUS_ENOMEM && (q == VPF_ADMIN_SQ_NORESOURCE ||
						q == VPF_ADMIN_SQ_TRYAGAIN) &&
	       !admin_v14_enomem_sizes(c))) ||
	    c->retries >= pf->params.retry_max)
		return false;
	us = (uint64_t)pf->params.retry_backoff_us << RTE_MIN(c->retries, 20u);
	c->retries++;
	s->state = SLOT_RETRY;
	s->retry_at_tk = now + RTE_MIN(us, (uint64_t)BACKOFF_MAX_US) *
		vpf_ticks_per_us;
	/* The retry list reuses the ring links; it is short and rarely
	 * non-empty. */
	s->prev = NULL;
	s->next = pf->retry_head;
	pf->retry_head = s;
	pf->nretry++;
	return true;
}

/* The device completed the command of @p s with @p len bytes written:
 * validate, then finish it (or queue its retry). */
static void
slot_complete(struct vpf_pf *pf, struct vpf_admin_slot *s, uint32_t len,
	      uint64_t now, struct done_list *dl)
{
	struct vpf_admin_cmd *c = s->cmd;
	int rc;

	ring_remove(pf, s);
	rc = complete_status(pf, s, len);
	if (unlikely(rc < 0)) {
		slot_finish(pf, s, rc, false, now, dl);
		return;
	}
	/* The device answered this command: the run of recoveries without an
	 * answer ends (the recovery's own LIST_* do not count; D-DRV.25). */
	if (!(c->priv[2] & CMD_F_INTERNAL))
		pf->recover_run = 0;
	if (likely(c->status == VPF_ADMIN_STATUS_OK)) {
		rc = complete_ok(pf, s);
		slot_finish(pf, s, rc, rc == 0, now, dl);
		return;
	}
	c->result_written = 0;
	if (complete_retry(pf, s, now))
		return;
	rc = vpf_admin_status_errno(c->status);
	if ((c->priv[2] & CMD_F_V14) &&
	    c->status == VPF_ADMIN_V14_STATUS_EEXIST)
		rc = -EEXIST;	/* D-DRV14.7 */
	vpf_error(rc, "%s on VF %" PRIu64 " failed: status %s (%u), qualifier %s (%u)",
		  admin_opname(pf, c->opcode), c->member,
		  vpf_admin_status_name(c->status), c->status,
		  vpf_admin_qualifier_name(c->qualifier), c->qualifier);
	slot_finish(pf, s, rc, true, now, dl);
}

/* ------------------------------------------------------------------------
 * Poll
 *
 * Each step returns true when the poll ends there, with its return code in
 * *rc (a recovery ran, or the device is gone); false to go on.
 * --------------------------------------------------------------------- */

/* Read the used ring until used_idx == last_used, whatever is in flight
 * (bounded by the ring size and by @p max entries), completing each entry;
 * a used entry the device got wrong is dropped or fails its command
 * (D-DRV.5). */
static bool
poll_reap(struct vpf_pf *pf, uint32_t max, uint64_t now, struct done_list *dl,
	  int *rc)
{
	struct vpf_admin_slot *s;
	struct vpf_vq_used u;
	uint32_t budget;
	uint16_t before;
	int r;

	for (budget = RTE_MIN((uint32_t)pf->aq.size, max); budget > 0; budget--) {
		before = pf->aq.last_used;
		r = vpf_vq_get_used(&pf->aq, &u);
		if (r == 0)
			break;
		if (likely(r > 0)) {
			pf->last_progress_tk = now;
			slot_complete(pf, u.cookie, u.len, now, dl);
			continue;
		}
		/* A used entry the device got wrong. */
		pf->protocol_errors++;
		if (u.cookie != NULL) {
			/* Length larger than posted: that command failed. */
			s = u.cookie;
			ring_remove(pf, s);
			s->cmd->result_written = 0;
			ADMIN_LOG(ERR, pf, "%s", vpf_last_error());
			slot_finish(pf, s, -EIO, false, now, dl);
			continue;
		}
		if (pf->aq.last_used == before) {
			/* Impossible used index: the ring is unusable. */
			char why[256];

			snprintf(why, sizeof(why), "%s", vpf_last_error());
			*rc = admin_recover(pf, NULL, -EIO, -EIO, now, dl, why, false);
			return true;
		}
		/* Unknown id (out of range, duplicate, never posted): the
		 * entry is dropped; the command it should have named times
		 * out and the queue is recovered then. */
		ADMIN_LOG(ERR, pf, "%s", vpf_last_error());
	}
	return false;
}

/* Deadlines: the oldest command on the ring expires first (all have the
 * same timeout, D-DRV.10); the queue is recovered (D-DRV.3). */
static bool
poll_deadline(struct vpf_pf *pf, uint64_t now, struct done_list *dl, int *rc)
{
	struct vpf_admin_slot *s = pf->head;
	char why[256];

	if (likely(s == NULL || now <= s->deadline_tk))
		return false;
	snprintf(why, sizeof(why), "%s on VF %" PRIu64 " timed out after %u us",
		 admin_opname(pf, s->cmd->opcode), s->cmd->member,
		 pf->params.cmd_timeout_us);
	vpf_error(-ETIMEDOUT, "%s", why);
	if (pf->recovering) {
		/* A command of the recovery itself: fail it, no recovery
		 * inside recovery. */
		ring_remove(pf, s);
		slot_finish(pf, s, -ETIMEDOUT, false, now, dl);
		*rc = 0;
		return true;
	}
	*rc = admin_recover(pf, s, -ETIMEDOUT, -ECANCELED, now, dl, why, false);
	if (*rc == 0)
		vpf_error(-ETIMEDOUT, "%s; admin queue recovered", why);
	return true;
}

/* A device that stopped answering: check that it is still there and does
 * not need a reset (DMA fault), without an MMIO read per poll (D-DRV.8). */
static bool
poll_stall(struct vpf_pf *pf, uint64_t now, struct done_list *dl, int *rc)
{
	char why[64];
	uint8_t st;
	int r;

	if (likely(pf->nring == 0 || now - pf->last_progress_tk <= pf->stall_tk ||
		   now - pf->last_check_tk <= pf->stall_tk))
		return false;
	pf->last_check_tk = now;
	r = vpf_virtio_status_get(&pf->vd, &st);
	if (r == -ENODEV) {
		admin_mark_gone(pf, now, dl);
		*rc = -ENODEV;
		return true;
	}
	if (r != 0 || !(st & VPF_STATUS_DEVICE_NEEDS_RESET))
		return false;
	snprintf(why, sizeof(why), "device set DEVICE_NEEDS_RESET (status 0x%02x)",
		 st);
	vpf_error(-EIO, "%s", why);
	*rc = admin_recover(pf, NULL, -EIO, -EIO, now, dl, why, false);
	return true;
}

/* Post again the retries whose backoff has passed, and ring once. */
static void
poll_retries(struct vpf_pf *pf, uint64_t now)
{
	struct vpf_admin_slot **pp = &pf->retry_head;
	struct vpf_admin_slot *s;

	while ((s = *pp) != NULL) {
		if (now < s->retry_at_tk) {
			pp = &s->next;
			continue;
		}
		*pp = s->next;
		pf->nretry--;
		s->next = NULL;
		admin_slot_fill(pf, s);	/* the device may have scribbled */
		admin_slot_post(pf, s);
	}
	if (pf->unkicked)
		vpf_admin_kick(pf);
}

/* One poll, reading at most @p max used entries. When it read that many,
 * more may be waiting: the deadlines and the stall check wait for a poll
 * that drained the ring (a command whose answer is still unread must not
 * time out, and the device is making progress). */
static int
poll_once(struct vpf_pf *pf, uint32_t max, struct done_list *dl)
{
	uint16_t used0;
	uint64_t now;
	bool idle;
	int rc = 0;

	if (unlikely(pf->gone))
		return -ENODEV;
	if (unlikely(pf->dead))
		return vpf_error(-EIO, "PF %s is failed: %s; detach and attach again",
				 pf->name, pf->dead_why);
	if (pf->vd.ops->poll != NULL)
		pf->vd.ops->poll(pf->vd.dev);
	if (pf->unkicked)
		vpf_admin_kick(pf);
	/* Idle: no clock (nothing can complete), but the used ring is still
	 * read: a stray entry (a duplicate, an id never posted) is dropped
	 * now instead of waiting until a new command reuses its head. */
	idle = pf->inflight == 0;
	now = idle ? 0 : vpf_ticks();
	used0 = pf->aq.last_used;
	if (poll_reap(pf, max, now, dl, &rc))
		return rc;
	if (idle)
		return 0;
	if (max < pf->aq.size && (uint16_t)(pf->aq.last_used - used0) >= max) {
		if (unlikely(pf->nretry > 0 && !pf->recovering))
			poll_retries(pf, now);
		return 0;
	}
	if (poll_deadline(pf, now, dl, &rc) || poll_stall(pf, now, dl, &rc))
		return rc;
	if (unlikely(pf->nretry > 0 && !pf->recovering))
		poll_retries(pf, now);
	return 0;
}

static int
admin_poll(struct vpf_pf *pf, uint32_t max)
{
	struct done_list dl = { NULL, NULL };
	int rc, n;

	if (unlikely(pf == NULL))
		return vpf_error(-EINVAL, "no PF");
	if (unlikely(pf->cb_depth != 0))
		return vpf_error(-EDEADLK, "PF %s: vpf_admin_poll() from a completion callback",
				 pf->name);
	rc = poll_once(pf, max, &dl);
	n = admin_done_run(pf, &dl);
	/* What the callbacks submitted is told to the device now, in one
	 * doorbell, rather than at the start of this PF's next poll: a
	 * caller that polls several PFs in turn would otherwise add one
	 * turn to each command a completion starts (D-PERF.2). */
	if (pf->unkicked && !pf->dead && !pf->gone)
		vpf_admin_kick(pf);
	if (rc < 0 && n == 0)
		return rc;
	return n;
}

int
vpf_admin_poll(struct vpf_pf *pf)
{
	return admin_poll(pf, UINT32_MAX);
}

int
vpf_admin_poll_burst(struct vpf_pf *pf, unsigned int max)
{
	return admin_poll(pf, max ? max : UINT32_MAX);
}
