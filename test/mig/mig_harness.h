/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The harness of the model-backed migration tests (test_mig_<area>.c):
 * the real driver (lib/pf, lib/mig) against two software model PFs, a
 * source `src` and a destination `dst`, each one model, one vpf_pf and one
 * vpf_mig handle. The helpers assert as they go: a call that fails fails
 * the test that made it.
 *
 * A test brings the pair up with env_up(), moves the guest with
 * vpf_model_guest_step(), migrates with the public API and checks the
 * result against the model's ground truth (digest(), mode(), ncmd()).
 */

#ifndef MIG_HARNESS_H
#define MIG_HARNESS_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vpf_mig.h"
#include "vpf_model.h"
#include "vpf_pf.h"
#include "mig/mig_internal.h"
#include "mig_test_main.h"

#define MEM		(8u << 20)	/* guest memory per VF */

/* One PF: its model, the driver attached to it, the migration handle. */
struct side {
	struct vpf_model *model;
	struct vpf_pf *pf;
	struct vpf_mig *mig;
};

/* A source and a destination PF. */
struct env {
	struct side s;
	struct side d;
};

/* How a side is built; zero fields take the defaults in brackets. */
struct opt {
	uint16_t vfs;		/* VFs [4] */
	uint16_t qp;		/* queue pairs per VF [2] */
	uint16_t vq_size;	/* [the model's default] */
	uint64_t seed;		/* guest workload seed [1] */
	uint32_t off;		/* VPF_MODEL_OFF_* features the device lacks */
	uint32_t timeout_us;	/* admin command deadline [200 ms] */
	bool no_scan;		/* vpf_mig_params::scan = false */
	bool no_restore;	/* vpf_mig_params::restore_on_detach = false */
	uint32_t service_us;	/* > 0: threaded device with a timing model */
	uint16_t aq_size;	/* admin queue size [the default] */
	uint32_t chunk;		/* vpf_mig_params::chunk [4096] */
	/* The model's dialect [harness_dialect(): VPF_TEST_DIALECT=1.4 in
	 * the environment picks the virtio 1.4 device parts, anything else
	 * the draft] */
	enum vpf_dialect dialect;
	/* 1.4: the model's parts_get_limit and parts_set_limit, for tests
	 * that hold more VFs in save states or RESUMING at once [the
	 * model's, 4 each] */
	uint8_t parts_limit;
	/* vpf_mig_params::thread_init and thread_arg [NULL] */
	void (*thread_init)(void *arg);
	void *thread_arg;
};

/* The dialect a side is built with when struct opt does not say:
 * VPF_DIALECT_V14_PARTS when the environment has VPF_TEST_DIALECT=1.4,
 * else VPF_DIALECT_DRAFT_2023. */
enum vpf_dialect harness_dialect(void);
/* The tests run in the virtio 1.4 dialect (harness_dialect()). */
bool v14(void);
/* In the 1.4 dialect: print @p why and skip the test (cmocka's skip()),
 * for behaviour the dialect does not have (dirty tracking, DISCARD,
 * FIELDS_QUERY, draft contexts, ...). In the draft: nothing. */
void need_draft(const char *why);
/* The mode the model reports for a VF the library put in draft mode
 * @p m: in 1.4 STOP and FREEZE are both "stopped" (VPF_DEV_MODE_STOP,
 * D-MIG14.2); in the draft @p m itself. */
uint8_t dmode(uint8_t m);
/* The opcode that does draft opcode @p op's work in the current dialect:
 * DEV_MODE_SET, CTX_SIZE_GET (-> METADATA_GET), CTX_READ (-> PARTS_GET),
 * CTX_WRITE (-> PARTS_SET); in the draft @p op. 1.4 has no equivalent of
 * the others: fails the test. */
uint16_t dop(uint16_t op);
/* DEV_MODE_SET commands the model completed for @p vf, in either
 * dialect. */
uint64_t nmodeset(struct side *sd, uint16_t vf);

