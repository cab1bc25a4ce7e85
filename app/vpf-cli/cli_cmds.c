/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * What the commands of vpf-cli share (cli_cmds.h): the VF command
 * skeleton, refusals that say what to do, option parsing, the manual
 * migration bookkeeping, and the list of areas. The commands themselves
 * live in cli_cmds_<area>.c. Each prints stable `key: value` result lines
 * on stdout and returns 0, or reports one error line through cli_fail() /
 * cli_fail_dev() and returns the negative errno.
 */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>

#include "vpf_common.h"
#include "vpf_model.h"
#include "cli_cmds.h"

struct cmdline *cli_interactive;

/* The order `help` lists the areas in. */
const struct cli_cmd_group *const cli_groups[] = {
	&cli_group_general,
	&cli_group_show,
	&cli_group_pf,
	&cli_group_mode,
	&cli_group_ctx,
	&cli_group_wr,
	&cli_group_mig,
	&cli_group_migrate,
	&cli_group_model,
	&cli_group_parts,
};
const unsigned int cli_ngroups = RTE_DIM(cli_groups);

/* ---- small things ------------------------------------------------------- */

const char *
cli_yes_no(bool b)
{
	return b ? "yes" : "no";
}

double
cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

bool
cli_cancelled(void)
{
	return cli_signal != 0;
}

int
cli_need_model(struct cli_pf *p)
{
	if (p->model == NULL)
		return cli_fail(-ENOTSUP, "%s is not a software model", p->name);
	return 0;
}

int
cli_vf_mode(struct cli_pf *p, uint16_t vf, uint8_t *mode)
{
	if (p->model != NULL)
		return vpf_model_vf_mode(p->model, vf, mode);
	/* a 1.4 device cannot report it: the driver's record */
	return cli_mode_get(p, vf, mode, NULL);
}

/* ---- options ------------------------------------------------------------ */

int
cli_opt_chunk(const struct cli_args *a, uint32_t max, uint32_t *chunk)
{
	const char *s = cli_kv_get(&a->kv, "chunk");
	uint64_t v;

	*chunk = RTE_MIN(CLI_CHUNK_DEFAULT, max);
	if (s == NULL)
		return 0;
	/* Context chunks are multiples of 8 bytes (doc/protocol.md D-1.1,
	 * D-1.2); refused here, before anything is sent (D-1.4). */
	if (cli_parse_u64(s, true, &v) < 0 || v == 0 || v % 8 != 0 || v > max)
		return cli_fail(-EINVAL,
				"bad chunk '%s' (a multiple of 8 bytes, 8..%u)",
				s, max);
	*chunk = (uint32_t)v;
	return 0;
}

int
cli_opt_force(const struct cli_args *a, bool *force)
{
	const char *s = cli_kv_get(&a->kv, "force");

	*force = false;
	if (s == NULL)
		return 0;
	if (strcmp(s, "yes") != 0 && strcmp(s, "no") != 0)
		return cli_fail(-EINVAL, "bad force '%s' (yes or no)", s);
	*force = strcmp(s, "yes") == 0;
	return 0;
}

/* ---- the VF command skeleton -------------------------------------------- */

int
cli_cmd_run(const struct cli_cmd *cmd, struct cli_args *a)
{
	bool vf = cmd->on == CLI_ON_VF || cmd->on == CLI_ON_MODEL_VF;
	int rc;

	if (cmd->on != CLI_ON_ARGS) {
		rc = cli_pf_vf(a, "pf", vf ? "vf" : NULL, &a->p,
			       vf ? &a->vf : NULL);
		if (rc < 0)
			return rc;
	}
	if (cmd->on == CLI_ON_MODEL_PF || cmd->on == CLI_ON_MODEL_VF) {
		rc = cli_need_model(a->p);
		if (rc < 0)
			return rc;
	}
	/* a manual command on a VF the migration layer holds */
	if (cmd->on == CLI_ON_VF &&
	    (rc = cli_mig_manual_ok(cmd, a->p, a->vf)) < 0)
		return rc;
	if (cmd->on == CLI_ON_VF)
		cli_dev_begin(a->p);
	return cmd->fn(a);
}

