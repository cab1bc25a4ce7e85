/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Device side of the admin virtqueue (split ring): fetch descriptor chains
 * through the IOVA table, check their layout, schedule them in virtual
 * time (the device thread that runs this is in model_thread.c), carry out
 * the injected faults (picked in model_fault.c), and publish used entries
 * with release semantics.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "common/vpf_mem.h"
#include "model_internal.h"

/* Default parameter of delay faults whose param is 0. */
#define FAULT_DELAY_US_DEFAULT	1000u

static bool cmd_execute(struct vpf_model *m, struct model_cmd *c,
			struct model_result *r);

bool
model_aq_ready(struct vpf_model *m)
{
	struct model_pf_vq *q;

	if (m->needs_reset || m->nq <= m->aq_index)
		return false;
	q = &m->q[m->aq_index];
	return q->enabled && (m->status & VPF_STATUS_DRIVER_OK) &&
	       (m->driver_features & VPF_FEATURE(VPF_F_ADMIN_VQ));
}

int
model_aq_init(struct vpf_model *m)
{
	uint32_t n = m->p.admin_queue_size, i;

	m->slot_free = calloc(m->p.concurrency, sizeof(*m->slot_free));
	if (m->slot_free == NULL)
		return -ENOMEM;
	m->pool = calloc(n, sizeof(*m->pool));
	m->owned = calloc(n, 1);
	m->visit = calloc(n, sizeof(*m->visit));
	m->vis_ns = calloc(n, sizeof(*m->vis_ns));
	if (m->pool == NULL || m->owned == NULL || m->visit == NULL ||
	    m->vis_ns == NULL)
		return -ENOMEM;
	m->npool = n;
	m->due_min = UINT64_MAX;
	/* Every slot can always take a header, so that a command whose
	 * readable part cannot be copied is still checked in the order of
	 * doc/protocol.md §1.5 and failed with the right
	 * status. */
	for (i = 0; i < n; i++) {
		m->pool[i].data = malloc(MODEL_CMD_DATA_MIN);
		if (m->pool[i].data == NULL)
			return -ENOMEM;
		m->pool[i].data_cap = MODEL_CMD_DATA_MIN;
	}
	m->cmd_mem = 0;
	return 0;
}

void
model_aq_fini(struct vpf_model *m)
{
	uint32_t i;

	if (m->pool != NULL)
		for (i = 0; i < m->npool; i++)
			free(m->pool[i].data);
	VPF_FREE(m->pool);
	VPF_FREE(m->slot_free);
	VPF_FREE(m->owned);
	VPF_FREE(m->visit);
	VPF_FREE(m->vis_ns);
}

static void
cmd_release(struct vpf_model *m, struct model_cmd *c)
{
	uint32_t i;

	for (i = 0; i < c->nchain; i++)
		if (c->chain[i] < m->npool)
			m->owned[c->chain[i]] = 0;
	if (c->state == CMD_HUNG)
		m->nhung--;
	c->state = CMD_FREE;
	c->executed = false;
	c->next = NULL;
	/* Give a large buffer back: it counts against MODEL_CMD_MEM_MAX. */
	if (c->data_cap > MODEL_CMD_DATA_KEEP) {
		uint8_t *nd = realloc(c->data, MODEL_CMD_DATA_MIN);

		if (nd != NULL) {
			m->cmd_mem -= c->data_cap - MODEL_CMD_DATA_MIN;
			c->data = nd;
			c->data_cap = MODEL_CMD_DATA_MIN;
		}
	}
}

/* O(1): the list is doubly linked, because the driver's poll removes
 * the commands it publishes and must not walk the list for each. */
static void
work_remove(struct vpf_model *m, struct model_cmd *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		m->work = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		m->work_tail = c->prev;
	c->next = c->prev = NULL;
	m->nwork--;
	if (!c->executed)
		m->ndeferred--;
}

/* Owner reset or admin queue reset: the commands in flight are failed
 * (doc/protocol.md §4.9, D-4.1): the device forgets them and never
 * completes them. */
void
model_aq_drop_all(struct vpf_model *m, const char *why)
{
	uint32_t i, n = 0;

	for (i = 0; i < m->npool; i++) {
		if (m->pool[i].state != CMD_FREE) {
			cmd_release(m, &m->pool[i]);
			n++;
		}
	}
	m->work = m->work_tail = NULL;
	m->nwork = 0;
	m->ndeferred = 0;
	__atomic_store_n(&m->due_min, UINT64_MAX, __ATOMIC_RELAXED);
	m->nhung = 0;
	m->kicked = false;
	model_aq_db_off(m);
	if (m->slot_free != NULL)
		memset(m->slot_free, 0,
		       m->p.concurrency * sizeof(*m->slot_free));
	m->cmds_dropped += n;
	if (n > 0)
		MODEL_LOG(INFO, m, "%s: %u commands in flight dropped", why, n);
}

