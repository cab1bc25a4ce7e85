/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * vpf-soak: a seeded, reproducible reliability campaign over software model
 * PFs (doc/reliability.md). Many migrations under random faults, cancels,
 * broken transports and owner restarts; after every operation the
 * invariants I1-I6 are checked against a ledger of where each simulated
 * guest lives and what its state digest must be.
 *
 *   vpf-soak [--seconds N | --count N] [--seed S]
 *            [--dialect seed-2023|1.4|both] [--json] [--replay FILE]
 *            [--log FILE] [-v]
 *
 * Output: one "name value unit" line per figure (or one JSON document).
 * Exit 0: no violation; 1: a violation (seed, operation and the operation
 * log on stderr and in --log FILE); 2: usage.
 */


#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vpf_mig.h"
#include "vpf_mig_job.h"
#include "vpf_mig_xport.h"
#include "vpf_model.h"
#include "vpf_pf.h"

#include <rte_log.h>

#if defined(__SANITIZE_ADDRESS__)
#define SOAK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SOAK_ASAN 1
#endif
#endif
#ifndef SOAK_ASAN
#define SOAK_ASAN 0
#endif

#define NVF		8u		/* VFs per PF, one guest per VF number */
#define NSIDE		2u
#define MEM		(8u << 20)	/* guest memory per VF */
#define CMD_TIMEOUT_US	20000u		/* what a hang costs, per command */
#define OP_WALL_NS	(30ull * 1000000000ull)	/* an operation's bound */
#define LOG_LINES	256u

/* ---------------------------------------------------------------------------
 * PRNG (splitmix64): every choice of an operation is drawn before it runs,
 * so outcomes never change the sequence.
 * ------------------------------------------------------------------------- */

static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t
rndn(uint64_t *s, uint32_t n)
{
	return n ? (uint32_t)(rnd(s) % n) : 0;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------------------
 * Counters
 * ------------------------------------------------------------------------- */

struct counts {
	uint64_t ops;
	uint64_t migrations;		/* pairs attempted */
	uint64_t succeeded;		/* pairs whose guest moved */
	uint64_t failed_clean;		/* pairs whose guest stayed, intact */
	uint64_t jobs;
	uint64_t xport_jobs;
	uint64_t faults[VPF_MODEL_FAULT_MAX];
	uint64_t cancels;
	uint64_t transport_breaks;
	uint64_t transport_silences;	/* of those: the peer went silent */
	uint64_t owner_restarts;
	uint64_t mid_restarts;		/* restarts mid-migration */
	uint64_t dirty_runs;
	uint64_t dirty_refused;		/* 1.4: -ENOTSUP as documented */
	uint64_t reported_failed_moved;	/* rc != 0, guest moved (documented) */
	uint64_t operator_resumes;	/* -ENOTCONN sources resumed */
	uint64_t vf_recoveries;		/* VFs a fault left stopped, recovered */
	uint64_t wr_stop_retries;	/* recording a fault left on, stopped */
	uint64_t reclaims;		/* migrated-away VFs reused as dst */
	uint64_t v14_pending_applied;	/* D-MIG14 known limit seen */
	uint64_t refused_start;		/* job refused before sending */
	uint64_t violations;
};

static struct counts tot;
/* A half still running when the other finished (ended by the close). */
static uint64_t closed_by_peer_exit;

/* ---------------------------------------------------------------------------
 * Options, log
 * ------------------------------------------------------------------------- */

static struct {
	double seconds;
	uint64_t count;
	uint64_t seed;
	int dialect;		/* 0 draft, 1 1.4, 2 both */
	bool json;
	bool verbose;
	const char *log;
	const char *plant;
	char journal[256];
} opt = { .count = 200, .seed = 1, .dialect = 2 };

static char oplog[LOG_LINES][256];
static uint64_t oplog_n;
static uint64_t cur_op;
static const char *cur_dialect = "";

static void
logop(const char *fmt, ...)
{
	va_list ap;
	char *l = oplog[oplog_n % LOG_LINES];

	va_start(ap, fmt);
	vsnprintf(l, sizeof(oplog[0]), fmt, ap);
	va_end(ap);
	oplog_n++;
	if (opt.verbose)
		fprintf(stderr, "%s\n", l);
}

static bool violated;

static void
dump_log(FILE *f, const char *inv, const char *why)
{
	uint64_t i = oplog_n > LOG_LINES ? oplog_n - LOG_LINES : 0;

	fprintf(f, "# vpf-soak violation %s: %s\n", inv, why);
	fprintf(f, "# replay: seed %" PRIu64 " dialect %s op %" PRIu64 "\n",
		opt.seed, cur_dialect, cur_op);
	for (; i < oplog_n; i++)
		fprintf(f, "%s\n", oplog[i % LOG_LINES]);
}

/* A violation: counted, reported once, and the run stops. */
static void
violation(const char *inv, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	tot.violations++;
	logop("  VIOLATION %s: %s", inv, why);
	if (violated)
		return;
	violated = true;
	dump_log(stderr, inv, why);
	if (opt.log != NULL) {
		FILE *f = fopen(opt.log, "w");

		if (f != NULL) {
			dump_log(f, inv, why);
			fclose(f);
		}
	}
}

static bool in_warmup;

static bool
planted(const char *name)
{
	return !in_warmup && opt.plant != NULL &&
	       strcmp(opt.plant, name) == 0;
}

/* ---------------------------------------------------------------------------
 * Sides and ledger
 * ------------------------------------------------------------------------- */

enum vfrole { R_FREE = 0, R_HOST, R_AWAY };

struct vfl {
	enum vfrole role;
	uint8_t digest[32];	/* expected (HOST, FREE) */
};

struct side {
	struct vpf_model *model;
	struct vpf_pf *pf;
	struct vpf_mig *mig;
	char name[16];
	struct vfl vf[NVF + 1];
};

static struct side sides[NSIDE];
static enum vpf_dialect dialect;
static bool v14;

static int
dig(struct side *s, uint16_t vf, uint8_t d[32])
{
	return vpf_model_digest(s->model, vf, d);
}

static int
side_attach(struct side *s)
{
	struct vpf_pf_params pp;
	struct vpf_mig_params gp;

	vpf_pf_params_init(&pp);
	pp.name = s->name;
	pp.cmd_timeout_us = CMD_TIMEOUT_US;
	pp.reset_timeout_us = 50000;
	pp.retry_backoff_us = 1;
	s->pf = vpf_pf_attach(&vpf_model_ops, s->model, &pp);
	if (s->pf == NULL) {
		fprintf(stderr, "vpf-soak: %s: attach: %s\n", s->name,
			vpf_last_error());
		return -1;
	}
	vpf_mig_params_init(&gp);
	gp.journal_dir = opt.journal;
	/* A crashing owner restores nothing (D-SOAK.3). */
	gp.restore_on_detach = false;
	gp.recover_orphans = true;
	s->mig = vpf_mig_attach(s->pf, &gp);
	if (s->mig == NULL) {
		fprintf(stderr, "vpf-soak: %s: mig attach: %s\n", s->name,
			vpf_last_error());
		return -1;
	}
	return 0;
}

static int
side_up(struct side *s, unsigned int idx, uint64_t seed)
{
	struct vpf_model_params mp;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "soak%c", 'A' + idx);
	vpf_model_params_init(&mp);
	mp.name = s->name;
	mp.num_vfs = NVF;
	mp.num_qp = 2;
	mp.seed = seed;
	mp.guest_mem_size = MEM;
	mp.dialect = dialect;
	mp.parts_get_limit = 2 * NVF;
	mp.parts_set_limit = 2 * NVF;
	s->model = vpf_model_create(&mp);
	if (s->model == NULL) {
		fprintf(stderr, "vpf-soak: model: %s\n", vpf_last_error());
		return -1;
	}
	return side_attach(s);
}

