/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Admin command engine: preallocated slots with premapped buffers, async
 * submit and poll, deadlines, recovery, retries, and validation of
 * everything the device writes (FACTS.md 1, 2; DESIGN.md "Admin queue
 * engine").
 *
 * Fast path (submit, kick, poll, complete): no allocation, no system call
 * (clock_gettime is a vDSO call), no scan proportional to the number of
 * commands in flight: slots come off a stack, completions are matched by
 * descriptor id (FACTS.md 1: never by position), and the only deadline that
 * can expire first is the oldest command's, because all have the same
 * timeout and the in-flight list is in submit order.
 */

#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_debug.h>
#include <rte_common.h>
#include <rte_log.h>
#include <rte_pause.h>

#include "vpf_pf.h"
#include "pf/pf_internal.h"

RTE_LOG_REGISTER(vpf_logtype_admin, vpf.admin, NOTICE);

#define ROUND8(x)	(((x) + 7u) & ~7u)
#define HDR_LEN		((uint32_t)sizeof(struct vpf_admin_cmd_hdr))
#define STS_LEN		((uint32_t)sizeof(struct vpf_admin_cmd_status))
#define BIG_MAX		64u	/* big (chunk) buffers per PF */
/* Posted in the status part before every post: 0xffff is not a status the
 * driver knows, so a used entry whose status the device never wrote cannot
 * read as OK (0) left over from an earlier command on the same buffer. */
#define STS_SENTINEL	0xffffu
/* Result bytes poisoned (0xff) with the status: a fixed-size result the
 * device claims in used.len but never wrote cannot be an earlier command's
 * (MODE_GET reads a reserved mode, SIZE_GET all-ones, LIST_QUERY bit 0xe). */
#define RES_POISON	8u
#define BACKOFF_MAX_US	1000u

/* ------------------------------------------------------------------------
 * Clock
 * --------------------------------------------------------------------- */

double vpf_ns_per_tick = 1.0;
uint64_t vpf_ticks_per_us = 1000;
static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

/* Calibrate the TSC against CLOCK_MONOTONIC over 2 ms, once per process.
 * (rte_get_tsc_hz() needs the EAL, which lib/ must not require.) */
static void
clock_calibrate(void)
{
	uint64_t t0, t1, c0, c1;

	t0 = vpf_now_ns();
	c0 = vpf_ticks();
	do {
		t1 = vpf_now_ns();
	} while (t1 - t0 < 2000000);
	c1 = vpf_ticks();
	if (c1 > c0 && t1 > t0) {
		vpf_ns_per_tick = (double)(t1 - t0) / (double)(c1 - c0);
		vpf_ticks_per_us = (uint64_t)(1000.0 / vpf_ns_per_tick);
		if (vpf_ticks_per_us == 0)
			vpf_ticks_per_us = 1;
	}
}

void
vpf_clock_init(void)
{
	pthread_once(&clock_once, clock_calibrate);
}

/* ------------------------------------------------------------------------
 * Setup
 * --------------------------------------------------------------------- */

int
vpf_admin_engine_init(struct vpf_pf *pf)
{
	const struct vpf_pf_ops *ops = pf->vd.ops;
	uint32_t i;
	int rc;

	/* Two descriptors per command, and one pair always left free: with
	 * the FIFO free list (lib/vq) a completed head then waits behind it
	 * before reuse, so a late duplicate of its completion finds it not
	 * in flight instead of completing the next command (decision 6). A
	 * ring of 2 has no pair to spare. */
	pf->nslots = pf->aq.size >= 4 ? pf->aq.size / 2 - 1u : 1u;
	/* And one more slot, slots[nslots], for the driver's own LIST_QUERY /
	 * LIST_USE: a recovery must get one even when every other slot is
	 * held by a command waiting for its retry (those are off the ring,
	 * and nothing else is on it during a recovery or at attach, so the
	 * ring never holds more than nslots chains). */
	pf->slots = calloc(pf->nslots + 1, sizeof(*pf->slots));
	pf->free_slots = calloc(pf->nslots, sizeof(*pf->free_slots));
	pf->nbig = RTE_MIN(pf->nslots, BIG_MAX);
	pf->free_big = calloc(pf->nbig, sizeof(*pf->free_big));
	pf->stats = calloc((size_t)pf->num_vfs + 1, sizeof(*pf->stats));
	pf->scratch_len = pf->params.max_chunk;
	pf->scratch = malloc(pf->scratch_len);
	pf->wr_cap = calloc((size_t)pf->num_vfs + 1, sizeof(*pf->wr_cap));
	pf->wr_cap_valid = calloc((size_t)pf->num_vfs + 1,
				  sizeof(*pf->wr_cap_valid));
	if (!pf->slots || !pf->free_slots || !pf->free_big || !pf->stats ||
	    !pf->scratch || !pf->wr_cap || !pf->wr_cap_valid)
		return vpf_error(-ENOMEM, "out of memory for %u admin command slots",
				 pf->nslots);
	rc = ops->dma_alloc(pf->vd.dev, ((size_t)pf->nslots + 1) *
			    (SLOT_SMALL_RD + SLOT_SMALL_WR), 64, &pf->small_mem);
	if (rc < 0)
		return vpf_error(rc, "cannot allocate DMA memory for %u command slots",
				 pf->nslots);
	/* A big buffer takes the status or header in front of one chunk. */
	pf->big_len = ROUND8(pf->params.max_chunk) + 64;
	rc = ops->dma_alloc(pf->vd.dev, (size_t)pf->nbig * pf->big_len, 64,
			    &pf->big_mem);
	if (rc < 0)
		return vpf_error(rc, "cannot allocate %u x %u bytes of DMA memory for context chunks",
				 pf->nbig, pf->big_len);
	for (i = 0; i <= pf->nslots; i++) {
		struct vpf_admin_slot *s = &pf->slots[i];
		size_t off = (size_t)i * (SLOT_SMALL_RD + SLOT_SMALL_WR);

		s->index = (uint16_t)i;
		s->rd = (uint8_t *)pf->small_mem.va + off;
		s->rd_iova = pf->small_mem.iova + off;
		s->wr = s->rd + SLOT_SMALL_RD;
		s->wr_iova = s->rd_iova + SLOT_SMALL_RD;
		s->big = -1;
		if (i < pf->nslots)
			pf->free_slots[i] = pf->nslots - 1 - i;
	}
	pf->nfree = pf->nslots;
	pf->islot_busy = false;
	for (i = 0; i < pf->nbig; i++)
		pf->free_big[i] = (int32_t)(pf->nbig - 1 - i);
	pf->nfree_big = pf->nbig;
	vpf_clock_init();
	pf->timeout_tk = (uint64_t)pf->params.cmd_timeout_us * vpf_ticks_per_us;
	pf->stall_tk = RTE_MIN(pf->timeout_tk / 4, 5000 * vpf_ticks_per_us);
	pf->cmds_enabled = VPF_ADMIN_OPS_LIST;
	vpf_admin_stats_reset(pf);
	return 0;
}

void
vpf_admin_engine_fini(struct vpf_pf *pf)
{
	const struct vpf_pf_ops *ops = pf->vd.ops;

	if (ops != NULL && ops->dma_free != NULL) {
		if (pf->small_mem.va != NULL)
			ops->dma_free(pf->vd.dev, &pf->small_mem);
		if (pf->big_mem.va != NULL)
			ops->dma_free(pf->vd.dev, &pf->big_mem);
	}
	memset(&pf->small_mem, 0, sizeof(pf->small_mem));
	memset(&pf->big_mem, 0, sizeof(pf->big_mem));
	free(pf->slots);
	free(pf->free_slots);
	free(pf->free_big);
	free(pf->stats);
	free(pf->scratch);
	free(pf->wr_cap);
	free(pf->wr_cap_valid);
	pf->wr_cap = NULL;
	pf->wr_cap_valid = NULL;
	pf->slots = NULL;
	pf->free_slots = NULL;
	pf->free_big = NULL;
	pf->stats = NULL;
	pf->scratch = NULL;
	pf->nslots = 0;
	pf->nfree = 0;
}

/* ------------------------------------------------------------------------
 * Lists
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

/* Completed commands wait here (linked through priv[0]) until their
 * callbacks run at the end of a poll: callbacks then see a consistent
 * engine and may submit again. */
struct done_list {
	struct vpf_admin_cmd *first;
	struct vpf_admin_cmd *last;
};

static void
done_push(struct vpf_admin_cmd *c, struct done_list *dl)
{
	c->priv[0] = 0;
	if (dl->last != NULL)
		dl->last->priv[0] = (uint64_t)(uintptr_t)c;
	else
		dl->first = c;
	dl->last = c;
}

/* Run the callbacks. cb_depth marks the PF as inside a callback, where
 * polling, exec, the synchronous commands, a reset and detach are refused
 * (-EDEADLK): they would complete commands and run callbacks from within a
 * callback, recursing without bound, or free the engine under the poll
 * that called it. */
static int
done_run(struct vpf_pf *pf, struct done_list *dl)
{
	struct vpf_admin_cmd *c = dl->first, *next;
	int n = 0;

	dl->first = dl->last = NULL;
	while (c != NULL) {
		next = (struct vpf_admin_cmd *)(uintptr_t)c->priv[0];
		c->priv[0] = 0;
		c->priv[1] = CMD_DONE;
		n++;
		if (c->done != NULL) {
			pf->cb_depth++;
			c->done(c);
			pf->cb_depth--;
		}
		c = next;
	}
	return n;
}

/* ------------------------------------------------------------------------
 * Statistics
 * --------------------------------------------------------------------- */

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

/* ------------------------------------------------------------------------
 * Completion
 * --------------------------------------------------------------------- */

static void
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

/* Finish a command that is off the ring: rc, statistics, slot back, and
 * onto the done list. */
static void
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
	}
	stats_update(pf, c, device_status);
	slot_release(pf, s);
	pf->inflight--;
	done_push(c, dl);
}

