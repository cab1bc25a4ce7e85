/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * vpf_mig_opts::cancel: a migration cancelled while its commands are in
 * flight stops inside the phase, puts the source back to running with its
 * state unchanged and leaves nothing applied on the destination; a cancel
 * that comes once the destination is being activated lets the pair
 * complete (the guest may run there already).
 */

#include "mig_harness.h"

/* What the callbacks see and decide. */
struct cc {
	struct side *s;
	struct side *d;
	int when;		/* see cancel_cb() */
	unsigned int polls;	/* cancel calls since armed */
	bool armed;
	bool fired;
	unsigned int reports[VPF_MIG_PHASE_MAX];
	uint32_t failed_in_round2;
};

enum {
	WHEN_ALWAYS,		/* at once */
	WHEN_ROUND2,		/* 3 polls into precopy round 2 */
	WHEN_SRC_FROZEN,	/* stop-copy: the source is in Freeze (1.4: stopped) */
	WHEN_DST_ACTIVE,	/* destination Active, source not */
};

static bool
cancel_cb(void *arg)
{
	struct cc *c = arg;
	bool now = false;

	switch (c->when) {
	case WHEN_ALWAYS:
		now = true;
		break;
	case WHEN_ROUND2:
		now = c->armed && ++c->polls >= 3;
		break;
	case WHEN_SRC_FROZEN:
		now = mode(c->s, 1) == dmode(VPF_DEV_MODE_FREEZE);
		break;
	case WHEN_DST_ACTIVE:
		now = c->reports[VPF_MIG_PHASE_SETUP] > 0 &&
		      mode(c->d, 1) == VPF_DEV_MODE_ACTIVE &&
		      mode(c->s, 1) != VPF_DEV_MODE_ACTIVE;
		break;
	}
	if (now)
		c->fired = true;
	return now;
}

static int
progress_cb(const struct vpf_mig_progress *p, void *arg)
{
	struct cc *c = arg;

	if (p->phase < VPF_MIG_PHASE_MAX)
		c->reports[p->phase]++;
	if (c->when == WHEN_ROUND2 && p->phase == VPF_MIG_PHASE_PRECOPY) {
		if (p->round == 1) {
			/* Round 2's first source command takes 200 ms: the
			 * cancel comes while it is in flight. */
			assert_int_equal(vpf_model_fault_inject(c->s->model, 1,
					 VPF_MODEL_FAULT_DELAY, 1, 200000), 0);
			c->armed = true;
		} else if (p->round == 2) {
			c->failed_in_round2 = p->failed;
		}
	}
	return 0;
}

/* One cancel test: the pair (VF 1 of two PFs), what its callbacks saw,
 * the options and the digests both VFs had before the call. */
struct fx {
	struct env e;
	struct cc c;
	struct vpf_mig_opts mo;
	struct vpf_mig_pair p;
	struct vpf_mig_result res;
	uint8_t s0[32], d0[32];
};

static void
setup(struct fx *x, int when)
{
	/* The command deadline is longer than any injected delay: a delay
	 * is not a timeout. */
	struct opt os = { .vfs = 2, .seed = 1, .timeout_us = 2000000,
			  .no_scan = true };
	struct opt od = os;

	od.seed = 2;
	memset(x, 0, sizeof(*x));
	env_up(&x->e, &os, &od);
	assert_int_equal(vpf_model_guest_step(x->e.s.model, 1, 200), 0);
	x->c.s = &x->e.s;
	x->c.d = &x->e.d;
	x->c.when = when;
	vpf_mig_opts_init(&x->mo);
	x->mo.progress = progress_cb;
	x->mo.cancel = cancel_cb;
	x->mo.arg = &x->c;
	x->p = mig_pair(&x->e.s, 1, &x->e.d, 1);
	digest(&x->e.s, 1, x->s0);
	digest(&x->e.d, 1, x->d0);
}

/* vpf_mig_migrate() returns -ECANCELED after the cancel callback fired,
 * and the pair says so. */