static void
side_down(struct side *s)
{
	if (s->mig != NULL) {
		(void)vpf_mig_journal_remove(s->mig);
		vpf_mig_detach(s->mig);
	}
	if (s->pf != NULL)
		vpf_pf_detach(s->pf);
	vpf_model_destroy(s->model);
	memset(s, 0, sizeof(*s));
}

/* ---------------------------------------------------------------------------
 * Invariant checks
 * ------------------------------------------------------------------------- */

/* I3 (and I4): every VF is RUNNING and Active unless the ledger says its
 * guest migrated away, then stopped and marked/journaled. */
static void
check_all(void)
{
	unsigned int si;
	uint16_t vf;

	for (si = 0; si < NSIDE; si++) {
		struct side *s = &sides[si];

		for (vf = 1; vf <= NVF; vf++) {
			struct vpf_mig_vf_info vi;
			uint8_t mode = 0xff;
			uint8_t d[32];
			bool rec = false;

			if (vpf_model_vf_mode(s->model, vf, &mode) != 0 ||
			    vpf_mig_vf_info_get(s->mig, vf, &vi) != 0) {
				violation("I3", "%s vf %u: mode unreadable",
					  s->name, vf);
				return;
			}
			if (vi.dirty_tracking) {
				violation("I4", "%s vf %u: write recording left "
					  "running", s->name, vf);
				return;
			}
			/* The device's own view too (D-SOAK.11). */
			if (vpf_model_wr_recording(s->model, vf, &rec) == 0 &&
			    rec) {
				violation("I4", "%s vf %u: the device still "
					  "records writes; the library says "
					  "it stopped", s->name, vf);
				return;
			}
			if (s->vf[vf].role == R_AWAY) {
				if (mode == VPF_DEV_MODE_ACTIVE ||
				    !(vi.complete || vi.journal)) {
					violation("I1", "%s vf %u: migrated away "
						  "but mode %u complete %d "
						  "journal %d", s->name, vf,
						  mode, vi.complete, vi.journal);
					return;
				}
				continue;
			}
			if (mode != VPF_DEV_MODE_ACTIVE ||
			    vi.state != VPF_MIG_STATE_RUNNING) {
				violation("I3", "%s vf %u: %s (mode %u) but its "
					  "guest did not migrate away", s->name,
					  vf, vpf_mig_state_name(vi.state), mode);
				return;
			}
			if (dig(s, vf, d) != 0 ||
			    memcmp(d, s->vf[vf].digest, 32) != 0) {
				violation("I2",
					  "%s vf %u (%s): digest differs from "
					  "the ledger", s->name, vf,
					  s->vf[vf].role == R_HOST ? "guest" :
					  "free");
				return;
			}
		}
	}
}

/* Step every guest that runs (between operations). */
static void
step_guests(uint64_t *st)
{
	unsigned int si;
	uint16_t vf;

	for (si = 0; si < NSIDE; si++)
		for (vf = 1; vf <= NVF; vf++) {
			struct side *s = &sides[si];
			uint32_t n = rndn(st, 40);

			if (s->vf[vf].role != R_HOST || n == 0)
				continue;
			(void)vpf_model_guest_step(s->model, vf, n);
			(void)dig(s, vf, s->vf[vf].digest);
		}
}

/* The ledger says VF @p vf of @p s runs; put a migrated-away VF back to
 * running so that it can be a destination (D-SOAK.2). */
static int
reclaim(struct side *s, uint16_t vf)
{
	int rc;

	if (s->vf[vf].role != R_AWAY)
		return 0;
	rc = getenv("VPF_SOAK_RECLAIM_SET") ?
	     vpf_mig_set_state(s->mig, vf, VPF_MIG_STATE_RUNNING) :
	     vpf_mig_recover(s->mig, vf);
	if (rc != 0) {
		violation("I3", "%s vf %u: cannot reclaim: %s", s->name, vf,
			  vpf_last_error());
		return rc;
	}
	tot.reclaims++;
	s->vf[vf].role = R_FREE;
	(void)dig(s, vf, s->vf[vf].digest);
	{
		struct vpf_mig_vf_info vi;

		(void)vpf_mig_vf_info_get(s->mig, vf, &vi);
		logop("  reclaim %s vf %u (rc %d, orig_mode %u moved %d)",
		      s->name, vf, rc, vi.orig_mode, vi.moved);
	}
	return 0;
}

/* ---------------------------------------------------------------------------
 * Owner restart
 * ------------------------------------------------------------------------- */

static void
restart_side(struct side *s)
{
	struct vpf_mig_orphan orph[NVF + 1];
	int n, i;

	/* A restarted owner: the old layer dies without restoring. */
	vpf_mig_detach(s->mig);
	s->mig = NULL;
	vpf_pf_detach(s->pf);
	s->pf = NULL;
	tot.owner_restarts++;
	if (side_attach(s) != 0) {
		violation("I3", "%s: re-attach failed", s->name);
		return;
	}
	n = vpf_mig_orphans(s->mig, orph, NVF + 1);
	for (i = 0; i < n && i <= (int)NVF; i++) {
		uint16_t vf = orph[i].vf;
		bool away = vf >= 1 && vf <= NVF && s->vf[vf].role == R_AWAY;

		logop("  restart %s vf %u: %s", s->name, vf,
		      vpf_mig_orphan_fate_name(orph[i].fate));
		if (away && orph[i].fate != VPF_MIG_ORPHAN_MIGRATED)
			violation("I1", "%s vf %u migrated away; the restarted "
				  "owner says %s", s->name, vf,
				  vpf_mig_orphan_fate_name(orph[i].fate));
		if (!away && orph[i].fate != VPF_MIG_ORPHAN_RESUMED &&
		    orph[i].fate != VPF_MIG_ORPHAN_STALE)
			violation("I3", "%s vf %u: the restarted owner left it "
				  "%s", s->name, vf,
				  vpf_mig_orphan_fate_name(orph[i].fate));
	}
}

/* ---------------------------------------------------------------------------
 * Transport with breakage
 * ------------------------------------------------------------------------- */

/* XB_SILENT is not drawn on its own (that would change every recorded
 * seed's sequence): an eighth of the closes become silences (D-SOAK.13). */
enum xbreak { XB_NONE = 0, XB_CUT_SEND, XB_CORRUPT, XB_CLOSE_RECV, XB_MAX,
	      XB_SILENT = XB_MAX };
static const char *const xbreak_name[] = { "none", "cut", "corrupt",
					   "close", "silent" };
/* The halves' peer timeout here: short, so that a silent peer ends its
 * operation quickly; their PINGs keep a live one connected (the halves
 * are polled in turn without a pause). */
#define SOAK_PEER_TIMEOUT_MS	500u

struct bx {
	struct vpf_mig_fd_xport fx;
	struct vpf_mig_xport x;
	int fd;
	enum xbreak mode;
	uint64_t off;		/* break after this many bytes */
	/* Counted apart: a sending end also receives (acknowledgements),
	 * and the send limit is off - tx, which must never wrap. */
	uint64_t tx;		/* bytes the transport took */
	uint64_t rx;		/* bytes it gave */
	bool broken;
	bool hit;
};

