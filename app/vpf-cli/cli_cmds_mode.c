/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpf-cli commands: mode get|set (doc/protocol.md §4.2, §4.3).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "vpf_common.h"
#include "vpf_model.h"
#include "cli_cmds.h"

static int
parse_mode(const char *s, uint8_t *mode)
{
	if (strcmp(s, "active") == 0)
		*mode = VPF_DEV_MODE_ACTIVE;
	else if (strcmp(s, "stop") == 0)
		*mode = VPF_DEV_MODE_STOP;
	else if (strcmp(s, "freeze") == 0)
		*mode = VPF_DEV_MODE_FREEZE;
	else
		return cli_fail(-EINVAL,
				"bad mode '%s' (expected active, stop or freeze)",
				s);
	return 0;
}

/* A 1.4 device cannot report a VF's mode: vpf-cli says its own record,
 * and that it is one (doc/cli.md D-CLI14.3); a model also tells the
 * device's. */
static int
mode_get_v14(struct cli_args *a)
{
	uint8_t mode, dev;
	int rc;

	rc = cli_mode_get(a->p, a->vf, &mode, NULL);
	if (rc < 0)
		return cli_fail_dev(a->p, rc, "mode");
	printf("mode: %s\n", vpf_dev_mode_name(mode));
	printf("mode-source: driver record (a virtio 1.4 device cannot "
	       "report a VF's mode)\n");
	if (a->p->model != NULL && vpf_model_vf_mode(a->p->model, a->vf,
						     &dev) == 0)
		printf("model-mode: %s\n", vpf_dev_mode_name(dev));
	return 0;
}

static int
cmd_mode_get(struct cli_args *a)
{
	uint8_t mode;
	int rc;

	if (cli_pf_v14(a->p))
		return mode_get_v14(a);
	rc = cli_vf_call(a->p, a->vf, VPF_ADMIN_OP_DEV_MODE_GET,
			 vpf_admin_mode_get(a->p->pf, a->vf, &mode), NULL);
	if (rc < 0)
		return rc;
	printf("mode: %s\n", vpf_dev_mode_name(mode));
	return 0;
}

static int
cmd_mode_set(struct cli_args *a)
{
	struct cli_pf *p = a->p;
	uint16_t vf = a->vf;
	uint8_t mode = 0;
	int rc;

	rc = parse_mode(cli_arg(a, "choice"), &mode);
	if (rc < 0)
		return rc;
	if (cli_pf_v14(p)) {
		/* DEV_MODE_SET with or without STOPPED (no freeze in 1.4) */
		rc = cli_mode_set(p, vf, mode);
		if (rc < 0)
			return cli_fail_dev(p, rc, "DEV_MODE_SET");
	} else {
		rc = cli_vf_call(p, vf, VPF_ADMIN_OP_DEV_MODE_SET,
				 vpf_admin_mode_set(p->pf, vf, mode), NULL);
		if (rc < 0)
			return rc;
	}
	if (mode == VPF_DEV_MODE_ACTIVE) {
		p->vfs[vf].moved = false;
		p->vfs[vf].migrated = false;
		cli_manual_activated(p, vf);
	} else {
		p->vfs[vf].moved = true;
	}
	printf("mode: %s\n", vpf_dev_mode_name(mode));
	return 0;
}

static const struct cli_cmd cmds[] = {
	{ "mode get <pf> <vf>", "DEV_MODE_GET -> mode: active|stop|freeze "
	  "(1.4: the driver's record, the device cannot tell)",
	  cmd_mode_get, NULL, CLI_ON_VF },
	{ "mode set <pf> <vf> active|stop|freeze", "DEV_MODE_SET (1.4: "
	  "stop sets STOPPED, active resumes; no freeze)",
	  cmd_mode_set, NULL, CLI_ON_VF },
};

const struct cli_cmd_group cli_group_mode = {
	"mode", "VF modes", cmds, RTE_DIM(cmds)
};
