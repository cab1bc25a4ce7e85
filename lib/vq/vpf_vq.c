/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Split virtqueue, driver side (virtio 1.x 2.7), poll mode.
 *
 * The device sees the rings only. The chain structure (next links, chain
 * lengths, posted writable bytes, cookies) lives in driver-private arrays,
 * so a hostile device that scribbles over the descriptor table or writes
 * arbitrary used entries can only produce an error, never make the driver
 * follow a pointer it wrote.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_io.h>

#include "vpf_backend.h"
#include "vpf_virtio.h"
#include "common/vpf_log.h"
#include "common/vpf_mem.h"

VPF_LOG_REGISTER(vq);

/* Ring layout in the region: descriptor table, avail ring (flags, idx,
 * ring[size], used_event), used ring aligned to 4 (flags, idx,
 * ring[size], avail_event). */
static size_t
vq_avail_off(uint16_t size)
{
	return (size_t)size * sizeof(struct vpf_vring_desc);
}

static size_t
vq_used_off(uint16_t size)
{
	size_t end = vq_avail_off(size) + 4 + 2 * (size_t)size + 2;

	return (end + 3) & ~(size_t)3;
}

static size_t
vq_mem_len(uint16_t size)
{
	return vq_used_off(size) + 4 + 8 * (size_t)size + 2;
}

/* Pointers to the ring indices as plain integers: the ring structs are
 * packed, and taking the address of a packed member is not portable. */
static inline uint16_t *
vq_avail_idx_p(struct vpf_vq *vq)
{
	return (uint16_t *)((uint8_t *)vq->avail + 2);
}

static inline uint16_t *
vq_avail_ring_p(struct vpf_vq *vq)
{
	return (uint16_t *)((uint8_t *)vq->avail + 4);
}

static inline const uint16_t *
vq_used_flags_p(const struct vpf_vq *vq)
{
	return (const uint16_t *)(const void *)vq->used;
}

static inline const uint16_t *
vq_used_idx_p(const struct vpf_vq *vq)
{
	return (const uint16_t *)(const void *)((const uint8_t *)vq->used + 2);
}

static inline const uint32_t *
vq_used_elem_p(const struct vpf_vq *vq, uint16_t slot)
{
	return (const uint32_t *)(const void *)((const uint8_t *)vq->used + 4 +
						8 * (size_t)slot);
}

/* Barriers (the backend contract, VPF_OPS_F_IN_PROCESS in vpf_backend.h):
 * towards a real device the ring writes must be visible before the index
 * write (rte_io_wmb) and the used index must be read before the entries
 * (rte_io_rmb); towards the in-process model the same ordering is a C11
 * release/acquire pair with the device thread. */
static inline void
vq_wmb(const struct vpf_vq *vq)
{
	if (vq->in_process)
		atomic_thread_fence(memory_order_release);
	else
		rte_io_wmb();
}

static inline void
vq_rmb(const struct vpf_vq *vq)
{
	if (vq->in_process)
		atomic_thread_fence(memory_order_acquire);
	else
		rte_io_rmb();
}

/* The avail index store must be ordered before the load of used->flags that
 * decides whether to notify (store-load: a full barrier). */
static inline void
vq_mb(const struct vpf_vq *vq)
{
	if (vq->in_process)
		atomic_thread_fence(memory_order_seq_cst);
	else
		rte_mb();
}

static void
vq_free_list_init(struct vpf_vq *vq)
{
	uint16_t i;

	for (i = 0; i < vq->size; i++) {
		vq->next[i] = (uint16_t)(i + 1);
		vq->chain_len[i] = 0;
		vq->writable[i] = 0;
		vq->cookie[i] = NULL;
	}
	vq->free_head = 0;
	vq->free_tail = (uint16_t)(vq->size - 1);
	vq->num_free = vq->size;
	vq->nchains = 0;
	vq->avail_idx = 0;
	vq->kicked_idx = 0;
	vq->last_used = 0;
}

