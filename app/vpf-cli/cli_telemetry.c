/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * rte_telemetry endpoints, read by dpdk-telemetry.py:
 *   /vpf/pf/list              names of the attached PFs
 *   /vpf/pf/info,<pf>         what vpf knows about a PF
 *   /vpf/vf/info,<pf>,<vf>    a VF's mode and what vpf-cli did to it
 *   /vpf/stats,<pf>           admin command counters
 * Handlers run on DPDK's telemetry thread: they take cli.lock, since a PF
 * is single-owner (vpf_pf.h), and never wait for the device longer than
 * one admin command.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include "vpf_model.h"
#include "cli.h"

static int
tel_pf_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int i;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	pthread_mutex_lock(&cli.lock);
	for (i = 0; i < cli.npf; i++)
		rte_tel_data_add_array_string(d, cli.pfs[i]->name);
	pthread_mutex_unlock(&cli.lock);
	return 0;
}

/* Split "pf[,vf]"; @return the PF (cli.lock held) or NULL. */
static struct cli_pf *
tel_pf(const char *params, long *vf)
{
	char name[CLI_NAME_LEN];
	const char *comma;
	size_t len;
	char *end;

	if (params == NULL || *params == '\0')
		return NULL;
	comma = strchr(params, ',');
	len = comma ? (size_t)(comma - params) : strlen(params);
	if (len == 0 || len >= sizeof(name))
		return NULL;
	memcpy(name, params, len);
	name[len] = '\0';
	if (vf != NULL) {
		if (comma == NULL || comma[1] == '\0')
			return NULL;
		*vf = strtol(comma + 1, &end, 10);
		if (*end != '\0')
			return NULL;
	} else if (comma != NULL) {
		return NULL;
	}
	return cli_pf_find(name);
}

static int
tel_pf_info(struct cli_pf *p, uint16_t vf, struct rte_tel_data *d)
{
	struct vpf_pf_info in;
	char hex[24];

	RTE_SET_USED(vf);
	if (vpf_pf_info_get(p->pf, &in) < 0)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", p->name);
	rte_tel_data_add_dict_string(d, "backend", in.backend ? in.backend : "");
	rte_tel_data_add_dict_int(d, "vendor_id", in.vendor_id);
	rte_tel_data_add_dict_int(d, "device_id", in.device_id);
	rte_tel_data_add_dict_int(d, "num_vfs", in.num_vfs);
	rte_tel_data_add_dict_int(d, "total_vfs", in.total_vfs);
	snprintf(hex, sizeof(hex), "0x%016" PRIx64, in.driver_features);
	rte_tel_data_add_dict_string(d, "driver_features", hex);
	snprintf(hex, sizeof(hex), "0x%016" PRIx64, in.cmds_enabled);
	rte_tel_data_add_dict_string(d, "cmds_enabled", hex);
	rte_tel_data_add_dict_int(d, "admin_queue_size", in.admin_queue_size);
	rte_tel_data_add_dict_int(d, "fields_query", in.has_fields_query);
	rte_tel_data_add_dict_int(d, "write_recording", in.has_write_record);
	rte_tel_data_add_dict_u64(d, "inflight", in.inflight);
	rte_tel_data_add_dict_u64(d, "recoveries", in.recoveries);
	return 0;
}

static int
tel_vf_info(struct cli_pf *p, uint16_t vf, struct rte_tel_data *d)
{
	struct vpf_admin_stats st;
	uint8_t mode = 0xff;
	int rc;

	/* A model answers without an admin command; a real PF is asked
	 * (a 1.4 one cannot say: the driver's record, cli_mode_get()). */
	if (p->model != NULL)
		rc = vpf_model_vf_mode(p->model, vf, &mode);
	else
		rc = cli_mode_get(p, vf, &mode, NULL);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "pf", p->name);
	rte_tel_data_add_dict_int(d, "vf", vf);
	rte_tel_data_add_dict_string(d, "mode",
				     rc == 0 ? vpf_dev_mode_name(mode) : "unknown");
	rte_tel_data_add_dict_int(d, "moved_by_cli", p->vfs[vf].moved);
	rte_tel_data_add_dict_int(d, "migrated", p->vfs[vf].migrated);
	rte_tel_data_add_dict_int(d, "write_recording", p->vfs[vf].wr_on);
	if (vpf_admin_stats_get(p->pf, vf, &st) == 0) {
		rte_tel_data_add_dict_u64(d, "cmds", cli_stats_cmds(&st));
		rte_tel_data_add_dict_u64(d, "bytes_read", st.bytes_read);
		rte_tel_data_add_dict_u64(d, "bytes_written", st.bytes_written);
	}
	return 0;
}

