/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Stop-copy and downtime under the model's timing model: every admin command
 * takes BENCH_SERVICE_US, the device works on BENCH_CONCURRENCY commands at once, and
 * leaving Freeze costs BENCH_ACT_US per context field that differs from the
 * previously applied or written context. VFs have 8 queue pairs and a
 * simulated guest that keeps descriptors in flight.
 *
 * Stop-copy of 64 VFs (the device side of a VM's stop-and-copy phase):
 *  - serial: per VF, one command at a time, as the Linux driver does it:
 *    DEV_MODE_SET Freeze, DEV_CTX_SIZE_GET, one DEV_CTX_READ sized to the
 *    whole context (typed synchronous commands, vpf_admin_*);
 *  - pipelined: the migration API's concurrent path, every VF moved to
 *    STOP_COPY with vpf_mig_set_state_async() and the PF polled until all
 *    64 contexts are read;
 *  - bound: what the timing model allows for the same job, the 2 commands
 *    per VF the migration API's arc sends (Freeze, one CTX_READ; the
 *    pre-flight sized the buffer) spread over the device's concurrency,
 *    ceil(128 / 16) * 50 us, plus the context bytes at memcpy_gbps.
 *
 * Downtime (doc/migration.md §Migration driver: source MODE_SET Freeze
 * issued to destination MODE_SET Active completed, context transfer
 * included) of vpf_mig_migrate() with one precopy round, the guest
 * running between the round and stop-copy.
 * Source and destination VFs belong to one model PF (a pair may use the
 * same PF twice): this machine has two CPUs, and each timed model runs a
 * device thread (placed on the CPUs the driver does not poll on, where it
 * polls while idle: bench_pin.c), so two models share the device CPU. The
 * bound below counts the shared device. Each repetition also runs the
 * same migration with the destinations on a second model PF, as two
 * hosts' devices would be (downtime_64vf_2pf_*); its bound counts two
 * devices. (--two-pf, which used to put the one-PF metrics on two PFs, is
 * accepted and does nothing.)
 *  - downtime_1vf_us: 1 VF, precopy context written to the destination;
 *  - downtime_1vf_noprecopy_us: the same without precopy-to-destination
 *    (the round is read but not written: the destination applies the whole
 *    final context against its own state);
 *  - downtime_64vf_us: 64 VFs of one VM together, pipelined, with
 *    precopy-to-destination: first Freeze issued to last Active completed;
 *  - downtime_64vf_serial_us: the same, one VF after another (serial);
 *  - downtime_64vf_2pf_us: downtime_64vf_us with the destinations on a
 *    second model PF, taken right after it on fresh models;
 *    downtime_64vf_2pf_bound_us its bound, downtime_64vf_2pf_vs_bound the
 *    ratio of the medians;
 *  - downtime_64vf_bound_us: the timing model's lower bound for 64 VFs:
 *    the commands that must fall inside the downtime window (source Freeze
 *    and one CTX_READ, destination one CTX_WRITE and MODE_SET Active, i.e.
 *    4 per VF) plus each VF's activation cost (measured: fields that
 *    differed, from the model's counters), spread over the concurrency,
 *    but never less than one VF's chain (4 commands + its activation),
 *    plus the context bytes at memcpy_gbps.
 * Each repetition uses fresh models, so every destination starts from the
 * same state.
 *
 * --vfs N runs both groups with N VFs instead of 64 (the names stay; one
 * PF holds at most 256 VFs, so above 128 the one-PF downtime is skipped,
 * and a 1.4 model offers at most 255 device-parts objects of a kind: the
 * 1.4 groups run up to 255 VFs, its one-PF downtime up to 127). The
 * engine stop-copies keep more than a queue's command slots in flight by
 * submitting what found no slot after the next poll.
 *
 * Both groups run twice, once per dialect, with the same code (struct
 * bench_dialect); the 1.4 run's metrics carry the suffix "_v14". In 1.4:
 *  - serial: per VF MODE_SET stop, RESOURCE_OBJ_CREATE (GET),
 *    METADATA_GET SIZE and PARTS_GET ALL (vpf_admin_v14_parts_get() sends
 *    the two), RESOURCE_OBJ_DESTROY: 5 typed synchronous commands;
 *  - pipelined: the same migration API calls as in the draft;
 *  - bound: the 4 commands per VF the STOP -> STOP_COPY arc must send
 *    (MODE_SET stop, CREATE, SIZE, PARTS_GET; the DESTROY happens when
 *    the VF leaves STOP_COPY), ceil(256 / 16) * 50 us, plus the parts bytes
 *    at memcpy_gbps (D-BENCH14.2);
 *  - downtime: from the source's MODE_SET stop issued to the destination's
 *    MODE_SET resume completed; the bound counts the 5 commands per VF the
 *    window needs (source MODE_SET stop, SIZE, PARTS_GET; destination
 *    PARTS_SET, MODE_SET resume: bench_v14.window_*_cmds, D-BENCH14.3).
 *    The model charges no activation cost in 1.4 (a resume installs the
 *    parts set): the bound takes the activation from the model's counters
 *    as the draft's does, and they say 0. The guest ring state is not
 *    moved; a digest check proves each migration (D-BENCH14.4).
 * The 1.4 model offers BENCH_V14_OBJS objects of each kind (D-BENCH14.1).
 */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "vpf_mig.h"
#include "vpf_model.h"
#include "vpf_pf.h"

#include "bench.h"

#define NFLOOD		64u	/* commands in flight in timed_rate() */
#define GUEST_OPS	64u	/* workload steps per VF between phases */

const char *
bench_dname(char *buf, const struct bench_dialect *d, const char *base)
{
	snprintf(buf, BENCH_NAME_MAX, "%s%s", base, d->suffix);
	return buf;
}

int
bench_trig_up(struct bench_trig *r, const char *name, uint16_t num_vfs,
	      uint64_t seed, const struct bench_dialect *d)
{
	return bench_trig_up_journal(r, name, num_vfs, seed, d, NULL);
}

