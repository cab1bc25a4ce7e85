/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The model in the virtio 1.4 "device parts" dialect (doc/protocol.md §10,
 * the model's rules in §10.7): command lists, capabilities on the self
 * group, resource objects, METADATA_GET, PARTS_GET, PARTS_SET, DEV_MODE_SET,
 * forward compatibility and Linux's deviations. One test per rule, played
 * with raw commands through the harness. The migration of a 1.4 VF and its
 * guest ring state: test_model_v14_mig.c.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness_v14.h"
#include "../vpf_test_main.h"
#include "vpf_parts.h"

#define OK	VPF_ADMIN_STATUS_OK
#define SQ_FIELD	VPF_ADMIN_SQ_INVALID_FIELD
#define SQ_OPCODE	VPF_ADMIN_SQ_INVALID_OPCODE
#define SQ_GROUP	VPF_ADMIN_SQ_INVALID_GROUP
#define SQ_MEMBER	VPF_ADMIN_SQ_INVALID_MEMBER
#define SQ_COMMAND	VPF_ADMIN_SQ_INVALID_COMMAND

static int
setup(void **state)
{
	(void)state;
	return v14_up(&H, v14_model(0, 2, 3));
}

static int
setup_nolist(void **state)
{
	(void)state;
	return h_up(&H, v14_model(0, 2, 3));
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, h_teardown)
#define TN(f)	cmocka_unit_test_setup_teardown(f, setup_nolist, h_teardown)

static void
expect(struct h_done d, uint16_t status, uint16_t qual)
{
	h_expect(&d, status, qual);
}

static uint64_t
res64(void)
{
	uint64_t v;

	memcpy(&v, h_res(&H, 0) + 8, 8);
	return v;
}

/* Stopped VF @p vf with a GET object 0 and a SET object 2 (limits 2/3). */
static void
objects(uint64_t vf)
{
	expect(v14_limits(&H, 2, 3), OK, 0);
	expect(v14_create(&H, vf, 0, VPF_PARTS_OBJ_GET), OK, 0);
	expect(v14_create(&H, vf, 2, VPF_PARTS_OBJ_SET), OK, 0);
}

/* ------------------------------------------------------------------ */

/* SR-IOV LIST_QUERY: 0, 1 and 0x7-0x11 (0xe among them: the 1.4 mark);
 * self group: 0, 1, 0x7-0x9. */
static void
test_v14_list_query_per_group(void **state)
{
	uint64_t sriov = 0x3, op;

	(void)state;
	for (op = 0x7; op <= 0x11; op++)
		sriov |= 1ull << op;
	expect(v14_sriov(&H, VPF_ADMIN_OP_LIST_QUERY, 0, NULL, 0, 8), OK, 0);
	assert_int_equal(res64(), sriov);
	expect(v14_self(&H, VPF_ADMIN_OP_LIST_QUERY, NULL, 0, 8), OK, 0);
	assert_int_equal(res64(), 0x3 | 0x380);
	/* A self-group LIST_USE of what it reported. */
	op = 0x383;
	expect(v14_self(&H, VPF_ADMIN_OP_LIST_USE, &op, 8, 0), OK, 0);
	op = 0x383 | (1u << 0xa);
	expect(v14_self(&H, VPF_ADMIN_OP_LIST_USE, &op, 8, 0), H_EINV,
	       SQ_FIELD);
}

/* Capability commands run only when enabled: by a self-group LIST_USE,
 * or by the SR-IOV one as Linux does; never on the SR-IOV group. */
static void
test_v14_caps_enabled_by_either_list_use(void **state)
{
	uint64_t ops = 0x3 | (1ull << 0x11);

	(void)state;
	/* Nothing enabled yet. */
	expect(v14_self(&H, V14_CAP_ID_LIST, NULL, 0, 8), H_EINV, SQ_OPCODE);
	/* SR-IOV LIST_USE without 0x7-0x9: still refused. */
	expect(v14_sriov(&H, VPF_ADMIN_OP_LIST_USE, 0, &ops, 8, 0), OK, 0);
	expect(v14_self(&H, V14_CAP_ID_LIST, NULL, 0, 8), H_EINV, SQ_OPCODE);
	/* The specification's way: a self-group LIST_USE. */
	ops = 0x383;
	expect(v14_self(&H, VPF_ADMIN_OP_LIST_USE, &ops, 8, 0), OK, 0);
	expect(v14_self(&H, V14_CAP_ID_LIST, NULL, 0, 8), OK, 0);
	assert_int_equal(res64(), 1);
	/* Linux's way (device reset clears the self list). */
	assert_int_equal(h_reinit(&H), 0);
	expect(v14_self(&H, V14_CAP_ID_LIST, NULL, 0, 8), OK, 0);
	/* On the SR-IOV group they are reported but do not execute. */
	expect(v14_sriov(&H, V14_CAP_ID_LIST, 1, NULL, 0, 8), H_EINV,
	       SQ_GROUP);
	/* Self group: member 0 only; device-parts opcodes do not exist. */
	{
		struct h_done d;

		assert_int_equal(h_submit(&H, 0, V14_CAP_ID_LIST,
					  VPF_ADMIN_GROUP_SELF, 1, NULL, 0, 8,
					  &d, 5000), 0);
		expect(d, H_EINV, SQ_MEMBER);
	}
	expect(v14_self(&H, V14_CREATE, NULL, 0, 0), H_EINV, SQ_OPCODE);
}

/* The option of a device that refuses the self-group list (the driver's
 * fallback): LIST_QUERY / LIST_USE INVALID_GROUP, capabilities still
 * work the Linux way. */
static void
test_v14_self_list_refused_option(void **state)
{
	struct h_done d;

	(void)state;
	h_down(&H);
	assert_int_equal(v14_up(&H, v14_model(VPF_MODEL_OFF_SELF_LIST, 2, 2)),
			 0);
	expect(v14_self(&H, VPF_ADMIN_OP_LIST_QUERY, NULL, 0, 8), H_EINV,
	       SQ_GROUP);
	d = v14_self(&H, V14_DEV_CAP_GET, (uint8_t[8]){ 0 }, 8, 8);
	expect(d, OK, 0);
}

/* DEVICE_CAP_GET and DRIVER_CAP_SET: unknown id ENXIO; limits above the
 * device's INVALID_FIELD; Linux's lengths (DRIVER_CAP_SET 34 bytes, a
 * 10-byte result buffer) accepted. */
static void
test_v14_capabilities(void **state)
{
	uint8_t d[10] = { 0 };

	(void)state;
	expect(v14_self(&H, V14_DEV_CAP_GET, d, 8, 10), OK, 0);
	assert_int_equal(h_res(&H, 0)[8], 2);
	assert_int_equal(h_res(&H, 0)[9], 3);
	d[0] = 1;
	expect(v14_self(&H, V14_DEV_CAP_GET, d, 8, 8), VPF_ADMIN_STATUS_ENXIO,
	       SQ_FIELD);
	expect(v14_self(&H, V14_DRV_CAP_SET, d, 10, 0),
	       VPF_ADMIN_STATUS_ENXIO, SQ_FIELD);
	expect(v14_limits(&H, 3, 3), H_EINV, SQ_FIELD);
	expect(v14_limits(&H, 2, 4), H_EINV, SQ_FIELD);
	expect(v14_limits(&H, 2, 3), OK, 0);
}

/* Objects: none before the driver's limits (ENOSPC); ids 0..get+set-1 per
 * PF; EEXIST; ENOSPC per kind; DESTROY and QUERY only by the VF that
 * created it (ENXIO otherwise); MODIFY INVALID_FIELD; limits below the
 * live objects EBUSY; a device reset destroys them all. */
static void
test_v14_resource_objects(void **state)
{
	uint8_t q[8] = { 0 };

	(void)state;
	expect(v14_create(&H, 1, 0, VPF_PARTS_OBJ_GET),
	       VPF_ADMIN_STATUS_ENOSPC, VPF_ADMIN_SQ_NORESOURCE);
	expect(v14_limits(&H, 2, 3), OK, 0);
	expect(v14_create(&H, 1, 0, VPF_PARTS_OBJ_GET), OK, 0);
	/* Same id, other VF: one id space per PF. */
	expect(v14_create(&H, 2, 0, VPF_PARTS_OBJ_SET), V14_EEXIST, SQ_FIELD);
	expect(v14_create(&H, 2, 5, VPF_PARTS_OBJ_SET), H_EINV, SQ_FIELD);
	expect(v14_create(&H, 2, 4, VPF_PARTS_OBJ_SET), OK, 0);
	expect(v14_create(&H, 3, 1, VPF_PARTS_OBJ_GET), OK, 0);
	expect(v14_create(&H, 3, 2, VPF_PARTS_OBJ_GET),
	       VPF_ADMIN_STATUS_ENOSPC, VPF_ADMIN_SQ_NORESOURCE);
	expect(v14_create(&H, 3, 2, 2), H_EINV, SQ_FIELD);
	/* QUERY: the object's kind; only its VF. */
	q[4] = 4;
	expect(v14_sriov(&H, V14_QUERY, 2, q, 8, 8), OK, 0);
	assert_int_equal(h_res(&H, 0)[8], VPF_PARTS_OBJ_SET);
	expect(v14_sriov(&H, V14_QUERY, 1, q, 8, 8), VPF_ADMIN_STATUS_ENXIO,
	       SQ_FIELD);
	expect(v14_sriov(&H, V14_MODIFY, 2, q, 8, 0), H_EINV, SQ_FIELD);
	expect(v14_destroy(&H, 1, 4), VPF_ADMIN_STATUS_ENXIO, SQ_FIELD);
	/* Two GET objects alive: the GET limit cannot go below 2. */
	expect(v14_limits(&H, 1, 3), VPF_ADMIN_STATUS_EBUSY, SQ_COMMAND);
	expect(v14_destroy(&H, 2, 4), OK, 0);
	expect(v14_destroy(&H, 2, 4), VPF_ADMIN_STATUS_ENXIO, SQ_FIELD);
	expect(v14_create(&H, 2, 4, VPF_PARTS_OBJ_SET), OK, 0);
	/* A device reset destroys every object and the driver's limits. */
	assert_int_equal(h_reinit(&H), 0);
	expect(v14_create(&H, 1, 0, VPF_PARTS_OBJ_GET),
	       VPF_ADMIN_STATUS_ENOSPC, VPF_ADMIN_SQ_NORESOURCE);
	expect(v14_limits(&H, 2, 3), OK, 0);
	expect(v14_create(&H, 1, 0, VPF_PARTS_OBJ_GET), OK, 0);
	expect(v14_create(&H, 2, 4, VPF_PARTS_OBJ_SET), OK, 0);
	/* The id space follows the driver's limits, not the device's. */
	assert_int_equal(h_reinit(&H), 0);
	expect(v14_limits(&H, 1, 2), OK, 0);
	expect(v14_create(&H, 1, 3, VPF_PARTS_OBJ_SET), H_EINV, SQ_FIELD);
	expect(v14_create(&H, 1, 2, VPF_PARTS_OBJ_SET), OK, 0);
}

/* METADATA_GET: SIZE is what PARTS_GET ALL returns, COUNT its parts,
 * LIST their headers; a result buffer too small: ENOMEM. */
static void
test_v14_metadata(void **state)
{
	uint32_t size = 0, count = 0, lcount = 0;
	uint8_t *parts, *list;
	uint64_t total = 0;
	size_t len;

	(void)state;
	objects(1);
	expect(v14_meta(&H, 1, 0, VPF_PARTS_META_SIZE, 8, &size), OK, 0);
	expect(v14_meta(&H, 1, 0, VPF_PARTS_META_COUNT, 8, &count), OK, 0);
	expect(v14_get_all(&H, 1, 0, 64 * 1024, &parts, &len), OK, 0);
	assert_int_equal(size, len);
	assert_int_equal(vpf_parts_validate(parts, len, 0, NULL), count);
	expect(v14_meta(&H, 1, 0, VPF_PARTS_META_LIST, 8 + 16 * count, NULL),
	       OK, 0);
	list = h_res(&H, 0) + 8;
	assert_int_equal(vpf_parts_meta_list_check(list, 8 + 16 * count, 0,
						   &lcount, &total, NULL), 0);
	assert_int_equal(lcount, count);
	assert_int_equal(total, len);
	expect(v14_meta(&H, 1, 0, VPF_PARTS_META_LIST, 8 + 16 * count - 8,
			NULL), VPF_ADMIN_STATUS_ENOMEM,
	       VPF_ADMIN_SQ_NORESOURCE);
	expect(v14_meta(&H, 1, 0, VPF_PARTS_META_SIZE, 0, NULL),
	       VPF_ADMIN_STATUS_ENOMEM, VPF_ADMIN_SQ_NORESOURCE);
	expect(v14_meta(&H, 1, 0, 3, 8, NULL), H_EINV, SQ_FIELD);
	/* An object of another VF, or none. */
	expect(v14_meta(&H, 2, 0, VPF_PARTS_META_SIZE, 8, NULL),
	       VPF_ADMIN_STATUS_ENXIO, SQ_FIELD);
	expect(v14_meta(&H, 1, 1, VPF_PARTS_META_SIZE, 8, NULL),
	       VPF_ADMIN_STATUS_ENXIO, SQ_FIELD);
	free(parts);
}

/* PARTS_GET: ALL in the order of §10.3 (a valid set), ENOMEM when it does
 * not fit; SELECTED returns the wanted parts only, missing ones skipped;
 * only with a GET object. */
static void
test_v14_parts_get(void **state)
{
	uint8_t d[16 + 3 * 16] = { 0 }, sel[8] = { 0 };
	struct vpf_parts_builder b;
	uint8_t *parts;
	size_t len;

	(void)state;
	objects(1);
	expect(v14_get_all(&H, 1, 0, 64 * 1024, &parts, &len), OK, 0);
	assert_true(vpf_parts_validate(parts, len, 0, NULL) > 10);
	/* The same bytes without a command (vpf_model_vf_parts). */
	{
		uint8_t *own = malloc(len);
		size_t olen = 0;

		assert_non_null(own);
		assert_int_equal(vpf_model_vf_parts(H.m, 1, own, len - 1, &olen),
				 -ENOSPC);
		assert_int_equal(olen, len);
		assert_int_equal(vpf_model_vf_parts(H.m, 1, own, len, &olen), 0);
		assert_memory_equal(own, parts, len);
		free(own);
	}
	expect(v14_get_all(&H, 1, 0, (uint32_t)len - 1, &(uint8_t *){ NULL },
			   &(size_t){ 0 }), VPF_ADMIN_STATUS_ENOMEM,
	       VPF_ADMIN_SQ_NORESOURCE);
	expect(v14_get_all(&H, 1, 2, 64 * 1024, &(uint8_t *){ NULL },
			   &(size_t){ 0 }), H_EINV, SQ_FIELD);
	/* SELECTED: DRV_FEATURES, VQ_CFG of queue 1, VQ_CFG of queue 9
	 * (there is none). */
	assert_int_equal(vpf_parts_builder_init_get(&b, d, sizeof(d), 0,
						    VPF_PARTS_GET_SELECTED), 0);
	assert_int_equal(vpf_parts_add_header(&b, VPF_PARTS_DRV_FEATURES, 0,
					      NULL, 0), 0);
	sel[0] = 1;
	assert_int_equal(vpf_parts_add_header(&b, VPF_PARTS_VQ_CFG, 0, sel, 0),
			 0);
	sel[0] = 9;
	assert_int_equal(vpf_parts_add_header(&b, VPF_PARTS_VQ_CFG, 0, sel, 0),
			 0);
	{
		struct h_done dd = v14_sriov(&H, V14_GET, 1, d, sizeof(d), 4096);
		struct vpf_parts_iter it;
		struct vpf_parts_part p;
		const uint8_t *r = h_res(&H, 0) + 8;

		expect(dd, OK, 0);
		assert_int_equal(dd.used_len, 8 + 24 + 48);
		/* 16 + 8 and 16 + 32 bytes. */
		assert_int_equal(vpf_parts_validate(r, 24 + 48, 0, NULL), 2);
		vpf_parts_iter_init(&it, r, 24 + 48, 0);
		assert_int_equal(vpf_parts_iter_next(&it, &p), 1);
		assert_int_equal(p.type, VPF_PARTS_DRV_FEATURES);
		assert_int_equal(vpf_parts_iter_next(&it, &p), 1);
		assert_int_equal(p.type, VPF_PARTS_VQ_CFG);
		assert_int_equal(vpf_parts_part_vq_index(&p), 1);
	}
	/* A list of more than 4096 headers is refused (matching is
	 * bounded). */
	{
		uint32_t n = 16 + 4097 * 16;
		uint8_t *big = calloc(1, n);
		uint32_t i;

		assert_non_null(big);
		big[8] = VPF_PARTS_GET_SELECTED;
		for (i = 0; i < 4097; i++) {
			/* Distinct unknown types, each OPTIONAL, in order. */
			big[16 + 16 * i] = (uint8_t)i;
			big[16 + 16 * i + 1] = (uint8_t)(0x40 + (i >> 8));
			big[16 + 16 * i + 2] = VPF_PARTS_HF_OPTIONAL;
		}
		expect(v14_sriov(&H, V14_GET, 1, big, n, 4096), H_EINV,
		       SQ_FIELD);
		expect(v14_sriov(&H, V14_GET, 1, big, n - 16, 4096), OK, 0);
		free(big);
	}
	free(parts);
}

/* The NET_CVQ_CFG MAC part of @p parts, or NULL. */
static uint8_t *
mac_of(uint8_t *parts, size_t len)
{
	struct vpf_parts_iter it;
	struct vpf_parts_part p;

	vpf_parts_iter_init(&it, parts, len, 0);
	while (vpf_parts_iter_next(&it, &p) == 1)
		if (p.type == VPF_PARTS_NET_CVQ_CFG && p.hdr[4] == 1 &&
		    p.hdr[5] == 1)
			return (uint8_t *)(uintptr_t)p.value;
	return NULL;
}

/* VF 1's MAC as PARTS_GET ALL (object 0) reports it. */
static void
cur_mac(uint8_t mac[6])
{
	uint8_t *parts;
	size_t len;

	expect(v14_get_all(&H, 1, 0, 64 * 1024, &parts, &len), OK, 0);
	assert_non_null(mac_of(parts, len));
	memcpy(mac, mac_of(parts, len), 6);
	free(parts);
}

/* A set with a MAC part (and @p extra appended by the caller's builder). */
static size_t
mac_set(uint8_t *buf, size_t cap, const uint8_t mac[6])
{
	struct vpf_parts_builder b;

	assert_int_equal(vpf_parts_builder_init(&b, buf, cap), 0);
	assert_int_equal(vpf_parts_add_cvq(&b, 1, 1, mac, 6), 0);
	return vpf_parts_builder_len(&b);
}

/* PARTS_SET: only on a stopped VF, only with a SET object; the parts take
 * effect on resume; several sets: the last wins. */
static void
test_v14_parts_set_stopped_applies_on_resume_last_wins(void **state)
{
	uint8_t a[6] = { 0x02, 1, 2, 3, 4, 5 }, b6[6] = { 0x02, 9, 8, 7, 6, 5 };
	uint8_t buf[64], before[6], now[6], dg0[32], dg1[32];
	size_t n;

	(void)state;
	objects(1);
	cur_mac(before);
	n = mac_set(buf, sizeof(buf), a);
	expect(v14_set(&H, 1, 2, buf, n), H_EINV, SQ_COMMAND);
	expect(v14_mode(&H, 1, 1), OK, 0);
	expect(v14_set(&H, 1, 0, buf, n), H_EINV, SQ_FIELD);
	expect(v14_set(&H, 1, 1, buf, n), VPF_ADMIN_STATUS_ENXIO, SQ_FIELD);
	assert_int_equal(vpf_model_digest(H.m, 1, dg0), 0);
	expect(v14_set(&H, 1, 2, buf, n), OK, 0);
	n = mac_set(buf, sizeof(buf), b6);
	expect(v14_set(&H, 1, 2, buf, n), OK, 0);
	/* Not before the resume. */
	cur_mac(now);
	assert_memory_equal(now, before, 6);
	assert_int_equal(vpf_model_digest(H.m, 1, dg1), 0);
	assert_memory_equal(dg0, dg1, 32);
	expect(v14_mode(&H, 1, 0), OK, 0);
	cur_mac(now);
	assert_memory_equal(now, b6, 6);
}

/* A refused PARTS_SET applies nothing; what refuses it. */
static void
test_v14_parts_set_checks(void **state)
{
	uint8_t buf[256], mac[6] = { 0x02, 1, 2, 3, 4, 5 }, now[6], st[2] = { 7 };
	struct vpf_parts_builder b;
	uint64_t w;
	uint32_t v;
	uint8_t sel[8] = { 0 };

	(void)state;
	objects(1);
	expect(v14_mode(&H, 1, 1), OK, 0);
	/* A part of the wrong length (DEVICE_STATUS of 2 bytes) after a good
	 * MAC part: refused, and the MAC not applied. */
	assert_int_equal(vpf_parts_builder_init(&b, buf, sizeof(buf)), 0);
	assert_int_equal(vpf_parts_add_raw(&b, VPF_PARTS_DEVICE_STATUS, 0,
					   NULL, st, 2), 0);
	assert_int_equal(vpf_parts_add_cvq(&b, 1, 1, mac, 6), 0);
	expect(v14_set(&H, 1, 2, buf, vpf_parts_builder_len(&b)), H_EINV,
	       SQ_FIELD);
	/* Out of order: the MAC before DRV_FEATURES. */
	assert_int_equal(vpf_parts_builder_init(&b, buf, sizeof(buf)), 0);
	assert_int_equal(vpf_parts_add_cvq(&b, 1, 1, mac, 6), 0);
	w = 1ull << 32;
	assert_int_equal(vpf_parts_add_drv_features(&b, &w, 1), 0);
	expect(v14_set(&H, 1, 2, buf, vpf_parts_builder_len(&b)), H_EINV,
	       SQ_FIELD);
	/* DEV_FEATURES is checked, never set. */
	assert_int_equal(vpf_parts_builder_init(&b, buf, sizeof(buf)), 0);
	w = 1;
	assert_int_equal(vpf_parts_add_dev_features(&b, &w, 1), 0);
	assert_int_equal(vpf_parts_add_cvq(&b, 1, 1, mac, 6), 0);
	expect(v14_set(&H, 1, 2, buf, vpf_parts_builder_len(&b)), H_EINV,
	       SQ_FIELD);
	/* A device-owned common field that differs (num_queues). */
	assert_int_equal(vpf_parts_builder_init(&b, buf, sizeof(buf)), 0);
	assert_int_equal(vpf_parts_add_common(&b, VPF_COMMON_NUMQ, 9), 0);
	assert_int_equal(vpf_parts_add_cvq(&b, 1, 1, mac, 6), 0);
	expect(v14_set(&H, 1, 2, buf, vpf_parts_builder_len(&b)), H_EINV,
	       SQ_FIELD);
	/* Driver features the device does not offer. */
	assert_int_equal(vpf_parts_builder_init(&b, buf, sizeof(buf)), 0);
	w = 1ull << 1;
	assert_int_equal(vpf_parts_add_drv_features(&b, &w, 1), 0);
	assert_int_equal(vpf_parts_add_cvq(&b, 1, 1, mac, 6), 0);
	expect(v14_set(&H, 1, 2, buf, vpf_parts_builder_len(&b)), H_EINV,
	       SQ_FIELD);
	/* VQ_NOTIFY_CFG is device-owned: another notify offset. */
	assert_int_equal(vpf_parts_builder_init(&b, buf, sizeof(buf)), 0);
	{
		struct vpf_parts_vq_notify vn = { .vq_index = 1,
			.queue_notify_off = 2, .queue_notif_config_data = 1 };

		assert_int_equal(vpf_parts_add_vq_notify(&b, &vn), 0);
	}
	assert_int_equal(vpf_parts_add_cvq(&b, 1, 1, mac, 6), 0);
	expect(v14_set(&H, 1, 2, buf, vpf_parts_builder_len(&b)), H_EINV,
	       SQ_FIELD);
	/* A queue that does not exist. */
	assert_int_equal(vpf_parts_builder_init(&b, buf, sizeof(buf)), 0);
	{
		struct vpf_parts_vq_cfg q = { .vq_index = 5, .queue_size = 64 };

		assert_int_equal(vpf_parts_add_vq_cfg(&b, &q), 0);
	}
	expect(v14_set(&H, 1, 2, buf, vpf_parts_builder_len(&b)), H_EINV,
	       SQ_FIELD);
	/* A control-queue value out of range (0 queue pairs). */
	assert_int_equal(vpf_parts_builder_init(&b, buf, sizeof(buf)), 0);
	v = 0;
	assert_int_equal(vpf_parts_add_cvq(&b, 4, 0, &v, 2), 0);
	expect(v14_set(&H, 1, 2, buf, vpf_parts_builder_len(&b)), H_EINV,
	       SQ_FIELD);
	/* An unknown part: refused unless OPTIONAL. */
	assert_int_equal(vpf_parts_builder_init(&b, buf, sizeof(buf)), 0);
	assert_int_equal(vpf_parts_add_cvq(&b, 1, 1, mac, 6), 0);
	assert_int_equal(vpf_parts_add_raw(&b, 0x2ff, 0, sel, &v, 4), 0);
	expect(v14_set(&H, 1, 2, buf, vpf_parts_builder_len(&b)), H_EINV,
	       SQ_FIELD);
	expect(v14_mode(&H, 1, 0), OK, 0);
	cur_mac(now);
	assert_memory_not_equal(now, mac, 6);
	expect(v14_mode(&H, 1, 1), OK, 0);
	assert_int_equal(vpf_parts_builder_init(&b, buf, sizeof(buf)), 0);
	assert_int_equal(vpf_parts_add_cvq(&b, 1, 1, mac, 6), 0);
	assert_int_equal(vpf_parts_add_raw(&b, 0x2ff, VPF_PARTS_HF_OPTIONAL,
					   sel, &v, 4), 0);
	expect(v14_set(&H, 1, 2, buf, vpf_parts_builder_len(&b)), OK, 0);
	expect(v14_mode(&H, 1, 0), OK, 0);
	cur_mac(now);
	assert_memory_equal(now, mac, 6);
}

/* Guest ring indices of VF @p vf, queue @p q, through the export. */
static void
ring(uint16_t vf, uint16_t q, uint16_t *avail, uint16_t *used)
{
	uint8_t b[VPF_MODEL_GUEST_RING_SIZE(5)];
	size_t len;

	assert_int_equal(vpf_model_guest_ring_export(H.m, vf, b, sizeof(b),
						     &len), 0);
	memcpy(avail, b + 16 + 8 * q, 2);
	memcpy(used, b + 16 + 8 * q + 2, 2);
}

/* DEV_MODE_SET: stop/stop and resume/resume succeed; other flag bits are
 * INVALID_FIELD; a stop writes back every buffer the device took (an RX
 * buffer completes, length 0); stopped, the device reads no ring, writes
 * nothing and latches notifications, acted on after the resume. */
static void
test_v14_mode_set_stop_writes_back_and_latches(void **state)
{
	struct vpf_model_stats s0, s1;
	uint16_t av, us, av2, us2;

	(void)state;
	ring(1, 0, &av, &us);
	assert_true((uint16_t)(av - us) > 0);	/* RX buffers taken */
	expect(v14_mode(&H, 1, 2), H_EINV, SQ_FIELD);
	expect(v14_mode(&H, 1, 1), OK, 0);
	expect(v14_mode(&H, 1, 1), OK, 0);
	assert_int_equal(h_vf_mode(&H, 1), VPF_DEV_MODE_STOP);
	ring(1, 0, &av2, &us2);
	assert_int_equal(av2, av);		/* nothing new made available */
	assert_int_equal(us2, av);		/* every taken buffer used */
	assert_int_equal(vpf_model_stats_get(H.m, 1, &s0), 0);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 200), 0);
	assert_int_equal(vpf_model_stats_get(H.m, 1, &s1), 0);
	assert_int_equal(s1.ring_reads, s0.ring_reads);
	assert_int_equal(s1.dma_writes, s0.dma_writes);
	assert_true(s1.notifies_latched > s0.notifies_latched);
	ring(1, 0, &av2, &us2);
	assert_int_equal(us2, av);		/* the device used nothing */
	expect(v14_mode(&H, 1, 0), OK, 0);
	expect(v14_mode(&H, 1, 0), OK, 0);
	assert_int_equal(h_vf_mode(&H, 1), VPF_DEV_MODE_ACTIVE);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 0), 0);
	assert_int_equal(vpf_model_stats_get(H.m, 1, &s0), 0);
	assert_true(s0.ring_reads > s1.ring_reads);
}

