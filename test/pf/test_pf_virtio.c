/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * The generic virtio-pci layer (lib/pf/vpf_virtio.c) and the split
 * virtqueue (lib/vq) against the scripted fake device: probe, reset,
 * negotiation, queue setup, every used-ring validation.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#include "pf_harness.h"
#include "vpf_virtio.h"

static void
test_virtio_generic(void **state)
{
	struct fake_dev *fd = pft_fake_new(2, 0);
	struct vpf_virtio_dev vd;
	struct vpf_vq vq;
	uint64_t v;

	(void)state;
	assert_int_equal(vpf_virtio_probe(&vd, &fake_ops, fd), 0);
	assert_int_equal(vd.sriov.pos, 0x100);
	assert_int_equal(vd.sriov.num_vfs, 2);
	assert_int_equal(vd.sriov.total_vfs, FAKE_MAX_VFS);
	assert_true(vd.sriov.vf_enabled);
	assert_int_equal(vd.notify_off_multiplier, 4);
	assert_true(vd.isr.present);
	assert_true(vd.device.present);
	assert_int_equal(vpf_virtio_reset(&vd, 10000), 0);
	assert_int_equal(vpf_virtio_status_add(&vd, VPF_STATUS_ACKNOWLEDGE |
					      VPF_STATUS_DRIVER), 0);
	/* A net driver's negotiation with the same layer. */
	assert_int_equal(vpf_virtio_negotiate(&vd, VPF_FEATURE(VPF_NET_F_CTRL_VQ), 0), 0);
	assert_int_equal(vd.driver_features, VPF_FEATURE(VPF_F_VERSION_1) |
			 VPF_FEATURE(VPF_NET_F_CTRL_VQ));
	assert_string_equal(vpf_virtio_feature_name(&vd, VPF_NET_F_CTRL_VQ),
			    "VIRTIO_NET_F_CTRL_VQ");
	assert_string_equal(vpf_virtio_feature_name(&vd, 60), "feature bit 60");
	/* Queue 0 does not exist on the fake. */
	assert_int_equal(vpf_virtio_queue_setup(&vd, &vq, 0, 64), -ENOENT);
	assert_non_null(strstr(vpf_last_error(), "queue 0 does not exist"));
	/* Size rounds down to a power of two under the maximum. */
	assert_int_equal(vpf_virtio_queue_setup(&vd, &vq, FAKE_AQ_INDEX, 100), 0);
	assert_int_equal(vq.size, 64);
	assert_int_equal(fd->aq_size, 64);
	assert_int_equal(fd->aq_desc, vq.desc_iova);
	assert_int_equal(fd->aq_enable, 1);
	assert_int_equal(vpf_virtio_driver_ok(&vd), 0);
	assert_int_equal(vpf_virtio_device_cfg_read(&vd, 0, 4, &v), 0);
	assert_int_equal(vpf_virtio_device_cfg_read(&vd, 12, 4, &v), -ERANGE);
	assert_int_equal(vpf_virtio_common_check(&vd, 64), 0);
	assert_int_equal(vpf_virtio_common_check(&vd, 65), -ENOTSUP);
	/* Features the split queue cannot honour. */
	fd->features |= VPF_FEATURE(VPF_F_RING_PACKED) | VPF_FEATURE(29);
	assert_int_equal(vpf_virtio_negotiate(&vd, VPF_FEATURE(VPF_F_RING_PACKED), 0), -ENOTSUP);
	assert_string_equal(vpf_last_error(),
			    "VIRTIO_F_RING_PACKED is not supported by vpf's split virtqueue");
	assert_int_equal(vpf_virtio_negotiate(&vd, 0, VPF_FEATURE(29) |
					      VPF_FEATURE(VPF_F_RING_PACKED)), 0);
	assert_int_equal(vd.driver_features, VPF_FEATURE(VPF_F_VERSION_1));
	/* Missing required feature: all named. */
	fd->features &= ~(VPF_FEATURE(VPF_F_VERSION_1));
	fd->features &= ~(VPF_FEATURE(VPF_F_ADMIN_VQ));
	assert_int_equal(vpf_virtio_negotiate(&vd, VPF_FEATURE(VPF_F_ADMIN_VQ), 0), -ENOTSUP);
	assert_string_equal(vpf_last_error(),
			    "device does not offer VIRTIO_F_VERSION_1, VIRTIO_F_ADMIN_VQ");
	/* Device gone: status 0xff. */
	fd->flags |= FAKE_GONE;
	assert_int_equal(vpf_virtio_reset(&vd, 10000), -ENODEV);
	assert_true(vd.gone);
	vpf_vq_destroy(&vq);
	pft_fake_free(fd);
}