static ssize_t
bx_send(void *ctx, const void *buf, size_t len)
{
	struct bx *b = ctx;
	uint8_t tmp[65536];
	ssize_t n;

	if (b->broken)
		return -EPIPE;
	if (b->mode == XB_SILENT && b->hit)
		return (ssize_t)len;
	if (b->mode == XB_CUT_SEND && len > b->off - b->tx) {
		len = (size_t)(b->off - b->tx);
		if (len == 0) {
			shutdown(b->fd, SHUT_RDWR);
			b->broken = true;
			b->hit = true;
			return -EPIPE;
		}
	}
	if (b->mode == XB_CORRUPT && !b->hit && len > b->off - b->tx) {
		if (len > sizeof(tmp))
			len = sizeof(tmp);
		memcpy(tmp, buf, len);
		if (b->off - b->tx < len) {
			tmp[b->off - b->tx] ^= 0x5a;
			n = b->fx.x.send(b->fx.x.ctx, tmp, len);
			if (n > (ssize_t)(b->off - b->tx))
				b->hit = true;
			if (n > 0)
				b->tx += (uint64_t)n;
			return n;
		}
	}
	n = b->fx.x.send(b->fx.x.ctx, buf, len);
	if (n > 0)
		b->tx += (uint64_t)n;
	return n;
}

static ssize_t
bx_recv(void *ctx, void *buf, size_t len)
{
	struct bx *b = ctx;
	ssize_t n;

	if (b->broken)
		return -ENODATA;
	if (b->mode == XB_SILENT && b->rx >= b->off) {
		/* The peer's host is gone without a word: nothing comes in
		 * again, and what this end sends is lost. */
		b->hit = true;
		return 0;
	}
	if (b->mode == XB_CLOSE_RECV && b->rx >= b->off) {
		shutdown(b->fd, SHUT_RDWR);
		b->broken = true;
		b->hit = true;
		return -ENODATA;
	}
	n = b->fx.x.recv(b->fx.x.ctx, buf, len);
	if (n > 0)
		b->rx += (uint64_t)n;
	return n;
}

static int
bx_init(struct bx *b, int fd, enum xbreak mode, uint64_t off)
{
	memset(b, 0, sizeof(*b));
	if (vpf_mig_xport_fd_init(&b->fx, fd, fd) != 0)
		return -1;
	b->fd = fd;
	b->mode = mode;
	b->off = off;
	b->x.send = bx_send;
	b->x.recv = bx_recv;
	b->x.ctx = b;
	return 0;
}

/* ---------------------------------------------------------------------------
 * One operation
 * ------------------------------------------------------------------------- */

enum opkind { K_JOB = 0, K_XPORT, K_MID_RESTART, K_RESTART, K_MAX };
static const char *const kind_name[] = { "job", "xport", "mid-restart",
					 "restart" };

struct plan {
	enum opkind kind;
	unsigned int src;		/* source side */
	uint16_t vfs[NVF];
	unsigned int n;
	uint32_t precopy;
	bool dirty;
	enum vpf_model_fault_kind fault;
	uint32_t fault_count;
	uint32_t fault_param;
	unsigned int fault_pair;
	bool fault_dst;
	uint32_t fault_at;		/* poll number */
	uint32_t cancel_at;		/* 0: none */
	bool cancel_dst;
	enum xbreak xb;
	uint64_t xb_off;
	bool restart_after;
	uint32_t cut;			/* mid-restart cut point 1..4 */
	uint32_t pc_steps;		/* guest ops per precopy round */
	uint32_t budget;
};

/* State of a running operation, for the callbacks. */
struct opctx {
	struct plan *p;
	struct side *s;
	struct side *d;
	unsigned int done_reports;	/* PHASE_DONE progress, source side */
	unsigned int done_reports_dst;
	unsigned int before_resume[NVF];
	unsigned int async_done;
	int async_rc;
};

static int
cb_progress(const struct vpf_mig_progress *pr, void *arg)
{
	struct opctx *c = arg;
	unsigned int i;

	if (pr->phase == VPF_MIG_PHASE_DONE) {
		c->done_reports++;
		if (planted("dup-done"))
			c->done_reports++;
	}
	if (pr->phase == VPF_MIG_PHASE_PRECOPY && c->p->pc_steps)
		for (i = 0; i < c->p->n; i++) {
			uint16_t vf = c->p->vfs[i];

			(void)vpf_model_guest_step(c->s->model, vf,
						   c->p->pc_steps);
			(void)dig(c->s, vf, c->s->vf[vf].digest);
		}
	return 0;
}

static int
cb_progress_dst(const struct vpf_mig_progress *pr, void *arg)
{
	struct opctx *c = arg;

	if (pr->phase == VPF_MIG_PHASE_DONE)
		c->done_reports_dst++;
	return 0;
}

static int
cb_before_resume(const struct vpf_mig_pair *pp, void *arg)
{
	struct opctx *c = arg;
	unsigned int i = 0;

	/* Pairs join VF g of one PF to VF g of the other: find the pair
	 * by its VF (a half may pass its own copy of the pair). */
	while (i < c->p->n && c->p->vfs[i] != pp->dst_vf)
		i++;
	if (i == c->p->n)
		return -EINVAL;
	c->before_resume[i]++;
	if (!v14)
		return 0;
	return vpf_model_guest_ring_move(c->s->model, c->p->vfs[i],
					 c->d->model, pp->dst_vf);
}

static void
cb_async(struct vpf_mig *m, uint16_t vf, int rc, void *arg)
{
	struct opctx *c = arg;

	(void)m;
	(void)vf;
	c->async_done++;
	c->async_rc = rc;
	if (planted("dup-async"))
		c->async_done++;
}

