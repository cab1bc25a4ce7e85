/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/*
 * What the VFIO backend takes from the kernel's region info before it
 * mmaps anything: a sparse-mmap area is two u64s (offset, size) that must
 * lie inside the BAR without wrapping, and the sparse capability must fit
 * in argsz before its area count is even read. Pure functions over
 * crafted buffers: no VFIO needed. The region info ioctl itself is answered
 * by a fake kernel (this test links with -Wl,--wrap=ioctl): the backend
 * asks a bounded number of times for a bounded amount of room.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/vfio.h>

#include <cmocka.h>

#include "../vpf_test_main.h"

#include "vfio_internal.h"

#define TOP(x)	((uint64_t)0 - (uint64_t)(x))

/* offset + size wraps past 2^64 to a small number: still outside. */
static void
test_area_fits(void **state)
{
	(void)state;
	assert_true(vpf_vfio_area_fits(0x4000, 0, 0x4000));
	assert_true(vpf_vfio_area_fits(0x4000, 0x1000, 0x3000));
	assert_true(vpf_vfio_area_fits(0x4000, 0x4000, 0));
	assert_false(vpf_vfio_area_fits(0x4000, 0x1000, 0x3001));
	assert_false(vpf_vfio_area_fits(0x4000, 0x4001, 0));
	assert_false(vpf_vfio_area_fits(0x4000, TOP(0x1000), 0x2000));
	assert_false(vpf_vfio_area_fits(0x4000, 0x1000, TOP(0x800)));
	assert_false(vpf_vfio_area_fits(0x4000, UINT64_MAX, 1));
	assert_true(vpf_vfio_area_fits(UINT64_MAX, TOP(0x1000), 0xfff));
}

/* Region info with a sparse capability at @p off, @p argsz bytes in an
 * exact-size heap buffer (ASan sees any read past it). */
static struct vfio_region_info *
info_with_sparse(uint32_t argsz, uint32_t off, uint32_t nr, uint32_t nfill)
{
	struct vfio_region_info *ri = calloc(1, argsz);
	struct vfio_info_cap_header h = {
		.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP, .version = 1,
	};
	uint8_t *p = (uint8_t *)ri + off;
	uint32_t k;

	assert_non_null(ri);
	ri->argsz = argsz;
	ri->flags = VFIO_REGION_INFO_FLAG_CAPS | VFIO_REGION_INFO_FLAG_MMAP;
	ri->cap_offset = off;
	/* Byte copies: the buffer may end inside the capability. */
	memcpy(p, &h, sizeof(h));
	if (off + 16 <= argsz)
		memcpy(p + 8, &nr, 4);
	for (k = 0; k < nfill; k++) {
		struct vfio_region_sparse_mmap_area a = {
			.offset = 0x1000u * k, .size = 0x800,
		};

		memcpy(p + 16 + k * sizeof(a), &a, sizeof(a));
	}
	return ri;
}

static void
test_sparse_areas(void **state)
{
	const uint32_t base = sizeof(struct vfio_region_info);
	const uint32_t hdr = sizeof(struct vfio_region_info_cap_sparse_mmap);
	const uint32_t area = sizeof(struct vfio_region_sparse_mmap_area);
	const struct vfio_region_sparse_mmap_area *a;
	struct vfio_region_info *ri;
	uint32_t n = 99;

	(void)state;
	/* Two areas that fit. */
	ri = info_with_sparse(base + hdr + 2 * area, base, 2, 2);
	a = vpf_vfio_sparse_areas(ri, &n);
	assert_non_null(a);
	assert_int_equal(n, 2);
	assert_int_equal(a[1].offset, 0x1000);
	free(ri);
	/* Claims three, room for two: none (pread/pwrite). */
	ri = info_with_sparse(base + hdr + 2 * area, base, 3, 2);
	assert_null(vpf_vfio_sparse_areas(ri, &n));
	assert_int_equal(n, 0);
	free(ri);
	/* A count that overflows 32 bits times the area size. */
	ri = info_with_sparse(base + hdr + 2 * area, base, UINT32_MAX, 2);
	assert_null(vpf_vfio_sparse_areas(ri, &n));
	assert_int_equal(n, 0);
	free(ri);
	/* Only the 8-byte capability header inside argsz: nr_areas is
	 * outside and must not be read. */
	ri = info_with_sparse(base + 8, base, 0, 0);
	assert_null(vpf_vfio_sparse_areas(ri, &n));
	assert_int_equal(n, 0);
	free(ri);
	/* A misaligned capability offset is not followed. */
	ri = info_with_sparse(base + 2 + hdr + area, base + 2, 1, 1);
	assert_null(vpf_vfio_sparse_areas(ri, &n));
	assert_int_equal(n, 0);
	free(ri);
	/* A capability offset inside the fixed part is not followed. */
	ri = info_with_sparse(base + hdr + area, base, 1, 1);
	ri->cap_offset = 8;
	assert_null(vpf_vfio_sparse_areas(ri, &n));
	free(ri);
}