/* The NET_CVQ_CFG parts of VF 1 (PARTS_GET ALL, object 0), malloc'd. */
static uint8_t *
cvq_parts(size_t *n)
{
	struct vpf_parts_iter it;
	struct vpf_parts_part p;
	uint8_t *parts, *out;
	size_t len;

	expect(v14_get_all(&H, 1, 0, 96 * 1024, &parts, &len), OK, 0);
	out = malloc(len);
	assert_non_null(out);
	*n = 0;
	vpf_parts_iter_init(&it, parts, len, 0);
	while (vpf_parts_iter_next(&it, &p) == 1)
		if (p.type == VPF_PARTS_NET_CVQ_CFG) {
			memcpy(out + *n, p.hdr, vpf_parts_part_size(&p));
			*n += vpf_parts_part_size(&p);
		}
	free(parts);
	return out;
}

static bool
same(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	return an == bn && memcmp(a, b, an) == 0;
}

/* The simulated guest changes the net state only through control-queue
 * commands, which the device executes when it takes them: never while
 * stopped (the notification is latched), after the resume. */
static void
test_v14_guest_net_state_through_control_queue(void **state)
{
	uint8_t *a, *b;
	size_t an, bn;

	(void)state;
	objects(1);
	a = cvq_parts(&an);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 2000), 0);
	b = cvq_parts(&bn);
	assert_false(same(a, an, b, bn));
	free(a);
	free(b);
	expect(v14_mode(&H, 1, 1), OK, 0);
	a = cvq_parts(&an);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 400), 0);
	b = cvq_parts(&bn);
	assert_true(same(a, an, b, bn));
	free(b);
	expect(v14_mode(&H, 1, 0), OK, 0);
	assert_int_equal(vpf_model_guest_step(H.m, 1, 0), 0);
	b = cvq_parts(&bn);
	assert_false(same(a, an, b, bn));
	free(a);
	free(b);
}