/* Judge pair i after a job: where does the guest live now? */
static void
judge_pair(struct opctx *c, unsigned int i, int src_rc, int dst_rc,
	   bool faulted)
{
	struct side *s = c->s, *d = c->d;
	uint16_t vf = c->p->vfs[i];
	struct vpf_mig_vf_info si, di;
	uint8_t sd[32], dd[32];
	uint8_t smode = 0xff, dmode = 0xff;
	bool on_dst;

	tot.migrations++;
	if (vpf_mig_vf_info_get(s->mig, vf, &si) != 0 ||
	    vpf_mig_vf_info_get(d->mig, vf, &di) != 0 ||
	    vpf_model_vf_mode(s->model, vf, &smode) != 0 ||
	    vpf_model_vf_mode(d->model, vf, &dmode) != 0 ||
	    dig(s, vf, sd) != 0 || dig(d, vf, dd) != 0) {
		violation("I3", "vf %u: cannot read its state", vf);
		return;
	}
	/* -ENOTCONN: the commit point passed without an answer (source
	 * stopped, journaled). The operator knows from the destination
	 * whether the guest runs there (D-SOAK.4). */
	/* Does the guest run on the destination? What a hypervisor asks
	 * the destination host; here: Active with the source's state. */
	on_dst = dmode == VPF_DEV_MODE_ACTIVE &&
		 memcmp(dd, s->vf[vf].digest, 32) == 0;
	if (si.state != VPF_MIG_STATE_RUNNING && (si.complete || si.journal) &&
	    on_dst && di.state != VPF_MIG_STATE_RUNNING) {
		/* The destination runs (its activation was misreported and
		 * the mode could not be re-read): the operator adopts it,
		 * the documented way for a destination known to run the
		 * guest (vpf_mig_adopt(), D-SOAK.4). */
		tot.vf_recoveries++;
		int rrc = vpf_mig_adopt(d->mig, vf);

		logop("  %s vf %u: %s but Active on the device: adopt rc %d%s%s",
		      d->name, vf, vpf_mig_state_name(di.state), rrc,
		      rrc ? ": " : "", rrc ? vpf_last_error() : "");
		(void)vpf_mig_vf_info_get(d->mig, vf, &di);
		(void)vpf_model_vf_mode(d->model, vf, &dmode);
		(void)dig(d, vf, dd);
	}
	if (src_rc == -ENOTCONN && si.state != VPF_MIG_STATE_RUNNING &&
	    !on_dst) {
		tot.operator_resumes++;
		logop("  pair %u: -ENOTCONN, destination did not activate: "
		      "operator resumes the source", i);
		if (vpf_mig_abort(s->mig, vf) != 0) {
			violation("I2", "%s vf %u: operator abort failed: %s",
				  s->name, vf, vpf_last_error());
			return;
		}
		(void)vpf_mig_vf_info_get(s->mig, vf, &si);
		(void)vpf_model_vf_mode(s->model, vf, &smode);
	}
	if (si.state == VPF_MIG_STATE_RUNNING) {
		/* The guest stayed: I2. */
		if (planted("step-src")) {
			(void)vpf_model_guest_step(s->model, vf, 7);
			(void)dig(s, vf, sd);
		}
		if (memcmp(sd, s->vf[vf].digest, 32) != 0) {
			violation("I2", "%s vf %u: migration failed (rc %d) and "
				  "the source's state changed", s->name, vf,
				  src_rc);
			return;
		}
		if (smode != VPF_DEV_MODE_ACTIVE) {
			violation("I2", "%s vf %u: RUNNING but mode %u",
				  s->name, vf, smode);
			return;
		}
		if (di.state != VPF_MIG_STATE_RUNNING &&
		    (faulted || src_rc == -ENOTCONN)) {
			/* A device fault may leave the destination in
			 * ERROR or stopped ("stays stopped"): recover. */
			tot.vf_recoveries++;
			logop("  %s vf %u: %s after a fault: recover", d->name,
			      vf, vpf_mig_state_name(di.state));
			if (vpf_mig_reset(d->mig, vf) != 0)
				(void)vpf_mig_abort(d->mig, vf);
			(void)dig(d, vf, dd);
		}
		if (memcmp(dd, d->vf[vf].digest, 32) != 0) {
			if (dmode == VPF_DEV_MODE_ACTIVE &&
			    memcmp(dd, s->vf[vf].digest, 32) == 0)
				violation("I2", "%s vf %u -> %s: the guest runs "
					  "on both sides (applied twice): "
					  "source rc %d, destination rc %d",
					  s->name, vf, d->name, src_rc, dst_rc);
			else
				violation("I2", "%s vf %u: migration failed "
					  "(rc %d/%d) and the destination's "
					  "state changed (%s, mode %u, its "
					  "digest %s the source's)", d->name,
					  vf, src_rc, dst_rc,
					  vpf_mig_state_name(di.state), dmode,
					  memcmp(dd, sd, 32) == 0 ? "equals" :
					  "differs from");
			return;
		}
		if (src_rc == 0)
			violation("I2", "vf %u: job said success, source runs",
				  vf);
		tot.failed_clean++;
		return;
	}
	if (si.complete || si.journal) {
		/* The guest moved: I1. */
		if (planted("step-dst")) {
			(void)vpf_model_guest_step(d->model, vf, 7);
			(void)dig(d, vf, dd);
		}
		if (planted("resume-src")) {
			(void)vpf_mig_set_state(s->mig, vf,
						VPF_MIG_STATE_RUNNING);
			(void)vpf_model_vf_mode(s->model, vf, &smode);
		}
		if (memcmp(dd, s->vf[vf].digest, 32) != 0) {
			violation("I1", "%s vf %u -> %s: destination digest "
				  "differs from the source's at stop time",
				  s->name, vf, d->name);
			return;
		}
		if (smode == VPF_DEV_MODE_ACTIVE) {
			violation("I1", "%s vf %u: source resumed after its "
				  "guest migrated", s->name, vf);
			return;
		}
		if (di.state != VPF_MIG_STATE_RUNNING ||
		    dmode != VPF_DEV_MODE_ACTIVE) {
			violation("I1", "%s vf %u: destination %s mode %u",
				  d->name, vf, vpf_mig_state_name(di.state),
				  dmode);
			return;
		}
		if (src_rc != 0)
			tot.reported_failed_moved++;
		tot.succeeded++;
		memcpy(d->vf[vf].digest, s->vf[vf].digest, 32);
		d->vf[vf].role = R_HOST;
		s->vf[vf].role = R_AWAY;
		return;
	}
	if (faulted) {
		/* A device fault left the source stopped or in ERROR: the
		 * documented way back (vpf_mig_reset / vpf_mig_abort). */
		tot.vf_recoveries++;
		logop("  %s vf %u: %s after a fault: recover", s->name, vf,
		      vpf_mig_state_name(si.state));
		if (vpf_mig_reset(s->mig, vf) != 0 &&
		    vpf_mig_abort(s->mig, vf) != 0) {
			violation("I3", "%s vf %u: left %s, not recoverable: %s",
				  s->name, vf, vpf_mig_state_name(si.state),
				  vpf_last_error());
			return;
		}
		(void)dig(s, vf, sd);
		if (memcmp(sd, s->vf[vf].digest, 32) != 0)
			violation("I2", "%s vf %u: state lost after recovery",
				  s->name, vf);
		if (di.state != VPF_MIG_STATE_RUNNING &&
		    vpf_mig_reset(d->mig, vf) != 0)
			(void)vpf_mig_abort(d->mig, vf);
		tot.failed_clean++;
		return;
	}
	violation("I3", "%s vf %u: left %s (rc %d) without a fault, guest "
		  "neither here nor there", s->name, vf,
		  vpf_mig_state_name(si.state), src_rc);
}

/* After an operation with a fault: write recording the library could not
 * stop (its STOP command failed) is stopped again with the documented
 * call; I4 then demands it stopped (D-SOAK.9). */
static void
wr_stop_sweep(struct opctx *c)
{
	struct side *t[2] = { c->s, c->d };
	unsigned int k;
	uint16_t vf;

	for (k = 0; k < 2; k++)
		for (vf = 1; vf <= NVF; vf++) {
			struct vpf_mig_vf_info vi;
			int rc;

			if (vpf_mig_vf_info_get(t[k]->mig, vf, &vi) != 0 ||
			    !vi.dirty_tracking || vi.busy)
				continue;
			rc = vpf_mig_dirty_stop(t[k]->mig, vf);
			tot.wr_stop_retries++;
			logop("  %s vf %u: write recording still on after a "
			      "fault: stopped again (rc %d)", t[k]->name, vf,
			      rc);
		}
}

static void
maybe_fault(struct opctx *c, uint32_t polls, bool *faulted)
{
	struct plan *p = c->p;
	struct side *t;

	if (p->fault == VPF_MODEL_FAULT_NONE || polls != p->fault_at ||
	    *faulted)
		return;
	t = p->fault_dst ? c->d : c->s;
	if (vpf_model_fault_inject(t->model, p->vfs[p->fault_pair], p->fault,
				   p->fault_count, p->fault_param) == 0) {
		*faulted = true;
		tot.faults[p->fault]++;
		logop("  fault %s x%u on %s vf %u at poll %u",
		      vpf_model_fault_name(p->fault), p->fault_count, t->name,
		      p->vfs[p->fault_pair], polls);
	}
}

static void
fill_opts(struct vpf_mig_opts *o, struct plan *p, struct opctx *c)
{
	vpf_mig_opts_init(o);
	o->precopy_rounds = p->precopy;
	o->precopy_to_dst = p->precopy > 0;
	o->dirty = p->dirty;
	o->progress = cb_progress;
	o->arg = c;
	o->before_resume = cb_before_resume;
}

