/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Helpers for the 1.4 dialect tests (harness_v14.h).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness_v14.h"
#include "vpf_parts.h"

struct vpf_model *
v14_model(uint32_t off, uint8_t get, uint8_t set)
{
	struct vpf_model_params p;

	vpf_model_params_init(&p);
	p.off = off;
	p.num_vfs = 4;
	p.num_qp = 2;
	p.guest_mem_size = 64ull << 20;
	p.dialect = VPF_DIALECT_V14_PARTS;
	p.parts_get_limit = get;
	p.parts_set_limit = set;
	return vpf_model_create(&p);
}

int
v14_up(struct h *h, struct vpf_model *m)
{
	if (m == NULL)
		return -ENOMEM;
	return h_up_all(h, m);
}

static struct h_done
submit(struct h *h, uint16_t op, uint16_t group, uint64_t member,
       const void *data, uint32_t dlen, uint32_t rcap)
{
	struct h_done d;

	memset(&d, 0xff, sizeof(d));
	if (h_submit(h, 0, op, group, member, data, dlen, rcap, &d, 5000) != 0)
		d.status = 0xffff;
	return d;
}

struct h_done
v14_self(struct h *h, uint16_t op, const void *data, uint32_t dlen,
	 uint32_t rcap)
{
	return submit(h, op, VPF_ADMIN_GROUP_SELF, 0, data, dlen, rcap);
}

struct h_done
v14_sriov(struct h *h, uint16_t op, uint64_t vf, const void *data,
	  uint32_t dlen, uint32_t rcap)
{
	return submit(h, op, VPF_ADMIN_GROUP_SRIOV, vf, data, dlen, rcap);
}

struct h_done
v14_limits(struct h *h, uint8_t get, uint8_t set)
{
	uint8_t d[10] = { 0 };

	d[8] = get;
	d[9] = set;
	return v14_self(h, V14_DRV_CAP_SET, d, sizeof(d), 0);
}

struct h_done
v14_create(struct h *h, uint64_t vf, uint32_t id, uint8_t kind)
{
	uint8_t d[24] = { 0 };

	memcpy(d + 4, &id, 4);
	d[16] = kind;
	return v14_sriov(h, V14_CREATE, vf, d, sizeof(d), 0);
}

struct h_done
v14_destroy(struct h *h, uint64_t vf, uint32_t id)
{
	uint8_t d[8] = { 0 };

	memcpy(d + 4, &id, 4);
	return v14_sriov(h, V14_DESTROY, vf, d, sizeof(d), 0);
}

struct h_done
v14_mode(struct h *h, uint64_t vf, uint8_t flags)
{
	uint8_t d[8] = { flags };

	return v14_sriov(h, V14_MODE, vf, d, sizeof(d), 0);
}

struct h_done
v14_meta(struct h *h, uint64_t vf, uint32_t id, uint8_t type, uint32_t rcap,
	 uint32_t *val)
{
	uint8_t d[16] = { 0 };
	struct h_done r;

	memcpy(d + 4, &id, 4);
	d[8] = type;
	r = v14_sriov(h, V14_META, vf, d, sizeof(d), rcap);
	if (val != NULL && r.status == 0 && r.used_len >= 12)
		memcpy(val, h_res(h, 0) + 8, 4);
	return r;
}

struct h_done
v14_get_all(struct h *h, uint64_t vf, uint32_t id, uint32_t rcap,
	    uint8_t **parts, size_t *len)
{
	uint8_t d[16] = { 0 };
	struct h_done r;

	memcpy(d + 4, &id, 4);
	d[8] = VPF_PARTS_GET_ALL;
	*parts = NULL;
	*len = 0;
	r = v14_sriov(h, V14_GET, vf, d, sizeof(d), rcap);
	if (r.status == 0 && r.used_len >= 8) {
		*len = r.used_len - 8;
		*parts = malloc(*len ? *len : 1);
		if (*parts != NULL)
			memcpy(*parts, h_res(h, 0) + 8, *len);
	}
	return r;
}

struct h_done
v14_set(struct h *h, uint64_t vf, uint32_t id, const void *parts, size_t len)
{
	size_t n = (8 + len + 7) & ~(size_t)7;
	uint8_t *d = calloc(1, n);
	struct h_done r;

	memset(&r, 0xff, sizeof(r));
	if (d == NULL)
		return r;
	memcpy(d + 4, &id, 4);
	if (len)
		memcpy(d + 8, parts, len);
	r = v14_sriov(h, V14_SET, vf, d, (uint32_t)n, 0);
	free(d);
	return r;
}
