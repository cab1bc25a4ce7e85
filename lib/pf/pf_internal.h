/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Internal: struct vpf_pf and what lib/pf and lib/admin share. lib/admin's
 * engine keeps its own cross-file helpers in lib/admin/admin_internal.h.
 */

#ifndef VPF_PF_INTERNAL_H
#define VPF_PF_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <rte_cycles.h>

#include "vpf_admin.h"
#include "vpf_pf.h"
#include "vpf_virtio.h"
#include "common/vpf_log.h"
#include "common/vpf_time.h"

VPF_LOG_DECLARE(pf);
VPF_LOG_DECLARE(admin);

/* Log lines about one PF start with its name (common/vpf_log.h). */
#define PF_LOG(level, p, fmt, ...) \
	VPF_LOG_NAMED(pf, level, (p)->name, fmt, ##__VA_ARGS__)
#define ADMIN_LOG(level, p, fmt, ...) \
	VPF_LOG_NAMED(admin, level, (p)->name, fmt, ##__VA_ARGS__)

/* The admin fast path keeps time in TSC ticks (rte_rdtsc(): no EAL, no
 * system call), calibrated once per process against CLOCK_MONOTONIC. */
extern double vpf_ns_per_tick;
extern uint64_t vpf_ticks_per_us;
void vpf_clock_init(void);

static inline uint64_t
vpf_ticks(void)
{
	return rte_rdtsc();
}

/** Sleep for slow-path polls (reset, queue reset). */
void vpf_sleep_us(uint32_t us);

/* Slot states. */
enum {
	SLOT_FREE = 0,
	SLOT_RING,	/**< posted on the admin queue */
	SLOT_RETRY,	/**< waiting for its backoff, not on the queue */
};

/* Command states kept in cmd->priv[1]. */
#define CMD_IDLE	0
#define CMD_BUSY	1
#define CMD_DONE	2
/* Flags in cmd->priv[2] (engine-internal). */
#define CMD_F_PAD	1u	/* data_len may be unaligned: zero-pad to 8 */
#define CMD_F_INTERNAL	2u	/* engine's own command (allowed in recovery) */
#define CMD_F_V14	4u	/* built by a 1.4 builder (lib/admin/admin_v14.h) */

/** Size of each slot's small premapped buffers. */
#define SLOT_SMALL_RD	128u	/* header (24) + 104 bytes of data */
#define SLOT_SMALL_WR	128u	/* status (8) + 120 bytes of result */

struct vpf_admin_slot {
	struct vpf_admin_cmd *cmd;
	struct vpf_admin_slot *next;	/* in-flight list (submit order) */
	struct vpf_admin_slot *prev;
	uint8_t *rd;			/* device-readable buffer */
	uint8_t *wr;			/* device-writable buffer */
	uint64_t rd_iova;
	uint64_t wr_iova;
	uint8_t *wr_post;		/* writable part as posted (small or big) */
	uint64_t rd_post_iova;		/* readable part as posted */
	uint64_t wr_post_iova;
	uint32_t rd_len;		/* posted */
	uint32_t wr_len;		/* posted */
	uint64_t deadline_tk;		/* ticks */
	uint64_t retry_at_tk;
	int32_t big;			/* big buffer index, -1: none */
	uint32_t ahead;		/* on the ring ahead of it, posted */
	uint16_t index;
	uint8_t state;
} __rte_cache_aligned;	/* see vpf_admin_engine_init() */

/* The 1.4 dialect's per-PF state (lib/admin/vpf_admin_v14*.c): capability
 * negotiation and the device-parts object allocator. Ids are 0 .. get_limit
 * + set_limit - 1 (at most 2 x 255). */
#define PF_V14_MAX_OBJS	512u
enum {
	PF_V14_FREE = 0,
	PF_V14_LIVE,		/* created, or CREATE/DESTROY outcome unknown */
	PF_V14_QUAR,		/* the device may hold it: unused until reset */
};
struct pf_v14_obj {
	uint16_t vf;
	uint8_t kind;
	uint8_t state;
};
struct pf_v14 {
	bool caps_no_self_list;		/* self-group LIST_QUERY refused:
					 * capabilities the fallback way */
	uint64_t self_supported;	/* self-group LIST_QUERY */
	uint64_t self_enabled;		/* self-group opcodes usable */
	uint64_t caps;			/* CAP_ID_LIST_QUERY, ids 0..63 */
	uint8_t dev_get_limit;		/* DEVICE_CAP_GET */
	uint8_t dev_set_limit;
	uint8_t get_limit;		/* DRIVER_CAP_SET: what vpf uses */
	uint8_t set_limit;
	uint32_t gen;			/* device generation: +1 per reset */
	uint32_t nget, nset, nquar;
	uint32_t next;			/* where the id search starts */
	struct pf_v14_obj objs[PF_V14_MAX_OBJS];
};

struct vpf_pf {
	char name[32];
	struct vpf_pf_params params;
	struct vpf_virtio_dev vd;
	struct vpf_vq aq;
	bool aq_created;
	uint16_t aq_index;
	uint16_t aq_size;
	uint64_t want_features;		/* required | optional offered */

	uint64_t cmds_supported;
	uint64_t cmds_enabled;
	enum vpf_dialect dialect;
	bool has_fields_query;
	bool has_write_record;

	/* command slots */
	struct vpf_admin_slot *slots;
	uint32_t nslots;
	uint32_t *free_slots;		/* stack */
	uint32_t nfree;
	bool islot_busy;		/* slots[nslots]: LIST_* only */
	struct vpf_dma_region small_mem;
	/* big buffers for context chunks, shared by the slots */
	struct vpf_dma_region big_mem;
	uint32_t big_len;		/* bytes per big buffer */
	uint32_t nbig;
	int32_t *free_big;		/* stack */
	uint32_t nfree_big;

	/* in flight on the ring, in submit order (deadline order) */
	struct vpf_admin_slot *head;
	struct vpf_admin_slot *tail;
	uint32_t nring;
	struct vpf_admin_slot *retry_head; /* waiting for a retry */
	uint32_t nretry;
	uint32_t inflight;		/* nring + nretry */
	uint32_t unkicked;		/* added since the last doorbell */
	/* The device's concurrency as completions show it
	 * (vpf_admin_concurrency(), D-DRV.32). The burst: the commands
	 * posted since the ring was last empty; its first command's opcode
	 * and latency (UINT64_MAX: not answered yet), the most commands seen
	 * served at once, whether one waited behind that many. conc: the
	 * median of the last three bursts that showed the queue full (0:
	 * none yet), conc_hist their counts. */
	uint64_t conc_ref_tk;
	uint64_t conc_first_tk;		/* when the first was answered */
	uint16_t conc_op;
	bool conc_full;
	uint32_t conc_seen;
	uint32_t conc;
	uint32_t conc_hist[3];
	uint8_t conc_nhist;		/* 0..3 */
	uint8_t conc_hnext;		/* the next to replace */
	/* time in ticks (vpf_ticks()) */
	uint64_t timeout_tk;
	uint64_t stall_tk;
	uint64_t last_progress_tk;
	uint64_t last_check_tk;

	bool recovering;
	bool gone;
	bool dead;			/* recovery failed: re-attach */
	bool detaching;			/* vpf_pf_detach() is failing commands */
	uint32_t cb_depth;		/* completion callbacks running */
	uint32_t recoveries;
	/* Recovery attempts since the last command the device answered
	 * (VPF_ADMIN_RECOVERY_MAX bounds it). */
	uint32_t recover_run;
	char dead_why[256];		/* why the PF is failed */
	uint64_t protocol_errors;

	uint16_t last_status;
	uint16_t last_qualifier;

	uint16_t num_vfs;
	struct vpf_admin_stats *stats;	/* [num_vfs + 1], 0 = PF */

	void *scratch;			/* max_chunk bytes for sync helpers */
	uint32_t scratch_len;

	/* DEV_WRITE_RECORD_CAP_QUERY answers per VF [num_vfs + 1], kept for
	 * the local checks of DEV_WRITE_RECORDS_START; cleared when the
	 * device is re-initialised. */
	struct vpf_wr_cap *wr_cap;
	bool *wr_cap_valid;

	struct pf_v14 v14;		/* dialect VPF_DIALECT_V14_PARTS */
};

/* lib/admin */
int vpf_admin_engine_init(struct vpf_pf *pf);
void vpf_admin_engine_fini(struct vpf_pf *pf);
int vpf_admin_negotiate(struct vpf_pf *pf);
void vpf_admin_fail_all(struct vpf_pf *pf, int rc);
int vpf_admin_owner_reset(struct vpf_pf *pf);

/* lib/pf: (re)initialise the device up to DRIVER_OK with the admin queue
 * programmed (the queue must exist when @p first is false). */
int vpf_pf_device_init(struct vpf_pf *pf, bool first);

#endif /* VPF_PF_INTERNAL_H */
