/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_MIG_VF_H
#define VPF_MIG_VF_H

/*
 * Per-VF state and the asynchronous step engine shared by mig_vf.c,
 * mig_dirty.c and mig_driver.c. Internal.
 */

#include "mig_internal.h"

/* Step actions. Each device action is one admin command at a time per VF;
 * READ_CTX, WRITE_CTX and WR_READ repeat their command until done. */
enum mig_act {
	ACT_LOCAL = 0,		/* call fn */
	ACT_MODE_SET,		/* arg: mode; skipped when already there */
	ACT_MODE_GET,
	ACT_DISCARD,		/* skipped unless something to discard */
	ACT_DISCARD_FORCE,
	ACT_SIZE_GET,		/* arg: freeze_mode */
	ACT_READ_CTX,		/* the rest of the current context into v->ctx */
	ACT_WRITE_CTX,		/* v->wbuf to the device */
	ACT_FIELDS_QUERY,	/* skipped when cached or unsupported */
	ACT_WR_CAP,		/* skipped when cached */
	ACT_WR_START,
	ACT_WR_READ,		/* v->wr_rd_* window into v->wr_bm */
	ACT_WR_STOP,		/* skipped unless started (arg 1: always) */
};

#define STEP_F_BEST_EFFORT	1u	/* failure noted, next step runs */
/* A DISCARD that clears a written or partial context: on failure it is
 * tried again, up to MIG_DISCARD_TRIES times per operation (EAGAIN is
 * already retried by the engine). */
#define STEP_F_RETRY		2u
/* A MODE_SET that must not apply a context (abort, recover, detach): it
 * is refused, and the VF stays in Freeze, when a written or partial
 * context could not be discarded (FACTS.md 4: leaving Freeze applies
 * the most recent complete one). */
#define STEP_F_NO_APPLY		4u
/* A MODE_SET issued even when the library thinks the VF is there. */
#define STEP_F_FORCE		8u
#define MIG_DISCARD_TRIES	3

struct mig_vf;
typedef int (*mig_local_fn)(struct mig_vf *v);

struct mig_step {
	uint8_t act;
	uint8_t arg;
	uint8_t flags;
	mig_local_fn fn;
};

#define MIG_STEPS_MAX		32
/* Records per DEV_WRITE_RECORDS_READ: as many as the admin layer's own
 * reader takes (its 64 KiB scratch), fewer if the PF's max_chunk is
 * smaller. The buffer only exists while tracking runs. */
#define MIG_WR_REC_MAX		8192
/* FIELDS_QUERY entries taken: as many as a stream header carries. The
 * buffer holds one more, so that a longer list is seen and refused
 * rather than cut; it is allocated at the VF's first FIELDS_QUERY. */
#define MIG_FIELDS_QMAX		VPF_MIG_FIELDS_MAX
#define MIG_MODE_UNKNOWN	0xff

struct mig_vf {
	struct vpf_mig *m;
	uint16_t vf;

	/* what the library knows */
	enum vpf_mig_state state;
	uint8_t mode;			/* MIG_MODE_UNKNOWN until known */
	uint8_t orig_mode;
	bool moved;
	bool complete;
	bool read_started;		/* context of this mode (partly) read */
	bool partial;			/* a read or write stopped midway */
	bool written;			/* written, not applied or discarded */
	char err[256];

	/* current operation */
	struct vpf_admin_cmd cmd;
	struct mig_step steps[MIG_STEPS_MAX];
	unsigned int nsteps;
	unsigned int istep;
	bool step_cont;			/* current step already issued once */
	bool pre_discard;		/* DISCARD issued before a MODE_SET */
	unsigned int discard_tries;	/* STEP_F_RETRY failures this op */
	uint8_t lost_mode;		/* MODE_SET without answer: its mode */
	bool busy;
	bool in_cmd;
	bool need_submit;
	bool done_pending;
	bool failing;			/* cleanup steps after a failure */
	int op_rc;
	vpf_mig_done_t done;
	void *done_arg;
	uint64_t size_result;
	uint8_t mode_result;
	uint64_t size_cur;
	uint64_t size_frz;

	uint32_t chunk;			/* device chunk, multiple of 8 */
	enum vpf_mig_state target;	/* of the running set_state */

	/* context read by READ_CTX */
	struct mig_buf ctx;

	/* save stream */
	struct mig_buf out;
	struct mig_writer w;
	bool session;
	uint32_t round;
	size_t round_end;		/* out offset where the last round ends */
	uint64_t round_size;
	uint64_t dirty_bytes;
	uint64_t save_total;

