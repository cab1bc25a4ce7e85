/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Wire definitions: the static asserts in vpf_spec.h fix every size and
 * offset of doc/protocol.md §1, §3, §5 and §6 at compile time; these tests
 * check the name and errno helpers and re-check a few layouts at run time
 * through real bytes.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../vpf_test_main.h"

#include "vpf_spec.h"

static void
test_status_names(void **state)
{
	(void)state;
	assert_string_equal(vpf_admin_status_name(VPF_ADMIN_STATUS_OK), "OK");
	assert_string_equal(vpf_admin_status_name(VPF_ADMIN_STATUS_EINVAL), "EINVAL");
	assert_string_equal(vpf_admin_status_name(VPF_ADMIN_STATUS_ENOSPC), "ENOSPC");
	assert_string_equal(vpf_admin_status_name(3), "UNKNOWN");
	assert_string_equal(vpf_admin_qualifier_name(VPF_ADMIN_SQ_TRYAGAIN), "TRYAGAIN");
	assert_string_equal(vpf_admin_qualifier_name(VPF_ADMIN_SQ_INVALID_MEMBER),
			    "INVALID_MEMBER");
	assert_string_equal(vpf_admin_qualifier_name(8), "UNKNOWN");
	assert_string_equal(vpf_admin_opcode_name(VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ),
			    "DEV_WRITE_RECORDS_READ");
	assert_string_equal(vpf_admin_opcode_name(0x0e), "UNKNOWN");
	assert_string_equal(vpf_dev_mode_name(2), "freeze");
	assert_string_equal(vpf_dev_mode_name(3), "reserved");
	assert_string_equal(vpf_ctx_type_name(0x1000), "DEV_CFG");
	assert_string_equal(vpf_ctx_type_name(0x0fff), "UNKNOWN_GENERIC");
	assert_string_equal(vpf_ctx_type_name(0x1fff), "UNKNOWN_DEVICE");
	assert_string_equal(vpf_ctx_type_name(0x2000), "RESERVED");
}

static void
test_status_errno(void **state)
{
	(void)state;
	assert_int_equal(vpf_admin_status_errno(VPF_ADMIN_STATUS_OK), 0);
	assert_int_equal(vpf_admin_status_errno(VPF_ADMIN_STATUS_EAGAIN), -EAGAIN);
	assert_int_equal(vpf_admin_status_errno(VPF_ADMIN_STATUS_ENXIO), -ENXIO);
	assert_int_equal(vpf_admin_status_errno(VPF_ADMIN_STATUS_EBUSY), -EBUSY);
	/* A reserved status counts as EINVAL (doc/protocol.md §1.4). */
	assert_int_equal(vpf_admin_status_errno(1), -EINVAL);
	assert_int_equal(vpf_admin_status_errno(0xffff), -EINVAL);
}

static void
test_layout_bytes(void **state)
{
	struct vpf_admin_cmd_hdr h;
	struct vpf_dev_ctx_pci_vq_cfg q;
	uint8_t *b = (uint8_t *)&h;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.opcode = 0x0a0b;
	h.group_member_id = 0x1122334455667788ULL;
	assert_int_equal(b[0], 0x0b);
	assert_int_equal(b[16], 0x88);
	assert_int_equal(b[23], 0x11);
	memset(&q, 0, sizeof(q));
	q.queue_device = UINT64_MAX;
	assert_int_equal(((uint8_t *)&q)[21], 0);
	assert_int_equal(((uint8_t *)&q)[22], 0xff);
	assert_int_equal(((uint8_t *)&q)[29], 0xff);
	assert_int_equal(VPF_ADMIN_OPS_MIGRATION, 0x2f80);
	assert_int_equal(VPF_ADMIN_OPS_WRITE_RECORD, 0x78000);
}

static void
test_last_error(void **state)
{
	(void)state;
	vpf_error_clear();
	assert_string_equal(vpf_last_error(), "");
	assert_int_equal(vpf_error(-ENOTSUP, "device does not offer %s",
				   "VIRTIO_F_ADMIN_VQ"), -ENOTSUP);
	assert_string_equal(vpf_last_error(),
			    "device does not offer VIRTIO_F_ADMIN_VQ");
	/* Wrapping the previous error in more context must not garble it. */
	vpf_error(-EIO, "attach src: %s", vpf_last_error());
	assert_string_equal(vpf_last_error(),
			    "attach src: device does not offer VIRTIO_F_ADMIN_VQ");
	assert_non_null(vpf_version());
}

VPF_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_status_names),
	cmocka_unit_test(test_status_errno),
	cmocka_unit_test(test_layout_bytes),
	cmocka_unit_test(test_last_error))
