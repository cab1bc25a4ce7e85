/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_BENCH_H
#define VPF_BENCH_H

/*
 * vpf-bench internals: the metric registry, timing helpers, the counting
 * allocator and the instrumented backend ops table shared by the benchmark
 * modules (bench_*.c). Everything is measured in one process run so that
 * ratios between metrics hold on a noisy machine.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "vpf_pf.h"

/* ---------------------------------------------------------------------------
 * Options and the metric registry (main.c)
 * ------------------------------------------------------------------------- */

struct bench_opts {
	bool quick;		/* CI smoke run: < 20 s in total */
	bool json;		/* one JSON document on stdout */
	bool verbose;		/* per-repetition samples on stderr */
	bool scaling;		/* --scaling: groups run once per VF count
				 * (the downtime group leaves out its 1-VF
				 * runs) */
	uint16_t nvf;		/* --vfs: VFs of the stopcopy and downtime
				 * groups (BENCH_NVF_DEFAULT) */
	unsigned int reps;	/* repetitions of which the median is taken */
	bool no_pin;		/* --no-pin: no CPU placement (bench_pin.c) */
	bool no_idle_poll;	/* --no-idle-poll: pinned device threads
				 * sleep while idle (bench_pin.c) */
};

/* The VF count the stop-copy and downtime metrics are named after
 * (stopcopy_64vf_*, downtime_64vf_*); --vfs changes the count, not the
 * names (the JSON's "vfs" says which). */
#define BENCH_NVF_DEFAULT	64u
/* VFs a model PF can have (vpf_model_params.num_vfs). */
#define BENCH_MODEL_MAX_VFS	256u

extern struct bench_opts bench_opts;

/* Record the value of metric @name (must be one of the registry's names). */
void bench_metric(const char *name, double value);

/* Record metric @name as the median of @n samples @v (sorted in place);
 * JSON also gets their minimum, maximum and count. Returns the median. */
double bench_metric_samples(const char *name, double *v, size_t n);

/* Metric @name was not measured; @why is printed to stderr and in JSON. */
void bench_skip(const char *name, const char *why);

/* Whether metric @name already has a value, and that value. */
bool bench_metric_get(const char *name, double *value);

/* Note on stderr (text mode) or in the JSON "notes" (json mode). */
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---------------------------------------------------------------------------
 * CPU placement (bench_pin.c, D-PERF.7)
 * ------------------------------------------------------------------------- */

struct vpf_model;
struct vpf_model_params;

/* Choose the driver's CPU (the one this thread runs on) and give the
 * device threads the others, if @want and the process has two CPUs or
 * more; a note says what was chosen. */
void bench_pin_setup(bool want);

/* Before a group: this thread on the driver's CPU (@pinned: stopcopy and
 * downtime) or on every CPU the process was given (the other groups). */
void bench_pin_group(bool pinned);

/* vpf_model_create() whose device thread runs on the device threads'
 * CPUs. Every model of the bench is made through it. */
struct vpf_model *bench_model_create(const struct vpf_model_params *mp);

/* The migration layer's own threads (its journal writer) on the device
 * threads' CPUs in a placed group, off the driver's: sets
 * @gp->thread_init (nothing outside a placed group). */
struct vpf_mig_params;
void bench_pin_mig_params(struct vpf_mig_params *gp);

/* ---------------------------------------------------------------------------
 * Timing (bench_util.c)
 * ------------------------------------------------------------------------- */

static inline uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Median of @n samples (sorts @v in place). 0 for n == 0. */
double bench_median(double *v, size_t n);

struct vpf_admin_cmd;

/* vpf_admin_submit(), polling the PF while every command slot is in use
 * (-EBUSY): a run of more VFs than slots (admin_queue_size / 2 - 1). Not
 * from a completion callback. */
int bench_submit(struct vpf_pf *pf, struct vpf_admin_cmd *cmd);

