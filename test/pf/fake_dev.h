/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * A small scripted virtio PF for the driver's tests and the admin fuzz
 * target: in-memory config space and common cfg, DMA through an IOVA table,
 * and a device side of the admin queue that a test drives by hand (or lets
 * a built-in handler answer). Unlike drivers/model it is meant to be told to
 * misbehave in precise ways.
 */

#ifndef FAKE_DEV_H
#define FAKE_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "vpf_pf.h"

#define FAKE_MAX_VFS	128
#define FAKE_MAX_REGIONS 64
#define FAKE_CTX_MAX	8192
#define FAKE_BAR_SIZE	0x4000
#define FAKE_NOTIFY_OFF	0x1000
#define FAKE_AQ_INDEX	2

/* Bring-up misbehaviour. */
#define FAKE_NO_ADMIN_VQ	(1u << 0)
#define FAKE_NO_ADMIN_QUEUE	(1u << 1)
#define FAKE_SHORT_COMMON	(1u << 2)
#define FAKE_CAP_LOOP		(1u << 3)
#define FAKE_NO_FEATURES_OK	(1u << 4)
#define FAKE_NO_RESET		(1u << 5)
#define FAKE_GONE		(1u << 6)	/* every read all-ones */
#define FAKE_NO_RING_RESET	(1u << 7)
#define FAKE_CAP_BOUNDS		(1u << 8)
#define FAKE_V14		(1u << 9)
#define FAKE_NO_MIGRATION	(1u << 10)
#define FAKE_NO_WR		(1u << 11)
#define FAKE_NO_FIELDS		(1u << 12)
#define FAKE_CAP_PTR_HDR	(1u << 13)	/* cap pointer into the header */
#define FAKE_VF_DISABLED	(1u << 14)

struct fake_region {
	void *va;
	uint64_t iova;
	size_t len;
};

/* One request popped from the avail ring. */
struct fake_req {
	uint16_t head;
	uint32_t rd_len;
	uint32_t nw;
	struct { uint64_t iova; uint32_t len; } w[8];
	uint32_t wr_len;
	/* decoded header */
	uint16_t opcode;
	uint16_t group;
	uint64_t member;
	/* Last: fake_pop() clears what comes before it, not its 70 KB. */
	uint8_t rd[70000];		/* header + data, copied */
};

struct fake_vf {
	uint8_t mode;
	uint8_t ctx[FAKE_CTX_MAX];
	uint32_t ctx_len;
	uint32_t rd_pos;		/* bytes of the current context read */
	bool rd_started;
	uint8_t wctx[FAKE_CTX_MAX];
	uint32_t wlen;
	bool wr_on;
	uint64_t wr_page_size;
	uint64_t dirty[64];		/* page addresses pending */
	uint32_t ndirty;
};

struct fake_dev {
	uint32_t flags;
	uint8_t cfg[4096];
	uint64_t features;
	uint32_t dfselect, gfselect;
	uint64_t driver_features;
	uint8_t status;
	uint16_t qsel;
	uint16_t aq_max;
	uint16_t aq_size;
	uint64_t aq_desc, aq_avail, aq_used;
	uint16_t aq_enable;
	uint16_t aq_reset;
	uint16_t last_avail;
	uint16_t used_idx;
	bool auto_answer;	/* answer at the doorbell with the handler */
	uint32_t kicks;
	uint16_t num_vfs;
	struct fake_vf vf[FAKE_MAX_VFS + 1];
	uint64_t enabled;	/* LIST_USE */
	uint64_t ops_hidden;	/* opcodes LIST_QUERY does not report */
	bool wr_cap_custom;	/* CAP_QUERY answers wr_cap_bitmap/ranges */
	uint32_t wr_cap_bitmap;
	uint32_t wr_cap_ranges;
	struct fake_region reg[FAKE_MAX_REGIONS];
	uint32_t nreg;
	uint64_t next_iova;
	uint32_t dma_faults;
	uint32_t resets;
	uint32_t queue_resets;
	/* scripted faults for the built-in handler */
	uint32_t hang_next;	/* don't answer the next N commands */
	uint32_t eagain_next;	/* answer EAGAIN to the next N commands */
	uint32_t bad_len_next;
	uint32_t bad_id_next;
	uint32_t dup_next;
	uint16_t hang_vf;	/* 0: any VF */
	uint16_t held[1024];	/* heads not answered (hang) */
	uint32_t nheld;
	uint32_t answered;	/* commands the handler completed */
	uint32_t eagain_given;
	/* Misbehaviour that survives device resets, so that it also hits
	 * the driver while it recovers (re-init, LIST_QUERY / LIST_USE). */
	bool bad_idx_on_kick;	/* every doorbell: an impossible used.idx */
	uint32_t bad_idx_given;
	/* Called at every admin queue doorbell, also those rung from inside
	 * the driver's recovery; returns true when it handled the doorbell
	 * (the built-in handler then does not run). */
	bool (*on_kick)(struct fake_dev *fd, void *arg);
	void *on_kick_arg;
	struct fake_req req;	/* scratch for fake_process */
};

extern const struct vpf_pf_ops fake_ops;
extern const struct vpf_pf_ops fake_ops_inproc;

void fake_init(struct fake_dev *fd, uint16_t num_vfs, uint32_t flags);
void fake_fini(struct fake_dev *fd);
void *fake_iova(struct fake_dev *fd, uint64_t iova, uint64_t len);

/* Device side. */
int fake_pop(struct fake_dev *fd, struct fake_req *r);
/* Write @p st, @p q, @p out and @p res into the writable part and push a
 * used entry with length @p used_len (UINT32_MAX: 8 + res_len). */
void fake_complete(struct fake_dev *fd, const struct fake_req *r, uint16_t st,
		   uint16_t q, uint32_t out, const void *res, uint32_t res_len,
		   uint32_t used_len);
void fake_push_used(struct fake_dev *fd, uint32_t id, uint32_t len);
/* Write a used.idx that runs more than the ring size ahead. */
void fake_bad_used_idx(struct fake_dev *fd);
/* Built-in device: answer everything pending. */
void fake_process(struct fake_dev *fd);
void fake_handle(struct fake_dev *fd, struct fake_req *r);

#endif /* FAKE_DEV_H */