int
bench_trig_up_journal(struct bench_trig *r, const char *name,
		      uint16_t num_vfs, uint64_t seed,
		      const struct bench_dialect *d, const char *journal_dir)
{
	int logtype = -1, level = 0;
	struct vpf_model_params mp;
	struct vpf_pf_params pp;
	struct vpf_mig_params gp;

	memset(r, 0, sizeof(*r));
	r->d = d;
	vpf_model_params_init(&mp);
	mp.name = name;
	mp.num_vfs = num_vfs;
	mp.num_qp = BENCH_NUM_QP;
	mp.vq_size = BENCH_VQ_SIZE;
	mp.seed = seed;
	mp.guest_mem_size = 16u << 20;
	mp.threaded = true;
	mp.service_time_us = BENCH_SERVICE_US;
	mp.concurrency = BENCH_CONCURRENCY;
	mp.activation_us_per_field = BENCH_ACT_US;
	mp.dialect = d->id;
	if (d->id == VPF_DIALECT_V14_PARTS) {
		/* One object of a kind per VF at least, so that the limit
		 * never paces a run of --vfs up to the model's 255. */
		unsigned int objs = num_vfs > BENCH_V14_OBJS ? num_vfs :
				    BENCH_V14_OBJS;

		objs = objs > UINT8_MAX ? UINT8_MAX : objs;
		mp.parts_get_limit = (uint8_t)objs;
		mp.parts_set_limit = (uint8_t)objs;
	}
	r->m = bench_model_create(&mp);
	if (r->m == NULL) {
		fprintf(stderr, "vpf-bench: timed model: %s\n",
			vpf_last_error());
		return -1;
	}
	vpf_pf_params_init(&pp);
	pp.name = name;
	r->pf = vpf_pf_attach(&vpf_model_ops, r->m, &pp);
	if (r->pf == NULL) {
		fprintf(stderr, "vpf-bench: attach timed model: %s\n",
			vpf_last_error());
		goto fail;
	}
	r->num_vfs = vpf_pf_num_vfs(r->pf);
	vpf_mig_params_init(&gp);
	/* One DEV_CTX_READ per context, as the serial baseline does. */
	gp.chunk = 65536;
	gp.journal_dir = journal_dir;
	bench_pin_mig_params(&gp);
	if (journal_dir != NULL && journal_dir[0] == '\0') {
		/* Turned off on purpose: not the operator's warning. */
		logtype = rte_log_register("vpf.mig");
		if (logtype >= 0) {
			level = rte_log_get_level((uint32_t)logtype);
			(void)rte_log_set_level((uint32_t)logtype, RTE_LOG_ERR);
		}
	}
	r->mig = vpf_mig_attach(r->pf, &gp);
	if (logtype >= 0 && level > 0)
		(void)rte_log_set_level((uint32_t)logtype, (uint32_t)level);
	if (r->mig == NULL) {
		if (errno == ENOTSUP && d->id != VPF_DIALECT_DRAFT_2023) {
			/* The admin layer alone still measures the serial
			 * and engine paths. */
			snprintf(r->why, sizeof(r->why), "the migration API "
				 "refuses a %s PF: %s", d->label,
				 vpf_last_error());
			return 0;
		}
		fprintf(stderr, "vpf-bench: vpf_mig_attach: %s\n",
			vpf_last_error());
		goto fail;
	}
	return 0;
fail:
	vpf_pf_detach(r->pf);
	vpf_model_destroy(r->m);
	r->m = NULL;
	r->pf = NULL;
	return -1;
}

void
bench_trig_down(struct bench_trig *r)
{
	vpf_mig_detach(r->mig);
	vpf_pf_detach(r->pf);
	vpf_model_destroy(r->m);
}

static int
workload(struct bench_trig *r, uint16_t first, uint16_t n)
{
	for (uint16_t vf = first; vf < first + n; vf++)
		if (vpf_model_guest_step(r->m, vf, GUEST_OPS) != 0) {
			fprintf(stderr, "vpf-bench: guest step VF %u: %s\n",
				vf, vpf_last_error());
			return -1;
		}
	return 0;
}

/* Mean admin-command latency since the last call (verbose diagnostics). */
static double
mean_latency_us(struct bench_trig *r)
{
	static uint64_t sum0, cnt0;
	struct vpf_admin_stats st;
	double v;

	if (vpf_admin_stats_get(r->pf, 0, &st) != 0)
		return 0;
	v = st.lat_count > cnt0 ? (double)(st.lat_sum_ns - sum0) /
				  (double)(st.lat_count - cnt0) / 1e3 : 0;
	sum0 = st.lat_sum_ns;
	cnt0 = st.lat_count;
	return v;
}

static uint64_t
model_cmds(struct bench_trig *r)
{
	struct vpf_model_stats st;
	uint64_t n = 0;

	if (vpf_model_stats_get(r->m, 0, &st) != 0)
		return 0;
	for (unsigned int i = 0; i <= VPF_ADMIN_OP_MAX; i++)
		n += st.cmds[i];
	return n;
}

/* Verbose: the commands the model processed between two snapshots of its
 * counters, by opcode name (@d's dialect). */
static void
print_ops(const struct bench_dialect *d, const struct vpf_model_stats *s0,
	  const struct vpf_model_stats *s1)
{
	for (unsigned int op = 0; op <= VPF_ADMIN_OP_MAX; op++)
		if (s1->cmds[op] != s0->cmds[op])
			fprintf(stderr, " %s:%" PRIu64,
				d->id == VPF_DIALECT_V14_PARTS ?
				vpf_admin_v14_opcode_name((uint16_t)op) :
				vpf_admin_opcode_name((uint16_t)op),
				s1->cmds[op] - s0->cmds[op]);
	fprintf(stderr, "\n");
}

/* memcpy rate for the bounds, bytes per ns: this run's memcpy_gbps, or a
 * quick measurement if the ctx group was not run. */
static double
memcpy_bytes_per_ns(void)
{
	static double rate;
	double v;

	if (bench_metric_get("memcpy_gbps", &v))
		return v;
	if (rate == 0) {
		size_t len = 256u << 10;
		uint8_t *a = calloc(1, len), *b = calloc(1, len);
		uint64_t t0 = bench_now_ns(), t = t0, n = 0;

		if (a == NULL || b == NULL) {
			free(a);
			free(b);
			return 10;
		}
		while (t - t0 < 20000000) {
			memcpy(b, a, len);
			bench_sink(b);
			n++;
			t = bench_now_ns();
		}
		rate = (double)len * (double)n / (double)(t - t0);
		free(a);
		free(b);
	}
	return rate;
}

/* ---------------------------------------------------------------------------
 * Stop-copy
 * ------------------------------------------------------------------------- */

/* The Linux way: per VF, Freeze, SIZE_GET, one READ; one command at a
 * time. @bytes receives the context bytes read. Returns ns or 0. */
