/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * Discovery from config-space dumps (libpci's dump method, `lspci -xxxx`
 * format): synthetic SR-IOV PFs (hand-made, and the model's own dump when
 * the model is built), malformed ones (capability loops, pointers out of
 * range, truncated dumps), member id <-> VF BDF, and the raw parser.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../vpf_test_main.h"

#include "vpf_spec.h"
#include "vpf_vfio.h"

#include "pf_image.h"
#include "vpf_model.h"

static char dump_path[] = "/tmp/vpf-test-dump-XXXXXX";

static int
setup(void **state)
{
	int fd = mkstemp(dump_path);

	(void)state;
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(dump_path);
	return 0;
}

/* Write @p len bytes of @p c as `lspci -xxxx` does, for @p bdf. */
static void
write_dump(const char *bdf, const uint8_t *c, size_t len)
{
	FILE *f = fopen(dump_path, "w");
	size_t i;

	assert_non_null(f);
	fprintf(f, "%s Ethernet controller: Red Hat, Inc. Virtio 1.0 network "
		"device (rev 01)\n", bdf);
	for (i = 0; i < len; i++) {
		if ((i & 15) == 0)
			fprintf(f, "%02zx:", i);
		fprintf(f, " %02x", c[i]);
		if ((i & 15) == 15 || i + 1 == len)
			fputc('\n', f);
	}
	fputc('\n', f);
	assert_int_equal(fclose(f), 0);
}

