/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * A tiny test driver that plays the owner driver directly through
 * vpf_model_ops: brings the PF up, programs the admin queue, posts any
 * descriptor chain (including ones a correct driver never sends), rings
 * the doorbell and reads used entries. Independent of lib/pf so that the
 * model's tests check the model alone.
 */

#ifndef TEST_MODEL_HARNESS_H
#define TEST_MODEL_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpf_model.h"
#include "vpf_spec.h"

/* Admin queue size the harness programs. */
#define H_QSIZE		64u
/* Command slots: 4 descriptors each. */
#define H_SLOTS		(H_QSIZE / 4)
/* Per-slot buffer sizes. */
#define H_DATA_MAX	(128u * 1024)
#define H_RES_MAX	(128u * 1024)

struct h {
	struct vpf_model *m;
	const struct vpf_pf_ops *ops;
	struct vpf_dma_region ring;
	struct vpf_dma_region buf;
	uint16_t aq;
	uint16_t qsize;
	uint16_t avail;		/* driver's avail idx */
	uint16_t used_seen;	/* used entries consumed */
	struct vpf_vring_desc *desc;
	uint16_t *avail_flags;	/* avail ring base */
	volatile uint16_t *avail_idx;
	uint16_t *avail_ring;
	volatile uint16_t *used_idx;
	struct vpf_vring_used_elem *used_ring;
	uint64_t desc_iova, avail_iova, used_iova;
};

/* Completion of one command. */
struct h_done {
	uint16_t status;
	uint16_t qual;
	uint32_t output;
	uint32_t used_len;
	uint32_t id;
};

/* Model params with defaults and @p off switches. */
struct vpf_model *h_model(uint32_t off, uint16_t vfs, uint16_t qp);

/* Bring the PF up: reset, handshake, features, admin queue, DRIVER_OK.
 * Returns 0 or the step that failed (negative). */
int h_up(struct h *h, struct vpf_model *m);
/* Same, and LIST_QUERY + LIST_USE of everything supported. */
int h_up_all(struct h *h, struct vpf_model *m);
/* Reset and bring up again (with LIST_USE), keeping the DMA regions. */
int h_reinit(struct h *h);
void h_down(struct h *h);
/* After a queue reset of the admin queue: an empty ring at the same
 * addresses, programmed and enabled again (the device's list and VF
 * state are untouched). */
void h_aq_reenable(struct h *h);

/* Register helpers. */
uint64_t h_rd(struct h *h, uint64_t off, unsigned int w);
void h_wr(struct h *h, uint64_t off, unsigned int w, uint64_t v);
uint8_t h_status(struct h *h);

/* Data/result buffers of slot @p s (CPU pointers and IOVAs). */
uint8_t *h_data(struct h *h, unsigned int s);
uint8_t *h_res(struct h *h, unsigned int s);
uint64_t h_data_iova(struct h *h, unsigned int s);
uint64_t h_res_iova(struct h *h, unsigned int s);

/* Post a command in slot @p s: header + @p dlen data bytes readable,
 * 8 + @p rcap writable. No doorbell. */
void h_post(struct h *h, unsigned int s, uint16_t op, uint16_t group,
	    uint64_t member, const void *data, uint32_t dlen, uint32_t rcap);
/* Post an arbitrary chain starting at descriptor @p head (descriptors
 * already filled by the caller). */
void h_post_head(struct h *h, uint16_t head);
void h_kick(struct h *h);
/* Wait (polling, bounded) for the next used entry. 0, or -ETIMEDOUT. */
int h_wait(struct h *h, struct h_done *d, unsigned int slot_hint,
	   uint32_t timeout_ms);
/* Whether a used entry is pending. */
bool h_used_pending(struct h *h);

/* h_post() in slot @p s, h_kick(), then h_wait() up to @p timeout_ms
 * for the next completion: 0, or -ETIMEDOUT (the command still held). */
int h_submit(struct h *h, unsigned int s, uint16_t op, uint16_t group,
	     uint64_t member, const void *data, uint32_t dlen, uint32_t rcap,
	     struct h_done *d, uint32_t timeout_ms);