int
vpf_vq_create(struct vpf_vq *vq, const struct vpf_pf_ops *ops, void *dev,
	      uint16_t index, uint16_t size)
{
	uint8_t *base;
	int rc;

	if (vq == NULL || ops == NULL || ops->dma_alloc == NULL)
		return vpf_error(-EINVAL, "vq: no queue or backend");
	memset(vq, 0, sizeof(*vq));
	if (size == 0 || size > VPF_VRING_MAX_SIZE || (size & (size - 1)))
		return vpf_error(-EINVAL,
				 "queue size %u is not a power of two in 1..%u",
				 size, VPF_VRING_MAX_SIZE);
	vq->ops = ops;
	vq->dev = dev;
	vq->index = index;
	vq->size = size;
	vq->in_process = (ops->flags & VPF_OPS_F_IN_PROCESS) != 0;

	vq->next = calloc(size, sizeof(*vq->next));
	vq->chain_len = calloc(size, sizeof(*vq->chain_len));
	vq->writable = calloc(size, sizeof(*vq->writable));
	vq->cookie = calloc(size, sizeof(*vq->cookie));
	if (!vq->next || !vq->chain_len || !vq->writable || !vq->cookie) {
		rc = vpf_error(-ENOMEM, "queue %u: out of memory", index);
		goto fail;
	}
	rc = ops->dma_alloc(dev, vq_mem_len(size), 4096, &vq->mem);
	if (rc < 0) {
		vpf_error(rc, "queue %u: cannot allocate %zu bytes of DMA memory for the rings",
			  index, vq_mem_len(size));
		goto fail;
	}
	if (vq->mem.len < vq_mem_len(size)) {
		rc = vpf_error(-EIO, "queue %u: backend gave a short DMA region", index);
		goto fail;
	}
	memset(vq->mem.va, 0, vq_mem_len(size));
	base = vq->mem.va;
	vq->desc = (struct vpf_vring_desc *)base;
	vq->avail = (struct vpf_vring_avail *)(base + vq_avail_off(size));
	vq->used = (struct vpf_vring_used *)(base + vq_used_off(size));
	vq->desc_iova = vq->mem.iova;
	vq->avail_iova = vq->mem.iova + vq_avail_off(size);
	vq->used_iova = vq->mem.iova + vq_used_off(size);
	/* Poll mode: ask the device not to interrupt. */
	*(uint16_t *)(void *)vq->avail = VPF_VRING_AVAIL_F_NO_INTERRUPT;
	vq_free_list_init(vq);
	VPF_LOG(vq, DEBUG, "queue %u: %u entries at iova 0x%" PRIx64, index,
	       size, vq->mem.iova);
	return 0;
fail:
	vpf_vq_destroy(vq);
	return rc;
}

void
vpf_vq_destroy(struct vpf_vq *vq)
{
	if (vq == NULL)
		return;
	if (vq->mem.va != NULL && vq->ops != NULL && vq->ops->dma_free != NULL)
		vq->ops->dma_free(vq->dev, &vq->mem);
	memset(&vq->mem, 0, sizeof(vq->mem));
	VPF_FREE(vq->next);
	VPF_FREE(vq->chain_len);
	VPF_FREE(vq->writable);
	VPF_FREE(vq->cookie);
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	vq->num_free = 0;
}

void
vpf_vq_reinit(struct vpf_vq *vq)
{
	if (vq->mem.va == NULL)
		return;
	memset(vq->mem.va, 0, vq_mem_len(vq->size));
	*(uint16_t *)(void *)vq->avail = VPF_VRING_AVAIL_F_NO_INTERRUPT;
	vq_free_list_init(vq);
}

void
vpf_vq_set_notify(struct vpf_vq *vq, uint8_t bar, uint64_t off, uint16_t data)
{
	vq->notify_bar = bar;
	vq->notify_off = off;
	vq->notify_data = data;
}

int
vpf_vq_add(struct vpf_vq *vq, const struct vpf_vq_buf *out, uint16_t n_out,
	   const struct vpf_vq_buf *in, uint16_t n_in, void *cookie)
{
	uint32_t n = (uint32_t)n_out + n_in;
	uint32_t writable = 0;
	uint16_t head, id;
	uint32_t i;
	struct vpf_vring_desc *d;

	if (unlikely(n == 0 || cookie == NULL))
		return vpf_error(-EINVAL, "vq: empty chain or no cookie");
	if (unlikely(n > vq->num_free))
		return -ENOSPC;

	head = id = vq->free_head;
	for (i = 0; i < n; i++) {
		const struct vpf_vq_buf *b = i < n_out ? &out[i] : &in[i - n_out];

		d = &vq->desc[id];
		d->addr = rte_cpu_to_le_64(b->iova);
		d->len = rte_cpu_to_le_32(b->len);
		d->flags = rte_cpu_to_le_16((uint16_t)((i + 1 < n ? VPF_VRING_DESC_F_NEXT : 0) |
					    (i >= n_out ? VPF_VRING_DESC_F_WRITE : 0)));
		if (i >= n_out)
			writable += b->len;
		id = vq->next[id];
		d->next = rte_cpu_to_le_16((uint16_t)(i + 1 < n ? id : 0));
	}
	vq->free_head = id;
	vq->num_free = (uint16_t)(vq->num_free - n);
	vq->nchains++;
	vq->chain_len[head] = (uint16_t)n;
	vq->writable[head] = writable;
	vq->cookie[head] = cookie;

	vq_avail_ring_p(vq)[vq->avail_idx & (vq->size - 1)] = rte_cpu_to_le_16(head);
	vq->avail_idx++;
	return head;
}