static void
run_job(struct plan *p)
{
	struct opctx c = { .p = p, .s = &sides[p->src],
			   .d = &sides[1 - p->src] };
	struct vpf_mig_pair pairs[NVF];
	struct vpf_mig_opts o;
	struct vpf_mig_job *job = NULL;
	struct vpf_mig_result res;
	bool faulted = false;
	uint32_t polls = 0;
	uint64_t t0;
	unsigned int i;
	int rc;

	memset(pairs, 0, sizeof(pairs));
	for (i = 0; i < p->n; i++) {
		pairs[i].src = c.s->mig;
		pairs[i].src_vf = p->vfs[i];
		pairs[i].dst = c.d->mig;
		pairs[i].dst_vf = p->vfs[i];
	}
	fill_opts(&o, p, &c);
	rc = vpf_mig_job_start(&o, pairs, p->n, &job);
	if (rc != 0) {
		if (v14 && p->dirty && rc == -ENOTSUP) {
			tot.dirty_refused++;
			logop("  dirty refused (-ENOTSUP), as documented");
			p->dirty = false;
			o.dirty = false;
			rc = vpf_mig_job_start(&o, pairs, p->n, &job);
		}
		if (rc != 0) {
			tot.refused_start++;
			logop("  job refused: %d %s", rc, vpf_last_error());
			return;
		}
	}
	tot.jobs++;
	if (p->dirty)
		tot.dirty_runs++;
	t0 = now_ns();
	while (!vpf_mig_job_done(job)) {
		maybe_fault(&c, polls, &faulted);
		if (p->cancel_at && polls == p->cancel_at) {
			vpf_mig_job_cancel(job);
			tot.cancels++;
			logop("  cancel at poll %u", polls);
		}
		(void)vpf_mig_job_poll(job, p->budget);
		polls++;
		if (now_ns() - t0 > OP_WALL_NS) {
			violation("I6", "job not done after 30 s");
			break;
		}
	}
	rc = vpf_mig_job_finish(job, &res);
	vpf_model_fault_clear(c.s->model);
	vpf_model_fault_clear(c.d->model);
	logop("  job rc %d after %u polls: ok %u failed %u", rc, polls, res.ok,
	      res.failed);
	if (c.done_reports > 1)
		violation("I6", "PHASE_DONE reported %u times",
			  c.done_reports);
	for (i = 0; i < p->n && !violated; i++) {
		if (c.before_resume[i] > 1)
			violation("I6", "before_resume of pair %u called %u "
				  "times", i, c.before_resume[i]);
		if (pairs[i].rc != 0)
			logop("  pair %u vf %u rc %d: %s", i, p->vfs[i],
			      pairs[i].rc, pairs[i].error);
		judge_pair(&c, i, pairs[i].rc, pairs[i].rc, faulted);
	}
	if (faulted && !violated)
		wr_stop_sweep(&c);
}

static void
run_xport(struct plan *p)
{
	struct opctx c = { .p = p, .s = &sides[p->src],
			   .d = &sides[1 - p->src] };
	struct vpf_mig_pair sp[NVF], dp[NVF];
	struct vpf_mig_opts o, od;
	struct vpf_mig_job *sj = NULL, *dj = NULL;
	struct vpf_mig_result sres, dres;
	struct bx bs, bd;
	bool faulted = false, sclosed = false, dclosed = false;
	uint32_t polls = 0;
	int sv[2], src_rc, dst_rc, rc;
	uint64_t t0;
	unsigned int i;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		perror("socketpair");
		return;
	}
	bx_init(&bs, sv[0], p->xb == XB_CLOSE_RECV || p->xb == XB_SILENT ?
		XB_NONE : p->xb, p->xb_off);
	bx_init(&bd, sv[1], p->xb == XB_CLOSE_RECV || p->xb == XB_SILENT ?
		p->xb : XB_NONE, p->xb_off);
	memset(sp, 0, sizeof(sp));
	memset(dp, 0, sizeof(dp));
	for (i = 0; i < p->n; i++) {
		sp[i].src = c.s->mig;
		sp[i].src_vf = p->vfs[i];
		dp[i].dst = c.d->mig;
		dp[i].dst_vf = p->vfs[i];
	}
	fill_opts(&o, p, &c);
	o.peer_timeout_ms = SOAK_PEER_TIMEOUT_MS;
	vpf_mig_opts_init(&od);
	od.peer_timeout_ms = SOAK_PEER_TIMEOUT_MS;
	od.progress = cb_progress_dst;
	od.arg = &c;
	od.before_resume = cb_before_resume;
	rc = vpf_mig_job_start_dest(&od, dp, p->n, &bd.x, &dj);
	if (rc == 0) {
		rc = vpf_mig_job_start_source(&o, sp, p->n, &bs.x, &sj);
		if (rc == -ENOTSUP && v14 && p->dirty) {
			tot.dirty_refused++;
			logop("  dirty refused (-ENOTSUP), as documented");
			p->dirty = false;
			o.dirty = false;
			rc = vpf_mig_job_start_source(&o, sp, p->n, &bs.x, &sj);
		}
		if (rc != 0) {
			(void)vpf_mig_job_finish(dj, NULL);
			dj = NULL;
		}
	}
	if (rc != 0) {
		tot.refused_start++;
		logop("  halves refused: %d %s", rc, vpf_last_error());
		close(sv[0]);
		close(sv[1]);
		return;
	}
	tot.xport_jobs++;
	if (p->dirty)
		tot.dirty_runs++;
	t0 = now_ns();
	while (!vpf_mig_job_done(sj) || !vpf_mig_job_done(dj)) {
		maybe_fault(&c, polls, &faulted);
		if (p->cancel_at && polls == p->cancel_at) {
			vpf_mig_job_cancel(p->cancel_dst ? dj : sj);
			tot.cancels++;
			logop("  cancel %s at poll %u",
			      p->cancel_dst ? "destination" : "source", polls);
		}
		(void)vpf_mig_job_poll(sj, p->budget);
		(void)vpf_mig_job_poll(dj, p->budget);
		polls++;
		/* A finished half's process would exit and its end of the
		 * socket close: the other half must see that (D-SOAK.8). */
		if (!sclosed && vpf_mig_job_done(sj)) {
			sclosed = true;
			if (!vpf_mig_job_done(dj))
				closed_by_peer_exit++;
			shutdown(sv[0], SHUT_RDWR);
		}
		if (!dclosed && vpf_mig_job_done(dj)) {
			dclosed = true;
			if (!vpf_mig_job_done(sj))
				closed_by_peer_exit++;
			shutdown(sv[1], SHUT_RDWR);
		}
		if (now_ns() - t0 > OP_WALL_NS) {
			violation("I6", "halves not done after 30 s "
				  "(source %s in %s, destination %s in %s)",
				  vpf_mig_job_done(sj) ? "done" : "running",
				  vpf_mig_phase_name(vpf_mig_job_phase(sj)),
				  vpf_mig_job_done(dj) ? "done" : "running",
				  vpf_mig_phase_name(vpf_mig_job_phase(dj)));
			break;
		}
	}
	src_rc = vpf_mig_job_finish(sj, &sres);
	dst_rc = vpf_mig_job_finish(dj, &dres);
	close(sv[0]);
	close(sv[1]);
	vpf_model_fault_clear(c.s->model);
	vpf_model_fault_clear(c.d->model);
	if (bs.hit || bd.hit) {
		tot.transport_breaks++;
		if (p->xb == XB_SILENT)
			tot.transport_silences++;
		logop("  transport %s at byte %" PRIu64,
		      xbreak_name[p->xb], p->xb_off);
	}
	logop("  halves rc %d/%d after %u polls", src_rc, dst_rc, polls);
	if (c.done_reports > 1 || c.done_reports_dst > 1)
		violation("I6", "PHASE_DONE reported %u/%u times",
			  c.done_reports, c.done_reports_dst);
	for (i = 0; i < p->n && !violated; i++) {
		if (c.before_resume[i] > 1)
			violation("I6", "before_resume of pair %u called %u "
				  "times", i, c.before_resume[i]);
		if (sp[i].rc != 0 || dp[i].rc != 0)
			logop("  pair %u vf %u rc %d/%d: %s | %s", i, p->vfs[i],
			      sp[i].rc, dp[i].rc, sp[i].error, dp[i].error);
		judge_pair(&c, i, sp[i].rc, dp[i].rc, faulted);
	}
	if (faulted && !violated)
		wr_stop_sweep(&c);
}

