/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * The VFIO backend's ops without VFIO: a memfd laid out like a VFIO device
 * fd (config region, BAR region) stands in for the device, so the access
 * rules (widths, alignment, bounds, 64-bit split low half first, mapped and
 * pread/pwrite paths), the MSI-X hole and the "no function reset with VFs
 * enabled" rule are tested on any machine. The real device path is
 * devtools/vfio-qemu-test.sh.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "../vpf_test_main.h"

#include "vfio_internal.h"
#include "vpf_virtio.h"

#include "pf_image.h"

#define CFG_OFF		0x0
#define BAR0_OFF	0x10000
#define BAR0_SIZE	0x8000
#define FD_SIZE		(BAR0_OFF + BAR0_SIZE)

static const uint64_t bar_off[6] = { BAR0_OFF };
static const uint64_t bar_size[6] = { BAR0_SIZE };

static int
make_fd(uint16_t num_vfs)
{
	static uint8_t c[4096];
	int fd = memfd_create("vpf-fake-vfio", 0);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, FD_SIZE), 0);
	make_pf(c, 8, num_vfs, 1, 1);
	assert_int_equal(pwrite(fd, c, sizeof(c), CFG_OFF), (ssize_t)sizeof(c));
	return fd;
}

static uint64_t
peek(int fd, uint64_t off, unsigned int n)
{
	uint8_t b[8] = {0};
	uint64_t v = 0;
	unsigned int i;

	assert_int_equal(pread(fd, b, n, (off_t)off), (ssize_t)n);
	for (i = 0; i < n; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static void
run_bar_rules(bool map)
{
	const struct vpf_pf_ops *o = &vpf_vfio_ops;
	struct vpf_vfio_dev *d;
	uint64_t v, size;
	int fd = make_fd(4);

	d = vpf_vfio_dev_fake(fd, CFG_OFF, 4096, bar_off, bar_size, map);
	assert_non_null(d);
	assert_int_equal(o->bar_size(d, 0, &size), 0);
	assert_int_equal(size, BAR0_SIZE);
	assert_int_equal(o->bar_size(d, 1, &size), -ENOENT);
	assert_int_equal(o->bar_size(d, 6, &size), -EINVAL);

	/* every width, little-endian in the BAR */
	assert_int_equal(o->bar_write(d, 0, 0x100, 1, 0xab), 0);
	assert_int_equal(peek(fd, BAR0_OFF + 0x100, 1), 0xab);
	assert_int_equal(o->bar_write(d, 0, 0x102, 2, 0xbeef), 0);
	assert_int_equal(peek(fd, BAR0_OFF + 0x102, 2), 0xbeef);
	assert_int_equal(o->bar_write(d, 0, 0x104, 4, 0xdeadbeef), 0);
	assert_int_equal(peek(fd, BAR0_OFF + 0x104, 4), 0xdeadbeef);
	/* 64-bit: two 32-bit halves, low at off, high at off + 4 */
	assert_int_equal(o->bar_write(d, 0, 0x108, 8,
				      UINT64_C(0x1122334455667788)), 0);
	assert_int_equal(peek(fd, BAR0_OFF + 0x108, 4), 0x55667788);
	assert_int_equal(peek(fd, BAR0_OFF + 0x10c, 4), 0x11223344);
	assert_int_equal(o->bar_read(d, 0, 0x108, 8, &v), 0);
	assert_int_equal(v, UINT64_C(0x1122334455667788));
	assert_int_equal(o->bar_read(d, 0, 0x102, 2, &v), 0);
	assert_int_equal(v, 0xbeef);
	assert_int_equal(o->bar_read(d, 0, 0x100, 1, &v), 0);
	assert_int_equal(v, 0xab);
	/* the last register of the BAR, and one past it */
	assert_int_equal(o->bar_write(d, 0, BAR0_SIZE - 8, 8, 1), 0);
	assert_int_equal(o->bar_read(d, 0, BAR0_SIZE - 4, 4, &v), 0);
	assert_int_equal(o->bar_read(d, 0, BAR0_SIZE, 4, &v), -ERANGE);
	assert_int_equal(o->bar_write(d, 0, BAR0_SIZE, 8, 0), -ERANGE);
	assert_int_equal(o->bar_read(d, 0, UINT64_MAX - 3, 4, &v), -ERANGE);
	/* widths and alignment */
	assert_int_equal(o->bar_read(d, 0, 0x101, 2, &v), -EINVAL);
	assert_int_equal(o->bar_read(d, 0, 0x104, 3, &v), -EINVAL);
	assert_int_equal(o->bar_write(d, 0, 0x104, 8, 0), -EINVAL);
	assert_int_equal(o->bar_read(d, 1, 0, 4, &v), -ENOENT);
	assert_int_equal(o->bar_read(d, 9, 0, 4, &v), -EINVAL);

	vpf_vfio_dev_fake_free(d);
	close(fd);
}

static void
test_bar_mapped(void **state)
{
	(void)state;
	run_bar_rules(true);
}

static void
test_bar_pread(void **state)
{
	(void)state;
	run_bar_rules(false);
}

static void
test_cfg_rules(void **state)
{
	const struct vpf_pf_ops *o = &vpf_vfio_ops;
	struct vpf_vfio_dev *d;
	uint8_t buf[4096];
	uint16_t cmd;
	int fd = make_fd(4);

	(void)state;
	d = vpf_vfio_dev_fake(fd, CFG_OFF, 4096, bar_off, bar_size, true);
	assert_non_null(d);
	assert_int_equal(o->cfg_size(d), 4096);
	assert_int_equal(o->cfg_read(d, 0, buf, 4096), 0);
	assert_int_equal(buf[0] | buf[1] << 8, VPF_VIRTIO_PCI_VENDOR);
	assert_int_equal(o->cfg_read(d, 4095, buf, 1), 0);
	assert_int_equal(o->cfg_read(d, 4095, buf, 2), -ERANGE);
	assert_int_equal(o->cfg_read(d, 0, buf, 0), -ERANGE);
	assert_int_equal(o->cfg_read(d, UINT32_MAX, buf, 2), -ERANGE);
	cmd = VPF_PCI_COMMAND_MEMORY | VPF_PCI_COMMAND_MASTER;
	assert_int_equal(o->cfg_write(d, VPF_PCI_COMMAND, &cmd, 2), 0);
	assert_int_equal(peek(fd, VPF_PCI_COMMAND, 2), cmd);
	assert_int_equal(o->cfg_write(d, VPF_PCI_COMMAND + 1, &cmd, 2),
			 -EINVAL);
	assert_int_equal(o->cfg_write(d, VPF_PCI_COMMAND, &cmd, 3), -EINVAL);
	assert_int_equal(o->cfg_write(d, 4096, &cmd, 2), -ERANGE);

	/* what open learnt from the config region */
	assert_true(vpf_vfio_func(d)->sriov.present);
	assert_int_equal(vpf_vfio_func(d)->sriov.num_vfs, 4);
	assert_int_equal(vpf_vfio_func(d)->n_caps, 5);
	vpf_vfio_dev_fake_free(d);
	close(fd);
}

/* A PCI function reset would tear down the VFs of running VMs: refused,
 * with NumVFs read live from config space. */
static void
test_no_function_reset_with_vfs(void **state)
{
	struct vpf_vfio_dev *d;
	uint8_t v[2] = { 0, 0 };
	int fd = make_fd(4);

	(void)state;
	d = vpf_vfio_dev_fake(fd, CFG_OFF, 4096, bar_off, bar_size, true);
	assert_non_null(d);
	assert_int_equal(vpf_vfio_function_reset(d), -EBUSY);
	assert_non_null(strstr(vpf_last_error(), "it has 4 VFs enabled"));
	assert_non_null(strstr(vpf_last_error(), "virtio status register"));
	/* VFs disabled since: allowed, but this "device" cannot reset */
	assert_int_equal(pwrite(fd, v, 2, 0x100 + VPF_SRIOV_NUM_VF), 2);
	assert_int_equal(vpf_vfio_function_reset(d), -ENOTSUP);
	assert_non_null(strstr(vpf_last_error(), "offers no function reset"));
	/* VFs enabled after open: read live, refused again */
	v[0] = 2;
	assert_int_equal(pwrite(fd, v, 2, 0x100 + VPF_SRIOV_NUM_VF), 2);
	assert_int_equal(vpf_vfio_function_reset(d), -EBUSY);
	vpf_vfio_dev_fake_free(d);
	close(fd);
}

/* The generic bring-up walks the caps and resets through the backend. */
static void
test_virtio_probe_over_backend(void **state)
{
	struct vpf_virtio_dev vd;
	struct vpf_vfio_dev *d;
	uint8_t st;
	int fd = make_fd(4);

	(void)state;
	d = vpf_vfio_dev_fake(fd, CFG_OFF, 4096, bar_off, bar_size, true);
	assert_non_null(d);
	memset(&vd, 0, sizeof(vd));
	assert_int_equal(vpf_virtio_probe(&vd, &vpf_vfio_ops, d), 0);
	assert_true(vd.common.present);
	assert_int_equal(vd.common.length, 0x40);
	assert_int_equal(vd.notify.offset, 0x6000);
	assert_int_equal(vd.notify_off_multiplier, 4);
	assert_int_equal(vd.sriov.pos, 0x100);
	assert_int_equal(vd.sriov.num_vfs, 4);
	/* status reads 0 at once in a memfd */
	assert_int_equal(vpf_virtio_reset(&vd, 1000), 0);
	assert_int_equal(vpf_virtio_status_get(&vd, &st), 0);
	assert_int_equal(st, 0);
	vpf_vfio_dev_fake_free(d);
	close(fd);
}

static void
test_msix_hole(void **state)
{
	/* MSI-X table and PBA placements, and the hole BAR @bar of @size
	 * bytes gets in 4 KiB pages (none: present false). */
	static const struct {
		const char *what;
		uint8_t table_bar, pba_bar;
		uint32_t table_off, pba_off;
		uint8_t bar;
		uint64_t size;
		bool present;
		uint64_t lo, hi;
	} c[] = {
		{ "this machine's virtio devices: table 0x8000, PBA 0x48000, "
		  "512 KiB", 0, 0, 0x8000, 0x48000, 0, 0x80000, true, 0x8000,
		  0x49000 },
		{ "QEMU's: a BAR of its own holding table and PBA", 1, 1, 0,
		  0x800, 1, 0x1000, true, 0, 0x1000 },
		{ "another BAR than the table's", 1, 1, 0, 0x800, 4, 0x4000,
		  false, 0, 0 },
		{ "unaligned table: the hole grows to whole pages", 2, 2,
		  0x2010, 0x2810, 2, 0x10000, true, 0x2000, 0x3000 },
		{ "a table outside its BAR leaves nothing to avoid", 2, 2,
		  0x20000, 0x20800, 2, 0x10000, false, 0, 0 },
	};
	struct vpf_pci_func f;
	uint64_t lo, hi;
	size_t i;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.has_msix = true;
	f.msix_table_size = 3;
	for (i = 0; i < RTE_DIM(c); i++) {
		print_message("%s\n", c[i].what);
		f.msix_table_bar = c[i].table_bar;
		f.msix_pba_bar = c[i].pba_bar;
		f.msix_table_offset = c[i].table_off;
		f.msix_pba_offset = c[i].pba_off;
		lo = hi = 0;
		assert_int_equal(vpf_vfio_msix_hole(&f, c[i].bar, c[i].size,
						    4096, &lo, &hi),
				 c[i].present);
		if (c[i].present) {
			assert_int_equal(lo, c[i].lo);
			assert_int_equal(hi, c[i].hi);
		}
	}
	f.has_msix = false;
	assert_false(vpf_vfio_msix_hole(&f, 2, 0x10000, 4096, &lo, &hi));
}

VPF_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_bar_mapped),
	cmocka_unit_test(test_bar_pread),
	cmocka_unit_test(test_cfg_rules),
	cmocka_unit_test(test_no_function_reset_with_vfs),
	cmocka_unit_test(test_virtio_probe_over_backend),
	cmocka_unit_test(test_msix_hole))
