/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_MIG_VF_H
#define VPF_MIG_VF_H

/*
 * Per-VF state and the asynchronous step engine shared by the files of
 * lib/mig. Internal.
 *
 * Where things live:
 *   mig_states.c    the VFIO states, the arc table and the path walk
 *   mig_steps.c     the step engine: runs an operation's steps, one admin
 *                   command at a time per VF, and reports completions
 *   mig_actions.c   one entry per device action (enum mig_act): how its
 *                   command is prepared and what its completion means
 *   mig_set_state.c set_state, abort, recover: operations that move a VF
 *   mig_save.c      the save stream (source side)
 *   mig_load.c      the load stream (destination side)
 *   mig_dirty.c     dirty-page tracking (write recording)
 *   mig_attach.c    attach (crash-safety scan) and detach
 *   mig_preflight.c compatibility pre-flight
 *   mig_driver.c    the multi-VF migration driver: the in-process job
 *                   (vpf_mig_job_start) and vpf_mig_migrate() over it
 *   mig_job.c       the public job calls, dispatching to the job kinds
 *   mig_stream.c, mig_crc.c   the stream format (mig_internal.h)
 *   mig_v14.c       the virtio 1.4 dialect's actions (device parts
 *                   objects, METADATA SIZE + PARTS_GET, PARTS_SET), its
 *                   MODE_SET and stop marks (doc/migration.md "The virtio
 *                   1.4 dialect")
 */

#include "vpf_parts.h"
#include "mig_internal.h"

/* Short names of the states, for tables and plans. */
#define S_ERR	VPF_MIG_STATE_ERROR
#define S_STOP	VPF_MIG_STATE_STOP
#define S_RUN	VPF_MIG_STATE_RUNNING
#define S_SC	VPF_MIG_STATE_STOP_COPY
#define S_RES	VPF_MIG_STATE_RESUMING
#define S_P2P	VPF_MIG_STATE_RUNNING_P2P
#define S_PC	VPF_MIG_STATE_PRE_COPY
#define S_PCP	VPF_MIG_STATE_PRE_COPY_P2P

/* Step actions. Each device action is one admin command at a time per VF;
 * READ_CTX, WRITE_CTX and WR_READ repeat their command until done. What
 * each one does is its entry in mig_act_table (mig_actions.c). */
enum mig_act {
	ACT_LOCAL = 0,		/* call fn */
	ACT_MODE_SET,		/* arg: mode; skipped when already there */
	ACT_MODE_GET,
	ACT_DISCARD,		/* skipped unless something to discard */
	ACT_DISCARD_FORCE,
	ACT_SIZE_GET,		/* arg: freeze_mode */
	ACT_READ_CTX,		/* the rest of the current context into v->ctx */
	ACT_WRITE_CTX,		/* v->load.wbuf to the device */
	ACT_FIELDS_QUERY,	/* skipped when cached or unsupported */
	ACT_WR_CAP,		/* skipped when cached */
	ACT_WR_START,
	ACT_WR_READ,		/* v->dirty window into v->dirty.bm */
	ACT_WR_STOP,		/* skipped unless started (arg 1: always) */
	/* The virtio 1.4 dialect (mig_v14.c); arg: see MIG_V14_* */
	ACT_V14_CREATE,		/* arg: VPF_PARTS_OBJ_GET/SET [| RESTORE];
				 * skipped when the object exists */
	ACT_V14_READ,		/* METADATA SIZE, then PARTS_GET ALL (SIZE
				 * again on ENOMEM); arg: MIG_V14_INTO_* */
	ACT_V14_PARTS_SET,	/* arg: MIG_V14_SET_LOAD or _PRIOR */
	ACT_V14_DESTROY,	/* arg: VPF_PARTS_OBJ_GET/SET; skipped
				 * when there is none */
	ACT_MAX
};

#define STEP_F_BEST_EFFORT	1u	/* failure noted, next step runs */
/* A DISCARD that clears a written or partial context: on failure it is
 * tried again, up to MIG_DISCARD_TRIES times per operation (EAGAIN is
 * already retried by the engine). */
#define STEP_F_RETRY		2u
/* A MODE_SET that must not apply a context (abort, recover, detach): it
 * is refused, and the VF stays in Freeze, when a written or partial
 * context could not be discarded (leaving Freeze applies the most recent
 * complete one: doc/protocol.md §4.3, D-MIG.6). */