void side_up(struct side *sd, const char *name, const struct opt *o);
void side_down(struct side *sd);
/* The process driving @p sd "dies" (detach without anything else) and the
 * next one attaches to the same model with default migration parameters,
 * except that VFs found outside Active are only reported
 * (vpf_mig_params::recover_orphans false). */
void side_restart(struct side *sd, const char *name);
/* @p od NULL: the destination is built like the source. */
void env_up(struct env *e, const struct opt *os, const struct opt *od);
void env_down(struct env *e);

/* Ground truth from the model. */
void digest(struct side *sd, uint16_t vf, uint8_t out[32]);
/* VF @p vf of @p sd has digest @p want. */
void assert_digest(struct side *sd, uint16_t vf, const uint8_t want[32]);
/* VF @p va of @p a and VF @p vb of @p b hold the same guest state. */
void assert_same_vf(struct side *a, uint16_t va, struct side *b, uint16_t vb);
uint8_t mode(struct side *sd, uint16_t vf);
/* Admin commands of opcode @p op the model completed for @p vf. */
uint64_t ncmd(struct side *sd, uint16_t vf, uint16_t op);
uint64_t ncmds_all(struct side *sd, uint16_t vf);
/* The library's VFIO state of @p vf. */
enum vpf_mig_state vfstate(struct side *sd, uint16_t vf);
/* @p vf is RUNNING for the library and Active on the device. */
void assert_running(struct side *sd, uint16_t vf);
/* The guest of @p vf still runs: @p ops more operations change its state. */
void assert_guest_runs(struct side *sd, uint16_t vf, uint32_t ops);

/* Pull the whole pending save stream of @p vf into @p b, @p piece bytes
 * per read. */
void drain(struct side *sd, uint16_t vf, struct mig_buf *b, size_t piece);
/* A complete save stream of @p vf (final only): leaves it in STOP. */
void save_stream(struct side *sd, uint16_t vf, struct mig_buf *b);
/* The guest of @p vf runs @p ops operations, then save_stream(). */
void run_and_save(struct side *sd, uint16_t vf, uint32_t ops,
		  struct mig_buf *b);
/* RESUMING, the whole of @p b written, RUNNING. */
void load_stream(struct side *sd, uint16_t vf, const struct mig_buf *b);
/* Offsets and lengths of the records of a stream (after the header). */
unsigned int records(const struct mig_buf *b, size_t *off, size_t *len,
		     unsigned int max);

static inline struct vpf_mig_pair
mig_pair(struct side *s, uint16_t src_vf, struct side *d, uint16_t dst_vf)
{
	return (struct vpf_mig_pair){ .src = s->mig, .src_vf = src_vf,
				      .dst = d->mig, .dst_vf = dst_vf };
}

/* @p n pairs, VF i of @p e's source to VF i of its destination (1..n). */
static inline void
mig_pairs_same_vf(struct env *e, struct vpf_mig_pair *p, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = mig_pair(&e->s, (uint16_t)(i + 1), &e->d,
				(uint16_t)(i + 1));
}

/* A source workload for vpf_mig_opts::progress: runs @p ops guest
 * operations on each of @p vfs between precopy rounds, and checks what
 * the library reports. */
struct wl {
	struct side *s;
	uint16_t *vfs;
	unsigned int n;
	uint32_t ops;
	unsigned int calls[VPF_MIG_PHASE_MAX];
	uint32_t last_round;
	int stop_after_round;	/* return STOP_PRECOPY after this round */
	int abort_at_round;	/* return -ECANCELED at this round */
	uint64_t pc_bytes;
};

int wl_progress(const struct vpf_mig_progress *p, void *arg);

/* For vpf_mig_opts::progress: at the first precopy report, make the next
 * @c hangs DEV_WRITE_RECORDS_STOP of @c vf on @c s hang, then cancel the
 * migration (-ECANCELED); later reports pass. */
struct stop_hang {
	struct side *s;
	uint16_t vf;
	uint32_t hangs;
};

int stop_hang_progress(const struct vpf_mig_progress *p, void *arg);

#endif