void
vpf_vq_publish(struct vpf_vq *vq)
{
	/* Descriptors and avail ring entries before the index (2.7.13). */
	vq_wmb(vq);
	__atomic_store_n(vq_avail_idx_p(vq), rte_cpu_to_le_16(vq->avail_idx),
			 __ATOMIC_RELAXED);
}

int
vpf_vq_kick(struct vpf_vq *vq)
{
	uint16_t flags;
	int rc;

	if (vq->avail_idx == vq->kicked_idx)
		return 0;
	vpf_vq_publish(vq);
	vq->kicked_idx = vq->avail_idx;
	vq_mb(vq);
	flags = rte_le_to_cpu_16(__atomic_load_n(vq_used_flags_p(vq),
						 __ATOMIC_RELAXED));
	if (flags & VPF_VRING_USED_F_NO_NOTIFY)
		return 0;
	vq->notifies++;
	rc = vq->ops->bar_write(vq->dev, vq->notify_bar, vq->notify_off, 2,
				vq->notify_data);
	if (rc < 0)
		return vpf_error(rc, "queue %u: doorbell write failed", vq->index);
	return 1;
}

static void
vq_free_chain(struct vpf_vq *vq, uint16_t head)
{
	uint16_t n = vq->chain_len[head], id = head, i;

	/* Walk our private links, never the device-visible desc[].next. */
	for (i = 1; i < n; i++)
		id = vq->next[id];
	/* Append to the tail (FIFO): a head is reused as late as possible,
	 * after every descriptor already free, so a duplicate completion of
	 * it finds it not in flight and is caught instead of completing
	 * someone else's command. A user that never fills the ring (the admin
	 * engine keeps one pair free) gets at least that many chains of
	 * delay even when it runs full. */
	if (vq->num_free == 0)
		vq->free_head = head;
	else
		vq->next[vq->free_tail] = head;
	vq->free_tail = id;
	vq->num_free = (uint16_t)(vq->num_free + n);
	vq->chain_len[head] = 0;
	vq->cookie[head] = NULL;
	vq->nchains--;
}

int
vpf_vq_get_used(struct vpf_vq *vq, struct vpf_vq_used *u)
{
	uint16_t used_idx, pending, slot;
	uint32_t id, len;
	const uint32_t *e;

	used_idx = rte_le_to_cpu_16(__atomic_load_n(vq_used_idx_p(vq),
						    __ATOMIC_RELAXED));
	if (used_idx == vq->last_used)
		return 0;
	pending = (uint16_t)(used_idx - vq->last_used);
	u->cookie = NULL;
	if (unlikely(pending > vq->size)) {
		/* More entries than the ring holds: the device wrote an
		 * impossible index and the ring cannot be trusted any more.
		 * Fewer, even more than the chains in flight (a duplicate
		 * completion arriving with its original), are read one by one
		 * and each is validated below. */
		return vpf_error(-EIO,
				 "queue %u: device used index %u runs %u ahead of %u (ring of %u, %u chains in flight)",
				 vq->index, used_idx, pending, vq->last_used,
				 vq->size, vq->nchains);
	}
	/* Index before the entries it covers. */
	vq_rmb(vq);
	slot = vq->last_used & (vq->size - 1);
	e = vq_used_elem_p(vq, slot);
	id = rte_le_to_cpu_32(__atomic_load_n(&e[0], __ATOMIC_RELAXED));
	len = rte_le_to_cpu_32(__atomic_load_n(&e[1], __ATOMIC_RELAXED));
	vq->last_used++;

	if (unlikely(id >= vq->size))
		return vpf_error(-EIO, "queue %u: device returned descriptor id %u, queue has %u",
				 vq->index, id, vq->size);
	if (unlikely(vq->chain_len[id] == 0))
		return vpf_error(-EIO, "queue %u: device returned descriptor id %u which is not in flight (duplicate or never posted)",
				 vq->index, id);
	u->id = (uint16_t)id;
	u->cookie = vq->cookie[id];
	if (unlikely(len > vq->writable[id])) {
		uint32_t posted = vq->writable[id];

		u->len = 0;
		vq_free_chain(vq, (uint16_t)id);
		return vpf_error(-EIO, "queue %u: device wrote %u bytes into descriptor %u, %u were posted",
				 vq->index, len, id, posted);
	}
	u->len = len;
	vq_free_chain(vq, (uint16_t)id);
	return 1;
}

void *
vpf_vq_cookie(const struct vpf_vq *vq, uint16_t id)
{
	if (id >= vq->size || vq->chain_len[id] == 0)
		return NULL;
	return vq->cookie[id];
}