static void
test_vq_validation(void **state)
{
	struct fake_dev *fd = pft_fake_new(2, 0);
	struct vpf_virtio_dev vd;
	struct vpf_vq vq;
	struct vpf_vq_buf o = { 0x1000, 8 }, in = { 0x2000, 16 };
	struct vpf_vq_used u;
	int cookies[8], h[8], i;

	(void)state;
	fd->auto_answer = false;
	assert_int_equal(vpf_virtio_probe(&vd, &fake_ops, fd), 0);
	assert_int_equal(vpf_virtio_queue_setup(&vd, &vq, FAKE_AQ_INDEX, 8), 0);
	assert_int_equal(vpf_vq_num_free(&vq), 8);
	assert_int_equal(vpf_vq_add(&vq, &o, 1, &in, 1, NULL), -EINVAL);
	for (i = 0; i < 4; i++) {
		h[i] = vpf_vq_add(&vq, &o, 1, &in, 1, &cookies[i]);
		assert_true(h[i] >= 0);
	}
	assert_int_equal(vpf_vq_add(&vq, &o, 1, &in, 1, &cookies[5]), -ENOSPC);
	assert_int_equal(vpf_vq_kick(&vq), 1);
	assert_int_equal(vpf_vq_kick(&vq), 0);	/* nothing new: no doorbell */
	assert_int_equal(fd->kicks, 1);
	assert_ptr_equal(vpf_vq_cookie(&vq, (uint16_t)h[2]), &cookies[2]);

	assert_int_equal(vpf_vq_get_used(&vq, &u), 0);
	/* Out-of-order completion, matched by id. */
	fake_push_used(fd, (uint32_t)h[2], 12);
	assert_int_equal(vpf_vq_get_used(&vq, &u), 1);
	assert_ptr_equal(u.cookie, &cookies[2]);
	assert_int_equal(u.len, 12);
	/* Duplicate: not in flight any more. */
	fake_push_used(fd, (uint32_t)h[2], 12);
	assert_int_equal(vpf_vq_get_used(&vq, &u), -EIO);
	assert_null(u.cookie);
	assert_non_null(strstr(vpf_last_error(), "not in flight"));
	/* Id out of range. */
	fake_push_used(fd, 100, 8);
	assert_int_equal(vpf_vq_get_used(&vq, &u), -EIO);
	assert_null(u.cookie);
	/* Longer than posted: chain freed, owner told. */
	fake_push_used(fd, (uint32_t)h[0], 17);
	assert_int_equal(vpf_vq_get_used(&vq, &u), -EIO);
	assert_ptr_equal(u.cookie, &cookies[0]);
	assert_int_equal(vpf_vq_num_free(&vq), 4);
	/* Used index ahead by more than the ring holds: nothing consumed. */
	assert_int_equal(vq.nchains, 2);
	{
		uint16_t *uidx = (uint16_t *)(void *)((uint8_t *)vq.used + 2);
		uint16_t last = vq.last_used;

		*uidx = (uint16_t)(vq.last_used + 9);
		assert_int_equal(vpf_vq_get_used(&vq, &u), -EIO);
		assert_non_null(strstr(vpf_last_error(), "runs 9 ahead"));
		assert_int_equal(vq.last_used, last);
		assert_int_equal(vpf_vq_num_free(&vq), 4);
		*uidx = (uint16_t)(vq.last_used - 1);	/* behind: 65535 ahead */
		assert_int_equal(vpf_vq_get_used(&vq, &u), -EIO);
		/* Ahead by less: each stale entry is validated on its own
		 * (zeroed slots name id 0, which is not in flight). */
		*uidx = (uint16_t)(vq.last_used + 2);
		assert_int_equal(vpf_vq_get_used(&vq, &u), -EIO);
		assert_int_equal(vq.last_used, (uint16_t)(last + 1));
	}
	vpf_vq_reinit(&vq);
	assert_int_equal(vpf_vq_num_free(&vq), 8);
	/* The device polls (VIRTQ_USED_F_NO_NOTIFY): the new entry is
	 * published, the doorbell skipped; once the flag is clear, rung. */
	{
		uint16_t *uflags = (uint16_t *)(void *)vq.used;
		uint8_t *avail = fake_iova(fd, fd->aq_avail, 4);
		uint32_t kicks = fd->kicks;

		assert_non_null(avail);
		*uflags = rte_cpu_to_le_16(VPF_VRING_USED_F_NO_NOTIFY);
		assert_true(vpf_vq_add(&vq, &o, 1, &in, 1, &cookies[6]) >= 0);
		assert_int_equal(vpf_vq_kick(&vq), 0);
		assert_int_equal(fd->kicks, kicks);
		assert_int_equal(avail[2] | avail[3] << 8, vq.avail_idx);
		*uflags = 0;
		assert_true(vpf_vq_add(&vq, &o, 1, &in, 1, &cookies[7]) >= 0);
		assert_int_equal(vpf_vq_kick(&vq), 1);
		assert_int_equal(fd->kicks, kicks + 1);
	}
	vpf_vq_destroy(&vq);
	vpf_vq_destroy(&vq);	/* twice is fine */
	pft_fake_free(fd);
}

const struct CMUnitTest pft_tests[] = {
	cmocka_unit_test(test_virtio_generic),
	cmocka_unit_test(test_vq_validation),
};
const size_t pft_ntests = RTE_DIM(pft_tests);
