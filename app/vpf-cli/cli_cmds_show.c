/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpf-cli commands: show pf|vf|cmds, stats.
 */

#include <inttypes.h>
#include <stdio.h>

#include <rte_common.h>

#include "vpf_common.h"
#include "vpf_parts.h"
#include "cli_cmds.h"

/* ---- show --------------------------------------------------------------- */

/* A 1.4 PF: the object limits the driver negotiated and the objects it
 * holds (doc/cli.md "show pf"). */
static void
print_pf_v14(struct cli_pf *p, const struct vpf_pf_info *in)
{
	struct vpf_admin_v14_obj objs[64];
	int n, i;

	printf("parts-get-limit: %u\n", in->parts_get_limit);
	printf("parts-set-limit: %u\n", in->parts_set_limit);
	printf("parts-get-in-use: %u\n", in->parts_get_in_use);
	printf("parts-set-in-use: %u\n", in->parts_set_in_use);
	printf("parts-ids-blocked: %u\n", in->parts_ids_blocked);
	n = vpf_admin_v14_obj_list(p->pf, objs, RTE_DIM(objs));
	if (n < 0)
		return;
	printf("parts-objects: %d\n", n);
	for (i = 0; i < RTE_MIN(n, (int)RTE_DIM(objs)); i++)
		printf("parts-object: %u vf %u %s\n", objs[i].id, objs[i].vf,
		       objs[i].kind == VPF_PARTS_OBJ_GET ? "get" : "set");
}

static void
print_pf(struct cli_pf *p)
{
	struct vpf_pf_info in;

	if (vpf_pf_info_get(p->pf, &in) < 0) {
		printf("pf: %s\nerror: %s\n", p->name, vpf_last_error());
		return;
	}
	printf("pf: %s\n", p->name);
	printf("backend: %s\n", in.backend ? in.backend : "unknown");
	printf("vendor-id: 0x%04x\n", in.vendor_id);
	printf("device-id: 0x%04x\n", in.device_id);
	printf("num-vfs: %u\n", in.num_vfs);
	printf("total-vfs: %u\n", in.total_vfs);
	printf("vf-enabled: %s\n", cli_yes_no(in.vf_enabled));
	printf("vf-offset: %u\n", in.vf_offset);
	printf("vf-stride: %u\n", in.vf_stride);
	printf("device-features: 0x%016" PRIx64 "\n", in.device_features);
	printf("driver-features: 0x%016" PRIx64 "\n", in.driver_features);
	printf("admin-queue-index: %u\n", in.admin_queue_index);
	printf("admin-queue-size: %u\n", in.admin_queue_size);
	printf("dialect: %s\n", cli_dialect_name(in.dialect));
	printf("fields-query: %s\n", cli_yes_no(in.has_fields_query));
	printf("write-recording: %s\n", cli_yes_no(in.has_write_record));
	printf("inflight: %u\n", in.inflight);
	printf("recoveries: %u\n", in.recoveries);
	if (in.dialect == VPF_DIALECT_V14_PARTS)
		print_pf_v14(p, &in);
}

static int
cmd_show_pf(struct cli_args *a)
{
	unsigned int i;

	RTE_SET_USED(a);
	printf("pfs: %u\n", cli.npf);
	for (i = 0; i < cli.npf; i++) {
		printf("\n");
		print_pf(cli.pfs[i]);
	}
	return 0;
}

static int
print_vf(struct cli_pf *p, uint16_t vf)
{
	struct cli_vf *v = &p->vfs[vf];
	struct vpf_admin_stats st;
	char bdf[32];
	bool recorded;
	uint8_t mode;
	int rc;

	cli_dev_begin(p);
	rc = cli_mode_get(p, vf, &mode, &recorded);
	if (rc < 0)
		return cli_fail_dev(p, rc, "DEV_MODE_GET");
	printf("vf: %u\n", vf);
	cli_pf_vf_bdf(p, vf, bdf, sizeof(bdf));
	if (bdf[0] != '\0')
		printf("bdf: %s\n", bdf);
	printf("mode: %s\n", cli_mode_name(p, mode));
	if (recorded)
		printf("mode-source: driver record\n");
	printf("moved-by-cli: %s\n", cli_yes_no(v->moved));
	printf("migrated-to: %s\n", v->migrated ? v->migrated_to : "none");
	switch (cli_pf_journal_has(p, vf)) {
	case 1:
		printf("migrated-away: yes (journal)\n");
		break;
	case 0:
		printf("migrated-away: %s\n", v->migrated ? "yes" : "no");
		break;
	default:
		printf("migrated-away: %s (no journal)\n",
		       v->migrated ? "yes" : "no");
		break;
	}
	printf("migrated-from: %s\n", v->target ? v->target_of : "none");
	printf("write-recording: %s\n", v->wr_on ? "on" : "off");
	if (vpf_admin_stats_get(p->pf, vf, &st) == 0) {
		printf("cmds: %" PRIu64 "\n", cli_stats_cmds(&st));
		printf("errors: %" PRIu64 "\n",
		       cli_stats_dev_errors(&st) + st.errors_local);
	}
	return 0;
}

