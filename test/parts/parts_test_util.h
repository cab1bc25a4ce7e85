/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Helpers shared by the parts tests: a deterministic sample set (every
 * known type), a raw part writer for malformed bytes, and expect_bad(),
 * which checks every member of the error a set gets.
 */

#ifndef PARTS_TEST_UTIL_H
#define PARTS_TEST_UTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vpf_parts.h"
#include "vpf_spec.h"

static const uint64_t sample_dev_feat[2] = { 0x0000000130010020ull, 0x1ull };
static const uint64_t sample_drv_feat[2] = { 0x0000000130000020ull, 0x1ull };
static const struct vpf_parts_vq_cfg sample_vq[2] = {
	{ .vq_index = 0, .queue_size = 256, .vector = 1, .enabled = 1,
	  .desc = 0x1000, .driver = 0x2000, .device = 0x3000 },
	{ .vq_index = 1, .queue_size = 256, .vector = 2, .enabled = 1,
	  .desc = 0x0000000100002000ull, .driver = 0x0000000100003000ull,
	  .device = 0x0000000100004000ull },
};
static const struct vpf_parts_vq_notify sample_vn[2] = {
	{ .vq_index = 0, .queue_notify_off = 0, .queue_notif_config_data = 0 },
	{ .vq_index = 1, .queue_notify_off = 1, .queue_notif_config_data = 7 },
};
static const uint8_t sample_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* Part offsets of the sample set (by hand from doc/protocol.md §10.3). */
#define SAMPLE_PARTS	12
static const uint64_t sample_off[SAMPLE_PARTS + 1] = {
	0,		/* DEV_FEATURES, 16 */
	32,		/* DRV_FEATURES, 16 */
	64,		/* PCI_COMMON_CFG device_feature_select, 4 */
	84,		/* PCI_COMMON_CFG config_msix_vector, 2 */
	102,		/* PCI_COMMON_CFG num_queues, 2 */
	120,		/* DEVICE_STATUS, 1 */
	137,		/* VQ_CFG vq 0, 32 */
	185,		/* VQ_CFG vq 1, 32 */
	233,		/* VQ_NOTIFY_CFG vq 0, 8 */
	257,		/* VQ_NOTIFY_CFG vq 1, 8 */
	281,		/* NET_CVQ_CFG class 1 command 1 (MAC address), 6 */
	303,		/* NET_CVQ_CFG class 0 command 0 (promisc), 1 */
	320,		/* end */
};
#define SAMPLE_LEN	320u

/* Append the sample's parts to @b. */
static inline void
sample_add(struct vpf_parts_builder *b)
{
	uint8_t on = 1;

	assert_int_equal(vpf_parts_add_dev_features(b, sample_dev_feat, 2), 0);
	assert_int_equal(vpf_parts_add_drv_features(b, sample_drv_feat, 2), 0);
	assert_int_equal(vpf_parts_add_common(b, VPF_COMMON_DFSELECT, 1), 0);
	assert_int_equal(vpf_parts_add_common(b, VPF_COMMON_MSIX, 0xffff), 0);
	assert_int_equal(vpf_parts_add_common(b, VPF_COMMON_NUMQ, 3), 0);
	assert_int_equal(vpf_parts_add_status(b, 0x0f), 0);
	assert_int_equal(vpf_parts_add_vq_cfg(b, &sample_vq[0]), 0);
	assert_int_equal(vpf_parts_add_vq_cfg(b, &sample_vq[1]), 0);
	assert_int_equal(vpf_parts_add_vq_notify(b, &sample_vn[0]), 0);
	assert_int_equal(vpf_parts_add_vq_notify(b, &sample_vn[1]), 0);
	assert_int_equal(vpf_parts_add_cvq(b, 1, 1, sample_mac, 6), 0);
	assert_int_equal(vpf_parts_add_cvq(b, 0, 0, &on, 1), 0);
}

/* Build the sample set into @buf (>= SAMPLE_LEN bytes); returns its length. */
static inline size_t
sample_build(uint8_t *buf, size_t cap)
{
	struct vpf_parts_builder b;

	assert_int_equal(vpf_parts_builder_init(&b, buf, cap), 0);
	sample_add(&b);
	assert_int_equal(vpf_parts_builder_count(&b), SAMPLE_PARTS);
	assert_int_equal(vpf_parts_builder_len(&b), SAMPLE_LEN);
	return vpf_parts_builder_len(&b);
}

/* Write a part header at @off; returns the offset after it. */
static inline size_t
put_hdr(uint8_t *buf, size_t off, uint16_t type, uint8_t flags, uint64_t sel,
	uint32_t length)
{
	uint8_t *h = buf + off;

	h[0] = (uint8_t)type;
	h[1] = (uint8_t)(type >> 8);
	h[2] = flags;
	h[3] = 0;
	for (int i = 0; i < 8; i++)
		h[4 + i] = (uint8_t)(sel >> (8 * i));
	for (int i = 0; i < 4; i++)
		h[12 + i] = (uint8_t)(length >> (8 * i));
	return off + VPF_PARTS_HDR_SIZE;
}

/* A whole part with @length zero value bytes. */
static inline size_t
put_part(uint8_t *buf, size_t off, uint16_t type, uint8_t flags, uint64_t sel,
	 uint32_t length)
{
	off = put_hdr(buf, off, type, flags, sel, length);
	memset(buf + off, 0, length);
	return off + length;
}

/* The set must be refused with exactly this error. */
static inline void
expect_bad_(const uint8_t *buf, size_t len, uint32_t flags,
	    enum vpf_parts_err code, uint32_t index, uint64_t offset,
	    uint64_t part_offset, uint16_t type, uint64_t value,
	    uint64_t expected, int line)
{
	struct vpf_parts_error e;
	int64_t rc;

	memset(&e, 0xa5, sizeof(e));
	rc = vpf_parts_validate(buf, len, flags, &e);
	if (rc != -EBADMSG || e.code != code || e.part_index != index ||
	    e.offset != offset || e.part_offset != part_offset ||
	    e.type != type || e.value != value || e.expected != expected) {
		print_error("line %d: rc %lld code %s (want %s) index %u (%u) "
			    "offset %llu (%llu) part_offset %llu (%llu) type "
			    "0x%x (0x%x) value %llu (%llu) expected %llu "
			    "(%llu)\n", line, (long long)rc,
			    vpf_parts_err_name(e.code), vpf_parts_err_name(code),
			    e.part_index, index,
			    (unsigned long long)e.offset,
			    (unsigned long long)offset,
			    (unsigned long long)e.part_offset,
			    (unsigned long long)part_offset, e.type, type,
			    (unsigned long long)e.value,
			    (unsigned long long)value,
			    (unsigned long long)e.expected,
			    (unsigned long long)expected);
		fail();
	}
}

#define expect_bad(buf, len, flags, code, index, offset, part_offset, type, \
		   value, expected) \
	expect_bad_(buf, len, flags, code, index, offset, part_offset, type, \
		    value, expected, __LINE__)

#endif /* PARTS_TEST_UTIL_H */
