/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Shared set-up of the test_pf_* programs (see pf_harness.h).
 */

#include <stdlib.h>
#include <string.h>

#include "pf_harness.h"
#include "pf/pf_internal.h"

int pft_cb_calls[PFT_MAX_RECORDED];
int pft_cb_rc[PFT_MAX_RECORDED];
int pft_cb_total;

void
pft_params(struct vpf_pf_params *p, const char *name,
	   uint32_t reset_timeout_us, uint32_t timeout_us)
{
	vpf_pf_params_init(p);
	p->name = name;
	p->reset_timeout_us = reset_timeout_us;
	if (timeout_us)
		p->cmd_timeout_us = timeout_us;
	p->retry_backoff_us = 1;
}

struct fake_dev *
pft_fake_new(uint16_t vfs, uint32_t flags)
{
	struct fake_dev *fd = malloc(sizeof(*fd));

	assert_non_null(fd);
	fake_init(fd, vfs, flags);
	return fd;
}

void
pft_fake_free(struct fake_dev *fd)
{
	fake_fini(fd);
	free(fd);
}

struct vpf_pf *
pft_attach(struct fake_dev *fd, uint32_t timeout_us)
{
	struct vpf_pf_params p;

	pft_params(&p, "t", 20000, timeout_us);
	return vpf_pf_attach(&fake_ops, fd, &p);
}

struct vpf_pf *
pft_up_with(uint16_t vfs, uint32_t flags, const struct vpf_pf_ops *ops,
	    const struct vpf_pf_params *p, struct fake_dev **fdp)
{
	struct fake_dev *fd = pft_fake_new(vfs, flags);
	struct vpf_pf *pf = vpf_pf_attach(ops, fd, p);

	if (pf == NULL)
		fail_msg("attach: %s", vpf_last_error());
	*fdp = fd;
	return pf;
}

struct vpf_pf *
pft_up(uint16_t vfs, uint32_t flags, uint32_t timeout_us, struct fake_dev **fdp)
{
	struct vpf_pf_params p;

	pft_params(&p, "t", 20000, timeout_us);
	return pft_up_with(vfs, flags, &fake_ops, &p, fdp);
}

void
pft_down(struct vpf_pf *pf, struct fake_dev *fd)
{
	if (pf != NULL)
		vpf_pf_detach(pf);
	pft_fake_free(fd);
}

void
pft_submit_take(struct vpf_pf *pf, struct fake_dev *fd, struct vpf_admin_cmd *c,
		struct fake_req *r)
{
	c->done = NULL;
	c->arg = NULL;
	memset(c->priv, 0, sizeof(c->priv));
	assert_int_equal(vpf_admin_submit(pf, c), 0);
	vpf_admin_kick(pf);
	assert_int_equal(fake_pop(fd, r), 1);
}

void
pft_poll_done(struct vpf_pf *pf, struct vpf_admin_cmd *c)
{
	int i;

	for (i = 0; i < 1000 && c->priv[1] != CMD_DONE; i++)
		assert_true(vpf_admin_poll(pf) >= 0);
	assert_int_equal(c->priv[1], CMD_DONE);
}

int
pft_answer(struct vpf_pf *pf, struct fake_dev *fd, struct vpf_admin_cmd *c,
	   uint16_t st, uint16_t q, uint32_t out, const void *res,
	   uint32_t res_len, uint32_t used_len)
{
	static struct fake_req r;	/* 70 KB: not on the stack */

	pft_submit_take(pf, fd, c, &r);
	fake_complete(fd, &r, st, q, out, res, res_len, used_len);
	assert_int_equal(vpf_admin_poll(pf), 1);
	assert_int_equal(c->priv[1], CMD_DONE);
	return c->rc;
}

void
pft_record_reset(void)
{
	memset(pft_cb_calls, 0, sizeof(pft_cb_calls));
	memset(pft_cb_rc, 0, sizeof(pft_cb_rc));
	pft_cb_total = 0;
}

void
pft_record_cb(struct vpf_admin_cmd *c)
{
	uintptr_t i = (uintptr_t)c->arg;

	assert_true(i < PFT_MAX_RECORDED);
	pft_cb_calls[i]++;
	pft_cb_rc[i] = c->rc;
	pft_cb_total++;
}

void
pft_submit_mode_gets(struct vpf_pf *pf, struct vpf_admin_cmd *cmds,
		     uint8_t *modes, uint32_t n, uint16_t first_vf,
		     void (*done)(struct vpf_admin_cmd *))
{
	uint32_t i;

	assert_true(n <= PFT_MAX_RECORDED);
	for (i = 0; i < n; i++) {
		memset(&cmds[i], 0, sizeof(cmds[i]));
		vpf_admin_prep_mode_get(&cmds[i], (uint16_t)(first_vf + i), &modes[i]);
		cmds[i].done = done != NULL ? done : pft_record_cb;
		cmds[i].arg = (void *)(uintptr_t)i;
		assert_int_equal(vpf_admin_submit(pf, &cmds[i]), 0);
	}
}

int
main(void)
{
	return _cmocka_run_group_tests("pf", pft_tests, pft_ntests, NULL, NULL);
}