static uint64_t
draft_serial(struct bench_trig *r, uint16_t n, uint8_t *buf, size_t cap,
	     uint64_t *bytes)
{
	uint64_t t0, t1, ta, tb, tc, lat[3] = { 0, 0, 0 };

	*bytes = 0;
	t0 = bench_now_ns();
	for (uint16_t vf = 1; vf <= n; vf++) {
		uint64_t size;
		uint32_t len, got;
		int rc;

		ta = bench_now_ns();
		rc = vpf_admin_mode_set(r->pf, vf, VPF_DEV_MODE_FREEZE);
		tb = bench_now_ns();
		lat[0] += tb - ta;
		if (rc == 0)
			rc = vpf_admin_ctx_size_get(r->pf, vf, false, &size);
		tc = bench_now_ns();
		lat[1] += tc - tb;
		if (rc != 0) {
			fprintf(stderr, "vpf-bench: serial stop-copy VF %u: %s\n",
				vf, vpf_last_error());
			return 0;
		}
		/* One read with room to spare: a short chunk ends the
		 * context (doc/protocol.md §4.5). */
		len = (uint32_t)((size + 8) & ~(uint64_t)7);
		if (len > cap) {
			fprintf(stderr, "vpf-bench: context of %" PRIu64
				" bytes does not fit\n", size);
			return 0;
		}
		rc = vpf_admin_ctx_read_chunk(r->pf, vf, buf, len, &got);
		lat[2] += bench_now_ns() - tc;
		if (rc != 0 || got != size) {
			fprintf(stderr, "vpf-bench: serial CTX_READ VF %u: got "
				"%u of %" PRIu64 " bytes: %s\n", vf, got, size,
				rc ? vpf_last_error() : "short");
			return 0;
		}
		*bytes += got;
	}
	t1 = bench_now_ns();
	if (bench_opts.verbose)
		fprintf(stderr, "# serial stop-copy: mean round trip MODE_SET "
			"%.1f us, SIZE_GET %.1f us, CTX_READ %.1f us\n",
			(double)lat[0] / n / 1e3, (double)lat[1] / n / 1e3,
			(double)lat[2] / n / 1e3);
	/* Back to Active (not timed). */
	for (uint16_t vf = 1; vf <= n; vf++)
		if (vpf_admin_mode_set(r->pf, vf, VPF_DEV_MODE_ACTIVE) != 0) {
			fprintf(stderr, "vpf-bench: VF %u back to Active: %s\n",
				vf, vpf_last_error());
			return 0;
		}
	return t1 - t0;
}

struct async_count {
	unsigned int done;
	unsigned int failed;
};

static void
async_done(struct vpf_mig *m, uint16_t vf, int rc, void *arg)
{
	struct async_count *c = arg;

	c->done++;
	if (rc != 0) {
		c->failed++;
		fprintf(stderr, "vpf-bench: VF %u: %s\n", vf,
			vpf_mig_vf_error(m, vf));
	}
}

/* Move VFs 1..r->num_vfs to @target with the asynchronous state machine. */
static int
all_to_state(struct bench_trig *r, enum vpf_mig_state target)
{
	struct async_count c = { 0 };

	for (uint16_t vf = 1; vf <= r->num_vfs; vf++) {
		int rc = vpf_mig_set_state_async(r->mig, vf, target,
						 async_done, &c);

		if (rc != 0) {
			fprintf(stderr, "vpf-bench: VF %u to %s: %s\n", vf,
				vpf_mig_state_name(target), vpf_last_error());
			while (c.done < vf - 1u)
				if (vpf_mig_poll(r->mig) < 0)
					break;
			return -1;
		}
	}
	while (c.done < r->num_vfs)
		if (vpf_mig_poll(r->mig) < 0) {
			fprintf(stderr, "vpf-bench: vpf_mig_poll: %s\n",
				vpf_last_error());
			return -1;
		}
	return c.failed ? -1 : 0;
}

static uint64_t
stopcopy_pipelined(struct bench_trig *r, uint8_t *buf, size_t cap,
		   uint64_t *bytes, uint64_t *cmds)
{
	uint64_t t0, t1, c0 = model_cmds(r);
	struct vpf_model_stats s0, s1;
	uint16_t *vfs = calloc(r->num_vfs, sizeof(*vfs));
	int rc;

	/* As a VMM does when its migration begins, while the VFs run (1.4:
	 * the stop marks' journal write; nothing on a draft PF): not part
	 * of the stop-copy (D-BENCH14.6). */
	if (vfs == NULL)
		return 0;
	for (uint16_t vf = 1; vf <= r->num_vfs; vf++)
		vfs[vf - 1] = vf;
	rc = vpf_mig_stop_prepare(r->mig, vfs, r->num_vfs);
	free(vfs);
	if (rc != 0)
		fprintf(stderr, "vpf-bench: stop_prepare: %s\n",
			vpf_last_error());
	(void)mean_latency_us(r);
	(void)vpf_model_stats_get(r->m, 0, &s0);
	t0 = bench_now_ns();
	if (all_to_state(r, VPF_MIG_STATE_STOP_COPY) != 0)
		return 0;
	t1 = bench_now_ns();
	if (bench_opts.verbose) {
		(void)vpf_model_stats_get(r->m, 0, &s1);
		fprintf(stderr, "# pipelined stop-copy%s: mean command latency "
			"%.1f us; commands by opcode:", r->d->suffix,
			mean_latency_us(r));
		print_ops(r->d, &s0, &s1);
	}
	*cmds = model_cmds(r) - c0;
	/* Drain the save streams (what the VMM does next; not timed). */
	*bytes = 0;
	for (uint16_t vf = 1; vf <= r->num_vfs; vf++) {
		size_t got;

		do {
			if (vpf_mig_save_read(r->mig, vf, buf, cap, &got) != 0) {
				fprintf(stderr, "vpf-bench: save_read VF %u: "
					"%s\n", vf, vpf_last_error());
				return 0;
			}
			*bytes += got;
		} while (got > 0);
	}
	if (all_to_state(r, VPF_MIG_STATE_RUNNING) != 0)
		return 0;
	return t1 - t0;
}

/* The same job as the pipelined path, straight on the async admin engine
 * (no migration layer): per VF Freeze, then one CTX_READ of the whole
 * context, all VFs in flight. Tells the engine's share from the
 * migration layer's. */
struct eng_vf {
	struct vpf_admin_cmd c;
	uint8_t *buf;
	uint32_t len;
	int stage;
	bool pending;	/* the READ waits for a free command slot */
	uint32_t got;
};

struct eng {
	struct vpf_pf *pf;
	unsigned int done;
	unsigned int failed;
	unsigned int pending;	/* VFs whose READ waits for a slot */
	struct eng_vf vf[];	/* one per VF */
};

static void
eng_done(struct vpf_admin_cmd *c)
{
	struct eng *e = c->arg;
	struct eng_vf *v = (struct eng_vf *)c;
	uint16_t vf = (uint16_t)(1 + (v - e->vf));

	if (c->rc != 0) {
		e->failed++;
		e->done++;
		return;
	}
	if (v->stage == 0) {
		int rc;

		v->stage = 1;
		vpf_admin_prep_ctx_read(c, vf, v->buf, v->len);
		rc = vpf_admin_submit(e->pf, c);
		if (rc == -EBUSY) {
			/* More VFs than slots: draft_engine() submits it
			 * after its next poll. */
			v->pending = true;
			e->pending++;
		} else if (rc != 0) {
			e->failed++;
			e->done++;
		}
		return;
	}
	v->got = c->output;
	e->done++;
}

