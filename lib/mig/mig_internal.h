/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_MIG_INTERNAL_H
#define VPF_MIG_INTERNAL_H

/*
 * lib/mig internals shared between its files, the tests and the fuzz
 * target. Not public API.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpf_admin.h"
#include "vpf_mig.h"
#include "vpf_pf.h"
#include "vpf_spec.h"
#include "common/vpf_le.h"
#include "common/vpf_log.h"
#include "common/vpf_time.h"

VPF_LOG_DECLARE(mig);

/* A log line about one PF starts with its name (common/vpf_log.h):
 * "vpf.mig: <pf>: <fmt>". Lines about no single PF use VPF_LOG(mig, ...). */
#define MIG_LOG(level, pf, fmt, ...) \
	VPF_LOG_NAMED(mig, level, vpf_pf_name(pf), fmt, ##__VA_ARGS__)

/* @p a + @p b, or UINT64_MAX when that does not fit: for totals of sizes
 * a device reports, which may be anything. */
static inline uint64_t
mig_add_sat(uint64_t a, uint64_t b)
{
	return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/* ---------------------------------------------------------------------------
 * Stream wire layout (doc/migration.md, "Stream format")
 * ------------------------------------------------------------------------- */

/* Fixed part of the header; the field list and a CRC-32C follow. */
#define MIG_HDR_FIXED		48u
#define MIG_HDR_OFF_VERSION	8
#define MIG_HDR_OFF_FLAGS	10
#define MIG_HDR_OFF_LEN		12
#define MIG_HDR_OFF_VENDOR	16
#define MIG_HDR_OFF_DEVICE	18
#define MIG_HDR_OFF_SRC_VF	20
#define MIG_HDR_OFF_QUEUES	22
#define MIG_HDR_OFF_FEAT0	24
#define MIG_HDR_OFF_FEAT1	32
#define MIG_HDR_OFF_NFIELDS	40
#define MIG_HDR_OFF_RSVD	44
#define MIG_FIELD_SIZE		16u
#define MIG_CRC_SIZE		4u

/* Record header: le16 type, le16 flags, le32 seq, le64 length. */
#define MIG_REC_HDR		16u
/* PRECOPY payload prefix: le32 round, le32 reserved. */
#define MIG_PRECOPY_PFX		8u
/* END payload: le64 stream bytes before END, le32 records before END,
 * le32 CRC-32C of every byte before END. */
#define MIG_END_LEN		16u
/* Largest optional record a reader skips. */
#define MIG_SKIP_MAX		VPF_MIG_REC_MAX

/** CRC-32C (Castagnoli), reflected, init/xorout ~0. @p crc: previous
 *  value (0 to start). */
uint32_t mig_crc32c(uint32_t crc, const void *buf, size_t len);
/** Both @p crc_a and @p crc_b (each as for mig_crc32c()) extended by the
 *  same bytes, in one pass (@p crc_b follows from @p crc_a). */
void mig_crc32c_2(uint32_t *crc_a, uint32_t *crc_b, const void *buf,
		  size_t len);
/** The un-inverted CRC-32C register @p v advanced over @p len zero bytes
 *  (v * x^(8 len) mod P): what mig_crc32c_2() derives its second CRC
 *  with. */
uint32_t mig_crc32c_shift(uint32_t v, uint64_t len);

/* Source description written into a stream header. */
struct mig_src_desc {
	uint16_t vendor_id;
	uint16_t device_id;
	uint16_t src_vf;
	uint16_t num_queues;
	uint64_t features[2];
	const struct vpf_admin_ctx_field_info *fields;	/* wire format */
	uint32_t nfields;
	/* 1.4 parts sets, not draft contexts (VPF_MIG_HDR_F_PARTS): nfields
	 * must be 0 */
	bool parts;
};

/* A growable byte buffer with a read position. */
struct mig_buf {
	uint8_t *p;
	size_t len;	/* bytes written */
	size_t off;	/* bytes consumed by the reader */
	size_t cap;
};

int mig_buf_reserve(struct mig_buf *b, size_t more);
/* Reserve, and write the spare capacity once so its pages are present. */
int mig_buf_prefault(struct mig_buf *b, size_t more);
int mig_buf_append(struct mig_buf *b, const void *data, size_t len);
void mig_buf_reset(struct mig_buf *b);
void mig_buf_free(struct mig_buf *b);

/* Stream writer: appends to a mig_buf. */
struct mig_writer {
	struct mig_buf *out;
	uint32_t crc;		/* CRC-32C of every byte written so far */
	uint64_t bytes;
	uint32_t seq;
	bool started;		/* header written */
	bool ended;		/* END written */
	bool parts;		/* the header said VPF_MIG_HDR_F_PARTS */
};

void mig_writer_init(struct mig_writer *w, struct mig_buf *out);
int mig_writer_header(struct mig_writer *w, const struct mig_src_desc *d);
/* A record with @p len payload bytes from @p pfx (@p pfx_len) then @p data.
 * mig_writer_precopy() and mig_writer_final() write the record type of
 * the header's kind: a draft context or a 1.4 parts set. */
int mig_writer_record(struct mig_writer *w, uint16_t type, uint16_t flags,
		      const void *pfx, size_t pfx_len,
		      const void *data, size_t len);
int mig_writer_precopy(struct mig_writer *w, uint32_t round,
		       const void *ctx, size_t len);
int mig_writer_final(struct mig_writer *w, const void *ctx, size_t len);
int mig_writer_end(struct mig_writer *w);

/* Streaming parser. */
enum mig_parse_state {
	MIG_P_HDR = 0,
	MIG_P_HDR_FIELDS,
	MIG_P_HDR_CRC,
	MIG_P_REC_HDR,
	MIG_P_PAYLOAD,
	MIG_P_REC_CRC,
	MIG_P_DONE,
	MIG_P_FAILED,
};

#define MIG_EXPECT_ANY		0
#define MIG_EXPECT_CTX		1
#define MIG_EXPECT_PARTS	2

enum mig_ctx_kind {
	MIG_CTX_PRECOPY = 1,
	MIG_CTX_FINAL = 2,
};

struct mig_parser;

/*
 * Called for a complete, valid context record, or parts set in a stream
 * with p->info.parts (precopy: at once; final:
 * only once END validated the whole stream). @p ctx is valid until the
 * next feed. A negative return fails the stream with that errno.
 */
typedef int (*mig_ctx_cb_t)(struct mig_parser *p, enum mig_ctx_kind kind,
			    uint32_t round, const uint8_t *ctx, size_t len,
			    void *arg);

struct mig_parser {
	enum mig_parse_state state;
	int err;			/* sticky error */
	char errmsg[160];
	struct vpf_mig_stream_info info;
	uint8_t hdr[MIG_HDR_FIXED];
	uint8_t small[MIG_REC_HDR];	/* record header / CRC collection */
	uint32_t have;
	uint32_t crc_run;		/* CRC of the stream so far */
	uint32_t crc_end;		/* crc_run at the start of END */
	uint32_t crc_rec;		/* CRC of the current record / header */
	uint64_t bytes_end;		/* stream bytes before END */
	uint32_t rec_crc_start;		/* crc_run where this record began */
	uint64_t rec_bytes_start;
	/* the source's field list */
	struct vpf_admin_ctx_field_info *src_fields;
	uint32_t nfields_have;		/* bytes of field list collected */
	/* current record */
	uint16_t rtype;
	uint16_t rflags;
	uint32_t rseq;
	uint64_t rlen;
	uint64_t rgot;
	bool rskip;			/* optional unknown: not buffered */
	struct mig_buf payload;		/* current record payload */
	struct mig_buf final;		/* final context, held until END */
	/* mig_parser_run(): the whole stream stays where it is until the
	 * run returns, so payloads are looked at there, not copied (one
	 * pass over the bytes); payload and final stay empty */
	bool borrow;
	const uint8_t *pl;		/* borrow: the current payload */
	const uint8_t *final_pl;	/* borrow: the final context */
	uint32_t next_seq;
	uint32_t last_round;
	/* destination's FIELDS_QUERY list (wire format), or NULL */
	const struct vpf_admin_ctx_field_info *dst_fields;
	uint32_t dst_nfields;
	/* what the destination takes: MIG_EXPECT_ANY, or only draft
	 * contexts or only 1.4 parts sets (a stream of the other kind is
	 * refused with -EPROTO at its header) */
	uint8_t expect_kind;
	/* destination's PCI ids to check the header against (0: no check) */
	uint16_t expect_vendor;
	uint16_t expect_device;
	/* destination VF's queue count (0: unknown, no check). Feature bits
	 * are not compared here: the destination VF's are not readable
	 * through admin commands (doc/migration.md, Decisions). */
	uint16_t expect_queues;
	mig_ctx_cb_t cb;
	void *cb_arg;
};

void mig_parser_init(struct mig_parser *p,
		     const struct vpf_admin_ctx_field_info *dst_fields,
		     uint32_t dst_nfields, mig_ctx_cb_t cb, void *arg);
/* Feed bytes. @return 0 or the (sticky) negative errno. */
int mig_parser_feed(struct mig_parser *p, const void *buf, size_t len);
/* End of data: 0 if the stream is complete, else -ENODATA / sticky error. */
int mig_parser_finish(struct mig_parser *p);
/* A whole stream held in memory: feed it in pieces of at most @p chunk
 * (> 0 when @p len > 0) bytes, then finish. On a fresh parser the
 * payloads are not copied (contexts handed to the callback point into
 * @p buf; p->final is not filled). @return as mig_parser_finish, or the
 * first feed error. */
int mig_parser_run(struct mig_parser *p, const void *buf, size_t len,
		   size_t chunk);
void mig_parser_fini(struct mig_parser *p);

/* Context helpers (on validated contexts). */
struct mig_ctx_summary {
	uint16_t num_queues;
	bool has_common;
	uint64_t features[2];
	bool has_features;
};
int mig_ctx_summarize(const uint8_t *ctx, size_t len,
		      struct mig_ctx_summary *s);
/* The same of a context vpf_ctx_validate() accepted, without validating
 * it again (bounded: safe on any bytes, partial on a malformed context). */
void mig_ctx_summarize_checked(const uint8_t *ctx, size_t len,
			       struct mig_ctx_summary *s);
/* The same for a 1.4 parts set (num_queues from PCI_COMMON_CFG, else the
 * VQ_CFG parts counted; features from DEV_FEATURES). */
int mig_parts_summarize(const uint8_t *set, size_t len,
			struct mig_ctx_summary *s);

/* Range normalisation for write recording (pure; exported for tests). */
struct mig_norm_range {
	uint64_t addr;		/* device-page aligned */
	uint64_t pages;		/* device pages */
};
/*
 * Align @p in outwards to @p dev_ps, sort, merge overlapping/adjacent, then
 * merge the closest neighbours until at most @p max_ranges remain.
 * @return number of ranges in @p out (<= n), or a negative errno: -ERANGE
 * for a range reaching into the last device page below 2^64 (a range's
 * end must fit in 64 bits), -EINVAL for a bad @p dev_ps / @p max_ranges.
 */
int mig_ranges_normalize(const struct vpf_mig_range *in, unsigned int n,
			 uint64_t dev_ps, uint32_t max_ranges,
			 struct mig_norm_range *out);
/* Pick the device page size for a requested one (see vpf_mig_dirty_start). */
uint64_t mig_pick_page_size(uint32_t bitmap, uint64_t want);
/* Mark the pages of [rec, rec + dev_ps) inside [addr, addr + len) in
 * @p bitmap of @p ps pages (a power of two); @return bits newly set.
 * Either range may end at 2^64 (its end wraps to 0 in 64 bits). */
uint64_t mig_bitmap_mark(uint64_t *bitmap, uint64_t addr, uint64_t len,
			 uint64_t ps, uint64_t rec, uint64_t dev_ps);

/* The READ window of tracked range @p r (normalised, @p dev_ps pages) for
 * a sync window [@p addr, @p addr + @p len), which may end at 2^64: the
 * sync window rounded out to device pages, cut to the range, as
 * [*@p lo, *@p hi). false if they do not meet. */
bool mig_wr_window(const struct mig_norm_range *r, uint64_t dev_ps,
		   uint64_t addr, uint64_t len, uint64_t *lo, uint64_t *hi);

/* The span of the migration driver's dirty bitmap for @p n tracked ranges
 * (each non-empty, its last byte below 2^64) in @p ps pages (a power of
 * two): from the page of the lowest address to the end of the page of the
 * highest last byte, as *@p addr and *@p len. Computed on inclusive last
 * bytes, so nothing wraps; -ERANGE when the span is the whole 64-bit
 * address space (its length does not fit in 64 bits), -EINVAL for an
 * empty or wrapping range (its index in *@p bad). */
int mig_bitmap_span(const struct vpf_mig_range *r, unsigned int n,
		    uint64_t ps, uint64_t *addr, uint64_t *len,
		    unsigned int *bad);

/* Add one pair's figures to a progress report; the device-reported sizes
 * (@p initial_bytes, @p dirty_bytes) saturate rather than wrap. */
void mig_progress_add_pair(struct vpf_mig_progress *pr, uint64_t bytes,
			   uint64_t pages, uint64_t initial_bytes,
			   uint64_t dirty_bytes);

#endif /* VPF_MIG_INTERNAL_H */