/* Keep the compiler from optimising a computed value away. */
static inline void
bench_sink(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* ---------------------------------------------------------------------------
 * Allocation accounting (bench_alloc.c)
 *
 * The executable is linked with -Wl,--wrap=malloc,... so every allocation the
 * statically linked libvpf and libvpf_model make goes through a counter.
 * Allocations made while bench_ops_* has entered the backend (the model) are
 * attributed to the device, the rest to the driver.
 * ------------------------------------------------------------------------- */

struct bench_alloc_counts {
	int64_t driver_live;	/* bytes live, allocated by the driver */
	int64_t device_live;	/* bytes live, allocated inside the backend */
	uint64_t driver_calls;	/* allocation calls by the driver */
	uint64_t device_calls;	/* allocation calls inside the backend */
};

/* Whether the wrappers are linked in (false: numbers are unavailable). */
bool bench_alloc_available(void);
void bench_alloc_snapshot(struct bench_alloc_counts *c);
/* Mark the calling thread as running backend code (nesting counter). */
void bench_alloc_enter_device(void);
void bench_alloc_leave_device(void);

/* ---------------------------------------------------------------------------
 * Instrumented backend (bench_ops.c): forwards to the real ops table and
 * accounts time and memory spent inside the backend.
 * ------------------------------------------------------------------------- */

struct vpf_pf_ops;

struct bench_backend {
	const struct vpf_pf_ops *ops;	/* the real table (vpf_model_ops) */
	void *dev;			/* its device handle */
	bool timed;			/* accumulate time inside the backend */
	uint64_t ns_inside;		/* time spent inside backend ops */
	uint64_t calls;			/* backend op calls */
	int64_t dma_live;		/* DMA bytes the driver holds */
	uint64_t dma_allocs;		/* dma_alloc calls */
};

/* The forwarding ops table; pass a struct bench_backend * as @c dev. */
extern const struct vpf_pf_ops bench_backend_ops;

struct vpf_model;
struct vpf_pf;

/* A model PF attached through the instrumented backend. */
struct bench_rig {
	struct vpf_model *m;
	struct bench_backend be;
	struct vpf_pf *pf;
	uint16_t num_vfs;
};

/* Create model @name with @num_vfs VFs of @guest_mem bytes each and attach
 * it through bench_backend_ops. 0, or -1 with the reason on stderr (and
 * nothing left to bench_rig_down()). */
int bench_rig_up(struct bench_rig *r, const char *name, uint16_t num_vfs,
		 uint64_t guest_mem);
/* Detach and destroy what bench_rig_up() made (or what is left of it). */
void bench_rig_down(struct bench_rig *r);

/* ---------------------------------------------------------------------------
 * Benchmark modules. Each records its metrics with bench_metric() or says
 * why not with bench_skip(). Return 0, or -1 if a benchmark failed (the
 * reason is on stderr).
 * ------------------------------------------------------------------------- */

int bench_memcpy_ctx(void);	/* ctx_parse_gbps, memcpy_gbps, ratio */
int bench_parts(void);		/* parts_parse_gbps, parts_parse_vs_memcpy */
int bench_cmd(void);		/* cmd_rate_qd1/qd32, driver_ns_per_cmd */
int bench_stopcopy(void);	/* stopcopy_* */
int bench_downtime(void);	/* downtime_* */
int bench_wr(void);		/* wr_merge_mrec_s */
int bench_mem(void);		/* mem_per_vf_bytes, mem_per_pf_bytes */
int bench_stream(void);		/* stream_validate_gbps */
/* The timed model every migration benchmark uses (bench_mig.c): each
 * command takes BENCH_SERVICE_US, BENCH_CONCURRENCY at once, activation
 * costs BENCH_ACT_US per differing field, BENCH_NUM_QP queue pairs. */
#define BENCH_SERVICE_US	50u
#define BENCH_CONCURRENCY	16u
#define BENCH_ACT_US		5u	/* per differing field on leaving Freeze */
#define BENCH_NUM_QP		8u
#define BENCH_VQ_SIZE		256u
/* 1.4: device-parts objects of each kind the timed model offers per PF
 * (D-BENCH14.1): enough for every VF of a PF that holds 64 sources and
 * 64 destinations, so the object limit never paces a pipelined run. */
#define BENCH_V14_OBJS		128u

struct bench_trig;

/*
 * A dialect the stop-copy and downtime groups run in (bench_mig.c runs each
 * group once per dialect, same code). The draft's metrics keep their names;
 * the 1.4 dialect's are the draft twin's name plus "_v14".
 */
struct bench_dialect {
	enum vpf_dialect id;
	const char *suffix;	/* appended to metric names: "" or "_v14" */
	const char *label;	/* in notes: "draft", "1.4" */
	/* Stop-copy of VFs 1..n, one command at a time as Linux does; the
	 * parts or context bytes read go to @bytes. ns, or 0 on failure. */
	uint64_t (*serial)(struct bench_trig *r, uint16_t n, uint8_t *buf,
			   size_t cap, uint64_t *bytes);
	/* The pipelined stop-copy straight on the admin engine (no migration
	 * layer), @per_vf bytes of @buf per VF. ns, or 0 on failure. */
	uint64_t (*engine)(struct bench_trig *r, uint16_t n, uint8_t *buf,
			   uint32_t per_vf);
	unsigned int serial_cmds;	/* commands per VF, the serial way */
	unsigned int stop_cmds;		/* per VF in the stop-copy bound */
	unsigned int window_src_cmds;	/* per VF in the downtime window, on
					 * the source ... */
	unsigned int window_dst_cmds;	/* ... and on the destination */
	const char *serial_what;	/* the serial way's commands, for notes */
	bool noprecopy_runs;		/* downtime: also without
					 * precopy-to-destination (activation
					 * cost: draft only) */
	uint16_t max_vfs;		/* the most VFs the groups can run
					 * with in this dialect ... */
	const char *max_vfs_why;	/* ... and why (beyond the model's
					 * BENCH_MODEL_MAX_VFS) */
};

extern const struct bench_dialect bench_draft;
extern const struct bench_dialect bench_v14;

#define BENCH_NAME_MAX		64
/* @base plus @d's suffix, in @buf of BENCH_NAME_MAX bytes; returns @buf. */
const char *bench_dname(char *buf, const struct bench_dialect *d,
			const char *base);

/* A timed model PF, attached, with its migration layer (64 KiB chunks). */
struct bench_trig {
	struct vpf_model *m;
	struct vpf_pf *pf;
	struct vpf_mig *mig;	/* NULL: the layer does not support the
				 * dialect yet (1.4 only; @why says so) */
	uint16_t num_vfs;
	const struct bench_dialect *d;
	char why[192];
};

/* @return 0, or -1 with a message on stderr (nothing left to free). In the
 * 1.4 dialect a migration layer that refuses the PF (-ENOTSUP) leaves
 * r->mig NULL with the reason in r->why and is not an error. */
int bench_trig_up(struct bench_trig *r, const char *name, uint16_t num_vfs,
		  uint64_t seed, const struct bench_dialect *d);
/* As bench_trig_up(), the migration layer's journal in @journal_dir (NULL:
 * the default; "": no journal, for the metrics that show its cost). */
int bench_trig_up_journal(struct bench_trig *r, const char *name,
			  uint16_t num_vfs, uint64_t seed,
			  const struct bench_dialect *d,
			  const char *journal_dir);
void bench_trig_down(struct bench_trig *r);

/* bench_v14.c: the 1.4 dialect's serial and engine stop-copy. */
uint64_t bench_v14_serial(struct bench_trig *r, uint16_t n, uint8_t *buf,
			  size_t cap, uint64_t *bytes);
uint64_t bench_v14_engine(struct bench_trig *r, uint16_t n, uint8_t *buf,
			  uint32_t per_vf);

int bench_job(void);		/* poll_p99_us, poll_max_us, job_vs_blocking */
int bench_twoproc(void);	/* downtime_64vf_2proc_* */
int bench_oob(void);		/* oob_*: vpf-oob-plugin.so and two vpfd */

#endif /* VPF_BENCH_H */