static uint64_t
draft_engine(struct bench_trig *r, uint16_t n, uint8_t *buf, uint32_t per_vf)
{
	struct eng *e = calloc(1, sizeof(*e) + (size_t)n * sizeof(e->vf[0]));
	uint64_t t0 = 0, t1 = 0;
	unsigned int started = 0;

	if (e == NULL)
		return 0;
	e->pf = r->pf;
	(void)mean_latency_us(r);
	t0 = bench_now_ns();
	for (uint16_t i = 0; i < n; i++) {
		struct eng_vf *v = &e->vf[i];

		v->buf = buf + (size_t)i * per_vf;
		v->len = per_vf;
		vpf_admin_prep_mode_set(&v->c, (uint16_t)(i + 1),
					VPF_DEV_MODE_FREEZE);
		v->c.done = eng_done;
		v->c.arg = e;
		if (bench_submit(r->pf, &v->c) != 0) {
			fprintf(stderr, "vpf-bench: submit: %s\n",
				vpf_last_error());
			goto drain;
		}
		started++;
	}
	vpf_admin_kick(r->pf);
	while (e->done < n) {
		if (vpf_admin_poll(r->pf) < 0)
			goto out;
		for (uint16_t i = 0; i < n && e->pending > 0; i++) {
			struct eng_vf *v = &e->vf[i];
			int rc;

			if (!v->pending)
				continue;
			rc = vpf_admin_submit(r->pf, &v->c);
			if (rc == -EBUSY)
				break;
			v->pending = false;
			e->pending--;
			if (rc != 0) {
				e->failed++;
				e->done++;
			}
		}
	}
	t1 = bench_now_ns();
	if (bench_opts.verbose)
		fprintf(stderr, "# engine stop-copy: mean command latency "
			"%.1f us\n", mean_latency_us(r));
	if (e->failed) {
		fprintf(stderr, "vpf-bench: engine stop-copy: %u VFs failed\n",
			e->failed);
		t1 = 0;
		goto out;
	}
	for (uint16_t vf = 1; vf <= n; vf++)
		if (vpf_admin_mode_set(r->pf, vf, VPF_DEV_MODE_ACTIVE) != 0) {
			t1 = 0;
			goto out;
		}
	goto out;
drain:
	/* Nothing in flight may outlive @e. */
	while (e->done < started)
		if (vpf_admin_poll(r->pf) < 0)
			break;
	t1 = 0;
out:
	free(e);
	return t1 ? t1 - t0 : 0;
}

/* Throughput of the timed device with 64 DEV_MODE_GETs kept in flight:
 * the ideal is concurrency / service time (320000 cmd/s). */
struct flood {
	struct vpf_pf *pf;
	uint64_t left;
	uint64_t done;
	uint64_t failed;
	uint8_t mode[NFLOOD];
	struct vpf_admin_cmd c[NFLOOD];
};

static void
flood_done(struct vpf_admin_cmd *c)
{
	struct flood *f = c->arg;
	size_t i = (size_t)(c - f->c);

	f->done++;
	if (c->rc != 0)
		f->failed++;
	if (f->left > 0) {
		f->left--;
		vpf_admin_prep_mode_get(c, (uint16_t)(1 + i), &f->mode[i]);
		if (vpf_admin_submit(f->pf, c) != 0)
			f->failed++;
	}
}

static double
timed_rate(struct bench_trig *r, uint64_t n)
{
	struct flood *f = calloc(1, sizeof(*f));
	uint64_t t0, t1, started = 0;
	double rate = 0;

	if (f == NULL)
		return 0;
	f->pf = r->pf;
	f->left = n - NFLOOD;
	t0 = bench_now_ns();
	for (size_t i = 0; i < NFLOOD; i++) {
		vpf_admin_prep_mode_get(&f->c[i], (uint16_t)(1 + i), &f->mode[i]);
		f->c[i].done = flood_done;
		f->c[i].arg = f;
		if (vpf_admin_submit(r->pf, &f->c[i]) != 0)
			goto out;
		started++;
	}
	while (f->done < n && f->failed == 0)
		if (vpf_admin_poll(r->pf) < 0)
			goto out;
	t1 = bench_now_ns();
	if (f->failed == 0)
		rate = (double)n * 1e9 / (double)(t1 - t0);
out:
	while (f->done < started && vpf_admin_poll(r->pf) >= 0)
		;
	free(f);
	return rate;
}

/* Round trip of one command under the timing model, one at a time (the
 * service time is the ideal). Median, us. */
static double
timed_latency_us(struct bench_trig *r, unsigned int n)
{
	double *v = calloc(n, sizeof(double));
	double med = 0;

	if (v == NULL)
		return 0;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t t0 = bench_now_ns();
		uint8_t mode;

		if (vpf_admin_mode_get(r->pf, (uint16_t)(1 + i % NFLOOD),
				       &mode) != 0) {
			free(v);
			return 0;
		}
		v[i] = (double)(bench_now_ns() - t0) / 1e3;
	}
	med = bench_median(v, n);
	free(v);
	return med;
}

/* Repetitions of a group in dialect @d: with --quick the 1.4 run takes
 * fewer (the test command runs --quick). */
static unsigned int
group_reps(const struct bench_dialect *d)
{
	unsigned int reps = bench_opts.reps;

	if (bench_opts.quick && d != &bench_draft && reps > 1)
		reps = (reps + 1) / 2;
	return reps;
}

static void
metric(const struct bench_dialect *d, const char *base, double v)
{
	char n[BENCH_NAME_MAX];

	bench_metric(bench_dname(n, d, base), v);
}

static double
metric_samples(const struct bench_dialect *d, const char *base, double *v,
	       size_t cnt)
{
	char n[BENCH_NAME_MAX];

	return bench_metric_samples(bench_dname(n, d, base), v, cnt);
}

static void
skip(const struct bench_dialect *d, const char *const *bases, size_t cnt,
     const char *why)
{
	char n[BENCH_NAME_MAX];

	for (size_t i = 0; i < cnt; i++)
		bench_skip(bench_dname(n, d, bases[i]), why);
}

/* The timed model's command latency and rate (one DEV_MODE_GET at a time,
 * 64 in flight): properties of the model, measured once (draft). */
static int
timed_cmd_metrics(struct bench_trig *r)
{
	struct bench_trig own;
	double lat;
	int ret = -1;

	/* 64 commands in flight, one per VF: a PF of fewer VFs (--vfs)
	 * lends its place to one of 64. */
	if (r->num_vfs < NFLOOD) {
		if (bench_trig_up_journal(&own, "timed-rate", NFLOOD, 1,
					  &bench_draft, "") != 0)
			return -1;
		r = &own;
	}
	lat = timed_latency_us(r, bench_opts.quick ? 50 : 400);
	if (lat == 0)
		goto out;
	bench_metric("timed_cmd_latency_us", lat);
	lat = timed_rate(r, bench_opts.quick ? 2000 : 20000);
	if (lat == 0)
		goto out;
	bench_metric("timed_cmd_rate_qd64", lat);
	bench_metric("timed_cmd_rate_ideal",
		     BENCH_CONCURRENCY * 1e6 / BENCH_SERVICE_US);
	ret = 0;
out:
	if (r == &own)
		bench_trig_down(&own);
	return ret;
}

/* Every metric of the stop-copy group of a dialect (for a --vfs it
 * cannot run). */