/* An FLR or reset in progress delays DEV_MODE_SET and PARTS_SET until it
 * ends (they then succeed); other commands of the VF are not delayed. */
static void
test_v14_flr_delays_mode_set_and_parts_set(void **state)
{
	uint8_t stop[8] = { 1 }, buf[64], mac[6] = { 0x02, 1, 2, 3, 4, 5 };
	uint8_t q[8] = { 0 };
	struct h_done d;
	size_t n;

	(void)state;
	objects(1);
	assert_int_equal(vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_FLR, 1,
						200000), 0);
	assert_int_equal(h_submit(&H, 0, V14_MODE, VPF_ADMIN_GROUP_SRIOV, 1,
				  stop, 8, 0, &d, 20), -ETIMEDOUT);
	/* QUERY is not delayed. */
	q[4] = 2;
	assert_int_equal(h_submit(&H, 1, V14_QUERY, VPF_ADMIN_GROUP_SRIOV, 1,
				  q, 8, 8, &d, 1000), 0);
	assert_int_equal(d.id, 4);
	h_expect(&d, OK, 0);
	assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
	assert_int_equal(d.id, 0);
	h_expect(&d, OK, 0);
	assert_int_equal(h_vf_mode(&H, 1), VPF_DEV_MODE_STOP);
	/* PARTS_SET likewise. */
	memset(buf, 0, sizeof(buf));
	buf[4] = 2;
	n = 8 + mac_set(buf + 8, sizeof(buf) - 8, mac);
	n = (n + 7) & ~(size_t)7;
	assert_int_equal(vpf_model_fault_inject(H.m, 1, VPF_MODEL_FAULT_FLR, 1,
						200000), 0);
	assert_int_equal(h_submit(&H, 0, V14_SET, VPF_ADMIN_GROUP_SRIOV, 1,
				  buf, (uint32_t)n, 0, &d, 20), -ETIMEDOUT);
	assert_int_equal(h_wait(&H, &d, 0, 5000), 0);
	h_expect(&d, OK, 0);
}