uint32_t
model_aq_others_outstanding(struct vpf_model *m, const struct model_cmd *c)
{
	struct model_pf_vq *q = &m->q[m->aq_index];
	uint32_t n = m->nwork + m->nhung;
	uint16_t *p;

	/* @p c itself is off the work list while it executes. */
	(void)c;
	/* Commands the driver posted after this one count too: it made them
	 * available before this one completed. */
	p = model_dma_ptr(m, q->driver + 2, 2);
	if (p != NULL && __atomic_load_n(p, __ATOMIC_ACQUIRE) != m->last_avail)
		n++;
	return n;
}

/* Write @p len bytes at offset @p off of the command's device-writable
 * part (status at 0, result at 8). */
int
model_cmd_write(struct vpf_model *m, struct model_cmd *c, uint64_t off,
		const void *buf, uint64_t len)
{
	const uint8_t *b = buf;
	uint32_t i;

	if (len > c->w_total || off > c->w_total - len)
		return -ENOSPC;
	for (i = 0; i < c->nw && len > 0; i++) {
		uint64_t n;

		if (off >= c->w_len[i]) {
			off -= c->w_len[i];
			continue;
		}
		n = c->w_len[i] - off;
		if (n > len)
			n = len;
		if (model_dma_write(m, c->w_iova[i] + off, b, n) != 0)
			return -EFAULT;
		b += n;
		len -= n;
		off = 0;
	}
	return 0;
}

static bool
read_desc(struct vpf_model *m, uint16_t idx, struct vpf_vring_desc *d)
{
	struct model_pf_vq *q = &m->q[m->aq_index];

	if (model_dma_read(m, q->desc + 16ull * idx, d, sizeof(*d)) != 0)
		return false;
	d->addr = rte_le_to_cpu_64(d->addr);
	d->len = rte_le_to_cpu_32(d->len);
	d->flags = rte_le_to_cpu_16(d->flags);
	d->next = rte_le_to_cpu_16(d->next);
	return true;
}

/* The readable descriptors of a chain while it is walked (the writable
 * ones go straight into the command: the result is written through them). */
struct chain_r {
	uint64_t iova[MODEL_MAX_CHAIN];
	uint32_t len[MODEL_MAX_CHAIN];
	uint32_t n;
};

/* Start a walk: nothing parsed yet, a new loop-detection generation. */
static void
chain_begin(struct vpf_model *m, struct model_cmd *c, struct chain_r *r)
{
	c->nchain = 0;
	c->nw = 0;
	c->w_total = 0;
	c->r_total = 0;
	c->too_big = false;
	c->nomem = false;
	r->n = 0;
	if (++m->visit_gen == 0) {
		memset(m->visit, 0, m->npool * sizeof(*m->visit));
		m->visit_gen = 1;
	}
}

/* Whether descriptor @p idx may be the next of the chain at @p head: the
 * chain stays within MODEL_MAX_CHAIN (which bounds the walk), does not
 * loop, and does not reuse a descriptor the device owns. */
static bool
chain_visit(struct vpf_model *m, struct model_cmd *c, uint16_t head,
	    uint16_t idx)
{
	if (c->nchain >= MODEL_MAX_CHAIN) {
		model_fatal(m, false, "descriptor chain at %u longer than %u",
			    head, MODEL_MAX_CHAIN);
		return false;
	}
	if (m->visit[idx] == m->visit_gen) {
		model_fatal(m, false, "descriptor chain at %u loops "
			    "(descriptor %u twice)", head, idx);
		return false;
	}
	m->visit[idx] = m->visit_gen;
	if (m->owned[idx]) {
		model_fatal(m, false, "descriptor %u reused while the device "
			    "owns it", idx);
		return false;
	}
	return true;
}

/* Add descriptor @p d (number @p idx) to the chain: no indirect ones, all
 * readable descriptors before the writable ones. */
static bool
chain_add(struct vpf_model *m, struct model_cmd *c, struct chain_r *r,
	  uint16_t head, uint16_t idx, const struct vpf_vring_desc *d)
{
	c->chain[c->nchain++] = idx;
	if (d->flags & VPF_VRING_DESC_F_INDIRECT) {
		model_fatal(m, false, "indirect descriptor %u "
			    "(VIRTIO_F_INDIRECT_DESC not offered)", idx);
		return false;
	}
	if (d->flags & VPF_VRING_DESC_F_WRITE) {
		c->w_iova[c->nw] = d->addr;
		c->w_len[c->nw] = d->len;
		c->nw++;
		c->w_total += d->len;
		return true;
	}
	if (c->nw > 0) {
		model_fatal(m, false, "chain at %u: readable descriptor %u "
			    "after a writable one", head, idx);
		return false;
	}
	r->iova[r->n] = d->addr;
	r->len[r->n] = d->len;
	r->n++;
	c->r_total += d->len;
	return true;
}