static const char *const stopcopy_names[] = {
	"stopcopy_64vf_serial_ms", "stopcopy_64vf_pipelined_ms",
	"stopcopy_speedup", "stopcopy_bound_ms", "stopcopy_pipelined_vs_bound",
	"stopcopy_64vf_pipelined_nojournal_ms", "stopcopy_64vf_engine_ms",
	"stopcopy_64vf_serial_ideal_ms",
};

static const char *const stopcopy_pipelined_names[] = {
	"stopcopy_64vf_pipelined_ms", "stopcopy_speedup",
	"stopcopy_pipelined_vs_bound", "stopcopy_64vf_pipelined_nojournal_ms",
};

static int
stopcopy_group(const struct bench_dialect *d)
{
	unsigned int reps = group_reps(d);
	uint16_t nvf = bench_opts.nvf;
	size_t cap = 65536;
	double *ser = calloc(reps, sizeof(double));
	double *pip = calloc(reps, sizeof(double));
	double *spd = calloc(reps, sizeof(double));
	double *eng = calloc(reps, sizeof(double));
	double *pnj = calloc(reps, sizeof(double));
	uint8_t *buf = malloc(cap);
	uint8_t *ebuf = malloc((size_t)nvf * 16384);
	uint64_t ctx_bytes = 0, stream_bytes = 0, pcmds = 0;
	struct bench_trig r, rn;
	int ret = -1;

	rn.m = NULL;
	if (nvf > d->max_vfs) {
		char why[160];

		snprintf(why, sizeof(why), "--vfs %u: %s", nvf, d->max_vfs_why);
		bench_note("stopcopy%s: not measured: %s", d->suffix, why);
		skip(d, stopcopy_names, sizeof(stopcopy_names) /
		     sizeof(stopcopy_names[0]), why);
		ret = 0;
		goto out_free;
	}
	if (ser == NULL || pip == NULL || spd == NULL || buf == NULL ||
	    eng == NULL || ebuf == NULL || pnj == NULL)
		goto out_free;
	if (bench_trig_up(&r, "timed", nvf, 1, d) != 0)
		goto out_free;
	/* The same PF without the migration layer's journal: what the
	 * journal's writes in the window cost (1.4 journals each stop before
	 * sending it, doc/migration.md). */
	if (r.mig != NULL &&
	    bench_trig_up_journal(&rn, "timed-nj", nvf, 1, d, "") != 0) {
		rn.m = NULL;
		goto out;
	}
	if (d == &bench_draft && timed_cmd_metrics(&r) != 0)
		goto out;
	if (r.mig == NULL)
		bench_note("stopcopy%s: pipelined way not measured: %s",
			   d->suffix, r.why);
	for (unsigned int i = 0; i < reps; i++) {
		struct vpf_model_stats st[4];
		uint64_t ns;

		if (workload(&r, 1, nvf) != 0)
			goto out;
		(void)vpf_model_stats_get(r.m, 0, &st[0]);
		ns = d->serial(&r, nvf, buf, cap, &ctx_bytes);
		if (ns == 0)
			goto out;
		ser[i] = (double)ns / 1e6;
		(void)vpf_model_stats_get(r.m, 0, &st[1]);
		if (r.mig != NULL) {
			if (workload(&r, 1, nvf) != 0)
				goto out;
			ns = stopcopy_pipelined(&r, buf, cap, &stream_bytes,
						&pcmds);
			if (ns == 0)
				goto out;
			pip[i] = (double)ns / 1e6;
			spd[i] = ser[i] / pip[i];
			if (workload(&rn, 1, nvf) != 0)
				goto out;
			ns = stopcopy_pipelined(&rn, buf, cap, &stream_bytes,
						&pcmds);
			if (ns == 0)
				goto out;
			pnj[i] = (double)ns / 1e6;
		}
		if (workload(&r, 1, nvf) != 0)
			goto out;
		(void)vpf_model_stats_get(r.m, 0, &st[2]);
		ns = d->engine(&r, nvf, ebuf, 16384);
		if (ns == 0)
			goto out;
		eng[i] = (double)ns / 1e6;
		(void)vpf_model_stats_get(r.m, 0, &st[3]);
		if (bench_opts.verbose && i == 0) {
			/* Resuming (not timed) included. */
			fprintf(stderr, "# stopcopy%s serial way, commands by "
				"opcode:", d->suffix);
			print_ops(d, &st[0], &st[1]);
			fprintf(stderr, "# stopcopy%s engine, commands by "
				"opcode:", d->suffix);
			print_ops(d, &st[2], &st[3]);
		}
		if (bench_opts.verbose)
			fprintf(stderr, "# stopcopy%s rep %u: serial %.3f ms "
				"pipelined %.3f ms (%" PRIu64 " cmds; without "
				"the journal %.3f ms), engine %.3f ms\n",
				d->suffix, i, ser[i], pip[i], pcmds, pnj[i],
				eng[i]);
	}
	{
		double p;
		double cmds = (double)d->serial_cmds * nvf;
		unsigned int bcmds = d->stop_cmds * nvf;
		double rounds = (double)((bcmds + BENCH_CONCURRENCY - 1) /
					 BENCH_CONCURRENCY);
		double bound = rounds * BENCH_SERVICE_US / 1e3 +
			       (double)ctx_bytes / memcpy_bytes_per_ns() / 1e6;

		metric_samples(d, "stopcopy_64vf_serial_ms", ser, reps);
		metric(d, "stopcopy_bound_ms", bound);
		if (r.mig != NULL) {
			p = metric_samples(d, "stopcopy_64vf_pipelined_ms",
					   pip, reps);
			metric_samples(d, "stopcopy_speedup", spd, reps);
			metric(d, "stopcopy_pipelined_vs_bound", p / bound);
			metric_samples(d, "stopcopy_64vf_pipelined_nojournal_ms",
				       pnj, reps);
		} else {
			skip(d, stopcopy_pipelined_names,
			     sizeof(stopcopy_pipelined_names) /
			     sizeof(stopcopy_pipelined_names[0]), r.why);
		}
		metric_samples(d, "stopcopy_64vf_engine_ms", eng, reps);
		metric(d, "stopcopy_64vf_serial_ideal_ms",
		       cmds * BENCH_SERVICE_US / 1e3);
		bench_note("stopcopy%s: %u VFs: %.0f commands in the serial "
			   "way (%s), %u in the bound, %" PRIu64 " in the "
			   "pipelined one; %" PRIu64 " %s bytes (%" PRIu64
			   " per VF), %" PRIu64 " stream bytes", d->suffix,
			   nvf, cmds, d->serial_what,
			   bcmds, pcmds, ctx_bytes,
			   d == &bench_draft ? "context" : "parts",
			   ctx_bytes / nvf, stream_bytes);
	}
	ret = 0;
out:
	if (rn.m != NULL)
		bench_trig_down(&rn);
	bench_trig_down(&r);
out_free:
	free(buf);
	free(ebuf);
	free(eng);
	free(pnj);
	free(ser);
	free(pip);
	free(spd);
	return ret;
}