static void
test_synthetic_sriov_pf(void **state)
{
	static uint8_t c[4096];
	struct vpf_pci_func f;
	char desc[2048];
	char bdf[VPF_PCI_BDF_LEN];
	uint16_t vf;

	(void)state;
	make_pf(c, 8, 4, 1, 1);
	write_dump("0000:3b:00.0", c, sizeof(c));
	assert_int_equal(vpf_pci_probe(dump_path, "3b:00.0", &f), 0);
	assert_string_equal(f.bdf, "0000:3b:00.0");
	assert_int_equal(f.virtio_type, VPF_VIRTIO_ID_NET);
	assert_string_equal(vpf_pci_virtio_type_name(f.virtio_type), "net");
	assert_int_equal(f.cfg_size, 4096);
	assert_true(f.pcie);
	assert_int_equal(f.n_caps, 5);
	assert_int_equal(f.caps[f.common].length, 0x40);
	assert_true(f.admin_cfg_ok);
	assert_int_equal(f.caps[f.notify].offset, 0x6000);
	assert_int_equal(f.caps[f.notify].notify_off_multiplier, 4);
	assert_int_equal(f.caps[f.isr].offset, 0x2000);
	assert_int_equal(f.caps[f.device].length, 0x1000);
	assert_int_equal(f.caps[f.pci_cfg].pos, 0x84);
	assert_true(f.has_msix);
	assert_int_equal(f.msix_table_size, 3);
	assert_int_equal(f.msix_table_offset, 0x8000);
	assert_int_equal(f.msix_pba_offset, 0x9000);
	/* SR-IOV */
	assert_true(f.sriov.present);
	assert_int_equal(f.sriov.pos, 0x100);
	assert_true(f.sriov.vf_enable);
	assert_int_equal(f.sriov.total_vfs, 8);
	assert_int_equal(f.sriov.num_vfs, 4);
	assert_int_equal(f.sriov.vf_offset, 1);
	assert_int_equal(f.sriov.vf_stride, 1);
	assert_int_equal(f.sriov.vf_device_id, 0x1041);
	/* A dump knows no driver, IOMMU group or BAR sizes: unknown. */
	assert_false(f.driver_known);
	assert_int_equal(f.iommu_group, VPF_PCI_IOMMU_GROUP_UNKNOWN);
	assert_false(f.bar_sizes_known);
	assert_string_equal(f.notes, "");
	assert_true(vpf_pci_describe(&f, desc, sizeof(desc)) > 0);
	assert_non_null(strstr(desc, "driver: unknown\n"));
	assert_non_null(strstr(desc, "iommu_group: unknown\n"));
	assert_non_null(strstr(desc, "bars: unknown\n"));
	assert_non_null(strstr(desc, "sriov: total_vfs=8 num_vfs=4"));
	assert_non_null(strstr(desc, "cap: 0x70 Notify bar=0 offset=0x00006000 "
			       "length=0x00001000 multiplier=4\n"));
	assert_non_null(strstr(desc, "admin_queue_cfg: yes\n"));
	/* member id n <-> VF BDF, one line per enabled VF */
	assert_non_null(strstr(desc, "\nvf1_bdf: 0000:3b:00.1\n"
			       "vf2_bdf: 0000:3b:00.2\n"
			       "vf3_bdf: 0000:3b:00.3\n"
			       "vf4_bdf: 0000:3b:00.4\n"));
	assert_null(strstr(desc, "vf5_bdf"));
	assert_null(strstr(desc, "vf_bdf_listed"));

	/* member id n <-> VF BDF */
	assert_int_equal(vpf_pci_vf_bdf(&f, 1, bdf), 0);
	assert_string_equal(bdf, "0000:3b:00.1");
	assert_int_equal(vpf_pci_vf_bdf(&f, 4, bdf), 0);
	assert_string_equal(bdf, "0000:3b:00.4");
	assert_int_equal(vpf_pci_vf_member(&f, "3b:00.3", &vf), 0);
	assert_int_equal(vf, 3);
	assert_int_equal(vpf_pci_vf_member(&f, "0000:3b:00.5", &vf), -ENOENT);
	assert_int_equal(vpf_pci_vf_bdf(&f, 5, bdf), -ERANGE);
	assert_non_null(strstr(vpf_last_error(), "VF 5 is out of range"));
	assert_non_null(strstr(vpf_last_error(), "member ids 1..4"));
	assert_int_equal(vpf_pci_vf_bdf(&f, 0, bdf), -ERANGE);

	/* Not in the dump; not a virtio address; no dump file. */
	assert_int_equal(vpf_pci_probe(dump_path, "3b:00.1", &f), -ENODEV);
	assert_non_null(strstr(vpf_last_error(), "no PCI device 0000:3b:00.1"));
	assert_int_equal(vpf_pci_probe(dump_path, "3b:00", &f), -EINVAL);
	assert_int_equal(vpf_pci_probe("/nonexistent/dump", "3b:00.0", &f),
			 -ENOENT);
}