/* Follow the chain from @p head to its last descriptor. */
static bool
chain_walk(struct vpf_model *m, struct model_cmd *c, struct chain_r *r,
	   uint16_t head)
{
	struct model_pf_vq *q = &m->q[m->aq_index];
	struct vpf_vring_desc d;
	uint16_t idx = head;

	if (head >= q->size) {
		model_fatal(m, false, "avail ring entry %u is not a descriptor "
			    "(queue size %u)", head, q->size);
		return false;
	}
	for (;;) {
		if (!chain_visit(m, c, head, idx) || !read_desc(m, idx, &d) ||
		    !chain_add(m, c, r, head, idx, &d))
			return false;
		if (!(d.flags & VPF_VRING_DESC_F_NEXT))
			return true;
		if (d.next >= q->size) {
			model_fatal(m, false, "descriptor %u: next %u out of "
				    "range (queue size %u)", idx, d.next,
				    q->size);
			return false;
		}
		idx = d.next;
	}
}

/* The writable part has room for the status, and every byte of it is
 * mapped: an IOMMU would fault on the write; checking now keeps a command
 * from half-completing. */
static bool
chain_check_writable(struct vpf_model *m, const struct model_cmd *c,
		     uint16_t head)
{
	uint32_t i;

	if (c->w_total < sizeof(struct vpf_admin_cmd_status)) {
		model_fatal(m, false, "chain at %u: device-writable part is %"
			    PRIu64 " bytes, no room for the 8-byte status",
			    head, c->w_total);
		return false;
	}
	for (i = 0; i < c->nw; i++) {
		if (c->w_len[i] > 0 &&
		    model_dma_ptr(m, c->w_iova[i], c->w_len[i]) == NULL) {
			model_fatal(m, true, "DMA write fault: writable "
				    "descriptor at IOVA 0x%" PRIx64 " len %u "
				    "is not mapped", c->w_iova[i],
				    c->w_len[i]);
			return false;
		}
	}
	return true;
}

/* Grow the slot's buffer for the readable part, within MODEL_MAX_CMD_DATA
 * and MODEL_CMD_MEM_MAX; too_big or nomem when it cannot be. */
static void
chain_data_buffer(struct vpf_model *m, struct model_cmd *c)
{
	uint64_t grow;
	uint8_t *nd = NULL;

	if (c->r_total > MODEL_MAX_CMD_DATA) {
		c->too_big = true;
		return;
	}
	if (c->r_total <= c->data_cap)
		return;
	grow = c->r_total - c->data_cap;
	if (m->cmd_mem + grow <= MODEL_CMD_MEM_MAX)
		nd = realloc(c->data, c->r_total);
	if (nd == NULL) {
		c->nomem = true;
		return;
	}
	c->data = nd;
	c->data_cap = c->r_total;
	m->cmd_mem += grow;
}

/* Copy the readable part into the slot's buffer. The header is always
 * copied so that group, opcode and member are checked first
 * (doc/protocol.md §1.5); a readable part too big, or one there is no
 * buffer for, is reported after them (model_cmd_exec). */
static bool
chain_copy_readable(struct vpf_model *m, struct model_cmd *c,
		    const struct chain_r *r)
{
	uint64_t off = 0, want = c->r_total;
	uint32_t i;

	chain_data_buffer(m, c);
	if (c->too_big || c->nomem)
		want = RTE_MIN(c->r_total,
			       (uint64_t)sizeof(struct vpf_admin_cmd_hdr));
	for (i = 0; i < r->n && off < want; i++) {
		uint32_t n = (uint32_t)RTE_MIN((uint64_t)r->len[i], want - off);

		if (n == 0)
			continue;
		if (model_dma_read(m, r->iova[i], c->data + off, n) != 0)
			return false;
		off += n;
	}
	return true;
}

/*
 * Walk and check the chain at @p head (doc/protocol.md §1.1: readable
 * descriptors first, then writable ones; bounded length, no loops, no
 * indirect descriptors) and copy the readable part. Structural errors that
 * leave no way to report a status are fatal (DEVICE_NEEDS_RESET).
 */
static bool
chain_parse(struct vpf_model *m, struct model_cmd *c, uint16_t head)
{
	struct chain_r r;

	chain_begin(m, c, &r);
	return chain_walk(m, c, &r, head) &&
	       chain_check_writable(m, c, head) &&
	       chain_copy_readable(m, c, &r);
}