int
bench_stopcopy(void)
{
	int ret = stopcopy_group(&bench_draft);

	if (stopcopy_group(&bench_v14) != 0)
		ret = -1;
	return ret;
}

/* ---------------------------------------------------------------------------
 * Downtime
 * ------------------------------------------------------------------------- */

struct dt_arg {
	struct bench_trig *r;
	uint16_t first;
	uint16_t n;
	int rc;
	struct vpf_model *src_m;	/* models of the pairs' sides */
	struct vpf_model *dst_m;
	/* Both models' counters after the precopy round (and the guest's
	 * steps), after stop-copy and after the resume (verbose). */
	struct vpf_model_stats ph[3];
	unsigned int ph_mask;
};

/* The counters of the models on both sides (each model once). */
static void
dt_stats(const struct dt_arg *a, struct vpf_model_stats *st)
{
	struct vpf_model_stats d;

	memset(st, 0, sizeof(*st));
	(void)vpf_model_stats_get(a->src_m, 0, st);
	if (a->dst_m == a->src_m ||
	    vpf_model_stats_get(a->dst_m, 0, &d) != 0)
		return;
	for (unsigned int op = 0; op <= VPF_ADMIN_OP_MAX; op++)
		st->cmds[op] += d.cmds[op];
}

/* The guest keeps running on the sources after each precopy round. */
static int
dt_progress(const struct vpf_mig_progress *p, void *arg)
{
	struct dt_arg *a = arg;
	int k = -1;

	if (p->phase == VPF_MIG_PHASE_PRECOPY && workload(a->r, a->first,
							  a->n) != 0)
		a->rc = -1;
	if (!bench_opts.verbose)
		return 0;
	if (p->phase == VPF_MIG_PHASE_PRECOPY)
		k = 0;
	else if (p->phase == VPF_MIG_PHASE_STOP_COPY)
		k = 1;
	else if (p->phase == VPF_MIG_PHASE_RESUME)
		k = 2;
	if (k >= 0) {
		dt_stats(a, &a->ph[k]);
		a->ph_mask |= 1u << k;
	}
	return 0;
}

/* After a migration: every destination VF holds its source's migratable
 * state (the model's digests: the context in the draft, the parts in
 * 1.4). The guest does not continue on the destinations here, so in 1.4
 * the rings' positions (guest memory, not device state) are not moved
 * (D-BENCH14.4). */
static int
dt_check(const struct dt_arg *a, const struct vpf_mig_pair *pairs,
	 uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		uint8_t ds[32], dd[32];

		if (vpf_model_digest(a->src_m, pairs[i].src_vf, ds) != 0 ||
		    vpf_model_digest(a->dst_m, pairs[i].dst_vf, dd) != 0 ||
		    memcmp(ds, dd, sizeof(ds)) != 0) {
			fprintf(stderr, "vpf-bench: VF %u -> VF %u: the "
				"destination's state is not the source's\n",
				pairs[i].src_vf, pairs[i].dst_vf);
			return -1;
		}
	}
	return 0;
}

struct dt_sample {
	double downtime_us;
	double act_us_sum;	/* activation cost of all pairs, us */
	double act_us_max;	/* largest per VF (estimate: mean) */
	uint64_t ctx_bytes;
	uint64_t cmds;
};

/* Migrate VFs 1..n to VFs n+1..2n of one fresh timed model of dialect
 * @d, or with @two_pf to VFs 1..n of a second one. 1 (with the reason in
 * @why) when the migration layer refuses the dialect. */
static int
downtime_run(const struct bench_dialect *d, uint16_t n, bool two_pf,
	     bool to_dst, bool serial, bool journal, uint64_t seed,
	     struct dt_sample *out, char *why, size_t why_len)
{
	const char *jd = journal ? NULL : "";
	struct vpf_mig_pair *pairs = calloc(n, sizeof(*pairs));
	struct vpf_model_stats s0, s1;
	struct vpf_mig_result res;
	struct vpf_mig_opts o;
	struct dt_arg a;
	struct bench_trig r, r2, *dr = &r;
	uint64_t c0;
	int ret = -1, rc;

	if (pairs == NULL)
		return -1;
	if (bench_trig_up_journal(&r, "timed",
				  (uint16_t)(two_pf ? n : 2 * n),
				  seed, d, jd) != 0) {
		free(pairs);
		return -1;
	}
	if (two_pf) {
		if (bench_trig_up_journal(&r2, "timed", n, seed + 1000, d,
					  jd) != 0) {
			bench_trig_down(&r);
			free(pairs);
			return -1;
		}
		dr = &r2;
	}
	if (r.mig == NULL || dr->mig == NULL) {
		snprintf(why, why_len, "%s", r.mig == NULL ? r.why : dr->why);
		ret = 1;
		goto out;
	}
	if (workload(&r, 1, n) != 0)
		goto out;
	for (uint16_t i = 0; i < n; i++) {
		pairs[i].src = r.mig;
		pairs[i].src_vf = (uint16_t)(1 + i);
		pairs[i].dst = dr->mig;
		pairs[i].dst_vf = (uint16_t)(dr == &r ? 1 + n + i : 1 + i);
	}
	vpf_mig_opts_init(&o);
	o.precopy_rounds = 1;
	o.precopy_to_dst = to_dst;
	o.serial = serial;
	o.chunk = 65536;
	a.r = &r;
	a.first = 1;
	a.n = n;
	a.rc = 0;
	a.src_m = r.m;
	a.dst_m = dr->m;
	a.ph_mask = 0;
	o.progress = dt_progress;
	o.arg = &a;
	if (vpf_model_stats_get(dr->m, 0, &s0) != 0)
		goto out;
	c0 = model_cmds(&r) + (dr != &r ? model_cmds(dr) : 0);
	rc = vpf_mig_migrate(&o, pairs, n, &res);
	if (rc == -ENOTSUP && d != &bench_draft) {
		/* The migration driver does not do this dialect (yet). */
		snprintf(why, why_len, "vpf_mig_migrate() refuses %s PFs: %.120s",
			 d->label, pairs[0].error[0] ? pairs[0].error :
			 vpf_last_error());
		ret = 1;
		goto out;
	}
	if (rc != 0 || a.rc != 0) {
		fprintf(stderr, "vpf-bench: migrate %u VFs: %s\n", n,
			rc ? (pairs[0].error[0] ? pairs[0].error :
			      vpf_last_error()) : "workload failed");
		goto out;
	}
	if (dt_check(&a, pairs, n) != 0)
		goto out;
	if (vpf_model_stats_get(dr->m, 0, &s1) != 0)
		goto out;
	out->downtime_us = (double)res.downtime_ns / 1e3;
	out->act_us_sum = (double)(s1.fields_applied_diff -
				   s0.fields_applied_diff) * BENCH_ACT_US;
	out->act_us_max = out->act_us_sum / n;
	out->ctx_bytes = 0;
	for (uint16_t i = 0; i < n; i++)
		out->ctx_bytes += pairs[i].ctx_bytes;
	if (n == 1)
		out->downtime_us = (double)pairs[0].downtime_ns / 1e3;
	out->cmds = model_cmds(&r) + (dr != &r ? model_cmds(dr) : 0) - c0;
	if (bench_opts.verbose) {
		fprintf(stderr, "# migrate%s %u VFs%s%s%s: phases (ms)",
			d->suffix, n, two_pf ? " to a second PF" : "",
			serial ? " serial" : "",
			to_dst ? "" : " no-precopy-to-dst");
		for (int ph = 0; ph < VPF_MIG_PHASE_MAX; ph++)
			fprintf(stderr, " %s %.3f", vpf_mig_phase_name(ph),
				(double)res.phase_ns[ph] / 1e6);
		fprintf(stderr, "; %s commands by opcode:",
			dr == &r ? "source and destination" : "destination");
		print_ops(d, &s0, &s1);
		if (a.ph_mask == 7u) {
			/* What the downtime window holds: the stop-copy and
			 * resume phases, both sides. */
			fprintf(stderr, "#   stop-copy phase, both sides:");
			print_ops(d, &a.ph[0], &a.ph[1]);
			fprintf(stderr, "#   resume phase, both sides:");
			print_ops(d, &a.ph[1], &a.ph[2]);
		}
	}
	ret = 0;
out:
	if (dr != &r)
		bench_trig_down(dr);
	bench_trig_down(&r);
	free(pairs);
	return ret;
}

