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
tel_pf_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vpf_pf_info in;
	struct cli_pf *p;
	char hex[24];
	int rc = -EINVAL;

	RTE_SET_USED(cmd);
	pthread_mutex_lock(&cli.lock);
	p = tel_pf(params, NULL);
	if (p == NULL || vpf_pf_info_get(p->pf, &in) < 0)
		goto out;
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
	rc = 0;
out:
	pthread_mutex_unlock(&cli.lock);
	return rc;
}

static int
tel_vf_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vpf_admin_stats st;
	struct cli_pf *p;
	uint64_t cmds = 0;
	uint8_t mode = 0xff;
	unsigned int i;
	long vf = 0;
	int rc = -EINVAL;

	RTE_SET_USED(cmd);
	pthread_mutex_lock(&cli.lock);
	p = tel_pf(params, &vf);
	if (p == NULL || vf < 1 || vf > p->num_vfs)
		goto out;
	/* A model answers without an admin command; a real PF is asked. */
	if (p->model != NULL)
		rc = vpf_model_vf_mode(p->model, (uint16_t)vf, &mode);
	else
		rc = vpf_admin_mode_get(p->pf, (uint16_t)vf, &mode);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "pf", p->name);
	rte_tel_data_add_dict_int(d, "vf", (int)vf);
	rte_tel_data_add_dict_string(d, "mode",
				     rc == 0 ? vpf_dev_mode_name(mode) : "unknown");
	rte_tel_data_add_dict_int(d, "moved_by_cli", p->vfs[vf].moved);
	rte_tel_data_add_dict_int(d, "migrated", p->vfs[vf].migrated);
	rte_tel_data_add_dict_int(d, "write_recording", p->vfs[vf].wr_on);
	if (vpf_admin_stats_get(p->pf, (uint16_t)vf, &st) == 0) {
		for (i = 0; i < RTE_DIM(st.cmds); i++)
			cmds += st.cmds[i];
		rte_tel_data_add_dict_u64(d, "cmds", cmds);
		rte_tel_data_add_dict_u64(d, "bytes_read", st.bytes_read);
		rte_tel_data_add_dict_u64(d, "bytes_written", st.bytes_written);
	}
	rc = 0;
out:
	pthread_mutex_unlock(&cli.lock);
	return rc;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vpf_admin_stats st;
	struct cli_pf *p;
	uint64_t cmds = 0, errs = 0;
	unsigned int i;
	int rc = -EINVAL;

	RTE_SET_USED(cmd);
	pthread_mutex_lock(&cli.lock);
	p = tel_pf(params, NULL);
	if (p == NULL || vpf_admin_stats_get(p->pf, 0, &st) < 0)
		goto out;
	for (i = 0; i < RTE_DIM(st.cmds); i++)
		cmds += st.cmds[i];
	for (i = 0; i < RTE_DIM(st.errors_by_status); i++)
		errs += st.errors_by_status[i];
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "pf", p->name);
	rte_tel_data_add_dict_u64(d, "cmds", cmds);
	for (i = 0; i < RTE_DIM(st.cmds); i++)
		if (st.cmds[i])
			rte_tel_data_add_dict_u64(d, vpf_admin_opcode_name(i),
						  st.cmds[i]);
	rte_tel_data_add_dict_u64(d, "errors", errs);
	rte_tel_data_add_dict_u64(d, "errors_local", st.errors_local);
	rte_tel_data_add_dict_u64(d, "retries", st.retries);
	rte_tel_data_add_dict_u64(d, "timeouts", st.timeouts);
	rte_tel_data_add_dict_u64(d, "bytes_read", st.bytes_read);
	rte_tel_data_add_dict_u64(d, "bytes_written", st.bytes_written);
	rte_tel_data_add_dict_u64(d, "latency_avg_ns",
				  st.lat_count ? st.lat_sum_ns / st.lat_count : 0);
	rte_tel_data_add_dict_u64(d, "latency_max_ns", st.lat_max_ns);
	rc = 0;
out:
	pthread_mutex_unlock(&cli.lock);
	return rc;
}

int
cli_telemetry_init(void)
{
	int rc = 0;

	rc |= rte_telemetry_register_cmd("/vpf/pf/list", tel_pf_list,
		"Names of the attached PFs. Takes no parameters");
	rc |= rte_telemetry_register_cmd("/vpf/pf/info", tel_pf_info,
		"What vpf knows about a PF. Parameters: pf name");
	rc |= rte_telemetry_register_cmd("/vpf/vf/info", tel_vf_info,
		"Mode and state of a VF. Parameters: pf name, vf number");
	rc |= rte_telemetry_register_cmd("/vpf/stats", tel_stats,
		"Admin command counters of a PF. Parameters: pf name");
	return rc ? -EINVAL : 0;
}