static struct model_cmd *
cmd_alloc(struct vpf_model *m)
{
	uint32_t i;

	for (i = 0; i < m->npool; i++)
		if (m->pool[i].state == CMD_FREE)
			return &m->pool[i];
	return NULL;
}

/* Transfer cost of a context command: its data or posted result. */
static uint64_t
transfer_ns(struct vpf_model *m, const struct model_cmd *c)
{
	const struct vpf_admin_cmd_hdr *h = (const void *)c->data;
	uint64_t bytes;
	uint16_t op;

	if (m->p.transfer_ns_per_kib == 0 || c->too_big || c->nomem ||
	    c->r_total < sizeof(*h))
		return 0;
	op = rte_le_to_cpu_16(h->opcode);
	/* 1.4: the parts moved by PARTS_GET (result) and PARTS_SET (data). */
	if (model_v14_on(&m->p)) {
		if (op == MODEL_V14_OP_PARTS_GET)
			bytes = c->w_total - sizeof(struct vpf_admin_cmd_status);
		else if (op == MODEL_V14_OP_PARTS_SET)
			bytes = c->r_total - sizeof(*h);
		else
			return 0;
		return bytes * m->p.transfer_ns_per_kib / 1024;
	}
	if (op == VPF_ADMIN_OP_DEV_CTX_READ)
		bytes = c->w_total - sizeof(struct vpf_admin_cmd_status);
	else if (op == VPF_ADMIN_OP_DEV_CTX_WRITE)
		bytes = c->r_total - sizeof(*h);
	else
		return 0;
	return bytes * m->p.transfer_ns_per_kib / 1024;
}

/* Stamp the avail entries published since the last stamp as visible
 * now (a doorbell, or a polling pass that sees them). */
static void
mark_visible(struct vpf_model *m, uint16_t avail, uint64_t now)
{
	uint16_t size = m->q[m->aq_index].size;

	if (m->vis_ns == NULL || size == 0 || size > m->npool)
		return;
	/* Behind last_avail after a reset, or more than a ring ahead
	 * (fetch_one() refuses that): restart from what is fetched. */
	if ((uint16_t)(avail - m->vis_idx) > size ||
	    (uint16_t)(m->vis_idx - m->last_avail) > size)
		m->vis_idx = m->last_avail;
	while (m->vis_idx != avail &&
	       (uint16_t)(m->vis_idx - m->last_avail) < size) {
		m->vis_ns[m->vis_idx % size] = now;
		m->vis_idx++;
	}
}

/* The head of the next new avail entry; false when there is none or
 * processing stopped. */
static bool
avail_next(struct vpf_model *m, uint64_t now, uint16_t *head)
{
	struct model_pf_vq *q = &m->q[m->aq_index];
	uint16_t *pidx, avail, h;

	if (!model_aq_ready(m) || !(m->kicked || m->polling))
		return false;
	pidx = model_dma_ptr(m, q->driver + 2, 2);
	if (pidx == NULL) {
		model_fatal(m, true, "DMA read fault: avail ring index at IOVA "
			    "0x%" PRIx64 " is not mapped", q->driver + 2);
		return false;
	}
	/* Acquire: the ring entry and descriptors were written before the
	 * driver's release store of avail->idx. */
	avail = rte_le_to_cpu_16(__atomic_load_n(pidx, __ATOMIC_ACQUIRE));
	if (avail == m->last_avail) {
		m->kicked = false;
		return false;
	}
	/* Found by polling (doorbells suppressed): visible from now on, as
	 * far as the timing model knows; after a doorbell: since then (one
	 * posted without the lock included). */
	model_aq_db_drain(m);
	mark_visible(m, avail, now);
	m->kicked = true;
	if ((uint16_t)(avail - m->last_avail) > q->size) {
		model_fatal(m, false, "avail idx %u is more than queue size %u "
			    "ahead of %u", avail, q->size, m->last_avail);
		return false;
	}
	if (model_dma_read(m, q->driver + 4 + 2ull * (m->last_avail % q->size),
			   &h, 2) != 0)
		return false;
	*head = rte_le_to_cpu_16(h);
	return true;
}

/*
 * Timing model in virtual time: the device has @c concurrency engines;
 * the command starts on the first one free, not before the doorbell that
 * made it visible, and keeps it for the service (and transfer) time.
 * Scheduling noise of the device thread does not add up: a command
 * completes at its due time, or as soon as the thread gets there.
 */