#define STEP_F_NO_APPLY		4u
/* A MODE_SET issued even when the library thinks the VF is there. */
#define STEP_F_FORCE		8u
#define MIG_DISCARD_TRIES	3

struct mig_vf;
struct mig_journal;
typedef int (*mig_local_fn)(struct mig_vf *v);

struct mig_step {
	uint8_t act;
	uint8_t arg;
	uint8_t flags;
	mig_local_fn fn;
};

/*
 * What the engine does for one device action. Every hook but prep and
 * done may be NULL.
 */
struct mig_act_ops {
	const char *name;
	/* Fill v->cmd for step @p st: 0 to issue it, 1 to skip the step,
	 * a negative errno to fail it (message in v->err). May run again
	 * for the same command after -EBUSY: it changes nothing that
	 * commit() does not undo. */
	int (*prep)(struct mig_vf *v, const struct mig_step *st);
	/* Side effects of handing the command to the PF (@p on true),
	 * undone (@p on false) when the PF did not take it. */
	void (*commit)(struct mig_vf *v, const struct mig_step *st, bool on);
	/* The command succeeded: 1 to issue the same step again, 0 to go
	 * on, a negative errno to fail the step. */
	int (*done)(struct mig_vf *v, const struct mig_step *st);
	/* The step failed: @p sent is true when the command reached the
	 * device and completed with an error (not a prep or submit
	 * failure). Runs before the engine decides how to go on. */
	void (*failed)(struct mig_vf *v, const struct mig_step *st, int rc,
		       bool sent);
	/* The command completed with @p rc < 0: true to issue the same
	 * step again instead of failing it (prep sees v->step_cont), e.g.
	 * a 1.4 PARTS_GET refused ENOMEM asks SIZE again. May be NULL. */
	bool (*again)(struct mig_vf *v, const struct mig_step *st, int rc);
};

extern const struct mig_act_ops mig_act_table[ACT_MAX];

/* Prepare @p c as command @p op for VF @p vf, without data or result, for
 * a command that has no prep helper in the admin layer (mig_actions.c). */
void mig_prep_raw(struct vpf_admin_cmd *c, uint16_t op, uint16_t vf);

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

/* Source side: the save stream of a VF (mig_save.c). */
struct mig_save {
	struct mig_buf out;
	struct mig_writer w;
	bool session;			/* out holds a stream being written */
	uint32_t round;
	size_t round_end;		/* out offset where the last round ends */
	uint64_t round_size;		/* SIZE_GET(current) of the round */
	uint64_t dirty_bytes;		/* SIZE_GET(freeze) after the round */
	uint64_t total;			/* stream bytes written */
};

/* Destination side: the load stream of a VF (mig_load.c). */
struct mig_load {
	struct mig_parser parser;
	bool active;			/* parser accepts bytes (RESUMING) */
	int err;			/* sticky error of this load */
	bool precopy_write;		/* write precopy contexts at once */
	struct mig_buf pend;		/* newest valid context not yet written */
	bool pend_valid;
	bool pend_final;
	struct mig_buf wbuf;		/* context being written, 8-padded */
	size_t wlen;
	size_t woff;
	bool wfinal;
	bool final_written;
	/* The last load passed RESUMING -> STOP (a whole stream, its final
	 * context or parts written) and the VF has not resumed since, nor
	 * has anything dropped or replaced it: what vpf_mig_adopt()
	 * resumes. */
	bool loaded;
	uint64_t total;			/* stream bytes accepted */
	uint64_t ctx_written;		/* context bytes written */
};

/* ---------------------------------------------------------------------------
 * The virtio 1.4 dialect (mig_v14.c; doc/migration.md "The virtio 1.4
 * dialect", D-MIG14.n)
 * ------------------------------------------------------------------------- */

/* ACT_V14_CREATE arg: the kind, and whether the object is only needed to
 * set a destination's own parts back (skipped unless a load's set may be
 * pending on the device). */
#define MIG_V14_RESTORE		0x80u
/* ACT_V14_READ arg: where the parts go. */
#define MIG_V14_INTO_CTX	0	/* v->ctx (a save stream's record) */
#define MIG_V14_INTO_PRIOR	1	/* v->v14.prior (a destination's own) */
/* ACT_V14_PARTS_SET arg. */
#define MIG_V14_SET_LOAD	0	/* the newest valid set of the load */
#define MIG_V14_SET_PRIOR	1	/* the destination's own parts back */

/* A device-parts object the library created (or may have) for a VF. */
struct mig_v14_obj {
	struct vpf_admin_v14_obj o;	/* o.valid: an id is held */
	bool made;			/* CREATE sent: it may exist */
};

