/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * vpf_mig_opts::cancel: a migration cancelled while its commands are in
 * flight stops inside the phase, puts the source back to running with its
 * state unchanged and leaves nothing applied on the destination; a cancel
 * that comes once the destination is being activated lets the pair
 * complete (the guest may run there already).
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vpf_mig.h"
#include "vpf_model.h"
#include "vpf_pf.h"

struct side {
	struct vpf_model *model;
	struct vpf_pf *pf;
	struct vpf_mig *mig;
};

static void
side_up(struct side *sd, const char *name, uint64_t seed)
{
	struct vpf_model_params mp;
	struct vpf_pf_params pp;
	struct vpf_mig_params gp;

	vpf_model_params_init(&mp);
	mp.name = name;
	mp.num_vfs = 2;
	mp.seed = seed;
	mp.guest_mem_size = 8u << 20;
	sd->model = vpf_model_create(&mp);
	if (sd->model == NULL)
		fail_msg("model: %s", vpf_last_error());
	vpf_pf_params_init(&pp);
	pp.name = name;
	/* longer than any injected delay: a delay is not a timeout */
	pp.cmd_timeout_us = 2000000;
	sd->pf = vpf_pf_attach(&vpf_model_ops, sd->model, &pp);
	if (sd->pf == NULL)
		fail_msg("attach: %s", vpf_last_error());
	vpf_mig_params_init(&gp);
	gp.scan = false;
	sd->mig = vpf_mig_attach(sd->pf, &gp);
	if (sd->mig == NULL)
		fail_msg("mig attach: %s", vpf_last_error());
}

static void
side_down(struct side *sd)
{
	vpf_mig_detach(sd->mig);
	vpf_pf_detach(sd->pf);
	vpf_model_destroy(sd->model);
}

static uint8_t
mode(struct side *sd, uint16_t vf)
{
	uint8_t m = 0xee;

	assert_int_equal(vpf_model_vf_mode(sd->model, vf, &m), 0);
	return m;
}

static enum vpf_mig_state
vfstate(struct side *sd, uint16_t vf)
{
	enum vpf_mig_state s;

	assert_int_equal(vpf_mig_get_state(sd->mig, vf, &s), 0);
	return s;
}

static void
digest(struct side *sd, uint16_t vf, uint8_t out[32])
{
	assert_int_equal(vpf_model_digest(sd->model, vf, out), 0);
}

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
	WHEN_SRC_FROZEN,	/* stop-copy: the source is in Freeze */
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
		now = mode(c->s, 1) == VPF_DEV_MODE_FREEZE;
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

static void
setup(struct side *s, struct side *d, struct cc *c, struct vpf_mig_opts *mo,
      struct vpf_mig_pair *p, int when)
{
	side_up(s, "src", 1);
	side_up(d, "dst", 2);
	assert_int_equal(vpf_model_guest_step(s->model, 1, 200), 0);
	memset(c, 0, sizeof(*c));
	c->s = s;
	c->d = d;
	c->when = when;
	vpf_mig_opts_init(mo);
	mo->progress = progress_cb;
	mo->cancel = cancel_cb;
	mo->arg = c;
	memset(p, 0, sizeof(*p));
	p->src = s->mig;
	p->src_vf = 1;
	p->dst = d->mig;
	p->dst_vf = 1;
}

/* Source running with the state it had, destination with nothing
 * applied: both Active, digests unchanged. */