/* The timing model's lower bound for migrating @x's n VFs (us). Window per
 * VF: d->window_src_cmds on the source (draft: Freeze and one CTX_READ),
 * d->window_dst_cmds on the destination (draft: one CTX_WRITE and MODE_SET
 * Active) plus its activation. One device: all of it shares the
 * concurrency. Two devices: the destination's work cannot start before the
 * first VF's source commands completed, the last VF's destination commands
 * and activation follow the source's last. */
static double
downtime_bound_us(const struct bench_dialect *d, const struct dt_sample *x,
		  unsigned int n, bool two_pf)
{
	double s = BENCH_SERVICE_US, c = BENCH_CONCURRENCY;
	double ns = d->window_src_cmds, nd = d->window_dst_cmds;
	double chain = (ns + nd) * s + x->act_us_max;
	double b;

	if (!two_pf) {
		b = ((ns + nd) * n * s + x->act_us_sum) / c;
	} else {
		double src = ns * n * s / c;
		double dst = (nd * n * s + x->act_us_sum) / c;
		double t1 = src + nd * s + x->act_us_max;
		double t2 = ns * s + dst;

		b = t1 > t2 ? t1 : t2;
	}
	if (b < chain)
		b = chain;
	return b + (double)x->ctx_bytes / memcpy_bytes_per_ns() / 1e3;
}

/* What a dialect's downtime group sets (the draft's extras: the 1-VF run
 * without precopy-to-destination and the activation parts). */
static const char *const downtime_names[] = {
	"downtime_1vf_us", "downtime_64vf_us", "downtime_64vf_serial_us",
	"downtime_64vf_bound_us", "downtime_64vf_vs_bound",
	"downtime_64vf_serial_vs_pipelined", "downtime_64vf_nojournal_us",
	"downtime_64vf_2pf_us", "downtime_64vf_2pf_bound_us",
	"downtime_64vf_2pf_vs_bound",
};