static void
test_vf_routing(void **state)
{
	static uint8_t c[4096];
	struct vpf_pci_func f;
	char bdf[VPF_PCI_BDF_LEN];
	uint16_t vf;

	(void)state;
	/* VFs on the next bus: offset 0x80, stride 2 (as many NICs do). */
	make_pf(c, 256, 200, 0x80, 2);
	write_dump("0000:fe:00.0", c, sizeof(c));
	assert_int_equal(vpf_pci_probe(dump_path, "0000:fe:00.0", &f), 0);
	assert_int_equal(vpf_pci_vf_bdf(&f, 1, bdf), 0);
	assert_string_equal(bdf, "0000:fe:10.0");
	assert_int_equal(vpf_pci_vf_bdf(&f, 65, bdf), 0);
	assert_string_equal(bdf, "0000:ff:00.0");
	assert_int_equal(vpf_pci_vf_member(&f, "0000:ff:00.0", &vf), 0);
	assert_int_equal(vf, 65);
	/* 0xfe00 + 0x80 + 199 * 2 = 0x1000e: beyond bus ff */
	assert_int_equal(vpf_pci_vf_bdf(&f, 200, bdf), -ERANGE);
	assert_non_null(strstr(vpf_last_error(), "beyond bus ff"));

	/* describe lists the VFs up to the first one beyond bus ff
	 * (0xfe00 + 0x80 + 192 * 2 = 0x10000: VF 193) */
	{
		static char desc[16384];

		assert_true(vpf_pci_describe(&f, desc, sizeof(desc)) > 0);
		assert_non_null(strstr(desc, "\nvf1_bdf: 0000:fe:10.0\n"));
		assert_non_null(strstr(desc, "\nvf65_bdf: 0000:ff:00.0\n"));
		assert_non_null(strstr(desc, "\nvf192_bdf: 0000:ff:1f.6\n"));
		assert_non_null(strstr(desc, "\nvf193_bdf: invalid (VF 193 of "
				       "0000:fe:00.0 would be routing id "
				       "0x10000, beyond bus ff)\n"));
		assert_null(strstr(desc, "vf194_bdf"));

		/* more VFs than lines: the first 256, and how many */
		make_pf(c, 1000, 300, 1, 1);
		write_dump("0000:10:00.0", c, sizeof(c));
		assert_int_equal(vpf_pci_probe(dump_path, "0000:10:00.0", &f),
				 0);
		assert_true(vpf_pci_describe(&f, desc, sizeof(desc)) > 0);
		assert_non_null(strstr(desc, "\nvf256_bdf: 0000:11:00.0\n"
				       "vf_bdf_listed: 256 of 300\n"));
		assert_null(strstr(desc, "vf257_bdf"));
	}
}

static void
test_sriov_disabled(void **state)
{
	static uint8_t c[4096];
	struct vpf_pci_func f;
	char bdf[VPF_PCI_BDF_LEN];

	(void)state;
	make_pf(c, 8, 0, 1, 1);
	write_dump("0000:3b:00.0", c, sizeof(c));
	assert_int_equal(vpf_pci_probe(dump_path, "0000:3b:00.0", &f), 0);
	assert_true(f.sriov.present);
	assert_false(f.sriov.vf_enable);
	assert_int_equal(vpf_pci_vf_bdf(&f, 1, bdf), -ENODEV);
	assert_non_null(strstr(vpf_last_error(), "SR-IOV is disabled"));
	assert_non_null(strstr(vpf_last_error(), "sriov_numvfs"));
	assert_non_null(strstr(vpf_last_error(), "enable_sriov=1"));
	/* no VF, no VF BDF line */
	{
		char desc[2048];

		assert_true(vpf_pci_describe(&f, desc, sizeof(desc)) > 0);
		assert_null(strstr(desc, "_bdf"));
	}
}

static void
test_no_ext_space(void **state)
{
	static uint8_t c[4096];
	struct vpf_pci_func f;
	char bdf[VPF_PCI_BDF_LEN];

	(void)state;
	/* lspci -xxx (256 bytes) of a PCIe PF: SR-IOV is not visible. */
	make_pf(c, 8, 4, 1, 1);
	write_dump("0000:3b:00.0", c, 256);
	assert_int_equal(vpf_pci_probe(dump_path, "0000:3b:00.0", &f), 0);
	assert_int_equal(f.cfg_size, 256);
	assert_false(f.sriov.present);
	assert_non_null(strstr(f.notes, "extended capabilities (SR-IOV) not "
			       "visible"));
	assert_int_equal(vpf_pci_vf_bdf(&f, 1, bdf), -ENOTSUP);
	assert_non_null(strstr(vpf_last_error(), "no SR-IOV capability"));
}

static void
test_short_common_cfg(void **state)
{
	static uint8_t c[4096];
	struct vpf_pci_func f;

	(void)state;
	/* What QEMU's virtio devices have: a 0x38-byte common cfg. */
	make_pf(c, 8, 4, 1, 1);
	put32(c, 0x40 + 12, 0x38);
	write_dump("0000:3b:00.0", c, sizeof(c));
	assert_int_equal(vpf_pci_probe(dump_path, "0000:3b:00.0", &f), 0);
	assert_false(f.admin_cfg_ok);
	assert_non_null(strstr(f.notes, "common cfg is 0x38 bytes: too short "
			       "for an admin queue (needs 0x40)"));
}