static void
assert_rolled_back(struct side *s, struct side *d, const uint8_t s0[32],
		   const uint8_t d0[32])
{
	uint8_t x[32];

	assert_int_equal(mode(s, 1), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(vfstate(s, 1), VPF_MIG_STATE_RUNNING);
	assert_int_equal(mode(d, 1), VPF_DEV_MODE_ACTIVE);
	digest(s, 1, x);
	assert_memory_equal(x, s0, 32);
	digest(d, 1, x);
	assert_memory_equal(x, d0, 32);
	/* and the source still runs */
	assert_int_equal(vpf_model_guest_step(s->model, 1, 50), 0);
	digest(s, 1, x);
	assert_memory_not_equal(x, s0, 32);
}

static void
test_cancel_at_once(void **state)
{
	struct side s, d;
	struct cc c;
	struct vpf_mig_opts mo;
	struct vpf_mig_pair p;
	struct vpf_mig_result res;
	uint8_t s0[32], d0[32];

	(void)state;
	setup(&s, &d, &c, &mo, &p, WHEN_ALWAYS);
	mo.precopy_rounds = 3;
	digest(&s, 1, s0);
	digest(&d, 1, d0);
	assert_int_equal(vpf_mig_migrate(&mo, &p, 1, &res), -ECANCELED);
	assert_true(c.fired);
	assert_int_equal(p.rc, -ECANCELED);
	assert_int_equal(res.failed, 1);
	assert_int_equal(res.ok, 0);
	assert_int_equal(c.reports[VPF_MIG_PHASE_SETUP], 0);
	assert_int_equal(c.reports[VPF_MIG_PHASE_PRECOPY], 0);
	assert_rolled_back(&s, &d, s0, d0);
	side_down(&s);
	side_down(&d);
}

/* Cancelled while a command of precopy round 2 is in flight: the round
 * ends failed (not after it), no round 3 runs, no stop-copy. */
static void
test_cancel_in_precopy_round(void **state)
{
	struct side s, d;
	struct cc c;
	struct vpf_mig_opts mo;
	struct vpf_mig_pair p;
	struct vpf_mig_result res;
	uint8_t s0[32], d0[32];

	(void)state;
	setup(&s, &d, &c, &mo, &p, WHEN_ROUND2);
	mo.precopy_rounds = 50;
	digest(&s, 1, s0);
	digest(&d, 1, d0);
	assert_int_equal(vpf_mig_migrate(&mo, &p, 1, &res), -ECANCELED);
	assert_true(c.fired);
	assert_int_equal(p.rc, -ECANCELED);
	assert_int_equal(p.failed_phase, VPF_MIG_PHASE_PRECOPY);
	assert_string_equal(p.error, "cancelled");
	assert_int_equal(c.reports[VPF_MIG_PHASE_PRECOPY], 2);
	assert_int_equal(c.failed_in_round2, 1);
	assert_int_equal(c.reports[VPF_MIG_PHASE_STOP_COPY], 0);
	assert_int_equal(c.reports[VPF_MIG_PHASE_RESUME], 0);
	assert_rolled_back(&s, &d, s0, d0);
	side_down(&s);
	side_down(&d);
}

/* Cancelled in stop-copy with the source frozen and the destination not
 * yet activated: the source goes back to running, unchanged. */
static void
test_cancel_in_stop_copy(void **state)
{
	struct side s, d;
	struct cc c;
	struct vpf_mig_opts mo;
	struct vpf_mig_pair p;
	struct vpf_mig_result res;
	uint8_t s0[32], d0[32];

	(void)state;
	setup(&s, &d, &c, &mo, &p, WHEN_SRC_FROZEN);
	/* the destination's commands are slow: a wide window after Freeze */
	assert_int_equal(vpf_model_fault_inject(d.model, 1,
			 VPF_MODEL_FAULT_DELAY, 1000, 2000), 0);
	digest(&s, 1, s0);
	digest(&d, 1, d0);
	assert_int_equal(vpf_mig_migrate(&mo, &p, 1, &res), -ECANCELED);
	assert_true(c.fired);
	assert_int_equal(p.rc, -ECANCELED);
	assert_int_equal(p.failed_phase, VPF_MIG_PHASE_STOP_COPY);
	vpf_model_fault_clear(d.model);
	assert_rolled_back(&s, &d, s0, d0);
	side_down(&s);
	side_down(&d);
}

/* A cancel once the destination's activation was issued is too late: the
 * pair completes and the call succeeds. */
static void
test_cancel_too_late(void **state)
{
	struct side s, d;
	struct cc c;
	struct vpf_mig_opts mo;
	struct vpf_mig_pair p;
	struct vpf_mig_result res;
	uint8_t s0[32], d1[32];

	(void)state;
	setup(&s, &d, &c, &mo, &p, WHEN_DST_ACTIVE);
	digest(&s, 1, s0);
	assert_int_equal(vpf_mig_migrate(&mo, &p, 1, &res), 0);
	assert_true(c.fired);
	assert_int_equal(p.rc, 0);
	assert_int_equal(res.ok, 1);
	digest(&d, 1, d1);
	assert_memory_equal(s0, d1, 32);
	assert_int_equal(mode(&d, 1), VPF_DEV_MODE_ACTIVE);
	assert_int_not_equal(mode(&s, 1), VPF_DEV_MODE_ACTIVE);
	side_down(&s);
	side_down(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cancel_at_once),
		cmocka_unit_test(test_cancel_in_precopy_round),
		cmocka_unit_test(test_cancel_in_stop_copy),
		cmocka_unit_test(test_cancel_too_late),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