/* h_submit() in slot 0, SR-IOV group, 5 s. Result bytes are left in
 * h_res(h, 0) + 8. */
int h_cmd(struct h *h, uint16_t op, uint64_t member, const void *data,
	  uint32_t dlen, uint32_t rcap, struct h_done *d);

/* Typed shorthands (group SR-IOV). They return the status. */
uint16_t h_mode_set(struct h *h, uint64_t vf, uint8_t mode);
uint16_t h_mode_get(struct h *h, uint64_t vf, uint8_t *mode);
uint16_t h_size_get(struct h *h, uint64_t vf, uint8_t freeze, uint64_t *sz);
uint16_t h_discard(struct h *h, uint64_t vf);
/* One READ of @p len bytes into @p out; @p got = context_len. */
uint16_t h_read(struct h *h, uint64_t vf, uint32_t len, void *out,
		uint32_t *got, struct h_done *d);
/* Read the whole current context with @p chunk sized reads. */
int h_read_all(struct h *h, uint64_t vf, uint32_t chunk, uint8_t **buf,
	       size_t *len);
/* One WRITE chunk of @p len bytes (must be a multiple of 8 for a
 * correct driver; the harness sends whatever it is given). */
uint16_t h_write(struct h *h, uint64_t vf, const void *data, uint32_t len,
		 struct h_done *d);
/* Write a whole context in @p chunk sized chunks, last padded. Returns
 * the first non-OK status or OK. */
uint16_t h_write_all(struct h *h, uint64_t vf, const void *ctx, size_t len,
		     uint32_t chunk);

/* ---------------------------------------------------------------------
 * The fixture the per-area tests share (test_model_<area>.c): one model
 * with 4 VFs of 2 queue pairs, driven through H. These helpers assert
 * with cmocka: include <cmocka.h> before this header to use H_TEST.
 * ------------------------------------------------------------------ */

#define H_EINV		VPF_ADMIN_STATUS_EINVAL

extern struct h H;

/* Bring H up with LIST_USE of everything the model supports. */
int h_setup(void **state);
/* Bring H up without LIST_QUERY / LIST_USE (negotiation tests). */
int h_setup_nolist(void **state);
int h_teardown(void **state);

#define H_TEST(f)	cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
#define H_TEST_NOLIST(f) \
	cmocka_unit_test_setup_teardown(f, h_setup_nolist, h_teardown)

/* The completion failed (or succeeded) with exactly this status and
 * qualifier. */
void h_expect(const struct h_done *d, uint16_t status, uint16_t qual);
/* h_cmd() completes, with exactly @p status and @p qual (h_expect());
 * returns the completion. */
struct h_done h_cmd_expect(struct h *h, uint16_t op, uint64_t member,
			   const void *data, uint32_t dlen, uint32_t rcap,
			   uint16_t status, uint16_t qual);
/* VF @p vf's mode as the model holds it (not through a command). */
uint8_t h_vf_mode(struct h *h, uint16_t vf);
/* A complete context of VF @p vf's state now, built by the model itself
 * (malloc'd: the caller frees it). */
uint8_t *h_vf_ctx(struct h *h, uint16_t vf, size_t *len);
/* Stop-copy of VF @p vf from @p src to the same VF of @p dst: both VFs to
 * Freeze, the source's whole context read and written to the destination
 * in @p chunk sized chunks, not yet applied. Asserts each step; returns
 * the context (malloc'd: the caller frees it), its length in @p len. */
uint8_t *h_stop_copy(struct h *src, struct h *dst, uint16_t vf,
		     uint32_t chunk, size_t *len);
/* MODE_SET Active of VF @p vf succeeds, and the VF then holds the state
 * whose digest is @p digest (the context written in Freeze applied). */
void h_activate_expect(struct h *h, uint16_t vf, const uint8_t digest[32]);
/* Post in slot @p s a command whose readable part is the header, then
 * @p big bytes of @p r: 24 + @p big readable bytes in all. */
void h_post_big(struct h *h, unsigned int s, uint16_t op, uint16_t group,
		uint64_t member, const struct vpf_dma_region *r, uint32_t big);

#endif /* TEST_MODEL_HARNESS_H */