static void
migrate_cancelled(struct fx *x)
{
	assert_int_equal(vpf_mig_migrate(&x->mo, &x->p, 1, &x->res),
			 -ECANCELED);
	assert_true(x->c.fired);
	assert_int_equal(x->p.rc, -ECANCELED);
}

/* Source running with the state it had, destination with nothing
 * applied: both Active, digests unchanged; then both PFs go down. */
static void
assert_rolled_back(struct fx *x)
{
	assert_int_equal(mode(&x->e.s, 1), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(vfstate(&x->e.s, 1), VPF_MIG_STATE_RUNNING);
	assert_int_equal(mode(&x->e.d, 1), VPF_DEV_MODE_ACTIVE);
	assert_digest(&x->e.s, 1, x->s0);
	assert_digest(&x->e.d, 1, x->d0);
	/* and the source still runs */
	assert_guest_runs(&x->e.s, 1, 50);
	env_down(&x->e);
}

static void
test_cancel_at_once(void **state)
{
	struct fx x;

	(void)state;
	setup(&x, WHEN_ALWAYS);
	x.mo.precopy_rounds = 3;
	migrate_cancelled(&x);
	assert_int_equal(x.res.failed, 1);
	assert_int_equal(x.res.ok, 0);
	assert_int_equal(x.c.reports[VPF_MIG_PHASE_SETUP], 0);
	assert_int_equal(x.c.reports[VPF_MIG_PHASE_PRECOPY], 0);
	assert_rolled_back(&x);
}

/* Cancelled while a command of precopy round 2 is in flight: the round
 * ends failed (not after it), no round 3 runs, no stop-copy. */
static void
test_cancel_in_precopy_round(void **state)
{
	struct fx x;

	(void)state;
	setup(&x, WHEN_ROUND2);
	x.mo.precopy_rounds = 50;
	migrate_cancelled(&x);
	assert_int_equal(x.p.failed_phase, VPF_MIG_PHASE_PRECOPY);
	assert_string_equal(x.p.error, "cancelled");
	assert_int_equal(x.c.reports[VPF_MIG_PHASE_PRECOPY], 2);
	assert_int_equal(x.c.failed_in_round2, 1);
	assert_int_equal(x.c.reports[VPF_MIG_PHASE_STOP_COPY], 0);
	assert_int_equal(x.c.reports[VPF_MIG_PHASE_RESUME], 0);
	assert_rolled_back(&x);
}

/* Cancelled in stop-copy with the source frozen and the destination not
 * yet activated: the source goes back to running, unchanged. */
static void
test_cancel_in_stop_copy(void **state)
{
	struct fx x;

	(void)state;
	setup(&x, WHEN_SRC_FROZEN);
	/* the destination's commands are slow: a wide window after Freeze */
	assert_int_equal(vpf_model_fault_inject(x.e.d.model, 1,
			 VPF_MODEL_FAULT_DELAY, 1000, 2000), 0);
	migrate_cancelled(&x);
	assert_int_equal(x.p.failed_phase, VPF_MIG_PHASE_STOP_COPY);
	vpf_model_fault_clear(x.e.d.model);
	assert_rolled_back(&x);
}

/* A cancel once the destination's activation was issued is too late: the
 * pair completes and the call succeeds. */
static void
test_cancel_too_late(void **state)
{
	struct fx x;

	(void)state;
	setup(&x, WHEN_DST_ACTIVE);
	assert_int_equal(vpf_mig_migrate(&x.mo, &x.p, 1, &x.res), 0);
	assert_true(x.c.fired);
	assert_int_equal(x.p.rc, 0);
	assert_int_equal(x.res.ok, 1);
	assert_digest(&x.e.d, 1, x.s0);
	assert_int_equal(mode(&x.e.d, 1), VPF_DEV_MODE_ACTIVE);
	assert_int_not_equal(mode(&x.e.s, 1), VPF_DEV_MODE_ACTIVE);
	env_down(&x.e);
}

MIG_TEST_MAIN(
	cmocka_unit_test(test_cancel_at_once),
	cmocka_unit_test(test_cancel_in_precopy_round),
	cmocka_unit_test(test_cancel_in_stop_copy),
	cmocka_unit_test(test_cancel_too_late),
)
