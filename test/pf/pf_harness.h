/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * What the test_pf_* programs share: a PF attached to the scripted fake
 * device (fake_dev.h) with test parameters, commands answered by hand, and a
 * completion callback that records what it was given. Every helper fails
 * the running cmocka test itself, so a test reads as the steps it checks.
 */

#ifndef PF_HARNESS_H
#define PF_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <rte_common.h>

#include "vpf_pf.h"
#include "fake_dev.h"

/* Each test_pf_<area>.c lists its tests in pft_tests[] and their number
 * in pft_ntests (RTE_DIM(pft_tests)); the main() of pf_harness.c runs them
 * as one cmocka group. */
extern const struct CMUnitTest pft_tests[];
extern const size_t pft_ntests;

/* Commands a test can track through pft_record_cb(). */
#define PFT_MAX_RECORDED	128

/* Test parameters: named @p name (its name shows in messages), a short
 * reset timeout, a 1 us retry backoff, @p timeout_us as the command
 * deadline (0: the default). */
void pft_params(struct vpf_pf_params *p, const char *name,
		uint32_t reset_timeout_us, uint32_t timeout_us);

/* A fake device of @p vfs VFs with the misbehaviour @p flags (FAKE_*). */
struct fake_dev *pft_fake_new(uint16_t vfs, uint32_t flags);
void pft_fake_free(struct fake_dev *fd);

/* Attach PF "t" on @p fd with pft_params(); NULL (errno set) if refused. */
struct vpf_pf *pft_attach(struct fake_dev *fd, uint32_t timeout_us);
/* pft_fake_new() and pft_attach(), which must succeed. */
struct vpf_pf *pft_up(uint16_t vfs, uint32_t flags, uint32_t timeout_us,
		      struct fake_dev **fdp);
/* The same with the caller's params and ops. */
struct vpf_pf *pft_up_with(uint16_t vfs, uint32_t flags,
			   const struct vpf_pf_ops *ops,
			   const struct vpf_pf_params *p,
			   struct fake_dev **fdp);
/* Detach (when @p pf is not NULL) and free the device. */
void pft_down(struct vpf_pf *pf, struct fake_dev *fd);

/* Submit @p c alone (no callback) and return in @p r the request the
 * device took from the ring; nothing answers it yet. */
void pft_submit_take(struct vpf_pf *pf, struct fake_dev *fd,
		     struct vpf_admin_cmd *c, struct fake_req *r);
/* Poll (boundedly) until @p c is done. */
void pft_poll_done(struct vpf_pf *pf, struct vpf_admin_cmd *c);
/* Submit @p c, have the device answer it by hand with fake_complete()'s
 * arguments, and check that the next poll completes it: returns c->rc. */
int pft_answer(struct vpf_pf *pf, struct fake_dev *fd, struct vpf_admin_cmd *c,
	       uint16_t st, uint16_t q, uint32_t out, const void *res,
	       uint32_t res_len, uint32_t used_len);

/* Completion callback: c->arg is an index below PFT_MAX_RECORDED; counts
 * the calls and keeps the rc per index, and the total. */
extern int pft_cb_calls[PFT_MAX_RECORDED];
extern int pft_cb_rc[PFT_MAX_RECORDED];
extern int pft_cb_total;
void pft_record_reset(void);
void pft_record_cb(struct vpf_admin_cmd *c);
/* Prepare @p n DEV_MODE_GETs, command i for VF @p first_vf + i into
 * modes[i], with pft_record_cb and index i (or @p done when not NULL),
 * and submit each. */
void pft_submit_mode_gets(struct vpf_pf *pf, struct vpf_admin_cmd *cmds,
			  uint8_t *modes, uint32_t n, uint16_t first_vf,
			  void (*done)(struct vpf_admin_cmd *));

#endif /* PF_HARNESS_H */
