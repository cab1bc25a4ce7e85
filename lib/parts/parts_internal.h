/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_PARTS_INTERNAL_H
#define VPF_PARTS_INTERNAL_H

/*
 * Shared by the files of lib/parts: error helpers and the report through
 * vpf_error(). Wire values are loaded and stored with lib/common/vpf_le.h
 * (memcpy: safe for unaligned values, one load when compiled).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vpf_parts.h"

#include "common/vpf_le.h"

/* Iterator flag (white-box tests only): no fast path, every part through
 * the careful checks, so that a fuzzer can compare the two. */
#define PARTS_F_CAREFUL		(1u << 31)

static inline void
parts_err_set(struct vpf_parts_error *e, enum vpf_parts_err code,
	      uint32_t index, uint64_t offset, uint64_t part_offset,
	      uint16_t type, uint64_t value, uint64_t expected)
{
	e->code = code;
	e->part_index = index;
	e->offset = offset;
	e->part_offset = part_offset;
	e->type = type;
	e->value = value;
	e->expected = expected;
}

static inline void
parts_err_clear(struct vpf_parts_error *e)
{
	parts_err_set(e, VPF_PARTS_OK, VPF_PARTS_NO_PART, 0,
		      VPF_PARTS_NO_OFFSET, 0, 0, 0);
}

/* Report a malformed set through vpf_error(); returns -EBADMSG. */
int vpf_parts_report(const struct vpf_parts_error *e);

#endif /* VPF_PARTS_INTERNAL_H */