static void
schedule_threaded(struct vpf_model *m, struct model_cmd *c)
{
	struct model_pf_vq *q = &m->q[m->aq_index];
	uint32_t i, best = 0;
	uint64_t start, vis, cost = 0;

	for (i = 1; i < m->p.concurrency; i++)
		if (m->slot_free[i] < m->slot_free[best])
			best = i;
	vis = m->vis_ns[(uint16_t)(m->last_avail - 1) % q->size];
	start = m->slot_free[best] > vis ? m->slot_free[best] : vis;
	/* Activating a context keeps the engine busy too: the cost is known
	 * here when the context was written before this MODE_SET arrived
	 * (else it is added at completion time, see complete_due(), without
	 * holding an engine). */
	if (c->fault != VPF_MODEL_FAULT_EAGAIN &&
	    c->fault != VPF_MODEL_FAULT_EINVAL) {
		cost = model_cmd_pre_cost_ns(m, c);
		c->cost_checked = cost > 0;
	}
	c->due_ns = start + 1000ull * m->p.service_time_us +
		transfer_ns(m, c) + cost;
	m->slot_free[best] = c->due_ns;
}

/*
 * Timed mode: whether the command's work runs now, at fetch, with only
 * its completion published at its due time (doc/model.md "Device CPU
 * time"), so that the simulator's CPU time overlaps the simulated service
 * time instead of adding to it. Commands run in fetch order: none runs
 * early while an earlier one waits to run at its due time. These wait:
 * an FLR or reset fault (the command itself is delayed by it), a command
 * an FLR or reset in progress delays (doc/protocol.md §4.9, D-4.10), and
 * LIST_USE, which must see what is still outstanding when it completes.
 */
static bool
exec_at_fetch(struct vpf_model *m, const struct model_cmd *c, uint64_t now)
{
	const struct vpf_admin_cmd_hdr *h = (const void *)c->data;
	struct model_vf *vf;
	uint16_t op;

	if (!m->p.threaded || m->ndeferred > 0)
		return false;
	switch (c->fault) {
	case VPF_MODEL_FAULT_NONE:
	case VPF_MODEL_FAULT_DELAY:
	case VPF_MODEL_FAULT_EAGAIN:
	case VPF_MODEL_FAULT_EINVAL:
	case VPF_MODEL_FAULT_BAD_ID:
	case VPF_MODEL_FAULT_BAD_LEN:
	case VPF_MODEL_FAULT_DUP:
		break;
	default:
		return false;
	}
	if (c->too_big || c->r_total < sizeof(*h))
		return true;
	op = rte_le_to_cpu_16(h->opcode);
	if (op == VPF_ADMIN_OP_LIST_USE)
		return false;
	if (model_cmd_delayed_by_busy(m, op)) {
		vf = model_vf_get(m, rte_le_to_cpu_64(h->group_member_id));
		if (vf != NULL && vf->busy_until > now)
			return false;
	}
	return true;
}

/* Queue @p c behind the commands already in work (fetch order). */
static void
work_append(struct vpf_model *m, struct model_cmd *c)
{
	c->next = NULL;
	c->prev = m->work_tail;
	if (m->work_tail != NULL)
		m->work_tail->next = c;
	else
		m->work = c;
	m->work_tail = c;
	m->nwork++;
	if (!c->executed)
		m->ndeferred++;
}

/* Fetch one new command from the avail ring. False when there is none
 * or processing stopped. */
static bool
fetch_one(struct vpf_model *m, uint64_t now)
{
	struct model_cmd *c;
	uint16_t head;
	uint32_t i;

	if (!avail_next(m, now, &head))
		return false;
	c = cmd_alloc(m);
	if (c == NULL) {
		model_fatal(m, false, "more commands outstanding than queue "
			    "entries");
		return false;
	}
	m->last_avail++;
	if (!chain_parse(m, c, head))
		return false;
	c->head = head;
	c->seq = m->seq++;
	c->cost_checked = false;
	for (i = 0; i < c->nchain; i++)
		m->owned[c->chain[i]] = 1;
	model_fault_pick(m, c);
	if (c->fault == VPF_MODEL_FAULT_DMA) {
		c->state = CMD_WORK;
		cmd_release(m, c);
		model_fatal(m, true, "injected DMA fault on the command at "
			    "descriptor %u", head);
		return false;
	}
	if (c->fault == VPF_MODEL_FAULT_HANG) {
		/* Never completed; keeps its descriptors until a reset. */
		c->state = CMD_HUNG;
		m->nhung++;
		return true;
	}
	c->state = CMD_WORK;
	c->due_ns = now;
	c->executed = false;
	if (m->p.threaded) {
		bool early = exec_at_fetch(m, c, now);

		/* The activation cost is computed on the state before the
		 * command runs: with every earlier command run already, it
		 * is known here. */
		schedule_threaded(m, c);
		if (early) {
			c->cost_checked = true;
			if (!cmd_execute(m, c, &c->res)) {
				cmd_release(m, c);
				return false;
			}
			c->executed = true;
		}
	}
	if (c->fault == VPF_MODEL_FAULT_DELAY)
		c->due_ns += 1000ull * (c->fault_param ? c->fault_param :
					FAULT_DELAY_US_DEFAULT);
	work_append(m, c);
	return true;
}