int
cli_vf_call(struct cli_pf *p, uint16_t vf, uint8_t op, int rc,
	    const char *what)
{
	if (rc >= 0)
		return rc;
	return cli_fail_op(p, vf, op, rc,
			   what != NULL ? what : vpf_admin_opcode_name(op));
}

/* ---- refusals that say what to do --------------------------------------- */

static bool
op_enabled(struct cli_pf *p, uint8_t op)
{
	struct vpf_pf_info in;

	if (vpf_pf_info_get(p->pf, &in) < 0)
		return true;	/* unknown: no hint rather than a wrong one */
	return (in.cmds_enabled & VPF_ADMIN_OP_BIT(op)) != 0;
}

/* The device refused @p op as not allowed in the VF's mode or state
 * (doc/protocol.md §4.10): say which state and the way out. */
static void
hint_invalid_command(struct cli_pf *p, uint16_t vf, uint8_t op)
{
	const char *name = vpf_admin_opcode_name(op);
	const char *pf = p->name;
	uint8_t mode;

	/* The mode is read after the error line: a VFIO PF answers with
	 * one more admin command. */
	if (cli_vf_mode(p, vf, &mode) < 0)
		return;
	switch (op) {
	case VPF_ADMIN_OP_DEV_CTX_WRITE:
		if (mode != VPF_DEV_MODE_FREEZE)
			cli_hint("%s vf %u is %s: %s needs Freeze "
				 "(mode set %s %u freeze)", pf, vf,
				 vpf_dev_mode_name(mode), name, pf, vf);
		break;
	case VPF_ADMIN_OP_DEV_MODE_SET:
		cli_hint("a context of %s vf %u is partly read or "
			 "written, which blocks active and stop: finish "
			 "it, or 'ctx discard %s %u' (drops it)", pf, vf,
			 pf, vf);
		break;
	case VPF_ADMIN_OP_DEV_WRITE_RECORDS_START:
		cli_hint("write recording is already on for %s vf %u: "
			 "'wr read %s %u ...' reads it, 'wr stop %s %u' "
			 "ends it before a new start", pf, vf, pf, vf,
			 pf, vf);
		break;
	case VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ:
		cli_hint("write recording is not on for %s vf %u: "
			 "'wr start %s %u <page_size> <addr>:<pages>' "
			 "first", pf, vf, pf, vf);
		break;
	default:
		cli_hint("the device refused %s for %s vf %u in %s "
			 "('help' for the order of the steps)", name, pf,
			 vf, vpf_dev_mode_name(mode));
		break;
	}
}

int
cli_fail_op(struct cli_pf *p, uint16_t vf, uint8_t op, int err,
	    const char *what)
{
	const char *name = vpf_admin_opcode_name(op);
	const char *pf = p->name;
	char dev[128];
	uint16_t st = 0, q = 0;
	bool devst;

	devst = cli_dev_status(p, dev, sizeof(dev));
	if (devst)
		vpf_admin_last_status(p->pf, &st, &q);
	cli_fail_dev(p, err, what);
	if (devst && q == VPF_ADMIN_SQ_INVALID_COMMAND) {
		hint_invalid_command(p, vf, op);
	} else if (devst && q == VPF_ADMIN_SQ_INVALID_OPCODE) {
		cli_hint("the device does not take %s: 'show cmds %s' lists "
			 "the commands it supports and vpf enabled", name, pf);
	} else if (!devst && err == -ENOTSUP && !op_enabled(p, op)) {
		cli_hint("%s is not enabled on %s (the device does not offer "
			 "it): 'show cmds %s' lists what it supports", name, pf,
			 pf);
	} else if (devst && q == VPF_ADMIN_SQ_INVALID_MEMBER) {
		cli_hint("the device does not know VF %u of %s: 'show pf' says "
			 "num-vfs and vf-enabled; if NumVFs changed, "
			 "'pf reattach %s'", vf, pf, pf);
	} else if (devst && q == VPF_ADMIN_SQ_INVALID_GROUP) {
		cli_hint("the device refused the SR-IOV group of %s: are its "
			 "VFs enabled ('show pf': vf-enabled)?", pf);
	} else if (devst && (st == VPF_ADMIN_STATUS_EAGAIN ||
			     q == VPF_ADMIN_SQ_NORESOURCE ||
			     q == VPF_ADMIN_SQ_TRYAGAIN)) {
		cli_hint("the device stayed busy through vpf's retries: run "
			 "the command again");
	} else if (err == -ETIMEDOUT) {
		cli_hint("the device did not answer %s in time and vpf reset "
			 "the admin queue: run it again; 'stats %s' counts "
			 "timeouts", name, pf);
	}
	return err;
}

