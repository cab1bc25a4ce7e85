/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Internal to lib/admin: what the files of the admin command engine share.
 *
 *   vpf_admin_engine.c     set-up and tear-down, clock, statistics, callbacks
 *   vpf_admin_submit.c     submit, kick, exec: a command onto the ring
 *   vpf_admin_poll.c       poll: reap, validate each completion, deadlines,
 *                          stall checks, retries
 *   vpf_admin_recover.c    recovery, owner reset, failing every command
 *   vpf_admin_negotiate.c  LIST_QUERY / LIST_USE (attach and recovery)
 *   vpf_admin_cmds.c       request builders and the typed context commands
 *   vpf_admin_wr.c         the typed write-recording commands
 *   vpf_admin_v14_neg.c    1.4: self group, capabilities (attach, re-init)
 *   vpf_admin_v14_objs.c   1.4: object allocator, result checks, typed
 *                          synchronous commands
 *   vpf_admin_v14_xfer.c   1.4: pipelined per-VF parts transfers
 *
 * The engine's state is struct vpf_pf and its slots (lib/pf/pf_internal.h).
 * The helpers below that the fast path (submit, poll, complete) calls run
 * in every completion: they are static inline so that splitting the engine
 * over files costs no call.
 */

#ifndef VPF_ADMIN_INTERNAL_H
#define VPF_ADMIN_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include "pf/pf_internal.h"

#define ROUND8(x)	(((x) + 7u) & ~7u)
#define HDR_LEN		((uint32_t)sizeof(struct vpf_admin_cmd_hdr))
#define STS_LEN		((uint32_t)sizeof(struct vpf_admin_cmd_status))
/* Posted in the status part before every post: 0xffff is not a status the
 * driver knows, so a used entry whose status the device never wrote cannot
 * read as OK (0) left over from an earlier command on the same buffer. */
#define STS_SENTINEL	0xffffu
/* Result bytes poisoned (0xff) with the status: a fixed-size result the
 * device claims in used.len but never wrote cannot be an earlier command's
 * (MODE_GET reads a reserved mode, SIZE_GET all-ones, LIST_QUERY bit 0xe). */
#define RES_POISON	8u
/* Commands queued without a doorbell that ring it at once (D-PERF.6): in a
 * long batch the device starts on the first ones while the host still
 * queues the rest, instead of waiting for the end of the batch. */
#define ADMIN_KICK_BATCH	16u

/* ------------------------------------------------------------------------
 * The in-flight list (submit order, so deadline order)
 * --------------------------------------------------------------------- */

static inline void
ring_append(struct vpf_pf *pf, struct vpf_admin_slot *s)
{
	s->next = NULL;
	s->prev = pf->tail;
	if (pf->tail != NULL)
		pf->tail->next = s;
	else
		pf->head = s;
	pf->tail = s;
	pf->nring++;
}

static inline void
ring_remove(struct vpf_pf *pf, struct vpf_admin_slot *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		pf->head = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	else
		pf->tail = s->prev;
	s->next = s->prev = NULL;
	pf->nring--;
}

/* ------------------------------------------------------------------------
 * Completed commands
 * --------------------------------------------------------------------- */

/* Completed commands wait here (linked through priv[0]) until their
 * callbacks run at the end of a poll: callbacks then see a consistent
 * engine and may submit again. */
struct done_list {
	struct vpf_admin_cmd *first;
	struct vpf_admin_cmd *last;
};

static inline void
done_push(struct vpf_admin_cmd *c, struct done_list *dl)
{
	c->priv[0] = 0;
	if (dl->last != NULL)
		dl->last->priv[0] = (uint64_t)(uintptr_t)c;
	else
		dl->first = c;
	dl->last = c;
}

/* Run the callbacks of @p dl; returns how many commands completed. */
int admin_done_run(struct vpf_pf *pf, struct done_list *dl);

/* Name of @p op in the PF's dialect (the same numbers mean other commands
 * in 1.4). */