static bool
publish_used(struct vpf_model *m, uint32_t id, uint32_t len)
{
	struct model_pf_vq *q = &m->q[m->aq_index];
	struct vpf_vring_used_elem e;
	uint16_t *pidx;

	e.id = rte_cpu_to_le_32(id);
	e.len = rte_cpu_to_le_32(len);
	if (model_dma_write(m, q->device + 4 + 8ull * (m->used_idx % q->size),
			    &e, sizeof(e)) != 0)
		return false;
	pidx = model_dma_ptr(m, q->device + 2, 2);
	if (pidx == NULL) {
		model_fatal(m, true, "DMA write fault: used ring index at "
			    "IOVA 0x%" PRIx64 " is not mapped", q->device + 2);
		return false;
	}
	m->used_idx++;
	/* Release: the status, result and used element are visible before
	 * the driver can see the new used->idx. */
	__atomic_store_n(pidx, rte_cpu_to_le_16(m->used_idx), __ATOMIC_RELEASE);
	m->isr |= 1;
	return true;
}

/*
 * Carry out the command's work (or its injected failure) into @p r.
 * False when there is nothing to publish: a DMA fault stopped it.
 */
static bool
cmd_execute(struct vpf_model *m, struct model_cmd *c, struct model_result *r)
{
	bool ok = true;

	memset(r, 0, sizeof(*r));
	if (c->fault == VPF_MODEL_FAULT_EAGAIN) {
		r->status = VPF_ADMIN_STATUS_EAGAIN;
		r->qualifier = c->fault_param == VPF_ADMIN_SQ_NORESOURCE ?
			VPF_ADMIN_SQ_NORESOURCE : VPF_ADMIN_SQ_TRYAGAIN;
	} else if (c->fault == VPF_MODEL_FAULT_EINVAL) {
		r->status = c->fault_param ?
			(uint16_t)(c->fault_param >> 16) :
			VPF_ADMIN_STATUS_EINVAL;
		r->qualifier = c->fault_param ? (uint16_t)c->fault_param :
			VPF_ADMIN_SQ_INVALID_FIELD;
	} else {
		ok = model_cmd_exec(m, c, r);
	}
	if (!ok || m->needs_reset)
		return false;	/* DMA fault while executing: no completion */
	if (c->fault == VPF_MODEL_FAULT_EAGAIN ||
	    c->fault == VPF_MODEL_FAULT_EINVAL)
		model_cmd_account_fault(m, c, r);
	if (r->status != VPF_ADMIN_STATUS_OK) {
		r->output = 0;
		r->result_len = 0;
	}
	return true;
}

/* Publish the completion of an executed command: its status, then the
 * used element (with the faults that act there: bad id, bad len, dup). */
static void
cmd_publish(struct vpf_model *m, struct model_cmd *c,
	    const struct model_result *r)
{
	struct model_pf_vq *q = &m->q[m->aq_index];
	struct vpf_admin_cmd_status st;
	uint32_t id = c->head, len, out;

	st.status = rte_cpu_to_le_16(r->status);
	st.status_qualifier = rte_cpu_to_le_16(r->qualifier);
	out = rte_cpu_to_le_32(r->output);
	memcpy(st.command_specific_output, &out, 4);
	if (model_cmd_write(m, c, 0, &st, sizeof(st)) != 0)
		return;
	len = (uint32_t)sizeof(st) + r->result_len;
	if (c->fault == VPF_MODEL_FAULT_BAD_ID)
		id = (uint32_t)q->size + c->head;
	if (c->fault == VPF_MODEL_FAULT_BAD_LEN)
		len = (uint32_t)(c->w_total > UINT32_MAX - 64 ?
				 UINT32_MAX : c->w_total + 8);
	if (!publish_used(m, id, len))
		return;
	if (c->fault == VPF_MODEL_FAULT_DUP)
		(void)publish_used(m, id, len);
}

static void
cmd_complete(struct vpf_model *m, struct model_cmd *c)
{
	struct model_result r;

	if (c->executed)
		cmd_publish(m, c, &c->res);
	else if (cmd_execute(m, c, &r))
		cmd_publish(m, c, &r);
}