/* ---- the manual flow ---------------------------------------------------- */

/* `ctx read` on a source, `ctx write` of that file and `mode set active`
 * on a destination complete the source's migration (doc/protocol.md
 * D-CLI.5): vpf-cli remembers which files it wrote and which destination
 * received one. */

void
cli_manual_read(const char *path, struct cli_pf *p, uint16_t vf)
{
	char real[PATH_MAX];
	unsigned int i, slot;

	if (realpath(path, real) == NULL || strlen(real) >= CLI_ARG_LEN)
		return;
	for (i = 0; i < cli.nfiles; i++)
		if (strcmp(cli.files[i].path, real) == 0)
			break;
	if (i == cli.nfiles) {
		if (cli.nfiles < RTE_DIM(cli.files))
			cli.nfiles++;
		else
			memmove(&cli.files[0], &cli.files[1],
				(RTE_DIM(cli.files) - 1) * sizeof(cli.files[0]));
		i = cli.nfiles - 1;
	}
	slot = i;
	/* strlen(real) < CLI_ARG_LEN was checked above. */
	memcpy(cli.files[slot].path, real, strlen(real) + 1);
	snprintf(cli.files[slot].pf, sizeof(cli.files[slot].pf), "%s", p->name);
	cli.files[slot].vf = vf;
}

void
cli_manual_write(const char *path, struct cli_pf *dst, uint16_t dst_vf)
{
	char real[PATH_MAX];
	unsigned int i, slot;

	if (realpath(path, real) == NULL)
		return;
	for (i = 0; i < cli.nfiles; i++)
		if (strcmp(cli.files[i].path, real) == 0)
			break;
	if (i == cli.nfiles)
		return;
	slot = cli.nwritten < RTE_DIM(cli.written) ? cli.nwritten++ :
		RTE_DIM(cli.written) - 1;
	memcpy(cli.written[slot].dst_pf, dst->name, sizeof(dst->name));
	cli.written[slot].dst_vf = dst_vf;
	memcpy(cli.written[slot].src_pf, cli.files[i].pf,
	       sizeof(cli.files[i].pf));
	cli.written[slot].src_vf = cli.files[i].vf;
	cli.written[slot].valid = true;
}

void
cli_manual_activated(struct cli_pf *dst, uint16_t dst_vf)
{
	unsigned int i;

	for (i = 0; i < cli.nwritten; i++) {
		struct cli_pf *src;

		if (!cli.written[i].valid || cli.written[i].dst_vf != dst_vf ||
		    strcmp(cli.written[i].dst_pf, dst->name) != 0)
			continue;
		cli.written[i].valid = false;
		src = cli_pf_find(cli.written[i].src_pf);
		if (src == NULL || cli.written[i].src_vf > src->num_vfs ||
		    (src == dst && cli.written[i].src_vf == dst_vf))
			continue;
		src->vfs[cli.written[i].src_vf].migrated = true;
		snprintf(src->vfs[cli.written[i].src_vf].migrated_to,
			 sizeof(src->vfs[0].migrated_to), "%s vf %u", dst->name,
			 dst_vf);
		/* the guest moved away from the source, into dst_vf */
		src->vfs[cli.written[i].src_vf].target = false;
		dst->vfs[dst_vf].target = true;
		snprintf(dst->vfs[dst_vf].target_of,
			 sizeof(dst->vfs[0].target_of), "%s vf %u", src->name,
			 cli.written[i].src_vf);
	}
}

bool
cli_manual_target(struct cli_pf *p, uint16_t vf, char *from, size_t len)
{
	unsigned int i;

	for (i = 0; i < cli.nwritten; i++)
		if (cli.written[i].valid && cli.written[i].dst_vf == vf &&
		    strcmp(cli.written[i].dst_pf, p->name) == 0) {
			snprintf(from, len, "%s vf %u", cli.written[i].src_pf,
				 cli.written[i].src_vf);
			return true;
		}
	return false;
}