static inline const char *
admin_opname(const struct vpf_pf *pf, uint16_t op)
{
	return pf->dialect == VPF_DIALECT_V14_PARTS ?
		vpf_admin_v14_opcode_name(op) : vpf_admin_opcode_name(op);
}

static inline void
stats_one(struct vpf_admin_stats *st, const struct vpf_admin_cmd *c,
	  bool device_status)
{
	if (c->opcode <= VPF_ADMIN_OP_MAX)
		st->cmds[c->opcode]++;
	if (c->rc != 0) {
		if (device_status)
			st->errors_by_status[RTE_MIN(c->status, 31)]++;
		else
			st->errors_local++;
		if (c->rc == -ETIMEDOUT)
			st->timeouts++;
	} else if (c->priv[2] & CMD_F_V14) {
		/* 1.4: parts read and written (no command_specific_output). */
		if (c->opcode == VPF_ADMIN_V14_OP_DEV_PARTS_GET)
			st->bytes_read += c->result_written;
		else if (c->opcode == VPF_ADMIN_V14_OP_DEV_PARTS_SET)
			st->bytes_written += c->data_len;
	} else if (c->opcode == VPF_ADMIN_OP_DEV_CTX_READ) {
		st->bytes_read += c->output;
	} else if (c->opcode == VPF_ADMIN_OP_DEV_CTX_WRITE) {
		st->bytes_written += c->data_len;
	}
	st->retries += c->retries;
	if (c->latency_ns < st->lat_min_ns)
		st->lat_min_ns = c->latency_ns;
	if (c->latency_ns > st->lat_max_ns)
		st->lat_max_ns = c->latency_ns;
	st->lat_sum_ns += c->latency_ns;
	st->lat_count++;
}

static inline void
stats_update(struct vpf_pf *pf, const struct vpf_admin_cmd *c,
	     bool device_status)
{
	stats_one(&pf->stats[0], c, device_status);
	if (c->group_type == VPF_ADMIN_GROUP_SRIOV && c->member >= 1 &&
	    c->member <= pf->num_vfs)
		stats_one(&pf->stats[c->member], c, device_status);
}

static inline void
slot_release(struct vpf_pf *pf, struct vpf_admin_slot *s)
{
	if (s->big >= 0) {
		pf->free_big[pf->nfree_big++] = s->big;
		s->big = -1;
	}
	s->state = SLOT_FREE;
	s->cmd = NULL;
	if (s->index == pf->nslots)
		pf->islot_busy = false;
	else
		pf->free_slots[pf->nfree++] = s->index;
}

/*
 * A command is posted on an empty ring: a new burst begins, judged
 * against its first command (D-DRV.32).
 */
static inline void
conc_burst_begin(struct vpf_pf *pf, uint16_t opcode)
{
	pf->conc_ref_tk = UINT64_MAX;
	pf->conc_first_tk = 0;
	pf->conc_op = opcode;
	pf->conc_seen = 0;
	pf->conc_full = false;
}

/* A burst showed the queue full with @p seen served at once: the estimate
 * is the median of the last three such bursts (the larger of two). */
static inline void
conc_publish(struct vpf_pf *pf, uint32_t seen)
{
	uint32_t a, b, c;

	pf->conc_hist[pf->conc_hnext] = seen;
	pf->conc_hnext = (uint8_t)((pf->conc_hnext + 1) % 3);
	if (pf->conc_nhist < 3)
		pf->conc_nhist++;
	a = pf->conc_hist[0];
	b = pf->conc_hist[1];
	c = pf->conc_hist[2];
	if (pf->conc_nhist == 1)
		pf->conc = a;
	else if (pf->conc_nhist == 2)
		pf->conc = RTE_MAX(a, b);
	else
		pf->conc = RTE_MAX(RTE_MIN(a, b), RTE_MIN(RTE_MAX(a, b), c));
}