/* Recompute the earliest due time the driver's poll checks. */
static void
due_min_update(struct vpf_model *m)
{
	struct model_cmd *c;
	uint64_t due = UINT64_MAX;

	if (!m->needs_reset)
		for (c = m->work; c != NULL; c = c->next)
			if (c->due_ns < due)
				due = c->due_ns;
	__atomic_store_n(&m->due_min, due, __ATOMIC_RELAXED);
}


/*
 * Complete the commands whose time has come; returns how many, and
 * publishes the earliest due time of those left (m->due_min) from the
 * same walk. A command run here rather than at fetch may act on others
 * (a reset drops them all), so after one the list is walked again.
 */
static uint32_t
complete_due(struct vpf_model *m, uint64_t now)
{
	struct model_cmd *c, *next;
	uint64_t left = UINT64_MAX;
	bool rescan = false;
	uint32_t n = 0;

	for (c = m->work; c != NULL && !m->needs_reset; c = next) {
		next = c->next;
		if (c->due_ns > now) {
			if (c->due_ns < left)
				left = c->due_ns;
			continue;
		}
		if (!c->executed &&
		    (c->fault == VPF_MODEL_FAULT_NONE ||
		    c->fault == VPF_MODEL_FAULT_DELAY ||
		    c->fault == VPF_MODEL_FAULT_FLR ||
		    c->fault == VPF_MODEL_FAULT_RESET ||
		     c->fault >= VPF_MODEL_FAULT_BAD_ID)) {
			uint64_t busy = 0;
			const struct vpf_admin_cmd_hdr *h = (const void *)c->data;

			if (!c->too_big &&
			    c->r_total >= sizeof(*h) &&
			    model_cmd_delayed_by_busy(m,
				    rte_le_to_cpu_16(h->opcode))) {
				struct model_vf *vf = model_vf_get(m,
					rte_le_to_cpu_64(h->group_member_id));

				if (vf != NULL)
					busy = vf->busy_until;
			}
			/* FLR / reset in progress delays MODE_SET, CTX_READ
			 * and CTX_WRITE until it ends (doc/protocol.md
			 * §4.9, D-4.10). */
			if (busy > now) {
				c->due_ns = busy;
				left = busy < left ? busy : left;
				continue;
			}
			if (!c->cost_checked) {
				uint64_t cost = model_cmd_pre_cost_ns(m, c);

				c->cost_checked = true;
				if (cost > 0) {
					c->due_ns = now + cost;
					left = c->due_ns < left ? c->due_ns : left;
					continue;
				}
			}
		}
		rescan |= !c->executed;
		work_remove(m, c);
		cmd_complete(m, c);
		if (c->state != CMD_FREE)
			cmd_release(m, c);
		n++;
	}
	if (rescan || m->needs_reset)
		due_min_update(m);
	else
		__atomic_store_n(&m->due_min, left, __ATOMIC_RELAXED);
	return n;
}

uint64_t
model_aq_next_due(struct vpf_model *m)
{
	return m->needs_reset ? UINT64_MAX :
		__atomic_load_n(&m->due_min, __ATOMIC_RELAXED);
}

void
model_aq_run(struct vpf_model *m)
{
	model_aq_db_drain(m);
	for (;;) {
		uint64_t now;
		uint32_t done;

		if (m->needs_reset)
			break;
		now = vpf_now_ns();
		done = complete_due(m, now);
		if (m->needs_reset)
			break;
		if (fetch_one(m, now))
			continue;
		if (done == 0)
			break;
	}
	/* Fetching adds commands complete_due() did not see. */
	due_min_update(m);
}

/*
 * Whether a doorbell must wake the device thread. Waking a thread costs
 * the driver a system call and an inter-processor interrupt; one that
 * wakes up by itself well within the service time fetches the new
 * commands then, in time for their due times (counted from this doorbell,
 * vis_ns), so it is left asleep. A thread that runs (sleep_until 0: it
 * takes the lock after this doorbell) sees the kick in its next pass.
 */
static bool
wake_needed(struct vpf_model *m)
{
	uint64_t soon = 500ull * m->p.service_time_us;

	if (m->sleep_until == 0)
		return false;
	return m->sleep_until == UINT64_MAX || soon == 0 ||
	       m->sleep_until > vpf_now_ns() + soon;
}

/*
 * Doorbells that do not wait for the lock (D-PERF.12). A device thread
 * that polls holds the lock while it fetches, runs and publishes
 * commands; a driver whose doorbell waited for it slept in the kernel
 * (a futex wait and an inter-processor interrupt: 20-150 us on the test
 * VM) in the middle of a downtime window. A hardware doorbell is a posted
 * write that never waits for the device, so the simulated one does not
 * either: rung while the lock is held, it records what the driver had
 * published and when, and the lock's next holder that runs the queue
 * stamps those entries visible from that time, as a doorbell taken under
 * the lock would have. Only with an idle-polling device thread: it
 * notices the posted doorbell by the counter it watches (a thread that
 * sleeps would need a wake-up, which needs the lock).
 */