/* A single-VF migration by per-VF calls, cut short by the death of both
 * owners at point p->cut (D-SOAK.5). */
static void
run_mid_restart(struct plan *p)
{
	struct opctx c = { .p = p, .s = &sides[p->src],
			   .d = &sides[1 - p->src] };
	uint16_t vf = p->vfs[0];
	static uint8_t stream[1 << 20];
	size_t len = 0, got;
	uint8_t sd[32], dd[32];
	uint64_t t0;
	int rc;

	tot.migrations++;
	rc = vpf_mig_set_state_async(c.s->mig, vf, VPF_MIG_STATE_STOP_COPY,
				     cb_async, &c);
	if (rc != 0) {
		logop("  stop-copy refused: %d %s", rc, vpf_last_error());
		return;
	}
	t0 = now_ns();
	while (c.async_done == 0 && now_ns() - t0 < OP_WALL_NS)
		(void)vpf_mig_poll(c.s->mig);
	/* a few more polls: a second completion would show here */
	(void)vpf_mig_poll(c.s->mig);
	if (c.async_done != 1) {
		violation("I6", "%s vf %u: async completion delivered %u times",
			  c.s->name, vf, c.async_done);
		return;
	}
	if (c.async_rc == 0) {
		for (;;) {
			rc = vpf_mig_save_read(c.s->mig, vf, stream + len,
					       sizeof(stream) - len, &got);
			if (rc != 0 || got == 0)
				break;
			len += got;
		}
		if (p->cut >= 2 &&
		    vpf_mig_set_state(c.d->mig, vf,
				      VPF_MIG_STATE_RESUMING) == 0 &&
		    p->cut >= 3)
			(void)vpf_mig_load_write(c.d->mig, vf, stream,
						 p->cut == 3 ? len / 2 : len);
	}
	logop("  cut at %u (stream %zu bytes): both owners restart", p->cut,
	      len);
	tot.mid_restarts++;
	restart_side(c.s);
	restart_side(c.d);
	if (violated)
		return;
	if (dig(c.s, vf, sd) != 0 || dig(c.d, vf, dd) != 0)
		return;
	if (memcmp(sd, c.s->vf[vf].digest, 32) != 0) {
		violation("I2", "%s vf %u: state lost across the restart",
			  c.s->name, vf);
		return;
	}
	if (memcmp(dd, c.d->vf[vf].digest, 32) != 0) {
		if (v14 && memcmp(dd, sd, 32) == 0) {
			/* doc/migration.md, the 1.4 dialect's known limit:
			 * the pending set is applied at the resume. The VF
			 * is free (no guest), so this is counted, and the
			 * ledger takes the new digest (D-SOAK.6). */
			tot.v14_pending_applied++;
			memcpy(c.d->vf[vf].digest, dd, 32);
		} else {
			violation("I2", "%s vf %u: destination changed by a "
				  "migration that never completed", c.d->name,
				  vf);
			return;
		}
	}
	tot.failed_clean++;
}

static void
draw_plan(uint64_t *st, struct plan *p)
{
	uint32_t r = rndn(st, 100);
	unsigned int g, i, cnt = 0;
	uint16_t cand[NVF];
	uint32_t mode;

	memset(p, 0, sizeof(*p));
	p->kind = r < 45 ? K_JOB : r < 80 ? K_XPORT : r < 92 ? K_MID_RESTART :
		  K_RESTART;
	g = 1 + rndn(st, NVF);
	p->src = sides[0].vf[g].role == R_HOST ? 0 : 1;
	for (i = 1; i <= NVF; i++)
		if (sides[p->src].vf[i].role == R_HOST)
			cand[cnt++] = (uint16_t)i;
	mode = rndn(st, 3);
	if (p->kind == K_MID_RESTART || mode == 0) {
		p->vfs[0] = (uint16_t)g;
		p->n = 1;
	} else if (mode == 1) {
		uint32_t mask = (uint32_t)rnd(st);

		for (i = 0; i < cnt; i++)
			if (cand[i] == g || (mask >> i & 1))
				p->vfs[p->n++] = cand[i];
	} else {
		memcpy(p->vfs, cand, cnt * sizeof(cand[0]));
		p->n = cnt;
	}
	p->precopy = rndn(st, 3);
	p->dirty = rndn(st, 100) < (v14 ? 10 : 30);
	if (rndn(st, 100) < 30) {
		p->fault = (enum vpf_model_fault_kind)(1 + rndn(st,
						VPF_MODEL_FAULT_MAX - 1));
		p->fault_count = 1 + rndn(st, 3);
		p->fault_param = p->fault == VPF_MODEL_FAULT_DELAY ? 200 :
				 p->fault == VPF_MODEL_FAULT_FLR ||
				 p->fault == VPF_MODEL_FAULT_RESET ? 500 : 0;
		p->fault_pair = rndn(st, p->n);
		p->fault_dst = rndn(st, 2);
		p->fault_at = rndn(st, 24);
	} else {
		/* A fixed number of draws: the sequence depends on no
		 * outcome (4, not 5: kept so that recorded seeds replay). */
		for (i = 0; i < 4; i++)
			(void)rnd(st);
	}
	p->cancel_at = rndn(st, 100) < 15 ? 1 + rndn(st, 40) : 0;
	p->cancel_dst = rndn(st, 2);
	p->xb = p->kind == K_XPORT && rndn(st, 100) < 25 ?
		(enum xbreak)(1 + rndn(st, XB_MAX - 1)) : XB_NONE;
	p->xb_off = rndn(st, 24000);
	if (p->xb == XB_CLOSE_RECV && p->xb_off % 8 == 0)
		p->xb = XB_SILENT;
	p->restart_after = rndn(st, 100) < 10;
	p->cut = 1 + rndn(st, 4);
	p->pc_steps = rndn(st, 20);
	p->budget = 1 + rndn(st, 32);
	if (p->kind == K_MID_RESTART || p->kind == K_RESTART) {
		p->fault = VPF_MODEL_FAULT_NONE;
		p->cancel_at = 0;
	}
}