/* Forward compatibility: command buffers shorter or longer than defined
 * are truncated or zero-filled, never refused for their length: Linux's
 * 25-byte MODE_SET, a LIST_QUERY with data and a long result buffer, a
 * CREATE with bytes beyond its 24, a CREATE of 16 bytes (kind 0: GET). */
static void
test_v14_forward_compat_buffer_lengths(void **state)
{
	uint8_t d[40] = { 0 }, q[8] = { 0 };
	struct h_done r;

	(void)state;
	expect(v14_limits(&H, 2, 3), OK, 0);
	d[0] = 1;
	expect(v14_sriov(&H, V14_MODE, 1, d, 1, 0), OK, 0);
	assert_int_equal(h_vf_mode(&H, 1), VPF_DEV_MODE_STOP);
	r = v14_sriov(&H, VPF_ADMIN_OP_LIST_QUERY, 0, d, 13, 20);
	expect(r, OK, 0);
	assert_int_equal(r.used_len, 16);
	memset(d, 0, sizeof(d));
	d[4] = 1;
	d[16] = VPF_PARTS_OBJ_SET;
	d[30] = 0x5a;			/* beyond the defined 24 bytes */
	expect(v14_sriov(&H, V14_CREATE, 1, d, 31, 0), OK, 0);
	d[4] = 3;
	expect(v14_sriov(&H, V14_CREATE, 2, d, 16, 0), OK, 0);
	q[4] = 3;
	expect(v14_sriov(&H, V14_QUERY, 2, q, 8, 8), OK, 0);
	assert_int_equal(h_res(&H, 0)[8], VPF_PARTS_OBJ_GET);
	/* DEVICE_CAP_GET with Linux's 10-byte result buffer, and with a
	 * 1-byte one (truncated, not refused). */
	r = v14_self(&H, V14_DEV_CAP_GET, q, 8, 10);
	expect(r, OK, 0);
	assert_int_equal(r.used_len, 10);
	r = v14_self(&H, V14_DEV_CAP_GET, q, 8, 1);
	expect(r, OK, 0);
	assert_int_equal(r.used_len, 9);
	assert_int_equal(h_res(&H, 0)[8], 2);
}