/* Malformed dumps: each is a clear -EINVAL, never a crash or a hang. */
static void
expect_malformed(const uint8_t *c, size_t len, const char *why)
{
	struct vpf_pci_func f;
	unsigned int n = 0;

	write_dump("0000:3b:00.0", c, len);
	assert_int_equal(vpf_pci_probe(dump_path, "0000:3b:00.0", &f),
			 -EINVAL);
	if (strstr(vpf_last_error(), why) == NULL)
		fail_msg("error '%s' does not say '%s'", vpf_last_error(), why);
	/* A scan still lists it, with the reason. */
	assert_int_equal(vpf_pci_scan(dump_path, &f, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_non_null(strstr(f.notes, "malformed config space"));
	assert_non_null(strstr(f.notes, why));
}

static void
test_malformed(void **state)
{
	/* Each case: the sample PF with one byte (width 1) or dword (width 4)
	 * changed, or none, dumped whole or cut to @p len bytes. */
	static const struct {
		const char *what;
		uint16_t off;
		uint8_t width;
		uint32_t val;
		size_t len;
		const char *why;
	} cases[] = {
		{ "capability loop 0x40 -> 0x50 -> 0x40", 0x51, 1, 0x40, 0,
		  "capability list loops at 0x40" },
		{ "self loop", 0x41, 1, 0x40, 0, "loops" },
		{ "pointer into the header", 0x61, 1, 0x20, 0,
		  "capability pointer 0x20 outside" },
		{ "first pointer out of range", VPF_PCI_CAPABILITY_LIST, 1, 0x10,
		  0, "outside 0x40..0xfc" },
		{ "truncated dump: the list points past the bytes we have", 0, 0,
		  0, 0x60, "truncated dump" },
		{ "header only", 0, 0, 0, 0x30, "truncated" },
		{ "virtio cap too short", 0x52, 1, 8, 0,
		  "cap_len 8, less than 16" },
		{ "notify cap without its multiplier", 0x72, 1, 16, 0,
		  "less than 20" },
		{ "extended capability loop", 0x100, 4,
		  VPF_PCI_EXT_CAP_ID_SRIOV | 1u << 16 | 0x100u << 20, 0,
		  "extended capability list loops" },
		{ "extended capability pointer into standard space", 0x100, 4,
		  VPF_PCI_EXT_CAP_ID_SRIOV | 1u << 16 | 0x40u << 20, 0,
		  "extended capability pointer 0x040" },
	};
	static uint8_t c[4096];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i].what);
		make_pf(c, 8, 4, 1, 1);
		if (cases[i].width == 1)
			c[cases[i].off] = (uint8_t)cases[i].val;
		else if (cases[i].width == 4)
			put32(c, cases[i].off, cases[i].val);
		expect_malformed(c, cases[i].len ? cases[i].len : sizeof(c),
				 cases[i].why);
	}
	/* truncated inside a virtio capability */
	make_pf(c, 8, 4, 1, 1);
	c[0x41] = 0xf4;
	vcap(c, 0xf4, 16, VPF_PCI_CAP_COMMON_CFG, 0, 0, 0x40, 0);
	expect_malformed(c, 256, "cut off");
}

/* Text libpci's dump parser itself rejects: an error return, not exit(),
 * and libpci is usable again afterwards. */