struct mig_v14 {
	struct mig_v14_obj get;		/* save states; STOP->RESUMING */
	struct mig_v14_obj set;		/* RESUMING */
	uint8_t meta[8];		/* METADATA_GET SIZE result */
	uint32_t size;			/* the last SIZE */
	uint32_t post;			/* PARTS_GET result buffer bytes */
	bool read_get;			/* ACT_V14_READ: SIZE done, GET next */
	unsigned int enomem_left;	/* SIZE again after ENOMEM */
	unsigned int destroy_left;	/* DESTROY again without answer */
	/* destination: its parts as they were before the load (read at
	 * STOP -> RESUMING), set back when a load does not complete */
	struct mig_buf prior;
	bool prior_valid;
	/* a PARTS_SET of a load may be pending on the device: resuming the
	 * VF would apply it (until the prior parts are set back, or the
	 * load completed and the VF resumed) */
	bool load_dirty;
	bool load_dirty_prev;		/* (undone when a submit fails) */
	struct mig_buf sbuf;		/* PARTS_SET data being sent */
	size_t slen;			/* parts bytes in it */
	bool sfinal;			/* it is the load's final set */
	bool mode_retried;		/* a MODE_SET without answer resent */
	/* Set by the migration driver before a destination's RESUMING ->
	 * RUNNING: that plan leaves the objects, and the driver destroys
	 * them once the job's activations are done (D-PERF.3). Consumed by
	 * the plan. */
	bool keep_objs;
};

/* Dirty-page tracking through write recording (mig_dirty.c). */
struct mig_dirty {
	bool started;
	bool cap_valid;
	struct vpf_admin_wr_cap cap;
	uint64_t ps;			/* caller page size */
	uint64_t dev_ps;		/* device page size */
	unsigned int ps_shift;		/* log2(ps) */
	struct mig_norm_range *ranges;	/* tracked, normalised */
	unsigned int n;
	uint8_t *start_data;		/* START's command data */
	uint32_t start_len;
	const struct vpf_mig_range *req;	/* start request (plan time) */
	unsigned int req_n;
	/* the sync running */
	uint64_t *bm;
	uint64_t bm_addr;
	uint64_t bm_len;
	unsigned int ri;		/* range being read */
	uint64_t lo;			/* READ window of that range */
	uint64_t hi;
	uint64_t new_bits;		/* bits newly set by this sync */
	uint64_t records;
	struct vpf_admin_wr_read_data rd;
	uint64_t *rec;			/* rec_max records, while tracking */
	uint32_t rec_max;
	/* the STOP of the current (or last) step: sent again after no
	 * answer; failed in the end */
	bool stop_retried;
	bool stop_failed;
	/* the asynchronous public forms (vpf_mig_dirty_*_async): the
	 * caller's callback, run by mig_dirty.c's own once *pages is set */
	vpf_mig_done_t async_done;
	void *async_arg;
	uint64_t *async_pages;
};

struct mig_vf {
	struct vpf_mig *m;
	uint16_t vf;

	/* what the library knows about the VF and its device */
	enum vpf_mig_state state;
	uint8_t mode;			/* MIG_MODE_UNKNOWN until known */
	uint8_t orig_mode;
	bool moved;
	bool complete;
	bool read_started;		/* context of this mode (partly) read */
	bool partial;			/* a read or write stopped midway */
	bool written;			/* written, not applied or discarded */
	/* vpf_mig_preflight_async() read it and nothing ran since: the
	 * next pre-flight use takes v->pre and the field list as they are */
	bool pre_fresh;
	char err[256];

	/* current operation (mig_steps.c) */
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

	struct mig_save save;
	struct mig_load load;

	/* FIELDS_QUERY of this VF (wire format) */
	struct vpf_admin_ctx_field_info *fields;	/* fields_cap entries */
	uint32_t fields_cap;		/* MIG_FIELDS_QMAX + 1, or what a
					 * max_chunk result holds */
	uint32_t nfields;
	bool fields_valid;

	/* pre-flight summary of the Active context */
	struct mig_ctx_summary pre;

	struct mig_dirty dirty;

	/* the virtio 1.4 dialect only (mig_v14.c) */
	struct mig_v14 v14;

	/* timing and accounting */
	uint64_t t_freeze_issue;
	uint64_t t_active_done;
	uint64_t cmds;