/* Opcodes 1.4 does not define (the draft's write recording beyond 0x11,
 * legacy access) are INVALID_OPCODE; the draft's MODE_GET (0x7) is a
 * capability command there: INVALID_GROUP on the SR-IOV group. */
static void
test_v14_draft_opcodes_refused(void **state)
{
	(void)state;
	expect(v14_sriov(&H, VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ, 1, NULL, 0,
			 8), H_EINV, SQ_OPCODE);
	expect(v14_sriov(&H, 0x2, 1, NULL, 0, 8), H_EINV, SQ_OPCODE);
	expect(v14_sriov(&H, VPF_ADMIN_OP_DEV_MODE_GET, 1, NULL, 0, 8),
	       H_EINV, SQ_GROUP);
	expect(v14_sriov(&H, 0x30, 1, NULL, 0, 8), H_EINV, SQ_OPCODE);
}

VPF_TEST_MAIN(NULL, NULL,
	T(test_v14_list_query_per_group),
	TN(test_v14_caps_enabled_by_either_list_use),
	T(test_v14_self_list_refused_option),
	T(test_v14_capabilities),
	T(test_v14_resource_objects),
	T(test_v14_metadata),
	T(test_v14_parts_get),
	T(test_v14_parts_set_stopped_applies_on_resume_last_wins),
	T(test_v14_parts_set_checks),
	T(test_v14_mode_set_stop_writes_back_and_latches),
	T(test_v14_guest_net_state_through_control_queue),
	T(test_v14_flr_delays_mode_set_and_parts_set),
	T(test_v14_forward_compat_buffer_lengths),
	T(test_v14_draft_opcodes_refused))