/*
 * A fake kernel for VFIO_DEVICE_GET_REGION_INFO on FAKE_FD, through the
 * linker's --wrap=ioctl; every other ioctl goes to the real one. It answers
 * that it needs @grow bytes more than the caller gave (0: it has room).
 */
#define FAKE_FD		4242
#define FAKE_STOP	1000	/* a runaway caller is stopped here */

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);

static struct {
	uint32_t grow;		/* bytes more than argsz asked for */
	uint32_t want;		/* if non-zero: argsz asked for, fixed */
	unsigned int calls;
} kernel;

int
__wrap_ioctl(int fd, unsigned long req, ...)
{
	struct vfio_region_info *ri;
	va_list ap;

	va_start(ap, req);
	ri = va_arg(ap, struct vfio_region_info *);
	va_end(ap);
	if (fd != FAKE_FD)
		return __real_ioctl(fd, req, ri);
	assert_int_equal(req, VFIO_DEVICE_GET_REGION_INFO);
	if (++kernel.calls >= FAKE_STOP) {
		errno = E2BIG;
		return -1;
	}
	if (kernel.want != 0 && ri->argsz < kernel.want) {
		ri->argsz = kernel.want;
		return 0;
	}
	if (kernel.grow != 0) {
		ri->argsz += kernel.grow;
		return 0;
	}
	ri->flags = VFIO_REGION_INFO_FLAG_READ;
	ri->size = 0x1000;
	ri->offset = 0x70000000000;
	return 0;
}

static void
fake_kernel(uint32_t grow, uint32_t want)
{
	kernel.grow = grow;
	kernel.want = want;
	kernel.calls = 0;
}

/* A kernel that wants room for a capability chain: asked again with it. */
static void
test_region_info_caps(void **state)
{
	struct vfio_region_info *ri = NULL;

	(void)state;
	fake_kernel(0, sizeof(*ri) + 64);
	assert_int_equal(vpf_vfio_region_info(FAKE_FD, 7, &ri), 0);
	assert_non_null(ri);
	assert_int_equal(kernel.calls, 2);
	assert_int_equal(ri->argsz, sizeof(*ri) + 64);
	assert_int_equal(ri->size, 0x1000);
	free(ri);
	/* No capabilities: one ask. */
	fake_kernel(0, 0);
	assert_int_equal(vpf_vfio_region_info(FAKE_FD, 0, &ri), 0);
	assert_int_equal(kernel.calls, 1);
	free(ri);
}

/* A kernel that grows argsz on every answer is not asked forever. */
static void
test_region_info_grows_forever(void **state)
{
	struct vfio_region_info *ri = NULL;
	int rc;

	(void)state;
	fake_kernel(8, 0);
	rc = vpf_vfio_region_info(FAKE_FD, 0, &ri);
	assert_true(kernel.calls <= VFIO_REGION_INFO_TRIES);
	assert_int_equal(rc, -EIO);
	assert_null(ri);
}

/* A kernel that asks for an absurd amount of room gets no allocation. */
static void
test_region_info_too_large(void **state)
{
	struct vfio_region_info *ri = NULL;

	(void)state;
	fake_kernel(0, UINT32_MAX);
	assert_int_equal(vpf_vfio_region_info(FAKE_FD, 0, &ri), -EIO);
	assert_int_equal(kernel.calls, 1);
	assert_null(ri);
	/* The largest room allowed is still given. */
	fake_kernel(0, VFIO_REGION_INFO_MAX_ARGSZ);
	assert_int_equal(vpf_vfio_region_info(FAKE_FD, 0, &ri), 0);
	assert_int_equal(ri->argsz, VFIO_REGION_INFO_MAX_ARGSZ);
	free(ri);
}

VPF_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_area_fits),
	cmocka_unit_test(test_sparse_areas),
	cmocka_unit_test(test_region_info_caps),
	cmocka_unit_test(test_region_info_grows_forever),
	cmocka_unit_test(test_region_info_too_large))
