/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_MODEL_INTERNAL_H
#define VPF_MODEL_INTERNAL_H

/*
 * Internal structures of the software PF model. Everything here is
 * protected by vpf_model::lock unless said otherwise.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/vpf_log.h"
#include "common/vpf_time.h"
#include "vpf_ctx.h"
#include "vpf_model.h"
#include "vpf_spec.h"
#include "model_v14.h"

VPF_LOG_DECLARE(model);

/* "vpf.model: <model name>: <fmt>" (lib/common/vpf_log.h). */
#define MODEL_LOG(level, m, fmt, ...) \
	VPF_LOG_NAMED(model, level, (m)->name, fmt, ##__VA_ARGS__)

/* ---------------------------------------------------------------------
 * BAR0 layout (doc/model.md "BAR0")
 * ------------------------------------------------------------------ */
#define MODEL_BAR0_SIZE		0x8000u
#define MODEL_COMMON_OFF	0x0000u
#define MODEL_ISR_OFF		0x1000u
#define MODEL_ISR_LEN		0x4u
#define MODEL_DEVCFG_OFF	0x2000u
#define MODEL_DEVCFG_LEN	((uint32_t)sizeof(struct vpf_virtio_net_config))
#define MODEL_NOTIFY_OFF	0x3000u
#define MODEL_NOTIFY_MULT	4u
#define MODEL_NOTIFY_LEN	0x1000u
#define MODEL_MSIX_TABLE_OFF	0x4000u
#define MODEL_MSIX_PBA_OFF	0x5000u
#define MODEL_MSIX_VECTORS	8u
/* Doorbells posted without the lock that a holder has not stamped yet, at
 * most (model_aq_db_post(); a full queue makes the next one wait). */
#define MODEL_DBQ		64u

/* Config space layout (doc/model.md "Config space"). */
#define MODEL_CAP_PCIE		0x40u
#define MODEL_CAP_PCIE_LEN	0x3cu
#define MODEL_CAP_MSIX		0x80u
#define MODEL_CAP_COMMON	0x90u
#define MODEL_CAP_NOTIFY	0xa0u
#define MODEL_CAP_ISR		0xb4u
#define MODEL_CAP_DEVICE	0xc4u
#define MODEL_CAP_PCICFG	0xd4u
#define MODEL_EXT_SRIOV		0x100u

/* PF's own (non-admin) virtqueues: one rx/tx pair. */
#define MODEL_PF_NUM_QUEUES	2u
#define MODEL_PF_QUEUE_SIZE	256u

/* Features the VFs negotiate (virtio-net): CSUM 0, MTU 3, MAC 5,
 * STATUS 16, CTRL_VQ 17, MQ 22, plus VERSION_1, ACCESS_PLATFORM and
 * RING_RESET. */
#define MODEL_VF_FEATURES \
	(VPF_FEATURE(0) | VPF_FEATURE(3) | VPF_FEATURE(5) | \
	 VPF_FEATURE(16) | VPF_FEATURE(17) | VPF_FEATURE(22) | \
	 VPF_FEATURE(VPF_F_VERSION_1) | VPF_FEATURE(VPF_F_ACCESS_PLATFORM) | \
	 VPF_FEATURE(VPF_F_RING_RESET))
/* Words of DEV_FEATURES the model carries (FIELDS_QUERY: 8 x words). */
#define MODEL_FEATURE_WORDS	1u

/* Write recording capabilities: 4 KiB, 64 KiB and 2 MiB pages. */
#define MODEL_WR_PAGE_BITMAP	((1u << 0) | (1u << 4) | (1u << 9))
#define MODEL_WR_MAX_RANGES	16u

/* Longest descriptor chain the device follows (loop detection). */
#define MODEL_MAX_CHAIN		64u
/* Largest readable part of one command the model accepts. */
#define MODEL_MAX_CMD_DATA	(16u << 20)
/* Command slot buffers: each always holds at least the header (allocated
 * up front), is shrunk back on release when it grew beyond
 * MODEL_CMD_DATA_KEEP, and all slots together hold at most
 * MODEL_CMD_MEM_MAX beyond their minimum (512 hung 16 MiB commands must
 * not pin 8 GiB): a command that would need more fails EAGAIN/NORESOURCE,
 * which a driver retries (doc/protocol.md D-4.11,
 * transient lack of resources). */
#define MODEL_CMD_DATA_MIN	4096u
#define MODEL_CMD_DATA_KEEP	(256u << 10)
#define MODEL_CMD_MEM_MAX	(64ull << 20)

/* IOVA space of the model: distinct from CPU addresses, 4 KiB guard
 * gaps between regions so that overruns fault. */
#define MODEL_IOVA_BASE		UINT64_C(0x7f0000000000)
#define MODEL_IOVA_GUARD	4096u

struct model_dma {
	uint64_t iova;
	size_t len;
	void *mem;	/* NULL once freed: the IOVA is never reused */
};

/* One virtqueue of the PF (admin or net) as programmed by the driver. */
struct model_pf_vq {
	uint16_t size;		/* programmed size */
	uint16_t max_size;
	uint16_t msix;
	uint16_t enabled;
	uint16_t reset;		/* queue_reset reads this */
	uint64_t desc;
	uint64_t driver;
	uint64_t device;
	uint16_t notif_data;
};

/* Per-VF queue state (migratable). */
struct model_vf_vq {
	uint16_t size;
	uint16_t msix;
	uint64_t desc, driver, device;
	uint16_t avail_idx;	/* dev_avail_idx */
	uint16_t used_idx;	/* not migrated: device-internal */
	/* Not migrated either: descriptors the VF's driver made available
	 * and notified while the device was in Stop, where it reads no
	 * ring (latched; taken at the first guest step in Active). */
	uint16_t latched;
	uint8_t enabled;
	uint16_t own_count;
	uint64_t *own;		/* bitmap of owned descriptors, max_size bits */
};

/* Everything a Freeze context carries (doc/model.md "Digest"). */
struct model_vf_state {
	uint8_t common[VPF_COMMON_CFG_LEN];	/* register image, LE */
	uint64_t features;
	struct vpf_virtio_net_config netcfg;	/* LE */
	struct model_vf_vq *vq;			/* nvq entries */
};

enum model_rd_state { RD_NONE = 0, RD_PARTIAL, RD_DONE };
enum model_wr_state { WR_NONE = 0, WR_PARTIAL };

struct model_fault {
	enum vpf_model_fault_kind kind;
	uint32_t count;		/* next @c count commands, or */
	uint64_t until_ns;	/* every command until then (0: by count) */
	uint32_t param;
	bool by_op;		/* only commands with opcode @c op count */
	uint16_t op;
};

struct model_stats_i {
	uint64_t cmds[VPF_ADMIN_OP_MAX + 1];
	uint64_t errors;
	uint64_t activations;
	uint64_t fields_applied_diff;
	uint64_t ring_reads;		/* VF ring/descriptor reads */
	uint64_t dma_writes;		/* VF guest memory writes */
	uint64_t notifies_latched;	/* VF notifications held in Stop */
};

struct model_vf {
	uint16_t id;			/* 1-based */
	uint8_t mode;
	struct model_vf_state st;
	uint64_t rng;

	/* context read (doc/protocol.md §4.4: one context per mode) */
	enum model_rd_state rd;
	uint8_t *rd_buf;
	size_t rd_len, rd_pos;

	/* context write */
	enum model_wr_state wr;
	uint8_t *wr_buf;		/* partial write being received */
	size_t wr_len;
	size_t wr_scan;			/* next TLV header to look at */
	uint32_t wr_fields;		/* TLV headers looked at */
	struct vpf_ctx_stream stream;
	int wr_field_err;		/* set by the stream callback */
	uint8_t *pend_buf;		/* last complete written context */
	size_t pend_len;
	bool pend;
	uint8_t *base_buf;		/* complete written ctx the pending
					 * one replaced (never applied) */
	size_t base_len;
	bool base;
	uint8_t *app_buf;		/* last applied written ctx */
	size_t app_len;
	bool app;
	/* What checking the pending context at CTX_WRITE found, so leaving
	 * Freeze installs it without checking it again: each queue's owned
	 * set (nvq x own_words), valid while the VF's state is the one it was
	 * checked against (st_gen == pend_gen). */
	uint64_t *pend_own;
	uint8_t *pend_hasown;
	bool pend_checked;
	uint64_t pend_gen;
	uint64_t st_gen;		/* bumped by every change of st */
	/* Activation diff cache: valid while ctx_gen (bumped whenever the
	 * pending, baseline or applied context changes) is diff_gen. */
	uint64_t ctx_gen, diff_gen;
	uint32_t diff_val;

	/* write recording (doc/protocol.md §6) */
	bool wr_on;
	uint64_t wr_page;
	uint32_t wr_nranges;
	struct vpf_admin_wr_range wr_ranges[MODEL_WR_MAX_RANGES];
	uint64_t *rec;			/* recorded pages, wr_page granular */
	uint64_t rec_bits;
	uint64_t *truth;		/* ground truth, 4 KiB granular */
	uint64_t truth_bits;

	/* FLR / reset in progress until this time (ns, monotonic) */
	uint64_t busy_until;

	struct model_fault fault;
	struct model_stats_i stats;

	/* Dialect 1.4 only (NULL in the draft): model_v14.h. */
	struct model_v14_vf *v14;
};

/* What a command's completion reports (model_cmd.c). */
struct model_result {
	uint16_t status;
	uint16_t qualifier;
	uint32_t output;
	uint32_t result_len;	/* bytes written to the result */
	uint64_t extra_ns;	/* activation cost etc. */
};

/* A command the device has fetched and not completed. */
enum model_cmd_state { CMD_FREE = 0, CMD_WORK, CMD_HUNG };

struct model_cmd {
	enum model_cmd_state state;
	uint16_t head;
	uint64_t due_ns;		/* completion time */
	uint64_t seq;			/* fetch order */
	bool cost_checked;		/* activation cost added */
	/* Timed mode: the command's work ran when it was fetched; res is
	 * what its completion publishes at due_ns (model_aq.c). */
	bool executed;
	struct model_result res;
	/* parsed chain */
	uint32_t nchain;
	uint16_t chain[MODEL_MAX_CHAIN];
	uint32_t nw;			/* writable descriptors */
	uint64_t w_iova[MODEL_MAX_CHAIN];
	uint32_t w_len[MODEL_MAX_CHAIN];
	uint64_t w_total;
	uint64_t r_total;
	bool too_big;			/* readable part over the maximum:
					 * only the header copied */
	bool nomem;			/* no buffer for the readable part:
					 * only the header copied */
	uint8_t *data;			/* readable bytes (header + data) */
	uint64_t data_cap;
	/* fault applied to this command */
	enum vpf_model_fault_kind fault;
	uint32_t fault_param;
	struct model_cmd *next;		/* work list, fetch order */
	struct model_cmd *prev;
};

struct vpf_model {
	char name[32];
	struct vpf_model_params p;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	pthread_t thread;
	bool thread_on;
	int thread_tid;			/* the device thread's (0: none yet) */
	bool stopping;

	/* PCI config space */
	uint8_t cfg[VPF_PCI_CFG_SPACE_EXP_SIZE];
	uint8_t wmask[VPF_PCI_CFG_SPACE_EXP_SIZE];	/* writable bits */
	uint32_t bar0_lo_mask_pending;
	uint16_t num_vfs_reg;		/* NumVFs */
	bool vf_enable;

	/* BAR0 */
	uint8_t msix[MODEL_MSIX_VECTORS * 16];
	uint8_t isr;
	struct vpf_virtio_net_config netcfg;

	/* virtio device state */
	uint8_t status;
	bool reset_stuck;
	uint8_t stuck_status;
	uint64_t reset_done_ns;		/* reset_us: status reads stuck_status
					 * until then */
	uint32_t dfselect, gfselect;
	uint64_t offered, driver_features;
	uint16_t config_msix;
	uint8_t config_generation;
	uint16_t queue_select;
	uint16_t nq;			/* net queues + admin queue */
	uint16_t aq_index;
	struct model_pf_vq q[MODEL_PF_NUM_QUEUES + 1];
	bool needs_reset;
	bool gone;			/* surprise removal: reads all-ones */
	char last_fault[256];
	/* identity (vpf_model_identity()) */
	char bdf[16];			/* "dddd:bb:dd.f" */
	uint64_t instance;		/* random, drawn at creation */

	/* admin queue device side */
	uint16_t last_avail;
	uint16_t used_idx;
	uint64_t enabled_ops;		/* LIST_USE result, bit n = opcode n */
	struct model_cmd *pool;		/* one per admin queue entry */
	uint32_t npool;
	struct model_cmd *work;		/* fetched, not completed (FIFO) */
	struct model_cmd *work_tail;
	uint32_t nwork, nhung;
	uint32_t ndeferred;		/* in work, not executed yet */
	/* Earliest due time in work (UINT64_MAX: none); written under the
	 * lock, read without it by the driver's poll (model_aq_poll). */
	uint64_t due_min;
	uint64_t seq;
	bool kicked;			/* doorbell seen, avail not drained */
	bool polling;			/* device thread polls avail (NO_NOTIFY) */
	/* When the device thread wakes up by itself: 0 while it runs,
	 * UINT64_MAX while it waits for a doorbell only. */
	uint64_t sleep_until;
	/* model_aq_notify() calls; an idle-polling device thread
	 * (vpf_model_params::idle_poll) watches it without the lock. */
	uint32_t doorbells;
	/* Doorbells that did not wait for the lock (D-PERF.12): with an
	 * idle-polling device thread, an admin queue doorbell rung while
	 * the lock is held goes here, with what the driver had published
	 * and when, for the next holder that runs the queue to stamp
	 * (model_aq_db_drain()). Posted by model_aq_db_post() under
	 * db_plock (the driver's threads), taken under the lock. db_avail:
	 * the admin queue's avail index in DMA memory, set by a doorbell
	 * taken under the lock, NULL until then and after a reset (the
	 * next doorbell then waits for the lock). */
	struct model_db {
		uint16_t avail;
		uint64_t ns;
	} dbq[MODEL_DBQ];
	uint32_t dbq_head;
	uint32_t dbq_tail;
	bool db_plock;
	uint16_t *db_avail;
	/* When each avail entry became visible to the device (the doorbell,
	 * or the polling pass that saw it), by ring slot; vis_idx is the
	 * first avail index not yet stamped. Commands start no earlier. */
	uint64_t *vis_ns;
	uint16_t vis_idx;
	uint64_t *slot_free;		/* timing model: when each of the
					 * device's @c concurrency engines is
					 * free again (virtual time) */
	uint8_t *owned;			/* descriptor in flight */
	uint32_t *visit;		/* chain loop detection */
	uint32_t visit_gen;

	/* DMA */
	struct model_dma *dma;
	uint32_t ndma, dma_cap;
	uint64_t iova_next;

	/* VFs 1..total_vfs at vf[0..total_vfs-1] */
	uint16_t total_vfs;
	uint16_t nvq;			/* queues per VF */
	struct model_vf *vf;
	size_t ctx_max;			/* largest context the model accepts */
	uint16_t *scr_idx;		/* scratch: own-desc indices (vq_size
					 * + 8 entries) */
	uint16_t *scr_qsize;		/* scratch: queue sizes (apply) */
	uint64_t *scr_own;		/* scratch: owned set per queue (apply) */
	uint8_t *scr_hasown;		/* scratch: queue has an own-desc field */
	/* scratch: the two validating iterators of apply and diff (24.5 KiB
	 * each; allocated once, never on the command path) */
	struct vpf_ctx_iter *scr_it[2];
	struct model_fault pf_fault;

	/* stats */
	uint64_t dma_faults, notifies, resets, protocol_errors;
	uint64_t cmds_dropped;
	uint64_t polls_published;	/* completions the driver's poll
					 * published (timed mode) */
	uint64_t cmd_mem;		/* slot buffer bytes beyond the minimum */
	struct model_stats_i pf_stats;

	/* Dialect 1.4 only (NULL in the draft): model_v14.h. */
	struct model_v14 *v14;
};

/* ---------------------------------------------------------------------
 * Small helpers every part uses
 * ------------------------------------------------------------------ */

/* Guest memory page: the granularity of the ground truth. */
#define MODEL_GUEST_PAGE	4096u

static inline bool
model_is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* splitmix64: deterministic, cheap, good enough for a workload. */
static inline uint64_t
model_rng_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Words of an owned-descriptor bitmap (one bit per entry of the largest
 * VF queue). */
static inline size_t
model_own_words(const struct vpf_model *m)
{
	return ((size_t)m->p.vq_size + 63) / 64;
}

/* ---------------------------------------------------------------------
 * Functions, by file
 * ------------------------------------------------------------------ */

/* model.c: create/destroy, ops table, shared error paths */
void model_fatal(struct vpf_model *m, bool dma, const char *fmt, ...)
	VPF_PRINTF(3, 4);
void model_protocol_error(struct vpf_model *m, const char *fmt, ...)
	VPF_PRINTF(2, 3);

/* model_pci.c: PCI config space */
void model_cfg_build(struct vpf_model *m);
uint16_t model_num_vfs(const struct vpf_model *m);
uint32_t model_cfg_size(void *dev);
int model_cfg_read(void *dev, uint32_t off, void *buf, uint32_t len);
int model_cfg_write(void *dev, uint32_t off, const void *buf, uint32_t len);

/* model_bar.c: BAR0, the virtio-pci device */
/* Whether split rings of @p size entries at these addresses end below
 * 2^64 (no address the device computes wraps). @p size > 0. */
bool model_ring_fits(uint64_t desc, uint64_t driver, uint64_t device,
		     uint32_t size);
void model_queues_reset(struct vpf_model *m);
void model_device_reset(struct vpf_model *m);
/* One BAR0 access, lock held (also through the PCI cfg window). */
int model_bar_rw(struct vpf_model *m, bool wr, uint64_t off,
		 unsigned int width, uint64_t *val);
int model_bar_size(void *dev, uint8_t bar, uint64_t *size);
int model_bar_read(void *dev, uint8_t bar, uint64_t off, unsigned int width,
		   uint64_t *val);
int model_bar_write(void *dev, uint8_t bar, uint64_t off, unsigned int width,
		    uint64_t val);

/* model_dma.c: the DMA region table */
void *model_dma_ptr(struct vpf_model *m, uint64_t iova, uint64_t len);
int model_dma_read(struct vpf_model *m, uint64_t iova, void *buf,
		   uint64_t len);
int model_dma_write(struct vpf_model *m, uint64_t iova, const void *buf,
		    uint64_t len);
int model_dma_alloc(void *dev, size_t len, size_t align,
		    struct vpf_dma_region *r);
void model_dma_free(void *dev, struct vpf_dma_region *r);

/* model_aq.c: admin queue, device side */
bool model_aq_ready(struct vpf_model *m);
/* Complete what is due and fetch what is new until nothing moves. */
void model_aq_run(struct vpf_model *m);
void model_aq_notify(struct vpf_model *m);
/* Whether a BAR0 write of @p width bytes of @p val at @p off is an admin
 * queue doorbell that may be posted without the lock (an idle-polling
 * device thread runs; D-PERF.12). */
bool model_aq_db_nowait(const struct vpf_model *m, uint64_t off,
			unsigned int width, uint64_t val);
/* Post that doorbell for the lock's next holder, lock not held. false:
 * it could not be (no doorbell was taken under the lock since the last
 * reset, or the queue of them is full): take the lock. */
bool model_aq_db_post(struct vpf_model *m);
/* Stamp the posted doorbells' entries visible, lock held. */
void model_aq_db_drain(struct vpf_model *m);
/* Forget the posted doorbells and db_avail (a reset), lock held. */
void model_aq_db_off(struct vpf_model *m);
void model_aq_poll(struct vpf_model *m);
/* Timed mode, lock NOT held: the driver's poll publishes the completions
 * whose time has come, if the lock is free (a cheap check first). */
void model_aq_poll_timed(struct vpf_model *m);
/* Earliest due time of the commands in work (UINT64_MAX: none). */
uint64_t model_aq_next_due(struct vpf_model *m);
void model_aq_drop_all(struct vpf_model *m, const char *why);
int model_aq_init(struct vpf_model *m);
void model_aq_fini(struct vpf_model *m);
int model_cmd_write(struct vpf_model *m, struct model_cmd *c, uint64_t off,
		    const void *buf, uint64_t len);
uint32_t model_aq_others_outstanding(struct vpf_model *m,
				     const struct model_cmd *c);

/* model_thread.c: the device thread */
int model_thread_start(struct vpf_model *m);
void model_thread_stop(struct vpf_model *m);

/* model_fault.c: which fault a fetched command gets */
void model_fault_pick(struct vpf_model *m, struct model_cmd *c);

/* model_cmd.c: the admin commands */
/* Execute the command in @c (writes the result through DMA).
 * Returns false when a DMA fault stopped it. */
bool model_cmd_exec(struct vpf_model *m, struct model_cmd *c,
		    struct model_result *r);
/* Whether opcode @p op waits for an FLR/reset in progress. */
bool model_cmd_delayed_by_busy(const struct vpf_model *m, uint16_t op);
/* Time the command has to wait for (activation cost), 0 if none. */
uint64_t model_cmd_pre_cost_ns(struct vpf_model *m, struct model_cmd *c);
void model_owner_reset_vfs(struct vpf_model *m);
void model_cmd_account_fault(struct vpf_model *m, struct model_cmd *c,
			     const struct model_result *r);

/* model_vf.c: VF state */
int model_vfs_init(struct vpf_model *m);
void model_vfs_fini(struct vpf_model *m);
struct model_vf *model_vf_get(struct vpf_model *m, uint64_t id);
/* Lock the model and find VF @p vf_id (the public API's way in); on
 * failure the lock is released and -EINVAL returned with the error set. */
int model_lock_vf(struct vpf_model *m, uint16_t vf_id, struct model_vf **vf);
/* Re-derive the selected queue's registers of the common cfg image. */
void model_vf_common_refresh(struct vpf_model *m, struct model_vf *vf);

/* model_ctx.c: contexts */
size_t model_ctx_build(struct vpf_model *m, struct model_vf *vf,
		       uint8_t *buf, size_t cap);
size_t model_ctx_size(struct vpf_model *m, struct model_vf *vf);
int model_ctx_check_field(struct vpf_model *m, const struct vpf_ctx_field *f);
int model_ctx_apply(struct vpf_model *m, struct model_vf *vf,
		    const uint8_t *ctx, size_t len, bool dry_run);
/* After a successful dry run of @p vf's newly pending context: keep what
 * it found for model_ctx_activate(). */
void model_ctx_keep_check(struct vpf_model *m, struct model_vf *vf);
/* Apply @p vf's pending context: installs what the check at CTX_WRITE
 * found when the state is unchanged since, else checks and applies. */
int model_ctx_activate(struct vpf_model *m, struct model_vf *vf);
uint32_t model_ctx_diff(struct vpf_model *m, const uint8_t *a, size_t alen,
			const uint8_t *b, size_t blen);
uint32_t model_fields_query(struct vpf_model *m,
			    struct vpf_admin_ctx_field_info *out, uint32_t max);

/* model_wr.c: write recording and the ground truth */
void model_vf_page_write(struct model_vf *vf, uint64_t gpa);
void model_wr_clear(struct model_vf *vf);

/* model_sha256.c */
void model_sha256(const void *data, size_t len, uint8_t out[32]);

#endif /* VPF_MODEL_INTERNAL_H */