static void
describe(const struct plan *p)
{
	char vfs[64];
	size_t o = 0;
	unsigned int i;

	vfs[0] = '\0';
	for (i = 0; i < p->n && o < sizeof(vfs) - 4; i++)
		o += (size_t)snprintf(vfs + o, sizeof(vfs) - o, "%s%u",
				      i ? "," : "", p->vfs[i]);
	logop("op %" PRIu64 ": %s %s->%s vfs %s precopy %u dirty %d fault %s"
	      "x%u@%u on %s pair %u cancel %u%s xbreak %s@%" PRIu64
	      " restart-after %d cut %u pcsteps %u budget %u", cur_op,
	      kind_name[p->kind], sides[p->src].name, sides[1 - p->src].name,
	      vfs, p->precopy, p->dirty, vpf_model_fault_name(p->fault),
	      p->fault_count, p->fault_at, p->fault_dst ? "dst" : "src",
	      p->fault_pair, p->cancel_at, p->cancel_dst ? "(dst)" : "",
	      xbreak_name[p->xb], p->xb_off, p->restart_after, p->cut,
	      p->pc_steps, p->budget);
}

/* Planted bugs that act on a VF whose guest did not migrate away: leave
 * it stopped (I3), or start write recording and never stop it (I4). */
static void
plant_on_running_vf(void)
{
	static const struct vpf_mig_range r = { .addr = 0, .len = MEM };
	unsigned int si;
	uint16_t vf;
	int rc;

	for (si = 0; si < NSIDE; si++)
		for (vf = 1; vf <= NVF; vf++) {
			if (sides[si].vf[vf].role == R_AWAY)
				continue;
			if (planted("leave-stopped"))
				rc = vpf_mig_set_state(sides[si].mig, vf,
						       VPF_MIG_STATE_STOP);
			else
				rc = vpf_mig_dirty_start(sides[si].mig, vf,
							 &r, 1, 4096);
			logop("  PLANT %s on %s vf %u: rc %d", opt.plant,
			      sides[si].name, vf, rc);
			return;
		}
}

/* ---------------------------------------------------------------------------
 * Campaign of one dialect
 * ------------------------------------------------------------------------- */

static size_t
heap_used(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	return mallinfo2().uordblks;
#else
	return 0;
#endif
}

static int
campaign(enum vpf_dialect dl, uint64_t count, double seconds, bool warmup)
{
	uint64_t st = opt.seed ^ (dl == VPF_DIALECT_V14_PARTS ?
				  0x14140000ull : 0x20230000ull);
	uint64_t t0 = now_ns();
	unsigned int si;
	uint16_t vf;
	void *leak = NULL;

	dialect = dl;
	v14 = dl == VPF_DIALECT_V14_PARTS;
	cur_dialect = v14 ? "1.4" : "seed-2023";
	in_warmup = warmup;
	if (warmup)
		st = 0x5eed;
	for (si = 0; si < NSIDE; si++)
		if (side_up(&sides[si], si, 1 + si + opt.seed) != 0)
			return -1;
	for (si = 0; si < NSIDE; si++)
		for (vf = 1; vf <= NVF; vf++) {
			sides[si].vf[vf].role = si == 0 ? R_HOST : R_FREE;
			(void)vpf_model_guest_step(sides[si].model, vf,
						   1 + vf);
			(void)dig(&sides[si], vf, sides[si].vf[vf].digest);
		}
	for (cur_op = 1; !violated; cur_op++) {
		struct plan p;

		if (count && cur_op > count)
			break;
		if (!count && (double)(now_ns() - t0) / 1e9 >= seconds)
			break;
		step_guests(&st);
		draw_plan(&st, &p);
		describe(&p);
		tot.ops += !warmup;
		for (si = 0; si < p.n && p.kind != K_RESTART; si++)
			if (reclaim(&sides[1 - p.src], p.vfs[si]) != 0)
				break;
		if (violated)
			break;
		check_all();
		if (violated)
			break;
		switch (p.kind) {
		case K_JOB:
			run_job(&p);
			break;
		case K_XPORT:
			run_xport(&p);
			break;
		case K_MID_RESTART:
			run_mid_restart(&p);
			break;
		case K_RESTART:
			restart_side(&sides[0]);
			restart_side(&sides[1]);
			break;
		default:
			break;
		}
		if (!violated && p.restart_after && p.kind <= K_XPORT) {
			logop("  owners restart after the migration");
			restart_side(&sides[0]);
			restart_side(&sides[1]);
		}
		if (violated)
			break;
		if (cur_op == 3 && (planted("leave-stopped") ||
				    planted("skip-wr-stop")))
			plant_on_running_vf();
		if (planted("leak") && leak == NULL) {
			leak = malloc(4096);
			memset(leak, 1, 4096);
		}
		check_all();
	}
	for (si = 0; si < NSIDE; si++)
		side_down(&sides[si]);
	if (leak != NULL && opt.plant == NULL)
		free(leak);
	return 0;
}

/* ---------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------- */

struct fig {
	char name[48];
	double value;
	const char *unit;
};

static struct fig figs[64];
static unsigned int nfigs;

static void
fig(const char *name, double v, const char *unit)
{
	if (nfigs >= sizeof(figs) / sizeof(figs[0]))
		return;
	snprintf(figs[nfigs].name, sizeof(figs[0].name), "%s", name);
	figs[nfigs].value = v;
	figs[nfigs].unit = unit;
	nfigs++;
}

static void
print_figs(bool json, const char *heap_note)
{
	unsigned int i;

	if (!json) {
		for (i = 0; i < nfigs; i++)
			printf(figs[i].value == (double)(uint64_t)figs[i].value ?
			       "%s %.0f %s\n" : "%s %.1f %s\n", figs[i].name,
			       figs[i].value, figs[i].unit);
		if (heap_note != NULL)
			fprintf(stderr, "# %s\n", heap_note);
		return;
	}
	printf("{\n  \"tool\": \"vpf-soak\",\n  \"version\": \"%s\",\n"
	       "  \"seed\": %" PRIu64 ",\n  \"metrics\": {", vpf_version(),
	       opt.seed);
	for (i = 0; i < nfigs; i++)
		printf("%s\n    \"%s\": {\"value\": %.9g, \"unit\": \"%s\"}",
		       i ? "," : "", figs[i].name, figs[i].value,
		       figs[i].unit);
	printf("\n  },\n  \"notes\": [%s%s%s]\n}\n", heap_note ? "\"" : "",
	       heap_note ? heap_note : "", heap_note ? "\"" : "");
}