bool
model_aq_db_nowait(const struct vpf_model *m, uint64_t off,
		   unsigned int width, uint64_t val)
{
	return m->p.idle_poll &&
	       __atomic_load_n(&m->thread_on, __ATOMIC_ACQUIRE) &&
	       (width == 2 || width == 4) && (uint16_t)val == m->aq_index &&
	       off == MODEL_NOTIFY_OFF +
		      (uint64_t)m->aq_index * MODEL_NOTIFY_MULT;
}

bool
model_aq_db_post(struct vpf_model *m)
{
	uint16_t *pidx;
	uint32_t head, tail;
	bool ok = false;

	while (__atomic_test_and_set(&m->db_plock, __ATOMIC_ACQUIRE))
		;
	pidx = __atomic_load_n(&m->db_avail, __ATOMIC_ACQUIRE);
	head = m->dbq_head;
	tail = __atomic_load_n(&m->dbq_tail, __ATOMIC_ACQUIRE);
	if (pidx != NULL && head - tail < MODEL_DBQ) {
		struct model_db *e = &m->dbq[head % MODEL_DBQ];

		e->avail = rte_le_to_cpu_16(__atomic_load_n(pidx,
							   __ATOMIC_ACQUIRE));
		e->ns = vpf_now_ns();
		__atomic_store_n(&m->dbq_head, head + 1, __ATOMIC_RELEASE);
		__atomic_add_fetch(&m->doorbells, 1, __ATOMIC_RELEASE);
		ok = true;
	}
	__atomic_clear(&m->db_plock, __ATOMIC_RELEASE);
	return ok;
}

void
model_aq_db_drain(struct vpf_model *m)
{
	uint32_t head = __atomic_load_n(&m->dbq_head, __ATOMIC_ACQUIRE);
	uint32_t tail = m->dbq_tail;

	/* (bounded: at most MODEL_DBQ entries are ever posted ahead) */
	for (; tail != head; tail++) {
		const struct model_db *e = &m->dbq[tail % MODEL_DBQ];

		m->notifies++;
		if (m->db_avail != NULL) {
			mark_visible(m, e->avail, e->ns);
			m->kicked = true;
		}
	}
	__atomic_store_n(&m->dbq_tail, tail, __ATOMIC_RELEASE);
}

void
model_aq_db_off(struct vpf_model *m)
{
	__atomic_store_n(&m->db_avail, NULL, __ATOMIC_RELEASE);
	/* (a post that loaded db_avail before this is the driver's own
	 * doorbell racing its own reset: not a thing a driver does) */
	__atomic_store_n(&m->dbq_tail,
			 __atomic_load_n(&m->dbq_head, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
}

void
model_aq_notify(struct vpf_model *m)
{
	struct model_pf_vq *q = &m->q[m->aq_index];
	uint16_t *pidx = model_dma_ptr(m, q->driver + 2, 2);

	/* Doorbells posted before this one come first (their entries are
	 * visible since their own time). */
	model_aq_db_drain(m);
	/* What the driver published so far is visible from this doorbell
	 * on (an entry published later waits for the next one, or for a
	 * polling pass). */
	if (pidx != NULL) {
		mark_visible(m, rte_le_to_cpu_16(__atomic_load_n(pidx,
					__ATOMIC_ACQUIRE)), vpf_now_ns());
		__atomic_store_n(&m->db_avail, pidx, __ATOMIC_RELEASE);
	}
	m->kicked = true;
	__atomic_add_fetch(&m->doorbells, 1, __ATOMIC_RELEASE);
	if (!m->thread_on)
		model_aq_run(m);
	else if (wake_needed(m))
		pthread_cond_signal(&m->cv);
}

void
model_aq_poll(struct vpf_model *m)
{
	if (!m->thread_on)
		model_aq_run(m);
}

/*
 * The driver's poll in timed mode: a completion whose time has come is
 * published by whoever gets there first, the driver polling for it or the
 * device thread waking up for it, so a polling driver sees it on time
 * without a device thread that spins. Only completions: fetching stays
 * with the device thread (doorbells wake it). The check is one load; a
 * lock held by someone else means the device is at work already.
 */
void
model_aq_poll_timed(struct vpf_model *m)
{
	uint64_t due = __atomic_load_n(&m->due_min, __ATOMIC_RELAXED);

	if (due == UINT64_MAX || vpf_now_ns() < due)
		return;
	if (pthread_mutex_trylock(&m->lock) != 0)
		return;
	m->polls_published += complete_due(m, vpf_now_ns());
	pthread_mutex_unlock(&m->lock);
}