/*
 * What a completion says about the device's concurrency (D-DRV.32). The
 * first command of a burst cannot have waited: its latency is the
 * device's service time for its opcode (ref). A later command of the
 * burst with that opcode answered within 1.5 ref of its own doorbell and
 * within ref / 4 of the first answer was served with the first, together
 * with every command on the ring ahead of it: the device serves at least
 * that many + 1 at once. One answered later than both, more than 1.25
 * ref after its doorbell, with at least that many ahead, waited: the
 * queue was full. (A command posted after the first is not in the first
 * wave, nor did it wait; the bounds on its own latency keep it out of
 * both.) When the ring empties, a burst that showed the queue full adds
 * its count to the estimate (conc_publish()); one that did not (too few
 * commands, or a first answer seen late) changes nothing. Commands
 * retried, failed or never rung, and other opcodes, say nothing. A few
 * compares per completion.
 */
static inline void
conc_note(struct vpf_pf *pf, const struct vpf_admin_slot *s, uint64_t now)
{
	const struct vpf_admin_cmd *c = s->cmd;
	uint64_t lat, ref;

	if (c->priv[3] != 0 && now > c->priv[3] && c->retries == 0 &&
	    c->opcode == pf->conc_op) {
		lat = now - c->priv[3];
		if (s->ahead == 0) {
			pf->conc_ref_tk = lat;
			pf->conc_first_tk = now;
		}
		ref = pf->conc_ref_tk;
		if (ref == UINT64_MAX)
			;	/* the first has not answered: cannot tell */
		else if (lat <= ref + ref / 2 &&
			 now - pf->conc_first_tk <= ref / 4)
			pf->conc_seen = RTE_MAX(pf->conc_seen, s->ahead + 1);
		else if (lat > ref + ref / 4 &&
			 now - pf->conc_first_tk > ref / 4 &&
			 s->ahead >= pf->conc_seen)
			pf->conc_full = true;
	}
	if (pf->nring == 0 && pf->conc_full) {
		conc_publish(pf, pf->conc_seen);
		pf->conc_full = false;
	}
}

/* Finish a command that is off the ring: rc, statistics, slot back, and
 * onto the done list. */
static inline void
slot_finish(struct vpf_pf *pf, struct vpf_admin_slot *s, int rc,
	    bool device_status, uint64_t now, struct done_list *dl)
{
	struct vpf_admin_cmd *c = s->cmd;

	c->rc = rc;
	/* priv[3]: when the first doorbell covered it (0: never rung). */
	c->latency_ns = c->priv[3] != 0 && now > c->priv[3] ?
		(uint64_t)((double)(now - c->priv[3]) * vpf_ns_per_tick) : 0;
	if (rc != 0) {
		pf->last_status = device_status ? c->status : 0;
		pf->last_qualifier = device_status ? c->qualifier : 0;
	} else {
		conc_note(pf, s, now);
	}
	stats_update(pf, c, device_status);
	slot_release(pf, s);
	pf->inflight--;
	done_push(c, dl);
}

/* ------------------------------------------------------------------------
 * Across the engine's files
 * --------------------------------------------------------------------- */

/* vpf_admin_submit.c: build the chain of a slot's command in its premapped
 * buffers (again before a retry: the device may have scribbled), and post
 * it on the ring (not yet kicked). */
void admin_slot_fill(struct vpf_pf *pf, struct vpf_admin_slot *s);
void admin_slot_post(struct vpf_pf *pf, struct vpf_admin_slot *s);

/* vpf_admin_recover.c */
int admin_recover(struct vpf_pf *pf, struct vpf_admin_slot *culprit,
		  int culprit_rc, int other_rc, uint64_t now,
		  struct done_list *dl, const char *why, bool reinit);
void admin_mark_gone(struct vpf_pf *pf, uint64_t now, struct done_list *dl);

/* vpf_admin_cmds.c: what the typed commands share. */
void admin_cmd_prep(struct vpf_admin_cmd *c, uint16_t op, uint16_t vf);
int admin_cmd_run(struct vpf_pf *pf, struct vpf_admin_cmd *c);
int admin_check_vf(struct vpf_pf *pf, uint16_t vf);

/* The 1.4 dialect: lib/admin/admin_v14.h. */
#include "admin_v14.h"

#endif /* VPF_ADMIN_INTERNAL_H */
