/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * A scripted virtio 1.4 device-parts device on top of the fake PF
 * (fake_dev.h): it answers the admin queue at the doorbell (on_kick) in
 * the 1.4 dialect, strictly, and misbehaves on request, for the driver's
 * 1.4 tests (test_pf_v14*.c). Independent of drivers/model.
 */

#ifndef FAKE_V14_H
#define FAKE_V14_H

#include <stdbool.h>
#include <stdint.h>

#include "fake_dev.h"

#define FV14_MAX_VFS	32
#define FV14_PARTS_MAX	2048

/* Ways to mangle a PARTS_GET result. */
enum {
	FV14_GET_OK = 0,
	FV14_GET_SHORT,		/* the set cut 5 bytes short */
	FV14_GET_LONG,		/* junk after the set, to the posted end */
	FV14_GET_LIE,		/* used.len claims the whole buffer */
};

struct fv14_obj {
	bool live;
	uint16_t vf;
	uint8_t kind;
};

struct fv14 {
	struct fake_dev *fd;
	uint32_t resets_seen;
	/* behaviour */
	bool refuse_self_lq;		/* self-group LIST_QUERY: INVALID_GROUP */
	bool keep_objs_on_reset;	/* buggy: a reset keeps objects */
	uint8_t get_limit, set_limit;	/* device capability */
	/* state */
	uint8_t drv_get, drv_set;
	uint64_t self_enabled, sriov_enabled;
	bool self_list_used;
	struct fv14_obj obj[512];
	uint8_t parts[FV14_MAX_VFS + 1][FV14_PARTS_MAX];
	uint32_t parts_len[FV14_MAX_VFS + 1];
	uint8_t set_parts[FV14_MAX_VFS + 1][FV14_PARTS_MAX];
	uint32_t set_len[FV14_MAX_VFS + 1];
	bool stopped[FV14_MAX_VFS + 1];
	/* faults */
	uint32_t grow_after_size;	/* SIZE answers, then the set grows */
	int get_mangle;			/* FV14_GET_* */
	uint32_t meta_short;		/* METADATA_GET: used.len 8 + 4 */
	uint32_t list_lie;		/* LIST: count + 3 */
	uint32_t cap_get_short;		/* DEVICE_CAP_GET: 1 byte */
	uint16_t fail_op;		/* answer fail_status to this opcode */
	uint16_t fail_status;
	uint32_t fail_n;
	uint16_t hold_op;		/* leave this opcode unanswered */
	uint32_t hold_n;
	uint16_t eagain_op;
	uint32_t eagain_n;
	/* what was seen */
	uint32_t ncmd[32];		/* per opcode (SR-IOV and self) */
	uint32_t nself[32];		/* per opcode on the self group */
	uint32_t max_batch;		/* most commands popped at one doorbell */
	bool unaligned;			/* a command buffer not a multiple of 8 */
	bool caps_on_sriov_use;		/* 0x7-0x9 in an SR-IOV LIST_USE */
	bool caps_before_self_use;	/* a capability command before the
					 * self-group LIST_USE */
	uint32_t seq;			/* commands handled */
	uint32_t seq_self_use;		/* seq of the self-group LIST_USE */
	uint16_t last_op;
};

/* A fake PF of @p vfs VFs speaking 1.4 with the given limits. */
void fv14_init(struct fv14 *f, struct fake_dev *fd, uint8_t get_limit,
	       uint8_t set_limit);
/* Live objects on the device. */
uint32_t fv14_live(const struct fv14 *f);
/* A well-formed parts set for VF @p vf (what PARTS_GET returns). */
void fv14_default_parts(struct fv14 *f, uint16_t vf);

#endif /* FAKE_V14_H */