static int
tel_stats(struct cli_pf *p, uint16_t vf, struct rte_tel_data *d)
{
	struct vpf_admin_stats st;
	unsigned int i;

	RTE_SET_USED(vf);
	if (vpf_admin_stats_get(p->pf, 0, &st) < 0)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "pf", p->name);
	rte_tel_data_add_dict_u64(d, "cmds", cli_stats_cmds(&st));
	for (i = 0; i < RTE_DIM(st.cmds); i++)
		if (st.cmds[i])
			rte_tel_data_add_dict_u64(d, vpf_admin_opcode_name(i),
						  st.cmds[i]);
	rte_tel_data_add_dict_u64(d, "errors", cli_stats_dev_errors(&st));
	rte_tel_data_add_dict_u64(d, "errors_local", st.errors_local);
	rte_tel_data_add_dict_u64(d, "retries", st.retries);
	rte_tel_data_add_dict_u64(d, "timeouts", st.timeouts);
	rte_tel_data_add_dict_u64(d, "bytes_read", st.bytes_read);
	rte_tel_data_add_dict_u64(d, "bytes_written", st.bytes_written);
	rte_tel_data_add_dict_u64(d, "latency_avg_ns",
				  st.lat_count ? st.lat_sum_ns / st.lat_count : 0);
	rte_tel_data_add_dict_u64(d, "latency_max_ns", st.lat_max_ns);
	return 0;
}

/* An endpoint about one PF ("pf") or one VF ("pf,vf"). */
struct tel_endpoint {
	const char *cmd;
	const char *help;
	bool vf;
	/* fill the reply (cli.lock held); -EINVAL when vpf cannot say */
	int (*fill)(struct cli_pf *p, uint16_t vf, struct rte_tel_data *d);
};

static const struct tel_endpoint tel_endpoints[] = {
	{ "/vpf/pf/info", "What vpf knows about a PF. Parameters: pf name",
	  false, tel_pf_info },
	{ "/vpf/vf/info",
	  "Mode and state of a VF. Parameters: pf name, vf number",
	  true, tel_vf_info },
	{ "/vpf/stats", "Admin command counters of a PF. Parameters: pf name",
	  false, tel_stats },
};

/* The handler of every tel_endpoints[] entry: telemetry passes the
 * endpoint's name in @p cmd. An unknown PF or VF is -EINVAL. */
static int
tel_pf_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct tel_endpoint *e = NULL;
	struct cli_pf *p;
	unsigned int i;
	long vf = 0;
	int rc = -EINVAL;

	for (i = 0; i < RTE_DIM(tel_endpoints); i++)
		if (strcmp(cmd, tel_endpoints[i].cmd) == 0)
			e = &tel_endpoints[i];
	if (e == NULL)
		return -EINVAL;
	pthread_mutex_lock(&cli.lock);
	p = tel_pf(params, e->vf ? &vf : NULL);
	if (p != NULL && (!e->vf || (vf >= 1 && vf <= p->num_vfs)))
		rc = e->fill(p, (uint16_t)vf, d);
	pthread_mutex_unlock(&cli.lock);
	return rc;
}

int
cli_telemetry_init(void)
{
	unsigned int i;
	int rc = 0;

	rc |= rte_telemetry_register_cmd("/vpf/pf/list", tel_pf_list,
		"Names of the attached PFs. Takes no parameters");
	for (i = 0; i < RTE_DIM(tel_endpoints); i++)
		rc |= rte_telemetry_register_cmd(tel_endpoints[i].cmd,
						 tel_pf_cmd,
						 tel_endpoints[i].help);
	return rc ? -EINVAL : 0;
}