	/* The job this VF belongs to while one runs (NULL: none). Any other
	 * operation on it is refused with -EBUSY (mig_vf_busy()); the job's
	 * own calls pass while it is vpf_mig::acting. */
	const void *owner;
	/* Stream buffer bytes to prefault, left for the owning job to do as
	 * a work unit of its own (mig_vf_prefault()); 0: none. */
	size_t prefault_want;
	/* the job's step through the current buffer (mig_steps.c): grown
	 * yet, and the bytes of its spare room written so far */
	bool prefault_grown;
	size_t prefault_off;
	/* the journal change its operation waits to see written (0: none;
	 * mig_stop_mark_async(), D-MIG14.23) */
	uint64_t jwait_gen;
	unsigned int prefault_next;	/* next buffer (mig_steps.c) */
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
	/* VFs whose operation waits for the journal (mig_stop_mark_async) */
	uint64_t *jwait_bm;
	unsigned int bm_words;
	unsigned int ndone;		/* callbacks run by this vpf_mig_poll() */
	/* the PF's journal of migrated VFs (mig_journal.c) */
	struct mig_journal *jrn;
	struct vpf_mig_orphan *orphans;
	unsigned int norphans;
	/* The job issuing the current call on its own VFs (NULL: none);
	 * set around that call only, see mig_vf::owner. */
	const void *acting;
	/* Pairs of the running job with this PF as source that are in their
	 * stop arc (mig_driver.c, vpf_mig_opts::stop_window). */
	uint32_t stop_arcs;
};

/* Whether @p v refuses a new operation: one is running, or the VF belongs
 * to a job that is not the one calling. */
static inline bool
mig_vf_busy(const struct mig_vf *v)
{
	return v->busy || (v->owner != NULL && v->owner != v->m->acting);
}

/* Whether @p m's PF speaks the virtio 1.4 device-parts dialect: the plans
 * then use the ACT_V14_* actions and MODE_SET means stop / resume. */
static inline bool
mig_is_v14(const struct vpf_mig *m)
{
	return m->info.dialect == VPF_DIALECT_V14_PARTS;
}

/* States (mig_states.c). */
bool mig_state_ok(enum vpf_mig_state s);
/* The state without a stream that runs the VF in @p mode. */
enum vpf_mig_state mig_plain_state(uint8_t mode);
/* STOP_COPY, PRE_COPY or PRE_COPY_P2P: a save stream lives there. */
bool mig_is_save(enum vpf_mig_state s);

/* Engine (mig_steps.c). */
struct mig_vf *mig_vf_get(const struct vpf_mig *m, uint16_t vf);
int mig_op_begin(struct mig_vf *v, vpf_mig_done_t done, void *arg);
int mig_op_add(struct mig_vf *v, uint8_t act, uint8_t arg, uint8_t flags,
	       mig_local_fn fn);
void mig_op_replan_fail(struct mig_vf *v, int rc);
void mig_op_start(struct mig_vf *v);
int mig_op_wait(struct mig_vf *v);
/* Size the stream buffers of @p v (save stream, load buffers: either side
 * may become either; 1.4: the parts read) to @p want bytes and fault their
 * pages in, so that
 * the downtime path neither grows them nor faults. A VF owned by a job
 * only records @p want in v->prefault_want: the job does it later with
 * mig_vf_prefault_run(), one page per poll, instead of
 * all five inside the completion that called this (tens of page faults:
 * hundreds of microseconds). */
void mig_vf_prefault(struct mig_vf *v, size_t want);
/* Size and fault in the buffers a stop-copy of @p v writes (the context
 * read and the save stream), from what is known of its context (the
 * larger of the last sizes and the last read; a device chunk when nothing
 * is), for vpf_mig_stop_prepare(). Nothing for a VF with a command in
 * flight (it may be writing into the context buffer) or owned by a job
 * (the job prefaults its own), nor for a context of VPF_MIG_REC_MAX / 2
 * and more. */
void mig_vf_prefault_stop(struct mig_vf *v);
/* One step of a recorded prefault: a buffer's growth or one page of it;
 * nothing while the VF has a command in flight (it may be writing into one
 * of them: see mig_vf_prefault_ready()). @return whether more remain.
 * A job's poll does one step and ends there (the rest of the budget
 * counts as used) unless its budget is unlimited (UINT_MAX, the blocking
 * calls): a page fault costs about 12 us inside the test VM, ten times
 * an admin completion, and a poll must stay short (D-JOB.12). */