static int
cmd_show_vf(struct cli_args *a)
{
	struct cli_pf *p;
	uint16_t vf;
	int rc;

	if (cli_arg(a, "vf") != NULL) {
		rc = cli_pf_vf(a, "pf", "vf", &p, &vf);
		return rc < 0 ? rc : print_vf(p, vf);
	}
	rc = cli_pf_vf(a, "pf", NULL, &p, NULL);
	if (rc < 0)
		return rc;
	printf("pf: %s\nvfs: %u\n", p->name, p->num_vfs);
	for (vf = 1; vf <= p->num_vfs; vf++) {
		printf("\n");
		rc = print_vf(p, vf);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
cmd_show_cmds(struct cli_args *a)
{
	struct vpf_pf_info in;
	unsigned int op;
	int rc;

	rc = vpf_pf_info_get(a->p->pf, &in);
	if (rc < 0)
		return cli_fail(rc, "%s", vpf_last_error());
	printf("dialect: %s\n", cli_dialect_name(in.dialect));
	printf("supported: 0x%016" PRIx64 "\n", in.cmds_supported);
	printf("enabled: 0x%016" PRIx64 "\n", in.cmds_enabled);
	for (op = 0; op < 64; op++) {
		uint64_t bit = UINT64_C(1) << op;

		if (!(in.cmds_supported & bit))
			continue;
		/* the same opcode numbers mean other commands in 1.4 */
		printf("0x%02x %s: %s\n", op,
		       in.dialect == VPF_DIALECT_V14_PARTS ?
		       vpf_admin_v14_opcode_name(op) : vpf_admin_opcode_name(op),
		       (in.cmds_enabled & bit) ? "enabled" : "supported");
	}
	return 0;
}

/* ---- stats -------------------------------------------------------------- */

static void
print_stats(struct cli_pf *p)
{
	struct vpf_admin_stats st;
	struct vpf_pf_info in;
	bool v14;
	unsigned int i;

	v14 = vpf_pf_info_get(p->pf, &in) == 0 &&
	      in.dialect == VPF_DIALECT_V14_PARTS;
	printf("pf: %s\n", p->name);
	if (vpf_admin_stats_get(p->pf, 0, &st) < 0) {
		printf("error: %s\n", vpf_last_error());
		return;
	}
	printf("cmds: %" PRIu64 "\n", cli_stats_cmds(&st));
	for (i = 0; i < RTE_DIM(st.cmds); i++)
		if (st.cmds[i])
			printf("cmds.%s: %" PRIu64 "\n",
			       v14 ? vpf_admin_v14_opcode_name(i) :
			       vpf_admin_opcode_name(i), st.cmds[i]);
	for (i = 0; i < RTE_DIM(st.errors_by_status); i++)
		if (st.errors_by_status[i])
			printf("errors.%s: %" PRIu64 "\n",
			       vpf_admin_status_name(i), st.errors_by_status[i]);
	printf("errors-local: %" PRIu64 "\n", st.errors_local);
	printf("retries: %" PRIu64 "\n", st.retries);
	printf("timeouts: %" PRIu64 "\n", st.timeouts);
	printf("bytes-read: %" PRIu64 "\n", st.bytes_read);
	printf("bytes-written: %" PRIu64 "\n", st.bytes_written);
	printf("latency-min-ns: %" PRIu64 "\n", st.lat_count ? st.lat_min_ns : 0);
	printf("latency-avg-ns: %" PRIu64 "\n",
	       st.lat_count ? st.lat_sum_ns / st.lat_count : 0);
	printf("latency-max-ns: %" PRIu64 "\n", st.lat_max_ns);
}

static int
cmd_stats(struct cli_args *a)
{
	struct cli_pf *p;
	unsigned int i;
	int rc;

	if (cli_arg(a, "pf") != NULL) {
		rc = cli_pf_vf(a, "pf", NULL, &p, NULL);
		if (rc < 0)
			return rc;
		print_stats(p);
		return 0;
	}
	for (i = 0; i < cli.npf; i++) {
		if (i)
			printf("\n");
		print_stats(cli.pfs[i]);
	}
	return 0;
}

static int
cmd_stats_reset(struct cli_args *a)
{
	vpf_admin_stats_reset(a->p->pf);
	printf("stats: reset\n");
	return 0;
}

/* ---- the table ---------------------------------------------------------- */

static const struct cli_opt show_vf_opts[] = {
	{ "<vf>", "every VF of <pf>", NULL },
	{ NULL, NULL, NULL },
};

static const struct cli_opt stats_opts[] = {
	{ "<pf>", "every attached PF", NULL },
	{ NULL, NULL, NULL },
};

static const struct cli_cmd cmds[] = {
	{ "show pf", "attached PFs: ids, VFs, features, admin queue, dialect",
	  cmd_show_pf, NULL, CLI_ON_ARGS },
	{ "show vf <pf> [<vf>]", "one VF, or every VF of <pf>: mode and what "
	  "vpf-cli did to it", cmd_show_vf, show_vf_opts, CLI_ON_ARGS },
	{ "show cmds <pf>", "admin commands the device supports and vpf enabled",
	  cmd_show_cmds, NULL, CLI_ON_PF },
	{ "stats [<pf>]", "admin command counters of <pf>, or of every PF",
	  cmd_stats, stats_opts, CLI_ON_ARGS },
	{ "stats reset <pf>", "zero the counters of <pf>", cmd_stats_reset,
	  NULL, CLI_ON_PF },
};

const struct cli_cmd_group cli_group_show = {
	"show", "what vpf-cli knows of the PFs and VFs, and the counters",
	cmds, RTE_DIM(cmds)
};