	/* load stream */
	struct mig_parser parser;
	bool load_active;
	int load_err;
	bool precopy_write;
	struct mig_buf pend;		/* newest valid context not yet written */
	bool pend_valid;
	bool pend_final;
	struct mig_buf wbuf;		/* context being written, 8-padded */
	size_t wlen;
	size_t woff;
	bool wfinal;
	bool final_written;
	uint64_t load_total;
	uint64_t ctx_written;

	/* FIELDS_QUERY of this VF (wire format) */
	struct vpf_admin_ctx_field_info *fields;	/* fields_cap entries */
	uint32_t fields_cap;		/* MIG_FIELDS_QMAX + 1, or what a
					 * max_chunk result holds */
	uint32_t nfields;
	bool fields_valid;

	/* pre-flight summary of the Active context */
	struct mig_ctx_summary pre;

	/* dirty tracking */
	bool wr_started;
	bool wr_cap_valid;
	struct vpf_admin_wr_cap wr_cap;
	uint64_t wr_ps;			/* caller page size */
	uint64_t wr_dev_ps;		/* device page size */
	struct mig_norm_range *wr_ranges;
	unsigned int wr_n;
	uint8_t *wr_start_data;
	uint32_t wr_start_len;
	const struct vpf_mig_range *wr_req;	/* start request (plan time) */
	unsigned int wr_req_n;
	uint64_t *wr_bm;
	uint64_t wr_bm_addr;
	uint64_t wr_bm_len;
	unsigned int wr_ri;		/* range being read */
	uint64_t wr_lo;			/* read window of that range */
	uint64_t wr_hi;
	uint64_t wr_new;		/* bits newly set by this sync */
	uint64_t wr_records;
	struct vpf_admin_wr_read_data wr_rd;
	uint64_t *wr_rec;		/* wr_rec_max records, while tracking */
	uint32_t wr_rec_max;
	unsigned int wr_ps_shift;	/* log2(wr_ps) */

	/* timing and accounting */
	uint64_t t_freeze_issue;
	uint64_t t_active_done;
	uint64_t cmds;
};

struct vpf_mig {
	struct vpf_pf *pf;
	struct vpf_mig_params prm;
	struct vpf_pf_info info;
	uint16_t nvfs;
	struct mig_vf *vfs;		/* index vf - 1 */
	/* VFs that may have need_submit / done_pending set (bit vf - 1; a
	 * superset: the flags decide), so that a poll does not walk every
	 * VF's state. */
	uint64_t *submit_bm;
	uint64_t *done_bm;
	unsigned int bm_words;
	unsigned int ndone;		/* callbacks run by this vpf_mig_poll() */
	struct vpf_mig_orphan *orphans;
	unsigned int norphans;
};

/* Engine. */
struct mig_vf *mig_vf_get(const struct vpf_mig *m, uint16_t vf);
int mig_op_begin(struct mig_vf *v, vpf_mig_done_t done, void *arg);
int mig_op_add(struct mig_vf *v, uint8_t act, uint8_t arg, uint8_t flags,
	       mig_local_fn fn);
void mig_op_start(struct mig_vf *v);
int mig_op_wait(struct mig_vf *v);
void mig_fail_all(struct vpf_mig *m, int rc);
int mig_wr_rec_alloc(struct mig_vf *v);
void mig_wr_rec_free(struct mig_vf *v);
int mig_vf_fail(struct mig_vf *v, int rc, const char *fmt, ...)
	VPF_PRINTF(3, 4);

/* Operation builders used by the driver (async, done from vpf_mig_poll). */
int mig_set_state_plan(struct mig_vf *v, enum vpf_mig_state target);
int mig_abort_plan(struct mig_vf *v);
int mig_precopy_round_plan(struct mig_vf *v);
int mig_preflight_plan(struct mig_vf *v);
int mig_dirty_start_plan(struct mig_vf *v, const struct vpf_mig_range *r,
			 unsigned int n, uint64_t page_size);
int mig_dirty_sync_plan(struct mig_vf *v, uint64_t addr, uint64_t len,
			uint64_t *bitmap);
int mig_dirty_stop_plan(struct mig_vf *v);
int mig_load_feed(struct mig_vf *v, const void *buf, size_t len);
int mig_load_kick(struct mig_vf *v, vpf_mig_done_t done, void *arg);
int mig_compat_compare(struct mig_vf *s, struct mig_vf *d,
		       struct vpf_mig_compat *out);

#endif /* VPF_MIG_VF_H */