bool mig_vf_prefault_run(struct mig_vf *v);
/* Whether mig_vf_prefault_run() would prefault now (a buffer waits and
 * the VF has no command in flight). */
static inline bool
mig_vf_prefault_ready(const struct mig_vf *v)
{
	return v->prefault_want != 0 && !v->busy;
}
/* vpf_mig_poll() that handles at most @p budget admin completions (0: no
 * limit). *@p handled (may be NULL) receives the admin completions
 * handled. @return operations completed, or a negative errno. */
int mig_poll_budget(struct vpf_mig *m, unsigned int budget,
		    unsigned int *handled);
void mig_fail_all(struct vpf_mig *m, int rc);
int mig_vf_fail(struct mig_vf *v, int rc, const char *fmt, ...)
	VPF_PRINTF(3, 4);
/* A copy of v->err to quote in the next message (truncated to fit). */
void mig_err_quote(const struct mig_vf *v, char *out, size_t n);

/* The public per-VF operations: begin an operation on VF @p vf, let
 * @p plan add its steps (@p parg: the call's arguments), start it, and
 * with @p wait poll until it has finished. */
typedef int (*mig_plan_t)(struct mig_vf *v, const void *parg);
int mig_run(struct vpf_mig *m, uint16_t vf, mig_plan_t plan,
	    const void *parg, vpf_mig_done_t done, void *arg, bool wait);

/* Write-recording actions (mig_dirty.c), entries of mig_act_table. */
int mig_wr_cap_prep(struct mig_vf *v, const struct mig_step *st);
int mig_wr_cap_done(struct mig_vf *v, const struct mig_step *st);
int mig_wr_start_prep(struct mig_vf *v, const struct mig_step *st);
int mig_wr_start_done(struct mig_vf *v, const struct mig_step *st);
void mig_wr_start_failed(struct mig_vf *v, const struct mig_step *st,
			 int rc, bool sent);
int mig_wr_read_prep(struct mig_vf *v, const struct mig_step *st);
int mig_wr_read_done(struct mig_vf *v, const struct mig_step *st);
int mig_wr_stop_prep(struct mig_vf *v, const struct mig_step *st);
int mig_wr_stop_done(struct mig_vf *v, const struct mig_step *st);
void mig_wr_stop_failed(struct mig_vf *v, const struct mig_step *st, int rc,
			bool sent);
bool mig_wr_stop_again(struct mig_vf *v, const struct mig_step *st, int rc);
/* End of an abort or recover: when its STOP failed and recording may
 * still be on, the operation's error says so (D-MIG.K1). */
void mig_wr_cleanup_note(struct mig_vf *v);
/* After the abort of a failed pair whose source is @p s: when recording
 * may still be on there, the pair's @p error (@p size bytes) ends with a
 * note that says so (its reason is cut if it must be). */
void mig_wr_pair_note(const struct mig_vf *s, char *error, size_t size);
int mig_wr_rec_alloc(struct mig_vf *v);
void mig_wr_rec_free(struct mig_vf *v);

/* Save and load steps used by set_state (mig_save.c, mig_load.c). */
int mig_session_drop(struct mig_vf *v);
int mig_local_save_round(struct mig_vf *v);
int mig_local_save_final(struct mig_vf *v);
int mig_local_load_begin(struct mig_vf *v);
int mig_local_resuming_exit(struct mig_vf *v);
/* Leaving RESUMING: 0 (the VF is in STOP) when the load stream was
 * complete and its final @p what written; else the operation is failed
 * with the reason and replanned (the caller adds its clean-up steps) and
 * the errno returned. */
int mig_load_exit_check(struct mig_vf *v, const char *what);

/* Operation builders used by the driver (async, done from vpf_mig_poll). */
int mig_set_state_plan(struct mig_vf *v, enum vpf_mig_state target);
int mig_abort_plan(struct mig_vf *v);
int mig_precopy_round_plan(struct mig_vf *v);
int mig_preflight_plan(struct mig_vf *v);
/* The pre-flight of @p v, or nothing when vpf_mig_preflight_async() just
 * did it (consumes that): begins, plans, starts and waits. */
int mig_preflight_run(struct mig_vf *v);
int mig_dirty_start_plan(struct mig_vf *v, const struct vpf_mig_range *r,
			 unsigned int n, uint64_t page_size);
int mig_dirty_sync_plan(struct mig_vf *v, uint64_t addr, uint64_t len,
			uint64_t *bitmap);
