/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * vpfd's model methods: what a test or a demo does to a software PF from
 * outside (run its simulated guest, read its digest, inject faults) and
 * what a hypervisor does between two hosts in the 1.4 dialect (move the
 * guest ring state, which lives in guest RAM).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vpf_common.h"
#include "vpf_model.h"
#include "vpfd.h"

/* Largest guest ring state moved through JSON (hex): 256 queues. */
#define VPFD_RING_MAX	VPF_MODEL_GUEST_RING_SIZE(256)

static int
model_vf(struct vpfd_req *r, struct vpfd_pf **p, uint16_t *vf)
{
	if (vpfd_p_vf(r, p, vf) < 0)
		return -1;
	if ((*p)->model == NULL)
		return vpfd_fail(r, VPFD_E_PARAMS, "%s is not a software model",
				 (*p)->name);
	return 0;
}

static int
m_model_guest(struct vpfd_req *r, json_t **res)
{
	struct vpfd_pf *p;
	uint64_t ops = 0;
	uint16_t vf;
	int rc;

	if (model_vf(r, &p, &vf) < 0 ||
	    vpfd_p_u64(r, "ops", true, 0, 1000000, &ops) < 0)
		return -1;
	rc = vpf_model_guest_step(p->model, vf, (uint32_t)ops);
	if (rc < 0)
		return vpfd_fail_rc(r, rc, "model_guest");
	*res = json_true();
	return 0;
}

static int
m_model_digest(struct vpfd_req *r, json_t **res)
{
	uint8_t dg[32];
	char hex[65];
	struct vpfd_pf *p;
	uint16_t vf;
	int rc;

	if (model_vf(r, &p, &vf) < 0)
		return -1;
	rc = vpf_model_digest(p->model, vf, dg);
	if (rc < 0)
		return vpfd_fail_rc(r, rc, "model_digest");
	vpf_model_digest_hex(dg, hex);
	*res = json_pack("{s:s}", "digest", hex);
	return 0;
}

static int
m_model_ring_export(struct vpfd_req *r, json_t **res)
{
	static uint8_t buf[VPFD_RING_MAX];
	static char hex[2 * VPFD_RING_MAX + 1];
	struct vpfd_pf *p;
	size_t len = 0, i;
	uint16_t vf;
	int rc;

	if (model_vf(r, &p, &vf) < 0)
		return -1;
	rc = vpf_model_guest_ring_export(p->model, vf, buf, sizeof(buf), &len);
	if (rc < 0)
		return vpfd_fail_rc(r, rc, "model_ring_export");
	for (i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", buf[i]);
	hex[2 * len] = '\0';
	*res = json_pack("{s:s}", "ring", hex);
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
m_model_ring_import(struct vpfd_req *r, json_t **res)
{
	static uint8_t buf[VPFD_RING_MAX];
	const char *hex = NULL;
	struct vpfd_pf *p;
	size_t len, i;
	uint16_t vf;
	int rc;

	if (model_vf(r, &p, &vf) < 0 ||
	    vpfd_p_str(r, "ring", true, &hex) < 0)
		return -1;
	len = strlen(hex);
	if (len % 2 != 0 || len / 2 > sizeof(buf))
		return vpfd_fail(r, VPFD_E_PARAMS, "'ring' must be an even "
				 "number of hex digits, at most %zu bytes",
				 sizeof(buf));
	for (i = 0; i < len / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return vpfd_fail(r, VPFD_E_PARAMS, "'ring' has a "
					 "character that is not a hex digit");
		buf[i] = (uint8_t)(hi << 4 | lo);
	}
	rc = vpf_model_guest_ring_import(p->model, vf, buf, len / 2);
	if (rc < 0)
		return vpfd_fail_rc(r, rc, "model_ring_import");
	*res = json_true();
	return 0;
}

static int
m_model_fault(struct vpfd_req *r, json_t **res)
{
	enum vpf_model_fault_kind kind;
	const char *name = NULL;
	uint64_t count = 1, param = 0, ms = 0;
	struct vpfd_pf *p;
	uint64_t vf = 0;
	int rc;

	if (vpfd_p_pf(r, &p) < 0 ||
	    vpfd_p_u64(r, "vf", false, 0, p->num_vfs, &vf) < 0 ||
	    vpfd_p_str(r, "kind", true, &name) < 0 ||
	    vpfd_p_u64(r, "count", false, 1, 1000000, &count) < 0 ||
	    vpfd_p_u64(r, "ms", false, 1, 600000, &ms) < 0 ||
	    vpfd_p_u64(r, "param", false, 0, UINT32_MAX, &param) < 0)
		return -1;
	if (p->model == NULL)
		return vpfd_fail(r, VPFD_E_PARAMS, "%s is not a software model",
				 p->name);
	if (vpf_model_fault_parse(name, &kind) < 0 ||
	    kind == VPF_MODEL_FAULT_NONE)
		return vpfd_fail(r, VPFD_E_PARAMS, "unknown fault kind '%.32s'",
				 name);
	if (ms > 0)
		rc = vpf_model_fault_inject_for(p->model, (uint16_t)vf, kind,
						(uint32_t)ms, (uint32_t)param);
	else
		rc = vpf_model_fault_inject(p->model, (uint16_t)vf, kind,
					    (uint32_t)count, (uint32_t)param);
	if (rc < 0)
		return vpfd_fail_rc(r, rc, "model_fault");
	*res = json_true();
	return 0;
}

static int
m_model_fault_clear(struct vpfd_req *r, json_t **res)
{
	struct vpfd_pf *p;

	if (vpfd_p_pf(r, &p) < 0)
		return -1;
	if (p->model == NULL)
		return vpfd_fail(r, VPFD_E_PARAMS, "%s is not a software model",
				 p->name);
	vpf_model_fault_clear(p->model);
	*res = json_true();
	return 0;
}

static const char *const k_vf[] = { "pf", "vf", "bdf", NULL };
static const char *const k_guest[] = { "pf", "vf", "bdf", "ops", NULL };
static const char *const k_ring[] = { "pf", "vf", "bdf", "ring", NULL };
static const char *const k_fault[] = { "pf", "vf", "kind", "count", "ms",
				       "param", NULL };
static const char *const k_pf[] = { "pf", NULL };

const struct vpfd_method vpfd_methods_model[] = {
	{ "model_guest", m_model_guest, 0, k_guest },
	{ "model_digest", m_model_digest, 0, k_vf },
	{ "model_ring_export", m_model_ring_export, 0, k_vf },
	{ "model_ring_import", m_model_ring_import, 0, k_ring },
	{ "model_fault", m_model_fault, 0, k_fault },
	{ "model_fault_clear", m_model_fault_clear, 0, k_pf },
	{ NULL, NULL, 0, NULL },
};
