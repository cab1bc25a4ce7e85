/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Admin command engine: preallocated slots with premapped buffers, async
 * submit and poll, deadlines, recovery, retries, and validation of
 * everything the device writes (doc/protocol.md §1, §2; the engine's
 * design is doc/driver.md, decisions D-DRV.1 to D-DRV.29).
 *
 * This file: set-up and tear-down of the engine, the clock, the completion
 * callbacks and the statistics. lib/admin/admin_internal.h lists the
 * others.
 *
 * Fast path (submit, kick, poll, complete): no allocation, no system call
 * (clock_gettime is a vDSO call), no scan proportional to the number of
 * commands in flight: slots come off a stack, completions are matched by
 * descriptor id (doc/protocol.md §1.3: never by position), and the only
 * deadline that can expire first is the oldest command's, because all have
 * the same timeout and the in-flight list is in submit order.
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "common/vpf_mem.h"
#include "admin_internal.h"

VPF_LOG_REGISTER(admin);

#define BIG_MAX		64u	/* big (chunk) buffers per PF */

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
	 * in flight instead of completing the next command (D-DRV.6). A
	 * ring of 2 has no pair to spare. */
	pf->nslots = pf->aq.size >= 4 ? pf->aq.size / 2 - 1u : 1u;
	/* And one more slot, slots[nslots], for the driver's own LIST_QUERY /
	 * LIST_USE: a recovery must get one even when every other slot is
	 * held by a command waiting for its retry (those are off the ring,
	 * and nothing else is on it during a recovery or at attach, so the
	 * ring never holds more than nslots chains). */
	/* Cache-line aligned, each slot on two lines of its own: the array
	 * shares no line with other objects. (Growing a slot from 112 to 120
	 * bytes in a plain calloc() made the draft stop-copy bench 15 %
	 * slower, D-PERF.8.) */
	pf->slots = aligned_alloc(RTE_CACHE_LINE_SIZE,
				  (pf->nslots + 1) * sizeof(*pf->slots));
	if (pf->slots != NULL)
		memset(pf->slots, 0, (pf->nslots + 1) * sizeof(*pf->slots));
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
	conc_burst_begin(pf, 0);
	pf->conc = 0;
	pf->conc_nhist = 0;
	pf->conc_hnext = 0;
	memset(pf->conc_hist, 0, sizeof(pf->conc_hist));
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
	VPF_FREE(pf->slots);
	VPF_FREE(pf->free_slots);
	VPF_FREE(pf->free_big);
	VPF_FREE(pf->stats);
	VPF_FREE(pf->scratch);
	VPF_FREE(pf->wr_cap);
	VPF_FREE(pf->wr_cap_valid);
	pf->nslots = 0;
	pf->nfree = 0;
}

/* ------------------------------------------------------------------------
 * Completion callbacks
 * --------------------------------------------------------------------- */

/* Run the callbacks. cb_depth marks the PF as inside a callback, where
 * polling, exec, the synchronous commands, a reset and detach are refused
 * (-EDEADLK): they would complete commands and run callbacks from within a
 * callback, recursing without bound, or free the engine under the poll
 * that called it. */
int
admin_done_run(struct vpf_pf *pf, struct done_list *dl)
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

uint32_t
vpf_admin_inflight(const struct vpf_pf *pf)
{
	return pf != NULL ? pf->inflight : 0;
}

uint32_t
vpf_admin_concurrency(const struct vpf_pf *pf)
{
	return pf != NULL ? pf->conc : 0;
}

uint32_t
vpf_admin_max_chunk(const struct vpf_pf *pf)
{
	return pf != NULL ? pf->params.max_chunk : 0;
}