int mig_dirty_stop_plan(struct mig_vf *v);
int mig_load_feed(struct mig_vf *v, const void *buf, size_t len);
int mig_load_kick(struct mig_vf *v, vpf_mig_done_t done, void *arg);
int mig_compat_compare(struct mig_vf *s, struct mig_vf *d,
		       struct vpf_mig_compat *out);

/* ---------------------------------------------------------------------------
 * The virtio 1.4 dialect (mig_v14.c)
 * ------------------------------------------------------------------------- */

/* The hooks of the ACT_V14_* entries of mig_act_table, and MODE_SET's on a
 * 1.4 PF (mig_actions.c calls these when mig_is_v14()). */
int mig_v14_create_prep(struct mig_vf *v, const struct mig_step *st);
int mig_v14_create_done(struct mig_vf *v, const struct mig_step *st);
void mig_v14_create_failed(struct mig_vf *v, const struct mig_step *st,
			   int rc, bool sent);
int mig_v14_read_prep(struct mig_vf *v, const struct mig_step *st);
int mig_v14_read_done(struct mig_vf *v, const struct mig_step *st);
bool mig_v14_read_again(struct mig_vf *v, const struct mig_step *st, int rc);
int mig_v14_parts_set_prep(struct mig_vf *v, const struct mig_step *st);
void mig_v14_parts_set_commit(struct mig_vf *v, const struct mig_step *st,
			      bool on);
int mig_v14_parts_set_done(struct mig_vf *v, const struct mig_step *st);
void mig_v14_parts_set_failed(struct mig_vf *v, const struct mig_step *st,
			      int rc, bool sent);
int mig_v14_destroy_prep(struct mig_vf *v, const struct mig_step *st);
int mig_v14_destroy_done(struct mig_vf *v, const struct mig_step *st);
void mig_v14_destroy_failed(struct mig_vf *v, const struct mig_step *st,
			    int rc, bool sent);
bool mig_v14_destroy_again(struct mig_vf *v, const struct mig_step *st,
			   int rc);
int mig_v14_mode_set_prep(struct mig_vf *v, const struct mig_step *st);
void mig_v14_mode_set_commit(struct mig_vf *v, const struct mig_step *st,
			     bool on);
int mig_v14_mode_set_done(struct mig_vf *v, const struct mig_step *st);
/* A MODE_SET without a device answer (there is no MODE_GET): add a forced
 * resend of it after the current step; called by the engine. */
void mig_v14_mode_lost(struct mig_vf *v, const struct mig_step *st);
/* The operation failed for good: append the DESTROYs of every object the
 * VF holds (cleanup steps: the state left decides nothing else). */
void mig_v14_fail_tidy(struct mig_vf *v);
/* Plans (called by mig_set_state.c, mig_save.c for a 1.4 PF). */
int mig_v14_set_state_plan(struct mig_vf *v, enum vpf_mig_state from,
			   enum vpf_mig_state target, bool keep,
			   mig_local_fn plain_state, mig_local_fn target_state);
int mig_v14_abort_plan(struct mig_vf *v, uint8_t mode, bool force,
		       mig_local_fn begin, mig_local_fn end);
int mig_v14_precopy_round_plan(struct mig_vf *v);
/* The DESTROYs of the objects @p v holds, as an operation of their own
 * (detach). */
int mig_v14_tidy_plan(struct mig_vf *v);
bool mig_v14_holds(const struct mig_vf *v);
void mig_v14_free(struct mig_vf *v);
/* The prefault buffers of the 1.4 dialect (mig_steps.c): @p i from 0. */
struct mig_buf *mig_v14_prefault_buf(struct mig_vf *v, unsigned int i);

/*
 * Stop marks (mig_journal.c): on a 1.4 PF the device's mode cannot be read
 * back, so a VF's stop is journaled durably before its MODE_SET stop is
 * sent (D-MIG14.3). A restarted owner resumes every VF not journaled as
 * migrated away and reports those with a stop mark.
 *
 * mig_vf_stop_intent(): the mark of one VF, written (and fsynced) now
 * unless it is already there or the journal is off; a failed write is
 * logged and the stop goes on (the mark only decides what a restart
 * reports). mig_stop_intent_batch(): the marks of @p n VFs of @p m in
 * one durable write, for a job's setup, so that no mark is written inside
 * a source's downtime. @return 0 or a negative errno.
 */
int mig_vf_stop_intent(struct mig_vf *v);
int mig_stop_intent_batch(struct vpf_mig *m, const uint16_t *vfs,
			  unsigned int n);

#endif /* VPF_MIG_VF_H */