/* The n-VF metrics whose sources and destinations share one PF. */
static const char *const downtime_1pf_names[] = {
	"downtime_64vf_us", "downtime_64vf_serial_us",
	"downtime_64vf_bound_us", "downtime_64vf_vs_bound",
	"downtime_64vf_serial_vs_pipelined", "downtime_64vf_nojournal_us",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Samples of one repetition of the n-VF runs. */
enum {
	DT_PIP,		/* one PF, pipelined */
	DT_2PF,		/* two PFs, pipelined */
	DT_SER,		/* one PF, serial */
	DT_NJ,		/* one PF, pipelined, no journal */
	DT_KINDS
};

static int
downtime_group(const struct bench_dialect *d)
{
	unsigned int reps = group_reps(d);
	uint16_t nvf = bench_opts.nvf;
	/* n sources and n destinations on one PF fit the model? In 1.4 a
	 * pair on one PF takes two GET objects (source and destination
	 * VF), of at most 255. */
	bool one_pf = 2u * nvf <= BENCH_MODEL_MAX_VFS &&
		      (d->id != VPF_DIALECT_V14_PARTS || 2u * nvf <= UINT8_MAX);
	/* 1-VF runs are short and noisy next to the 90 us that
	 * precopy-to-destination saves: take 4x the samples (2x when
	 * quick). They do not depend on --vfs: a scaling run leaves them
	 * out. */
	unsigned int r1 = bench_opts.scaling ? 0 :
			  (bench_opts.quick ? 2 : 4) * reps;
	unsigned int nv = d->noprecopy_runs ? 2 : 1;	/* variants */
	struct dt_sample *s1 = calloc(2 * (size_t)r1 + 1, sizeof(*s1));
	struct dt_sample *sn = calloc(DT_KINDS * (size_t)reps, sizeof(*sn));
	double *v = calloc(r1 + reps, sizeof(double));
	double *b = calloc(reps, sizeof(double));
	double *b2 = calloc(reps, sizeof(double));
	char why[192];
	double med[DT_KINDS], bound;
	int ret = -1, rc;

	if (s1 == NULL || sn == NULL || v == NULL || b == NULL || b2 == NULL)
		goto out;
	if (nvf > d->max_vfs) {
		snprintf(why, sizeof(why), "--vfs %u: %s", nvf,
			 d->max_vfs_why);
		goto refused;
	}
	for (unsigned int i = 0; i < r1; i++) {
		/* Alternate the two so that both see the same load. */
		for (unsigned int k = 0; k < nv; k++) {
			rc = downtime_run(d, 1, false, k == 0, false, true,
					  100 + i, &s1[2 * i + k], why,
					  sizeof(why));
			if (rc == 1)
				goto refused;
			if (rc != 0)
				goto out;
		}
		if (bench_opts.verbose && nv == 2)
			fprintf(stderr, "# downtime%s 1 VF rep %u: %.0f us, "
				"without precopy-to-dst %.0f us\n", d->suffix,
				i, s1[2 * i].downtime_us,
				s1[2 * i + 1].downtime_us);
		else if (bench_opts.verbose)
			fprintf(stderr, "# downtime%s 1 VF rep %u: %.0f us\n",
				d->suffix, i, s1[2 * i].downtime_us);
	}
	for (unsigned int i = 0; i < reps; i++) {
		struct dt_sample *x = &sn[DT_KINDS * i];

		/* Pipelined on one PF and on two, serial, and pipelined
		 * without the migration layer's journal (what its writes
		 * cost the window); the same seed, fresh models. */
		for (unsigned int k = 0; k < DT_KINDS; k++) {
			if (k != DT_2PF && !one_pf)
				continue;
			rc = downtime_run(d, nvf, k == DT_2PF, true,
					  k == DT_SER, k != DT_NJ, 200 + i,
					  &x[k], why, sizeof(why));
			if (rc == 1)
				goto refused;
			if (rc != 0)
				goto out;
		}
		if (one_pf)
			b[i] = downtime_bound_us(d, &x[DT_PIP], nvf, false);
		b2[i] = downtime_bound_us(d, &x[DT_2PF], nvf, true);
		if (bench_opts.verbose)
			fprintf(stderr, "# downtime%s %u VFs rep %u: one PF "
				"%.0f us (bound %.0f us, activation %.0f us), "
				"serial %.0f us, without the journal %.0f us; "
				"two PFs %.0f us (bound %.0f us, activation "
				"%.0f us)\n", d->suffix, nvf, i,
				x[DT_PIP].downtime_us, b[i],
				x[DT_PIP].act_us_sum, x[DT_SER].downtime_us,
				x[DT_NJ].downtime_us, x[DT_2PF].downtime_us,
				b2[i], x[DT_2PF].act_us_sum);
	}
	for (unsigned int k = 0; k < 2 && r1 > 0; k++) {
		if (k >= nv)
			break;
		for (unsigned int i = 0; i < r1; i++)
			v[i] = s1[2 * i + k].downtime_us;
		metric_samples(d, k ? "downtime_1vf_noprecopy_us" :
			       "downtime_1vf_us", v, r1);
	}
	/* The activation part of the 1-VF downtimes, from the model's
	 * counters: what precopy-to-destination saves, without the timing
	 * noise of the commands around it. */
	for (unsigned int k = 0; k < nv && d->noprecopy_runs && r1 > 0; k++) {
		for (unsigned int i = 0; i < r1; i++)
			v[i] = s1[2 * i + k].act_us_sum;
		metric_samples(d, k ? "downtime_1vf_noprecopy_activation_us" :
			       "downtime_1vf_activation_us", v, r1);
	}
	for (unsigned int k = 0; k < DT_KINDS; k++) {
		static const char *const name[DT_KINDS] = {
			[DT_PIP] = "downtime_64vf_us",
			[DT_2PF] = "downtime_64vf_2pf_us",
			[DT_SER] = "downtime_64vf_serial_us",
			[DT_NJ] = "downtime_64vf_nojournal_us",
		};

		if (k != DT_2PF && !one_pf)
			continue;
		for (unsigned int i = 0; i < reps; i++)
			v[i] = sn[DT_KINDS * i + k].downtime_us;
		med[k] = metric_samples(d, name[k], v, reps);
	}
	if (one_pf) {
		bound = metric_samples(d, "downtime_64vf_bound_us", b, reps);
		metric(d, "downtime_64vf_vs_bound", med[DT_PIP] / bound);
		metric(d, "downtime_64vf_serial_vs_pipelined",
		       med[DT_SER] / med[DT_PIP]);
	} else {
		if (2u * nvf > BENCH_MODEL_MAX_VFS)
			snprintf(why, sizeof(why), "--vfs %u: one model PF "
				 "holds at most %u VFs, not %u sources and %u "
				 "destinations (the two-PF metrics measure %u "
				 "VFs)", nvf, BENCH_MODEL_MAX_VFS, nvf, nvf,
				 nvf);
		else
			snprintf(why, sizeof(why), "--vfs %u: %u pairs on one "
				 "1.4 PF need %u GET objects, the model offers "
				 "255 (the two-PF metrics measure %u VFs)", nvf,
				 nvf, 2u * nvf, nvf);
		skip(d, downtime_1pf_names, NELEM(downtime_1pf_names), why);
		bench_note("downtime%s: one PF not measured: %s", d->suffix,
			   why);
	}
	bound = metric_samples(d, "downtime_64vf_2pf_bound_us", b2, reps);
	metric(d, "downtime_64vf_2pf_vs_bound", med[DT_2PF] / bound);
	bench_note("downtime%s: %u VFs: activation %.0f us in all on two PFs "
		   "(%.0f on one), %" PRIu64 " %s bytes, %" PRIu64
		   " commands (whole migration, two PFs), %u + %u per VF in "
		   "the window", d->suffix, nvf, sn[DT_2PF].act_us_sum,
		   one_pf ? sn[DT_PIP].act_us_sum : NAN,
		   sn[DT_2PF].ctx_bytes,
		   d == &bench_draft ? "context" : "parts", sn[DT_2PF].cmds,
		   d->window_src_cmds, d->window_dst_cmds);
	ret = 0;
	goto out;
refused:
	bench_note("downtime%s: not measured: %s", d->suffix, why);
	skip(d, downtime_names, NELEM(downtime_names), why);
	ret = 0;
out:
	free(s1);
	free(sn);
	free(v);
	free(b);
	free(b2);
	return ret;
}

int
bench_downtime(void)
{
	int ret = downtime_group(&bench_draft);

	if (downtime_group(&bench_v14) != 0)
		ret = -1;
	return ret;
}

/* ---------------------------------------------------------------------------
 * The dialects
 * ------------------------------------------------------------------------- */

const struct bench_dialect bench_draft = {
	.id = VPF_DIALECT_DRAFT_2023,
	.suffix = "",
	.label = "draft",
	.serial = draft_serial,
	.engine = draft_engine,
	.serial_cmds = 3,
	/* MODE_SET Freeze and one CTX_READ: what the migration API's arc
	 * and the engine path send (the pre-flight sized the buffer, so no
	 * SIZE_GET in the arc). It counted the serial way's 3 until the
	 * timed model stopped queueing its own CPU time: the pipelined path
	 * then read 0.83 of that "bound" (D-PERF.1). */
	.stop_cmds = 2,
	.window_src_cmds = 2,
	.window_dst_cmds = 2,
	.serial_what = "MODE_SET Freeze, CTX_SIZE_GET, CTX_READ",
	.noprecopy_runs = true,
	.max_vfs = BENCH_MODEL_MAX_VFS,
	.max_vfs_why = "",
};

const struct bench_dialect bench_v14 = {
	.id = VPF_DIALECT_V14_PARTS,
	.suffix = "_v14",
	.label = "1.4",
	.serial = bench_v14_serial,
	.engine = bench_v14_engine,
	.serial_cmds = 5,
	.stop_cmds = 4,
	/* D-BENCH14.3: MODE_SET stop, METADATA_GET SIZE, PARTS_GET ALL on
	 * the source (its GET object lives from precopy on), PARTS_SET and
	 * MODE_SET resume on the destination. */
	.window_src_cmds = 3,
	.window_dst_cmds = 2,
	.serial_what = "MODE_SET stop, OBJ_CREATE, METADATA_GET SIZE, "
		       "PARTS_GET ALL, OBJ_DESTROY",
	.noprecopy_runs = false,
	.max_vfs = UINT8_MAX,
	.max_vfs_why = "the 1.4 model offers at most 255 device-parts "
		       "objects of a kind per PF, one per VF in flight",
};