static void
test_dump_libpci_errors(void **state)
{
	static uint8_t c[4096];
	struct vpf_pci_func f;
	unsigned int n = 0;
	FILE *fp;
	int i;

	(void)state;
	fp = fopen(dump_path, "w");
	assert_non_null(fp);
	for (i = 0; i < 600; i++)
		fputc('x', fp);		/* one line, too long, unterminated */
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(vpf_pci_scan(dump_path, &f, 1, &n), -EIO);
	assert_non_null(strstr(vpf_last_error(), "libpci: "));
	assert_int_equal(vpf_pci_probe(dump_path, "3b:00.0", &f), -EIO);

	make_pf(c, 8, 4, 1, 1);
	write_dump("0000:3b:00.0", c, sizeof(c));
	assert_int_equal(vpf_pci_scan(dump_path, &f, 1, &n), 0);
	assert_int_equal(n, 1);
	/* an empty dump lists nothing */
	fp = fopen(dump_path, "w");
	assert_non_null(fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(vpf_pci_scan(dump_path, &f, 1, &n), 0);
	assert_int_equal(n, 0);
}

static void
write_text(const char *text)
{
	FILE *fp = fopen(dump_path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* A dump of the wrong format (`lspci -vvv` text: libpci's dump parser makes
 * a device of every "00:01.0 ..." line, with no config-space byte) is an
 * error with a hint, not "0 functions". */
static void
test_dump_wrong_format(void **state)
{
	static const char vvv[] =
"00:01.0 Unassigned class [ffff]: Red Hat, Inc. Virtio 1.0 memory balloon (rev 01)\n"
"\tSubsystem: Red Hat, Inc. Virtio 1.0 memory balloon\n"
"\tControl: I/O- Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr-\n"
"\tRegion 0: Memory at 4000000000 (64-bit, non-prefetchable) [size=512K]\n"
"\tCapabilities: [40] Vendor Specific Information: VirtIO: CommonCfg\n"
"\t\tBAR=0 offset=00000000 size=00000038\n"
"\tKernel driver in use: virtio-pci\n"
"\n"
"00:03.0 Ethernet controller: Red Hat, Inc. Virtio 1.0 network device (rev 01)\n"
"\tSubsystem: Red Hat, Inc. Virtio 1.0 network device\n"
"\n";
	struct vpf_pci_func f[4];
	unsigned int n = 7;

	(void)state;
	write_text(vvv);
	assert_int_equal(vpf_pci_scan(dump_path, f, 4, &n), -EINVAL);
	assert_non_null(strstr(vpf_last_error(), "no device in dump "));
	assert_non_null(strstr(vpf_last_error(),
			       "is it `lspci -xxxx` output?"));
	assert_int_equal(n, 0);
	assert_int_equal(vpf_pci_probe(dump_path, "00:03.0", f), -EINVAL);
	assert_non_null(strstr(vpf_last_error(), "lspci -xxxx"));
	assert_int_equal(vpf_pci_probe(dump_path, "00:04.0", f), -EINVAL);
	/* text libpci ignores altogether */
	write_text("hello\nworld\n");
	assert_int_equal(vpf_pci_scan(dump_path, f, 4, &n), -EINVAL);
	assert_non_null(strstr(vpf_last_error(), "no device in dump "));
	/* a real dump after the wrong one still works */
	write_text("00:03.0 Ethernet controller: x\n"
		   "00: f4 1a 41 10 06 04 10 00 01 00 00 02 00 00 00 00\n"
		   "10: 04 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00\n"
		   "20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 41 10\n"
		   "30: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n");
	assert_int_equal(vpf_pci_scan(dump_path, f, 4, &n), 0);
	assert_int_equal(n, 1);
	/* a dump of a non-virtio device is no error: 0 functions */
	write_text("00:03.0 Ethernet controller: x\n"
		   "00: 86 80 fb 10 06 04 10 00 01 00 00 02 00 00 00 00\n");
	assert_int_equal(vpf_pci_scan(dump_path, f, 4, &n), 0);
	assert_int_equal(n, 0);
}

static void
test_not_virtio(void **state)
{
	static uint8_t c[4096];
	struct vpf_pci_func f;
	unsigned int n = 7;

	(void)state;
	make_pf(c, 8, 4, 1, 1);
	put16(c, 0, 0x8086);
	put16(c, 2, 0x10fb);
	write_dump("0000:3b:00.0", c, sizeof(c));
	assert_int_equal(vpf_pci_probe(dump_path, "0000:3b:00.0", &f),
			 -ENOTSUP);
	assert_non_null(strstr(vpf_last_error(), "is not a virtio device "
			       "(vendor 8086 device 10fb"));
	assert_int_equal(vpf_pci_scan(dump_path, &f, 1, &n), 0);
	assert_int_equal(n, 0);
}

static void
test_parse_raw(void **state)
{
	static uint8_t c[4096];
	struct vpf_pci_func f;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(vpf_pci_parse_config(NULL, 0, &f), -EINVAL);
	make_pf(c, 8, 4, 1, 1);
	memset(c, 0xff, 4);
	assert_int_equal(vpf_pci_parse_config(c, sizeof(c), &f), -ENODEV);
	assert_non_null(strstr(vpf_last_error(), "device is gone"));

	/* With BAR sizes known, a cap beyond its BAR is reported. */
	make_pf(c, 8, 4, 1, 1);
	memset(&f, 0, sizeof(f));
	f.bar_sizes_known = true;
	f.bar_size[0] = 0x5000;
	assert_int_equal(vpf_pci_parse_config(c, sizeof(c), &f), 0);
	assert_false(f.caps[f.notify].in_bar);
	assert_true(f.caps[f.common].in_bar);
	assert_non_null(strstr(f.notes, "Notify capability at 0x70: "
			       "0x6000+0x1000 is outside BAR 0"));
	/* A cap naming BAR 7 */
	make_pf(c, 8, 4, 1, 1);
	c[0x54] = 7;
	memset(&f, 0, sizeof(f));
	assert_int_equal(vpf_pci_parse_config(c, sizeof(c), &f), 0);
	assert_false(f.caps[f.isr].in_bar);
	assert_non_null(strstr(f.notes, "names BAR 7"));
	/* Transitional id: type from the subsystem id */
	make_pf(c, 8, 4, 1, 1);
	put16(c, 2, 0x1000);
	put16(c, 0x2e, 1);
	memset(&f, 0, sizeof(f));
	assert_int_equal(vpf_pci_parse_config(c, sizeof(c), &f), 0);
	assert_true(f.transitional);
	assert_int_equal(f.virtio_type, 1);
	/* No capability list at all */
	make_pf(c, 8, 4, 1, 1);
	put16(c, VPF_PCI_STATUS, 0);
	memset(&f, 0, sizeof(f));
	assert_int_equal(vpf_pci_parse_config(c, 256, &f), 0);
	assert_int_equal(f.n_caps, 0);
	assert_non_null(strstr(f.notes, "no virtio common cfg capability"));
}

static void
test_bdf_parse(void **state)
{
	char b[VPF_PCI_BDF_LEN];

	(void)state;
	assert_int_equal(vpf_pci_bdf_parse("3b:00.0", b), 0);
	assert_string_equal(b, "0000:3b:00.0");
	assert_int_equal(vpf_pci_bdf_parse("0001:3B:1f.7", b), 0);
	assert_string_equal(b, "0001:3b:1f.7");
	assert_int_equal(vpf_pci_bdf_parse("3b:20.0", b), -EINVAL);
	assert_int_equal(vpf_pci_bdf_parse("3b:00.8", b), -EINVAL);
	assert_int_equal(vpf_pci_bdf_parse("3b:00.0x", b), -EINVAL);
	assert_int_equal(vpf_pci_bdf_parse("", b), -EINVAL);
	assert_int_equal(vpf_pci_bdf_parse(NULL, b), -EINVAL);
	assert_string_equal(vpf_pci_cap_type_name(5), "PCICfg");
	assert_string_equal(vpf_pci_cap_type_name(77), "unknown");
	assert_string_equal(vpf_pci_virtio_type_name(19), "vsock");
	assert_string_equal(vpf_pci_virtio_type_name(999), "unknown");
}

/* A model made from @p mp writes its config space in `lspci -xxxx`
 * format; vpf_pci_probe() of that dump into @p f returns what this does. */
static int
probe_model_dump(const struct vpf_model_params *mp, struct vpf_pci_func *f)
{
	struct vpf_model *m = vpf_model_create(mp);
	int rc;

	assert_non_null(m);
	assert_int_equal(vpf_model_dump_config(m, "0000:5e:00.0", dump_path),
			 0);
	rc = vpf_pci_probe(dump_path, "0000:5e:00.0", f);
	vpf_model_destroy(m);
	return rc;
}

/* The model writes its own config space in `lspci -xxxx` format: discovery
 * must read back exactly the PF the driver core sees. */
static void
test_model_dump(void **state)
{
	struct vpf_model_params mp;
	struct vpf_pci_func f;
	char bdf[VPF_PCI_BDF_LEN];
	unsigned int i;

	(void)state;
	vpf_model_params_init(&mp);
	mp.num_vfs = 6;
	assert_int_equal(probe_model_dump(&mp, &f), 0);
	assert_int_equal(f.vendor_id, VPF_VIRTIO_PCI_VENDOR);
	assert_int_equal(f.virtio_type, VPF_VIRTIO_ID_NET);
	assert_int_equal(f.cfg_size, 4096);
	assert_true(f.common >= 0 && f.notify >= 0 && f.isr >= 0 &&
		    f.device >= 0);
	assert_true(f.admin_cfg_ok);
	assert_true(f.sriov.present);
	assert_int_equal(f.sriov.num_vfs, 6);
	assert_true(f.sriov.total_vfs >= 6);
	for (i = 1; i <= 6; i++) {
		uint16_t vf;

		assert_int_equal(vpf_pci_vf_bdf(&f, (uint16_t)i, bdf), 0);
		assert_int_equal(vpf_pci_vf_member(&f, bdf, &vf), 0);
		assert_int_equal(vf, i);
	}
	assert_int_equal(vpf_pci_vf_bdf(&f, 7, bdf), -ERANGE);

	/* The model with SR-IOV switched off / VFs disabled. */
	mp.off = VPF_MODEL_OFF_VF_ENABLE;
	assert_int_equal(probe_model_dump(&mp, &f), 0);
	assert_int_equal(vpf_pci_vf_bdf(&f, 1, bdf), -ENODEV);

	/* The model's short common cfg is what QEMU devices have. */
	mp.off = VPF_MODEL_OFF_LONG_COMMON_CFG;
	assert_int_equal(probe_model_dump(&mp, &f), 0);
	assert_false(f.admin_cfg_ok);
	assert_non_null(strstr(f.notes, "too short for an admin queue"));

	/* A model whose capability list loops is malformed. */
	mp.off = VPF_MODEL_OFF_CAP_LIST;
	assert_int_equal(probe_model_dump(&mp, &f), -EINVAL);
	assert_non_null(strstr(vpf_last_error(), "loops"));
}

VPF_TEST_MAIN(setup, teardown,
	cmocka_unit_test(test_bdf_parse),
	cmocka_unit_test(test_parse_raw),
	cmocka_unit_test(test_synthetic_sriov_pf),
	cmocka_unit_test(test_vf_routing),
	cmocka_unit_test(test_sriov_disabled),
	cmocka_unit_test(test_no_ext_space),
	cmocka_unit_test(test_short_common_cfg),
	cmocka_unit_test(test_malformed),
	cmocka_unit_test(test_not_virtio),
	cmocka_unit_test(test_dump_libpci_errors),
	cmocka_unit_test(test_dump_wrong_format),
	cmocka_unit_test(test_model_dump))