static int
read_replay(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512], dl[32];
	uint64_t seed, op;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "# replay: seed %" SCNu64 " dialect %31s op %"
			   SCNu64, &seed, dl, &op) == 3) {
			fclose(f);
			opt.seed = seed;
			opt.count = op;
			opt.seconds = 0;
			opt.dialect = strcmp(dl, "1.4") == 0 ? 1 : 0;
			opt.verbose = true;
			return 0;
		}
	fclose(f);
	fprintf(stderr, "vpf-soak: %s: no \"# replay:\" line\n", path);
	return -1;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: vpf-soak [--seconds N | --count N] [--seed S]\n"
		"                [--dialect seed-2023|1.4|both] [--json]\n"
		"                [--replay FILE] [--log FILE] [-v]\n"
		"  --count N     operations per dialect (default 200)\n"
		"  --seconds N   run for N seconds in all (split between "
		"dialects)\n"
		"  --replay FILE re-run the sequence a violation's log names\n"
		"exit: 0 no violation, 1 a violation, 2 usage\n");
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 'S' },
		{ "dialect", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "replay", required_argument, NULL, 'r' },
		{ "log", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *replay = NULL;
	char *end;
	int c, nd = 0, d;
	size_t h0 = 0, h1 = 0;
	const char *heap_note = NULL;
	char note[160];
	uint64_t t0;
	double secs;
	unsigned int k;
	uint64_t per[2][4] = { { 0 } };
	bool ran[2] = { false, false };

	while ((c = getopt_long(argc, argv, "v", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.seconds = strtod(optarg, &end);
			if (*end || !(opt.seconds > 0)) {
				usage(stderr);
				return 2;
			}
			opt.count = 0;
			break;
		case 'c':
			errno = 0;
			opt.count = strtoull(optarg, &end, 0);
			if (errno || *end || opt.count == 0) {
				usage(stderr);
				return 2;
			}
			opt.seconds = 0;
			break;
		case 'S':
			errno = 0;
			opt.seed = strtoull(optarg, &end, 0);
			if (errno || *end) {
				usage(stderr);
				return 2;
			}
			break;
		case 'd':
			if (strcmp(optarg, "seed-2023") == 0 ||
			    strcmp(optarg, "draft") == 0)
				opt.dialect = 0;
			else if (strcmp(optarg, "1.4") == 0)
				opt.dialect = 1;
			else if (strcmp(optarg, "both") == 0)
				opt.dialect = 2;
			else {
				usage(stderr);
				return 2;
			}
			break;
		case 'j':
			opt.json = true;
			break;
		case 'r':
			replay = optarg;
			break;
		case 'l':
			opt.log = optarg;
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* I5 reads mallinfo2(): glibc's per-thread cache (tcache) keeps
	 * freed chunks counted as in use, and fills up over a run. Run
	 * without it (D-SOAK.7): re-executed once with the tunable set. */
	if (!SOAK_ASAN && getenv("VPF_SOAK_REEXEC") == NULL) {
		const char *t = getenv("GLIBC_TUNABLES");
		char tun[512];

		snprintf(tun, sizeof(tun), "%s%sglibc.malloc.tcache_count=0",
			 t && *t ? t : "", t && *t ? ":" : "");
		setenv("GLIBC_TUNABLES", tun, 1);
		setenv("VPF_SOAK_REEXEC", "1", 1);
		execv("/proc/self/exe", argv);
		/* not fatal: the check may then report the cache */
	}
	if (replay != NULL && read_replay(replay) != 0)
		return 2;
	opt.plant = getenv("VPF_SOAK_PLANT");
	if (opt.plant != NULL && opt.plant[0] == '\0')
		opt.plant = NULL;
	{
		const char *tmp = getenv("TMPDIR");

		snprintf(opt.journal, sizeof(opt.journal), "%s/vpf-soak-XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		if (mkdtemp(opt.journal) == NULL) {
			perror("mkdtemp");
			return 2;
		}
	}
	/* Quiet the library's log lines about expected failures. */
	if (!opt.verbose)
		rte_log_set_global_level(RTE_LOG_EMERG);
	nd = opt.dialect == 2 ? 2 : 1;
	/* Warm-up: one-time allocations (stdio, error buffers, the journal
	 * writer) before the heap baseline. */
	if (campaign(VPF_DIALECT_DRAFT_2023, 6, 0, true) != 0 ||
	    campaign(VPF_DIALECT_V14_PARTS, 6, 0, true) != 0)
		return 2;
	if (violated) {
		fprintf(stderr, "vpf-soak: violation during the warm-up\n");
		return 1;
	}
	memset(&tot, 0, sizeof(tot));
	closed_by_peer_exit = 0;
	oplog_n = 0;
	h0 = heap_used();
	t0 = now_ns();
	for (d = 0; d < nd && !violated; d++) {
		enum vpf_dialect dl = (opt.dialect == 1 || d == 1) ?
				      VPF_DIALECT_V14_PARTS :
				      VPF_DIALECT_DRAFT_2023;

		uint64_t m0 = tot.migrations, s0 = tot.succeeded;
		uint64_t f0 = tot.failed_clean, o0 = tot.ops;

		if (campaign(dl, opt.count, opt.seconds / nd, false) != 0)
			return 2;
		per[dl == VPF_DIALECT_V14_PARTS][0] = tot.ops - o0;
		per[dl == VPF_DIALECT_V14_PARTS][1] = tot.migrations - m0;
		per[dl == VPF_DIALECT_V14_PARTS][2] = tot.succeeded - s0;
		per[dl == VPF_DIALECT_V14_PARTS][3] = tot.failed_clean - f0;
		ran[dl == VPF_DIALECT_V14_PARTS] = true;
	}
	h1 = heap_used();
	secs = (double)(now_ns() - t0) / 1e9;
	if (SOAK_ASAN || (h0 == 0 && h1 == 0)) {
		heap_note = "I5 heap check skipped: under AddressSanitizer "
			    "mallinfo2() reads 0";
	} else if (!violated && h1 > h0) {
		snprintf(note, sizeof(note), "heap %zu -> %zu bytes", h0, h1);
		violation("I5", "%zu heap bytes not freed after everything "
			  "was detached (%s)", h1 - h0, note);
	}
	(void)rmdir(opt.journal);
	fig("operations", (double)tot.ops, "ops");
	fig("migrations", (double)tot.migrations, "pairs");
	fig("succeeded", (double)tot.succeeded, "pairs");
	fig("failed_clean", (double)tot.failed_clean, "pairs");
	fig("reported_failed_moved", (double)tot.reported_failed_moved,
	    "pairs");
	fig("jobs", (double)tot.jobs, "jobs");
	fig("xport_jobs", (double)tot.xport_jobs, "jobs");
	fig("refused_start", (double)tot.refused_start, "jobs");
	for (k = 1; k < VPF_MODEL_FAULT_MAX; k++) {
		char n[48];

		snprintf(n, sizeof(n), "faults_%s",
			 vpf_model_fault_name((enum vpf_model_fault_kind)k));
		for (char *q = n; *q; q++)
			if (*q == '-')
				*q = '_';
		fig(n, (double)tot.faults[k], "faults");
	}
	fig("halves_ended_by_peer_close", (double)closed_by_peer_exit,
	    "jobs");
	fig("cancels", (double)tot.cancels, "cancels");
	fig("transport_breaks", (double)tot.transport_breaks, "breaks");
	fig("transport_silences", (double)tot.transport_silences, "breaks");
	fig("owner_restarts", (double)tot.owner_restarts, "restarts");
	fig("mid_migration_restarts", (double)tot.mid_restarts, "restarts");
	fig("dirty_runs", (double)tot.dirty_runs, "jobs");
	fig("dirty_refused", (double)tot.dirty_refused, "jobs");
	fig("operator_resumes", (double)tot.operator_resumes, "vfs");
	fig("vf_recoveries", (double)tot.vf_recoveries, "vfs");
	fig("wr_stop_retries", (double)tot.wr_stop_retries, "vfs");
	fig("reclaims", (double)tot.reclaims, "vfs");
	fig("v14_pending_applied", (double)tot.v14_pending_applied, "vfs");
	for (k = 0; k < 2; k++) {
		static const char *const dn[2] = { "seed2023", "v14" };
		static const char *const pn[4] = { "operations", "migrations",
						   "succeeded",
						   "failed_clean" };
		static const char *const pu[4] = { "ops", "pairs", "pairs",
						   "pairs" };
		char n[48];
		unsigned int j;

		if (!ran[k])
			continue;
		for (j = 0; j < 4; j++) {
			snprintf(n, sizeof(n), "%s_%s", pn[j], dn[k]);
			fig(n, (double)per[k][j], pu[j]);
		}
	}
	fig("heap_delta", SOAK_ASAN ? 0 : (double)h1 - (double)h0, "bytes");
	fig("invariant_violations", (double)tot.violations, "violations");
	fig("seconds", secs, "s");
	fig("seed", (double)opt.seed, "seed");
	print_figs(opt.json, heap_note);
	return violated ? 1 : 0;
}