static const char *
op_name(uint16_t op)
{
	return vpf_admin_opcode_name(op);
}

static int
proto_error(struct vpf_pf *pf, const struct vpf_admin_cmd *c, const char *what,
	    uint64_t a, uint64_t b)
{
	pf->protocol_errors++;
	ADMIN_LOG(ERR, pf, "%s on member %" PRIu64 ": device error: %s (%" PRIu64
		  " vs %" PRIu64 ")", op_name(c->opcode), c->member, what, a, b);
	return vpf_error(-EIO, "%s on VF %" PRIu64 ": device error: %s (%" PRIu64
			 " vs %" PRIu64 ")", op_name(c->opcode), c->member, what,
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

/* Validate the opcode-specific parts of an OK completion (FACTS.md 2, 4, 6).
 * @p res is the private copy of the first min(written, 8) result bytes:
 * every fixed-size result vpf checks fits in it. */
static int
check_result(struct vpf_pf *pf, struct vpf_admin_cmd *c, const uint8_t *res,
	     uint32_t written, uint32_t posted)
{
	uint64_t v;

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
		 * (FACTS.md 4): a device error, never trusted. */
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

static void slot_post(struct vpf_pf *pf, struct vpf_admin_slot *s);

/* Statuses vpf knows (FACTS.md 1); any other is reserved and counts as
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

static void
slot_complete(struct vpf_pf *pf, struct vpf_admin_slot *s, uint32_t len,
	      uint64_t now, struct done_list *dl)
{
	struct vpf_admin_cmd *c = s->cmd;
	const uint8_t *w = s->wr_post;
	uint32_t posted = s->wr_len - STS_LEN;
	uint64_t sw, fixed = 0;
	uint32_t written, nfix, ncopy;
	uint16_t st, q;
	int rc;

	ring_remove(pf, s);
	if (unlikely(len < STS_LEN)) {
		rc = proto_error(pf, c, "used.len shorter than the 8-byte status",
				 len, STS_LEN);
		slot_finish(pf, s, rc, false, now, dl);
		return;
	}
	/* Status, qualifier and command_specific_output: one 8-byte load
	 * (the buffer is 8-aligned), decoded from the copy. */
	sw = rte_le_to_cpu_64(dma_load64(w));
	st = (uint16_t)sw;
	q = (uint16_t)(sw >> 16);
	c->status = st;
	c->qualifier = q;
	c->output = (uint32_t)(sw >> 32);
	written = len - STS_LEN;
	c->result_written = written;
	if (unlikely(st == STS_SENTINEL)) {
		/* The device claimed a completion but never wrote the status:
		 * nothing in the buffer is this command's. */
		c->result_written = 0;
		rc = proto_error(pf, c, "status not written, still the driver's sentinel",
				 len, STS_SENTINEL);
		slot_finish(pf, s, rc, false, now, dl);
		return;
	}

	/* Qualifier range (FACTS.md 1): OK carries qualifier 0; a known
	 * status a qualifier 0..VPF_ADMIN_SQ_MAX. */
	if (unlikely(st == VPF_ADMIN_STATUS_OK ? q != VPF_ADMIN_SQ_OK :
		     q > VPF_ADMIN_SQ_MAX && status_known(st))) {
		c->result_written = 0;
		rc = proto_error(pf, c, st == VPF_ADMIN_STATUS_OK ?
				 "status OK with a non-zero qualifier" :
				 "status qualifier out of range", q,
				 st == VPF_ADMIN_STATUS_OK ? 0 : VPF_ADMIN_SQ_MAX);
		slot_finish(pf, s, rc, false, now, dl);
		return;
	}
	/* The device answered this command: the run of recoveries without an
	 * answer ends (the recovery's own LIST_* do not count). */
	if (!(c->priv[2] & CMD_F_INTERNAL))
		pf->recover_run = 0;
	if (likely(st == VPF_ADMIN_STATUS_OK)) {
		/* The first 8 result bytes (every fixed-size result) are
		 * copied once and checked in the copy; the caller gets that
		 * copy, and the bytes after it are read once, by the copy
		 * into the caller's buffer. */
		nfix = RTE_MIN(written, (uint32_t)sizeof(fixed));
		if (nfix == sizeof(fixed))
			fixed = dma_load64(w + STS_LEN);	/* raw bytes */
		else if (nfix != 0)
			dma_snap(&fixed, w + STS_LEN, nfix);
		rc = check_result(pf, c, (const uint8_t *)&fixed, written, posted);
		if (unlikely(rc < 0)) {
			c->result_written = 0;
			slot_finish(pf, s, rc, false, now, dl);
			return;
		}
		ncopy = c->result != NULL ? RTE_MIN(written, c->result_len) : 0;
		if (ncopy != 0) {
			memcpy(c->result, &fixed, RTE_MIN(ncopy, nfix));
			if (ncopy > nfix)
				dma_snap((uint8_t *)c->result + nfix,
					 w + STS_LEN + nfix, ncopy - nfix);
		}
		slot_finish(pf, s, 0, true, now, dl);
		return;
	}
	c->result_written = 0;
	/* Transient lack of resources: no side effect, retry after a
	 * bounded backoff (FACTS.md 1, 4): EAGAIN whatever the qualifier,
	 * ENOMEM only with NORESOURCE or TRYAGAIN. Another status keeps its
	 * meaning whatever qualifier comes with it (ENXIO + TRYAGAIN is not
	 * "try again"). */
	if ((st == VPF_ADMIN_STATUS_EAGAIN ||
	     (st == VPF_ADMIN_STATUS_ENOMEM && (q == VPF_ADMIN_SQ_NORESOURCE ||
					       q == VPF_ADMIN_SQ_TRYAGAIN))) &&
	    c->retries < pf->params.retry_max) {
		uint64_t us = (uint64_t)pf->params.retry_backoff_us << RTE_MIN(c->retries, 20u);

		c->retries++;
		s->state = SLOT_RETRY;
		s->retry_at_tk = now + RTE_MIN(us, (uint64_t)BACKOFF_MAX_US) *
			vpf_ticks_per_us;
		/* The retry list reuses the ring links; it is short and
		 * rarely non-empty. */
		s->prev = NULL;
		s->next = pf->retry_head;
		pf->retry_head = s;
		pf->nretry++;
		return;
	}
	rc = vpf_admin_status_errno(st);
	vpf_error(rc, "%s on VF %" PRIu64 " failed: status %s (%u), qualifier %s (%u)",
		  op_name(c->opcode), c->member, vpf_admin_status_name(st), st,
		  vpf_admin_qualifier_name(q), q);
	slot_finish(pf, s, rc, true, now, dl);
}

/* ------------------------------------------------------------------------
 * Submit
 * --------------------------------------------------------------------- */

static void
slot_fill(struct vpf_pf *pf, struct vpf_admin_slot *s)
{
	struct vpf_admin_cmd *c = s->cmd;
	uint32_t dlen = ROUND8(c->data_len);
	uint8_t *rd = s->rd;
	uint64_t rd_iova = s->rd_iova;
	struct vpf_admin_cmd_hdr *h;

	s->rd_len = HDR_LEN + dlen;
	s->wr_len = STS_LEN + ROUND8(c->result_len);
	s->wr_post = s->wr;
	s->wr_post_iova = s->wr_iova;
	/* At most one part is big (submit_check): it takes the big buffer. */
	if (s->big >= 0) {
		uint8_t *b = (uint8_t *)pf->big_mem.va + (size_t)s->big * pf->big_len;
		uint64_t bi = pf->big_mem.iova + (uint64_t)s->big * pf->big_len;

		if (s->rd_len > SLOT_SMALL_RD) {
			rd = b;
			rd_iova = bi;
		} else {
			s->wr_post = b;
			s->wr_post_iova = bi;
		}
	}
	h = (struct vpf_admin_cmd_hdr *)rd;
	h->opcode = rte_cpu_to_le_16(c->opcode);
	h->group_type = rte_cpu_to_le_16(c->group_type);
	memset(h->reserved1, 0, sizeof(h->reserved1));
	h->group_member_id = rte_cpu_to_le_64(c->member);
	if (c->data_len)
		memcpy(rd + HDR_LEN, c->data, c->data_len);
	if (dlen != c->data_len)	/* zero padding to 8 (FACTS.md 1) */
		memset(rd + HDR_LEN + c->data_len, 0, dlen - c->data_len);
	s->rd_post_iova = rd_iova;
}

static void
slot_post(struct vpf_pf *pf, struct vpf_admin_slot *s)
{
	struct vpf_vq_buf out, in;
	int rc;

	out.iova = s->rd_post_iova;
	out.len = s->rd_len;
	in.iova = s->wr_post_iova;
	in.len = s->wr_len;
	/* Status sentinel and result poison: a device that claims to have
	 * written them but did not cannot make an earlier command's OK and
	 * result appear (doc/driver.md decision 7). */
	memset(s->wr_post, 0xff, STS_LEN + RTE_MIN(s->wr_len - STS_LEN, RES_POISON));
	rc = vpf_vq_add(&pf->aq, &out, 1, &in, 1, s);
	/* Cannot fail: there are never more slots than descriptor pairs. */
	RTE_VERIFY(rc >= 0);
	s->state = SLOT_RING;
	s->deadline_tk = UINT64_MAX;	/* set when the doorbell rings */
	ring_append(pf, s);
	pf->unkicked++;
}

static int
submit_check(struct vpf_pf *pf, const struct vpf_admin_cmd *c)
{
	uint32_t dlen, rlen;

	if (unlikely(pf->gone))
		return vpf_error(-ENODEV, "PF %s: device is gone", pf->name);
	if (unlikely(pf->detaching))
		return vpf_error(-ENODEV, "PF %s is being detached", pf->name);
	if (unlikely(pf->dead))
		return vpf_error(-EIO, "PF %s is failed: %s; detach and attach again",
				 pf->name, pf->dead_why);
	if (unlikely(pf->recovering && !(c->priv[2] & CMD_F_INTERNAL)))
		return vpf_error(-EBUSY, "PF %s: admin queue is being recovered",
				 pf->name);
	if (unlikely(c->priv[1] == CMD_BUSY))
		return vpf_error(-EINVAL, "%s: command is already in flight",
				 op_name(c->opcode));
	if (unlikely(c->opcode >= 64 ||
		     !(pf->cmds_enabled & VPF_ADMIN_OP_BIT(c->opcode))))
		return vpf_error(-ENOTSUP, "command %s (0x%x) not enabled on this device",
				 op_name(c->opcode), c->opcode);
	if (unlikely(c->opcode == VPF_ADMIN_OP_LIST_USE)) {
		/* The engine owns the command list: a LIST_USE from outside
		 * would leave its idea of what is enabled wrong. */
		if (!(c->priv[2] & CMD_F_INTERNAL))
			return vpf_error(-EPERM, "LIST_USE is sent by the driver at attach and recovery only");
		/* Only with nothing else outstanding (FACTS.md 2). */
		if (pf->nring != 0)
			return vpf_error(-EBUSY, "LIST_USE while %u commands are outstanding",
					 pf->nring);
	}
	if (c->opcode > VPF_ADMIN_OP_LIST_USE &&
	    c->group_type == VPF_ADMIN_GROUP_SRIOV &&
	    unlikely(c->member == 0 || c->member > pf->num_vfs))
		return vpf_error(-EINVAL, "VF %" PRIu64 " does not exist (PF %s has %u VFs)",
				 c->member, pf->name, pf->num_vfs);
	if (unlikely((c->data_len % VPF_ADMIN_ALIGN) && !(c->priv[2] & CMD_F_PAD)))
		return vpf_error(-EINVAL, "%s: data length %u is not a multiple of 8",
				 op_name(c->opcode), c->data_len);
	/* Every CTX_READ result buffer is a non-zero multiple of 8 (FACTS.md
	 * 1): the device fails any other, and context_len < posted would be
	 * taken for the end of the stream. */
	if (unlikely(c->opcode == VPF_ADMIN_OP_DEV_CTX_READ &&
		     (c->result_len == 0 || c->result_len % VPF_ADMIN_ALIGN)))
		return vpf_error(-EINVAL, "DEV_CTX_READ chunk of %u bytes: must be a non-zero multiple of 8",
				 c->result_len);
	if (unlikely((c->data_len && c->data == NULL) ||
		     (c->result_len && c->result == NULL)))
		return vpf_error(-EINVAL, "%s: length without a buffer",
				 op_name(c->opcode));
	dlen = ROUND8(c->data_len);
	rlen = ROUND8(c->result_len);
	if (unlikely(c->data_len > pf->params.max_chunk ||
		     c->result_len > pf->params.max_chunk))
		return vpf_error(-EINVAL, "%s: data %u / result %u bytes exceed max_chunk %u",
				 op_name(c->opcode), c->data_len, c->result_len,
				 pf->params.max_chunk);
	if (unlikely(HDR_LEN + dlen > SLOT_SMALL_RD && STS_LEN + rlen > SLOT_SMALL_WR))
		return vpf_error(-EINVAL, "%s: data and result both larger than %u bytes",
				 op_name(c->opcode), SLOT_SMALL_RD - HDR_LEN);
	return 0;
}

int
vpf_admin_submit(struct vpf_pf *pf, struct vpf_admin_cmd *c)
{
	struct vpf_admin_slot *s;
	bool big;
	int rc;

	if (unlikely(pf == NULL || c == NULL))
		return vpf_error(-EINVAL, "no PF or no command");
	rc = submit_check(pf, c);
	if (unlikely(rc < 0)) {
		if (rc != -EBUSY)
			pf->stats[0].errors_local++;
		return rc;
	}
	big = HDR_LEN + ROUND8(c->data_len) > SLOT_SMALL_RD ||
	      STS_LEN + ROUND8(c->result_len) > SLOT_SMALL_WR;
	if (unlikely(big && pf->nfree_big == 0))
		return -EBUSY;
	if (unlikely((c->priv[2] & CMD_F_INTERNAL) && !pf->islot_busy)) {
		s = &pf->slots[pf->nslots];
		pf->islot_busy = true;
	} else if (likely(pf->nfree != 0)) {
		s = &pf->slots[pf->free_slots[--pf->nfree]];
	} else {
		return -EBUSY;
	}
	s->big = big ? pf->free_big[--pf->nfree_big] : -1;
	s->cmd = c;
	c->rc = 0;
	c->status = 0;
	c->qualifier = 0;
	c->output = 0;
	c->result_written = 0;
	c->retries = 0;
	c->latency_ns = 0;
	c->priv[0] = (uint64_t)(uintptr_t)s;
	c->priv[1] = CMD_BUSY;
	c->priv[3] = 0;
	pf->inflight++;
	slot_fill(pf, s);
	slot_post(pf, s);
	return 0;
}

void
vpf_admin_kick(struct vpf_pf *pf)
{
	struct vpf_admin_slot *s;
	uint64_t now;
	uint32_t n;
	int rc;

	if (pf->unkicked == 0)
		return;
	/* Deadlines (and latencies) start when the device is told: one clock
	 * read per batch. The commands of the batch are the newest on the
	 * in-flight list, so the list stays in deadline order. */
	now = vpf_ticks();
	for (s = pf->tail, n = pf->unkicked; s != NULL && n > 0; s = s->prev, n--) {
		s->deadline_tk = now + pf->timeout_tk;
		if (s->cmd->priv[3] == 0)
			s->cmd->priv[3] = now;
	}
	pf->unkicked = 0;
	rc = vpf_vq_kick(&pf->aq);
	if (unlikely(rc < 0))
		ADMIN_LOG(ERR, pf, "doorbell failed: %s", vpf_last_error());
}

/* ------------------------------------------------------------------------
 * Recovery
 * --------------------------------------------------------------------- */

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

static void
mark_gone(struct vpf_pf *pf, uint64_t now, struct done_list *dl)
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
 * command (recover() does not nest) and so this attempt. */
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
 * afterwards. VF state is the device's and survives (owner reset,
 * doc/protocol.md).
 *
 * Never nested: called while a recovery runs (a fault seen by the polls of
 * the recovery's own LIST_QUERY / LIST_USE), it only fails what is on the
 * ring, which fails that attempt. Bounded: every attempt counts in
 * recover_run, which only an answered command resets; at
 * VPF_ADMIN_RECOVERY_MAX the PF is failed, every waiting command fails with
 * -EIO and so does every later submit, with the reason.
 */
static int
recover(struct vpf_pf *pf, struct vpf_admin_slot *culprit, int culprit_rc,
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
			mark_gone(pf, now, dl);
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
	rc = recover(pf, NULL, -ECANCELED, -ECANCELED, now, &dl,
		     "owner reset", true);
	if (rc == 0)
		pf->recover_run = 0;	/* asked for, not a fault */
	else
		rc = vpf_error(rc, "%s", vpf_last_error());
	done_run(pf, &dl);
	return rc;
}

/* ------------------------------------------------------------------------
 * Poll
 * --------------------------------------------------------------------- */

static int
poll_once(struct vpf_pf *pf, struct done_list *dl)
{
	struct vpf_vq_used u;
	struct vpf_admin_slot *s;
	uint64_t now;
	uint32_t budget;
	bool idle;
	int rc;

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

	/* Read until used_idx == last_used, whatever is in flight. */
	for (budget = pf->aq.size; budget > 0; budget--) {
		uint16_t before = pf->aq.last_used;

		rc = vpf_vq_get_used(&pf->aq, &u);
		if (rc == 0)
			break;
		if (likely(rc > 0)) {
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
			return recover(pf, NULL, -EIO, -EIO, now, dl, why, false);
		}
		/* Unknown id (out of range, duplicate, never posted): the
		 * entry is dropped; the command it should have named times
		 * out and the queue is recovered then. */
		ADMIN_LOG(ERR, pf, "%s", vpf_last_error());
	}
	if (idle)
		return 0;

	/* Deadlines: the oldest command on the ring expires first. */
	s = pf->head;
	if (unlikely(s != NULL && now > s->deadline_tk)) {
		char why[256];

		snprintf(why, sizeof(why), "%s on VF %" PRIu64 " timed out after %u us",
			 op_name(s->cmd->opcode), s->cmd->member,
			 pf->params.cmd_timeout_us);
		vpf_error(-ETIMEDOUT, "%s", why);
		if (pf->recovering) {
			/* A command of the recovery itself: fail it, no
			 * recovery inside recovery. */
			ring_remove(pf, s);
			slot_finish(pf, s, -ETIMEDOUT, false, now, dl);
			return 0;
		}
		rc = recover(pf, s, -ETIMEDOUT, -ECANCELED, now, dl, why, false);
		if (rc == 0)
			vpf_error(-ETIMEDOUT, "%s; admin queue recovered", why);
		return rc;
	}
	/* A device that stopped answering: check that it is still there and
	 * does not need a reset (DMA fault), without an MMIO read per poll. */
	if (unlikely(pf->nring > 0 && now - pf->last_progress_tk > pf->stall_tk &&
		     now - pf->last_check_tk > pf->stall_tk)) {
		uint8_t st;

		pf->last_check_tk = now;
		rc = vpf_virtio_status_get(&pf->vd, &st);
		if (rc == -ENODEV) {
			mark_gone(pf, now, dl);
			return -ENODEV;
		}
		if (rc == 0 && (st & VPF_STATUS_DEVICE_NEEDS_RESET)) {
			char why[64];

			snprintf(why, sizeof(why), "device set DEVICE_NEEDS_RESET (status 0x%02x)",
				 st);
			vpf_error(-EIO, "%s", why);
			return recover(pf, NULL, -EIO, -EIO, now, dl, why, false);
		}
	}
	/* Retries whose backoff has passed. */
	if (unlikely(pf->nretry > 0 && !pf->recovering)) {
		struct vpf_admin_slot **pp = &pf->retry_head;

		while ((s = *pp) != NULL) {
			if (now < s->retry_at_tk) {
				pp = &s->next;
				continue;
			}
			*pp = s->next;
			pf->nretry--;
			s->next = NULL;
			slot_fill(pf, s);	/* the device may have scribbled */
			slot_post(pf, s);
		}
		if (pf->unkicked)
			vpf_admin_kick(pf);
	}
	return 0;
}

int
vpf_admin_poll(struct vpf_pf *pf)
{
	struct done_list dl = { NULL, NULL };
	int rc, n;

	if (unlikely(pf == NULL))
		return vpf_error(-EINVAL, "no PF");
	if (unlikely(pf->cb_depth != 0))
		return vpf_error(-EDEADLK, "PF %s: vpf_admin_poll() from a completion callback",
				 pf->name);
	rc = poll_once(pf, &dl);
	n = done_run(pf, &dl);
	if (rc < 0 && n == 0)
		return rc;
	return n;
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
	done_run(pf, &dl);
}

int
vpf_admin_exec(struct vpf_pf *pf, struct vpf_admin_cmd *c)
{
	int rc;

	if (unlikely(pf == NULL || c == NULL))
		return vpf_error(-EINVAL, "no PF or no command");
	if (unlikely(pf->cb_depth != 0)) {
		c->rc = vpf_error(-EDEADLK, "PF %s: %s waits for its completion: not allowed in a completion callback",
				  pf->name, op_name(c->opcode));
		return c->rc;
	}
	for (;;) {
		rc = vpf_admin_submit(pf, c);
		if (rc != -EBUSY || pf->recovering || pf->inflight == 0)
			break;
		/* Every slot is taken by asynchronous commands: make room. */
		rc = vpf_admin_poll(pf);
		if (rc < 0)
			break;
	}
	if (rc < 0) {
		if (rc == -EBUSY && pf->nfree == 0)
			vpf_error(rc, "PF %s: all %u admin command slots are in use",
				  pf->name, pf->nslots);
		c->rc = rc;
		return rc;
	}
	vpf_admin_kick(pf);
	while (c->priv[1] != CMD_DONE) {
		rc = vpf_admin_poll(pf);
		if (rc < 0 && c->priv[1] != CMD_DONE) {
			/* Cannot happen: a failing poll fails every command. */
			c->rc = rc;
			return rc;
		}
		if (rc == 0)
			rte_pause();
	}
	return c->rc;
}

uint32_t
vpf_admin_inflight(const struct vpf_pf *pf)
{
	return pf != NULL ? pf->inflight : 0;
}

/* ------------------------------------------------------------------------
 * Statistics
 * --------------------------------------------------------------------- */

int
vpf_admin_stats_get(const struct vpf_pf *pf, uint16_t vf,
		    struct vpf_admin_stats *st)
{
	if (pf == NULL || st == NULL)
		return vpf_error(-EINVAL, "no PF or no stats");
	if (vf > pf->num_vfs)
		return vpf_error(-EINVAL, "VF %u does not exist (PF %s has %u VFs)",
				 vf, pf->name, pf->num_vfs);
	*st = pf->stats[vf];
	if (st->lat_count == 0)
		st->lat_min_ns = 0;
	return 0;
}

void
vpf_admin_stats_reset(struct vpf_pf *pf)
{
	uint32_t i;

	if (pf == NULL || pf->stats == NULL)
		return;
	for (i = 0; i <= pf->num_vfs; i++) {
		memset(&pf->stats[i], 0, sizeof(pf->stats[i]));
		pf->stats[i].lat_min_ns = UINT64_MAX;
	}
}

void
vpf_admin_last_status(const struct vpf_pf *pf, uint16_t *status,
		      uint16_t *qualifier)
{
	if (status != NULL)
		*status = pf != NULL ? pf->last_status : 0;
	if (qualifier != NULL)
		*qualifier = pf != NULL ? pf->last_qualifier : 0;
}
