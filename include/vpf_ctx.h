/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_CTX_H
#define VPF_CTX_H

/**
 * @file
 * vpf: device-context TLV: build, parse, validate, iterate, print, compare.
 *
 * A device context (doc/protocol.md §5) is `le32 field_count` followed by exactly
 * @c field_count TLVs `{le16 type; u8 reserved[6]; le64 length; u8
 * value[length]}` with no padding. Contexts come from a device or from
 * another host and are untrusted: every function here that reads context
 * bytes bounds-checks every length before use and never reads outside the
 * buffer it was given.
 *
 * Pieces:
 * - a **builder** (vpf_ctx_builder_*, vpf_ctx_add_*) that appends fields to
 *   a caller buffer or a growing heap buffer and keeps @c field_count right;
 * - a **validating iterator** (vpf_ctx_iter_*) that checks and yields the
 *   fields in one linear pass without copying or allocating, and
 *   vpf_ctx_validate() that runs it to the end;
 * - **typed decoders** (vpf_ctx_decode_*) from a field view to host-order
 *   structs;
 * - a **streaming validator** (vpf_ctx_stream_*) fed chunks split anywhere,
 *   with the same verdict and error offset as the whole-buffer one;
 * - a **printer** (vpf_ctx_print*) producing stable text;
 * - a **compatibility check** against a DEV_CTX_FIELDS_QUERY result
 *   (vpf_ctx_compare_fields()).
 *
 * Errors: functions return 0 (or a documented non-negative value) on success
 * and a negative errno on failure, and set vpf_last_error(). A malformed
 * context is -EBADMSG together with a struct vpf_ctx_error saying what is
 * wrong, at which byte offset, in which field. Bad arguments are -EINVAL.
 *
 * Threading: no global state; objects are owned by one thread at a time.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vpf_common.h"
#include "vpf_spec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ===========================================================================
 * Field types and sizes
 * ========================================================================= */

/** Size of the context header (le32 field_count). */
#define VPF_CTX_HDR_SIZE		4u
/** Size of a TLV header (le16 type, u8 reserved[6], le64 length). */
#define VPF_CTX_TLV_HDR_SIZE		16u

/** PCI_COMMON_CFG value size: struct virtio_pci_common_cfg of virtio 1.3,
 *  admin queue fields included (D-CTX.1; doc/context.md). */
#define VPF_CTX_COMMON_CFG_SIZE		64u
/** PCI_VQ_CFG value size. */
#define VPF_CTX_VQ_CFG_SIZE		30u
/** VQ_SPLIT_RUNTIME_CFG value size. */
#define VPF_CTX_VQ_RUNTIME_SIZE		5u
/** VQ_SPLIT_DEV_OWN_DESC fixed part (vq_index, desc_count). */
#define VPF_CTX_OWN_DESC_HDR_SIZE	4u
/** Size of one DEV_FEATURES word. */
#define VPF_CTX_FEATURE_WORD_SIZE	8u

/** Largest number of fields a context can announce. */
#define VPF_CTX_MAX_FIELDS		UINT32_MAX

/**
 * Size of a known fixed-size field type's value (PCI_COMMON_CFG,
 * PCI_VQ_CFG, VQ_SPLIT_RUNTIME_CFG); 0 for variable-size (DEV_FEATURES,
 * VQ_SPLIT_DEV_OWN_DESC, DEV_CFG), unknown and reserved types.
 */
VPF_API uint64_t vpf_ctx_type_fixed_size(uint16_t type);

/** Whether vpf knows how to decode @p type (the six types of doc/protocol.md
 *  §5.2). */
VPF_API bool vpf_ctx_type_is_known(uint16_t type);

/** Whether @p type lies in the generic (0x0000-0x0fff) or device-type
 *  (0x1000-0x1fff) range; everything else is reserved (doc/protocol.md
 *  §5.3, D-5.2). */
VPF_API bool vpf_ctx_type_is_reserved(uint16_t type);

/** Whether @p type carries a vq_index that must not repeat within the type
 *  (PCI_VQ_CFG, VQ_SPLIT_RUNTIME_CFG, VQ_SPLIT_DEV_OWN_DESC). */
VPF_API bool vpf_ctx_type_is_per_vq(uint16_t type);

/* ===========================================================================
 * Errors
 * ========================================================================= */

/**
 * What is wrong with a context. One code per malformation of
 * doc/protocol.md §5.4 (D-5.5).
 * The meaning of vpf_ctx_error::offset for each code is given with it.
 *
 * Checks run in the order in which the bytes that decide them arrive, in
 * both the whole-buffer and the streaming validator: the 4-byte header;
 * per field its 16-byte TLV header (LENGTH_OVERFLOW, then FIELD_SHORT,
 * FEATURES_LENGTH, OWN_DESC_SHORT); the first 2 value bytes of a per-VQ
 * type (DUP_VQ); the first 4 of VQ_SPLIT_DEV_OWN_DESC (OWN_DESC_COUNT); the
 * rest of the value; after the last field, TRAILING_BYTES. What is
 * incomplete at the end of the data is a truncation (TRUNC_*,
 * FIELDS_MISSING). See doc/context.md.
 */
enum vpf_ctx_err {
	/** No error. */
	VPF_CTX_OK = 0,
	/** Fewer than 4 bytes: the context header is incomplete.
	 *  offset: end of data. */
	VPF_CTX_ERR_TRUNC_HEADER,
	/** The data ends inside a TLV header (1..15 bytes of it present).
	 *  offset: end of data; field_offset: start of that TLV. */
	VPF_CTX_ERR_TRUNC_FIELD_HEADER,
	/** A value runs past the end of the data.
	 *  offset: end of data; value: the field's length. */
	VPF_CTX_ERR_TRUNC_VALUE,
	/** The end of a value (its offset plus @c length) is not representable
	 *  in 64 bits (lengths near 2^64). offset: the TLV's length member. */
	VPF_CTX_ERR_LENGTH_OVERFLOW,
	/** @c field_count is larger than the fields present: the data ends on a
	 *  field boundary with fields missing. offset: end of data; value:
	 *  field_count; expected: fields present. */
	VPF_CTX_ERR_FIELDS_MISSING,
	/** Bytes follow the last field (@c field_count too small, or padding
	 *  other than up to 7 zero bytes when VPF_CTX_F_ALLOW_PAD is given).
	 *  offset: end of the complete context (first trailing byte). */
	VPF_CTX_ERR_TRAILING_BYTES,
	/** A known fixed-size type is shorter than its size. offset: the TLV's
	 *  length member; value: length; expected: the size. */
	VPF_CTX_ERR_FIELD_SHORT,
	/** DEV_FEATURES is not a non-zero multiple of 8 bytes. offset: the
	 *  TLV's length member; value: length. */
	VPF_CTX_ERR_FEATURES_LENGTH,
	/** VQ_SPLIT_DEV_OWN_DESC is shorter than 4 bytes. offset: the TLV's
	 *  length member; value: length; expected: 4. */
	VPF_CTX_ERR_OWN_DESC_SHORT,
	/** VQ_SPLIT_DEV_OWN_DESC: 4 + 2 * desc_count differs from length.
	 *  offset: the desc_count member; value: desc_count; expected: the
	 *  count the field's @c length implies, (length - 4) / 2 rounded
	 *  down. */
	VPF_CTX_ERR_OWN_DESC_COUNT,
	/** A per-VQ field repeats a vq_index already seen in the same type.
	 *  offset: the vq_index member; value: the vq_index. */
	VPF_CTX_ERR_DUP_VQ,
	/** A streaming field callback refused a field (its errno is returned).
	 *  offset: the TLV start. */
	VPF_CTX_ERR_ABORTED,
	/** Number of codes (not an error). */
	VPF_CTX_ERR_MAX
};

/** "No field" value of vpf_ctx_error::field_index. */
#define VPF_CTX_NO_FIELD		UINT32_MAX
/** "No field" value of vpf_ctx_error::field_offset. */
#define VPF_CTX_NO_OFFSET		UINT64_MAX

/**
 * Where and why a context is malformed. All offsets are byte offsets from
 * the first byte of the context (the field_count).
 */
struct vpf_ctx_error {
	enum vpf_ctx_err code;	/**< what is wrong */
	uint32_t field_index;	/**< 0-based index of the field involved, or
				     VPF_CTX_NO_FIELD */
	uint64_t offset;	/**< offset of the malformation (see the code) */
	uint64_t field_offset;	/**< offset of the TLV involved, or
				     VPF_CTX_NO_OFFSET */
	uint16_t type;		/**< type of the field involved (0 if none) */
	uint64_t value;		/**< the offending number (see the code) */
	uint64_t expected;	/**< what was expected (see the code), or 0 */
};

/** Stable identifier of a code, e.g. "FIELD_SHORT". Never NULL. */
VPF_API const char *vpf_ctx_err_name(enum vpf_ctx_err code);

/**
 * Render @p err as one English sentence (no trailing newline), e.g.
 * "field 2 (PCI_VQ_CFG) at offset 84: length 12 is shorter than the type's
 * size 30 (length member at offset 92)". snprintf semantics: writes at most
 * @p size bytes including the NUL.
 * @return the length of the full sentence (excluding the NUL).
 */
VPF_API int vpf_ctx_error_str(const struct vpf_ctx_error *err, char *buf,
			      size_t size);

/* ===========================================================================
 * Parse flags
 * ========================================================================= */

/**
 * Accept up to 7 zero bytes after a complete context (D-1.2, D-1.3: the last
 * DEV_CTX_WRITE chunk is padded to a multiple of 8 bytes). Without it any
 * byte after the last field is VPF_CTX_ERR_TRAILING_BYTES.
 */
#define VPF_CTX_F_ALLOW_PAD		(1u << 0)

/** Largest number of padding bytes VPF_CTX_F_ALLOW_PAD accepts. */
#define VPF_CTX_MAX_PAD			7u

/**
 * Whether @p len bytes at @p tail may follow a complete context: at most 7
 * bytes, all zero (D-1.3). True for @p len 0.
 */
VPF_API bool vpf_ctx_trailing_ok(const void *tail, size_t len);

/* ===========================================================================
 * Field view (zero copy)
 * ========================================================================= */

/** Type is in the generic or device-type range but unknown to vpf. */
#define VPF_CTX_FIELD_F_UNKNOWN		(1u << 0)
/** Type is outside the generic and device-type ranges (reserved). */
#define VPF_CTX_FIELD_F_RESERVED	(1u << 1)
/** Known fixed-size type longer than its size: a newer device's extension
 *  (doc/protocol.md §5.5, D-5.6); the tail is kept and reported, never
 *  dropped. */
#define VPF_CTX_FIELD_F_EXTENDED	(1u << 2)
/** The TLV's reserved[6] bytes are not zero (accepted and kept). */
#define VPF_CTX_FIELD_F_RSVD_SET	(1u << 3)

/**
 * One field of a context, as a view into the caller's buffer. Valid as long
 * as that buffer is. Streaming callbacks get @c tlv and @c value NULL.
 */
struct vpf_ctx_field {
	uint16_t type;		/**< field type (host order) */
	uint32_t flags;		/**< VPF_CTX_FIELD_F_* */
	uint32_t index;		/**< 0-based position in the context */
	uint64_t offset;	/**< offset of the TLV header in the context */
	uint64_t length;	/**< value length in bytes */
	const uint8_t *tlv;	/**< TLV header (16 + length bytes verbatim) */
	const uint8_t *value;	/**< first value byte (unaligned) */
};

/** Number of extension bytes of a field (length beyond the type's fixed
 *  size); 0 unless VPF_CTX_FIELD_F_EXTENDED. */
VPF_API uint64_t vpf_ctx_field_ext_len(const struct vpf_ctx_field *f);

/* ===========================================================================
 * Validating iterator and whole-buffer validation
 * ========================================================================= */

/** Number of per-VQ field types that are checked for repeated vq_index. */
#define VPF_CTX_PER_VQ_TYPES		3

/**
 * Repeated-vq_index detector: one bit per (per-VQ type, vq_index), 8 KiB per
 * type. Words are initialised lazily through a summary bitmap so that
 * starting a parse costs about 420 bytes of clearing, not 24 KiB. The
 * latest run of consecutive values is kept as a range, so a context in
 * vq_index order never touches the bitmap words.
 * Private: use only through the iterator and the stream.
 */
struct vpf_ctx_vq_seen {
	/** Bit w: word w of @c bits is initialised (private). */
	uint64_t sum[VPF_CTX_PER_VQ_TYPES][1024 / 64];
	/** One bit per vq_index and per-VQ type (private). */
	uint64_t bits[VPF_CTX_PER_VQ_TYPES][65536 / 64];
	/**
	 * The latest run of consecutive vq_index values, [run_lo, run_next),
	 * kept out of @c bits until a value breaks it (private).
	 */
	uint32_t run_lo[VPF_CTX_PER_VQ_TYPES];
	/** End of that run (private). */
	uint32_t run_next[VPF_CTX_PER_VQ_TYPES];
	/** Every value in @c bits is below this (private). */
	uint32_t bits_next[VPF_CTX_PER_VQ_TYPES];
};

/**
 * Validating, zero-copy iterator: checks the context and yields its fields
 * in one linear pass. About 24.5 KiB (the vq_index bitmaps); it may live on
 * the stack. Members are private.
 */
struct vpf_ctx_iter {
	const uint8_t *buf;		/**< context (private) */
	uint64_t len;			/**< its length (private) */
	uint64_t pos;			/**< next TLV offset (private) */
	uint32_t field_count;		/**< announced fields (private) */
	uint32_t index;			/**< next field index (private) */
	uint32_t flags;			/**< VPF_CTX_F_* (private) */
	int state;			/**< private */
	struct vpf_ctx_error err;	/**< the error, if any (private) */
	/** Length of the last VQ_SPLIT_DEV_OWN_DESC field (private). */
	uint64_t own_len_guess;
	struct vpf_ctx_vq_seen seen;	/**< vq_index bitmaps (private) */
};

/**
 * Start iterating over the context in @p ctx (@p len bytes). Never fails on
 * malformed bytes: vpf_ctx_iter_next() reports those.
 * @param it the iterator to (re)initialise.
 * @param ctx the context bytes; they must stay valid while iterating.
 * @param len number of bytes at @p ctx (padding included, if any).
 * @param flags VPF_CTX_F_*.
 * @return 0, or -EINVAL if @p it is NULL or @p ctx is NULL with @p len > 0.
 */
VPF_API int vpf_ctx_iter_init(struct vpf_ctx_iter *it, const void *ctx,
			      size_t len, uint32_t flags);

/**
 * Validate and return the next field.
 * @param it the iterator.
 * @param f filled with the field when 1 is returned.
 * @return 1 with @p f filled; 0 at the end, which means the whole context
 *   (trailing bytes included) is well formed; -EBADMSG if it is malformed
 *   (details in vpf_ctx_iter_error(), and vpf_last_error()). After 0 or a
 *   negative value every further call returns the same value.
 */
VPF_API int vpf_ctx_iter_next(struct vpf_ctx_iter *it,
			      struct vpf_ctx_field *f);

/**
 * Validate and return up to @p n fields at once: the fast way to walk a
 * context with many small fields. It checks exactly what
 * vpf_ctx_iter_next() checks, in the same order, and may be mixed with it.
 * A run of common-case fields (known types at their sizes, vq_index values
 * that continue the type's previous one) is checked in one loop with the
 * walk's state in registers; any other field comes back alone, after the
 * run before it.
 * @param it the iterator.
 * @param f array of @p n fields, filled in context order.
 * @param n its size (at least 1; above INT_MAX, INT_MAX).
 * @return the number of fields filled (1 to @p n); 0 at the end (the whole
 *   context is well formed); -EBADMSG if the next field is malformed (the
 *   fields before it came back in earlier calls), -EINVAL on bad arguments.
 *   After 0 or a negative value every further call returns the same value.
 */
VPF_API int vpf_ctx_iter_burst(struct vpf_ctx_iter *it,
			       struct vpf_ctx_field *f, unsigned int n);

/** The error that ended the iteration (code VPF_CTX_OK if none). */
VPF_API const struct vpf_ctx_error *
vpf_ctx_iter_error(const struct vpf_ctx_iter *it);

/** @c field_count of the context (0 if the header is incomplete). */
VPF_API uint32_t vpf_ctx_iter_field_count(const struct vpf_ctx_iter *it);

/**
 * Validate a whole context (every rule of doc/protocol.md §5).
 * @param ctx the context bytes.
 * @param len their number.
 * @param flags VPF_CTX_F_*.
 * @param err filled on failure, code VPF_CTX_OK on success; may be NULL.
 * @return 0, -EBADMSG if malformed, -EINVAL on bad arguments.
 */
VPF_API int vpf_ctx_validate(const void *ctx, size_t len, uint32_t flags,
			     struct vpf_ctx_error *err);

/**
 * Validate a whole context and call @p cb for each field in order. The
 * callback sees fields before later ones are validated: act on them only
 * once the call returns 0.
 * @param ctx the context bytes.
 * @param len their number.
 * @param flags VPF_CTX_F_*.
 * @param cb returns 0 to continue or a negative errno to stop; may be NULL.
 * @param arg passed to @p cb.
 * @param err filled with the malformation (code VPF_CTX_OK if none); may be
 *   NULL.
 * @return 0; -EBADMSG (with @p err) if malformed; the callback's errno.
 */
VPF_API int vpf_ctx_parse(const void *ctx, size_t len, uint32_t flags,
			  int (*cb)(const struct vpf_ctx_field *f, void *arg),
			  void *arg, struct vpf_ctx_error *err);

/* ===========================================================================
 * Typed decoders (field view -> host-order structs)
 *
 * Each returns 0, -EINVAL if the field is of another type, or -EBADMSG if
 * the value is too short for the type (only possible with views that did
 * not come from the validator). Extension bytes beyond the known layout are
 * ignored here; they stay available through the field view.
 * ========================================================================= */

/** PCI_COMMON_CFG value, host order. */
struct vpf_ctx_common_cfg {
	uint32_t device_feature_select;	/**< wire offset 0 */
	uint32_t device_feature;	/**< wire offset 4 */
	uint32_t driver_feature_select;	/**< wire offset 8 */
	uint32_t driver_feature;	/**< wire offset 12 */
	uint16_t config_msix_vector;	/**< wire offset 16 */
	uint16_t num_queues;		/**< wire offset 18 */
	uint8_t device_status;		/**< wire offset 20 */
	uint8_t config_generation;	/**< wire offset 21 */
	uint16_t queue_select;		/**< wire offset 22 */
	uint16_t queue_size;		/**< wire offset 24 */
	uint16_t queue_msix_vector;	/**< wire offset 26 */
	uint16_t queue_enable;		/**< wire offset 28 */
	uint16_t queue_notify_off;	/**< wire offset 30 */
	uint64_t queue_desc;		/**< wire offset 32 */
	uint64_t queue_driver;		/**< wire offset 40 */
	uint64_t queue_device;		/**< wire offset 48 */
	uint16_t queue_notif_config_data; /**< wire offset 56 */
	uint16_t queue_reset;		/**< wire offset 58 */
	uint16_t admin_queue_index;	/**< wire offset 60 */
	uint16_t admin_queue_num;	/**< wire offset 62 */
};

/** PCI_VQ_CFG value, host order. */
struct vpf_ctx_vq_cfg {
	uint16_t vq_index;		/**< virtqueue index */
	uint16_t queue_size;		/**< number of entries */
	uint16_t queue_msix_vector;	/**< MSI-X vector */
	uint64_t queue_desc;		/**< descriptor area address */
	uint64_t queue_driver;		/**< driver (avail) area address */
	uint64_t queue_device;		/**< device (used) area address */
};

/** VQ_SPLIT_RUNTIME_CFG value, host order. */
struct vpf_ctx_vq_runtime {
	uint16_t vq_index;		/**< virtqueue index */
	uint16_t dev_avail_idx;		/**< next avail index the device reads */
	uint8_t enabled;		/**< queue enabled (non-zero) */
};

/** DEV_FEATURES value: @c nwords le64 words at @c words (unaligned). */
struct vpf_ctx_features {
	uint64_t nwords;		/**< number of 64-bit words (>= 1) */
	const uint8_t *words;		/**< first word, in the context */
};

/** VQ_SPLIT_DEV_OWN_DESC value: @c desc_count le16 indices at @c desc
 *  (unaligned); read them with vpf_ctx_own_desc_idx(). */
struct vpf_ctx_own_desc {
	uint16_t vq_index;		/**< virtqueue index */
	uint16_t desc_count;		/**< number of descriptor indices */
	const uint8_t *desc;		/**< first index, in the context */
};

/** Decode a PCI_COMMON_CFG field. */
VPF_API int vpf_ctx_decode_common_cfg(const struct vpf_ctx_field *f,
				      struct vpf_ctx_common_cfg *out);
/** Decode a DEV_FEATURES field (length a non-zero multiple of 8). */
VPF_API int vpf_ctx_decode_features(const struct vpf_ctx_field *f,
				    struct vpf_ctx_features *out);
/** Word @p i (0-based) of decoded features; 0 when @p i >= nwords. */
VPF_API uint64_t vpf_ctx_features_word(const struct vpf_ctx_features *feat,
				       uint64_t i);
/** Whether feature bit @p bit is set (false beyond the words present). */
VPF_API bool vpf_ctx_features_test(const struct vpf_ctx_features *feat,
				   uint64_t bit);
/** Decode a PCI_VQ_CFG field. */
VPF_API int vpf_ctx_decode_vq_cfg(const struct vpf_ctx_field *f,
				  struct vpf_ctx_vq_cfg *out);
/** Decode a VQ_SPLIT_RUNTIME_CFG field. */
VPF_API int vpf_ctx_decode_vq_runtime(const struct vpf_ctx_field *f,
				      struct vpf_ctx_vq_runtime *out);
/** Decode a VQ_SPLIT_DEV_OWN_DESC field (checks 4 + 2 * desc_count ==
 *  length, -EBADMSG otherwise). */
VPF_API int vpf_ctx_decode_own_desc(const struct vpf_ctx_field *f,
				    struct vpf_ctx_own_desc *out);
/** Descriptor index @p i of a decoded own-desc list; 0 when out of range. */
VPF_API uint16_t vpf_ctx_own_desc_idx(const struct vpf_ctx_own_desc *od,
				      uint32_t i);
/** Decode a DEV_CFG field: its bytes (device-type layout, any length). */
VPF_API int vpf_ctx_decode_dev_cfg(const struct vpf_ctx_field *f,
				   const uint8_t **cfg, uint64_t *len);

/* ===========================================================================
 * Builder
 * ========================================================================= */

/**
 * Appends fields to a context buffer. After every successful call the
 * buffer holds a well-formed context (field_count fixed up). A failed call
 * leaves the buffer and the builder exactly as they were. Members are
 * private; read them through the accessors.
 */
struct vpf_ctx_builder {
	uint8_t *buf;			/**< context bytes (private) */
	size_t cap;			/**< capacity (private) */
	size_t len;			/**< bytes used (private) */
	uint32_t count;			/**< fields (private) */
	bool grow;			/**< heap buffer that grows (private) */
};

/**
 * Start a context in the caller's buffer @p buf of @p cap bytes (fixed
 * capacity; the builder never frees it). Writes field_count 0.
 * @return 0, -EINVAL (NULL), -ENOSPC if @p cap < 4.
 */
VPF_API int vpf_ctx_builder_init(struct vpf_ctx_builder *b, void *buf,
				 size_t cap);

/**
 * Start a context in a heap buffer that grows as needed (malloc/realloc).
 * @param b the builder to initialise.
 * @param hint initial capacity (0: a small default).
 * @return 0, -EINVAL, -ENOMEM.
 */
VPF_API int vpf_ctx_builder_init_grow(struct vpf_ctx_builder *b, size_t hint);

/** Free a growing builder's buffer (no-op for a fixed one). The builder
 *  must be initialised again before reuse. */
VPF_API void vpf_ctx_builder_fini(struct vpf_ctx_builder *b);

/** Drop all fields (field_count 0), keeping the buffer. */
VPF_API void vpf_ctx_builder_reset(struct vpf_ctx_builder *b);

/** The context bytes built so far. */
VPF_API const void *vpf_ctx_builder_data(const struct vpf_ctx_builder *b);
/** Number of context bytes built so far (>= 4). */
VPF_API size_t vpf_ctx_builder_len(const struct vpf_ctx_builder *b);
/** Number of fields appended so far. */
VPF_API uint32_t vpf_ctx_builder_count(const struct vpf_ctx_builder *b);

/**
 * Take a growing builder's buffer (free() it); the builder is left empty
 * and must be initialised again before reuse.
 * @return the buffer and its length in @p len, or NULL with errno EINVAL for
 *   a fixed builder.
 */
VPF_API void *vpf_ctx_builder_detach(struct vpf_ctx_builder *b, size_t *len);

/**
 * Append a field of any type (known, unknown or reserved) with @p len
 * value bytes copied from @p value (which may be NULL when @p len is 0).
 * No check of the value against the type: this is how tests build
 * malformed and extended fields. @p value must not point into a growing
 * builder's own buffer (it may move).
 * @return 0, -ENOSPC (fixed buffer full, or 2^32 - 1 fields), -ENOMEM.
 */
VPF_API int vpf_ctx_add_raw(struct vpf_ctx_builder *b, uint16_t type,
			    const void *value, uint64_t len);

/**
 * Append a field header with @p len value bytes left for the caller to
 * fill through @p *value (zeroed). The pointer is valid until the next call
 * on @p b.
 * @return as vpf_ctx_add_raw().
 */
VPF_API int vpf_ctx_add_reserve(struct vpf_ctx_builder *b, uint16_t type,
				uint64_t len, void **value);

/** Append a field copied verbatim from a parsed view (TLV header with its
 *  reserved bytes, and value), e.g. to pass unknown fields through.
 *  @return as vpf_ctx_add_raw(); -EINVAL if @p f->tlv is NULL. */
VPF_API int vpf_ctx_add_field(struct vpf_ctx_builder *b,
			      const struct vpf_ctx_field *f);

/** Append PCI_COMMON_CFG (64 bytes). */
VPF_API int vpf_ctx_add_common_cfg(struct vpf_ctx_builder *b,
				   const struct vpf_ctx_common_cfg *cfg);
/** Append DEV_FEATURES from @p nwords (>= 1) host-order words; bit n of
 *  the features is bit n % 64 of word n / 64. -EINVAL for 0 words. */
VPF_API int vpf_ctx_add_features(struct vpf_ctx_builder *b,
				 const uint64_t *words, uint32_t nwords);
/** Append PCI_VQ_CFG (30 bytes). */
VPF_API int vpf_ctx_add_vq_cfg(struct vpf_ctx_builder *b,
			       const struct vpf_ctx_vq_cfg *vq);
/** Append VQ_SPLIT_RUNTIME_CFG (5 bytes). */
VPF_API int vpf_ctx_add_vq_runtime(struct vpf_ctx_builder *b,
				   const struct vpf_ctx_vq_runtime *rt);
/** Append VQ_SPLIT_DEV_OWN_DESC with @p count host-order indices. */
VPF_API int vpf_ctx_add_own_desc(struct vpf_ctx_builder *b, uint16_t vq_index,
				 const uint16_t *desc_idx, uint16_t count);
/** Append DEV_CFG with @p len bytes of device config (device-type layout,
 *  already in wire byte order). */
VPF_API int vpf_ctx_add_dev_cfg(struct vpf_ctx_builder *b, const void *cfg,
				size_t len);

/* ===========================================================================
 * Streaming validator
 * ========================================================================= */

/**
 * Validates a context fed in chunks split anywhere (inside the context
 * header, a TLV header or a value). It gives the same verdict, error code
 * and offsets as vpf_ctx_validate() on the concatenation. State is O(1):
 * a few counters, a 16-byte header buffer and the vq_index bitmaps (24.5
 * KiB); no allocation, ever. Members are private.
 */
struct vpf_ctx_stream {
	uint64_t pos;			/**< bytes consumed (private) */
	uint64_t remain;		/**< value bytes to skip (private) */
	uint64_t field_off;		/**< current TLV offset (private) */
	uint64_t end;			/**< complete context length (private) */
	uint64_t length;		/**< current field length (private) */
	uint32_t field_count;		/**< announced fields (private) */
	uint32_t index;			/**< current field index (private) */
	uint32_t flags;			/**< VPF_CTX_F_* (private) */
	uint32_t have;			/**< bytes in @c hdr (private) */
	uint32_t pfx_need;		/**< value prefix to collect (private) */
	uint32_t pad;			/**< padding bytes seen (private) */
	uint16_t type;			/**< current field type (private) */
	uint32_t fflags;		/**< current field flags (private) */
	int state;			/**< private */
	int cb_err;			/**< callback errno (private) */
	uint8_t hdr[VPF_CTX_TLV_HDR_SIZE]; /**< partial header (private) */
	/** Field callback (private). */
	int (*cb)(const struct vpf_ctx_field *f, void *arg);
	void *cb_arg;			/**< its argument (private) */
	struct vpf_ctx_error err;	/**< the error, if any (private) */
	/** Length of the last VQ_SPLIT_DEV_OWN_DESC field (private). */
	uint64_t own_len_guess;
	struct vpf_ctx_vq_seen seen;	/**< vq_index bitmaps (private) */
};

/**
 * Start validating a new context.
 * @param s the stream to (re)initialise.
 * @param flags VPF_CTX_F_*.
 * @param cb optional: called once per field, in order, when all its bytes
 *   have arrived and it is valid, with @c tlv and @c value NULL; returning a
 *   negative errno fails the stream with VPF_CTX_ERR_ABORTED and that errno
 *   (e.g. on a FIELDS_QUERY mismatch).
 * @param arg passed to @p cb.
 * @return 0 or -EINVAL.
 */
VPF_API int vpf_ctx_stream_init(struct vpf_ctx_stream *s, uint32_t flags,
				int (*cb)(const struct vpf_ctx_field *f,
					  void *arg),
				void *arg);

/**
 * Feed the next @p len bytes. Errors are sticky: after one, every call
 * returns it again.
 * @return 0 (well formed so far); -EBADMSG with vpf_ctx_stream_error();
 *   the callback's errno.
 */
VPF_API int vpf_ctx_stream_feed(struct vpf_ctx_stream *s, const void *chunk,
				size_t len);

/**
 * End of data: is what was fed a complete, well-formed context?
 * @param s the stream.
 * @param err filled (may be NULL).
 * @return 0, -EBADMSG (truncation or an earlier error), the callback errno.
 */
VPF_API int vpf_ctx_stream_finish(struct vpf_ctx_stream *s,
				  struct vpf_ctx_error *err);

/** Whether the last field has been seen (the context is complete; bytes fed
 *  after this are trailing bytes). */
VPF_API bool vpf_ctx_stream_complete(const struct vpf_ctx_stream *s);

/** Length of the complete context (valid once vpf_ctx_stream_complete()). */
VPF_API uint64_t vpf_ctx_stream_ctx_len(const struct vpf_ctx_stream *s);

/** Total number of bytes fed so far. */
VPF_API uint64_t vpf_ctx_stream_pos(const struct vpf_ctx_stream *s);

/** The stream's error (code VPF_CTX_OK if none so far). */
VPF_API const struct vpf_ctx_error *
vpf_ctx_stream_error(const struct vpf_ctx_stream *s);

/* ===========================================================================
 * Printer
 * ========================================================================= */

/** Print every own-desc index and every value byte (no abbreviation). */
#define VPF_CTX_PRINT_FULL		(1u << 8)

/** Own-desc indices printed before abbreviating (first 16, last 4). */
#define VPF_CTX_PRINT_DESC_HEAD		16u
/** Own-desc indices printed at the end of an abbreviated list. */
#define VPF_CTX_PRINT_DESC_TAIL		4u
/** Value bytes printed in hex before abbreviating. */
#define VPF_CTX_PRINT_HEX_MAX		64u

/**
 * Print a context as stable text to @p out: a header line, then one line per
 * field (index, offset, type name and number, length, decoded values; hex
 * for unknown/reserved values and extension tails; long lists abbreviated
 * deterministically unless VPF_CTX_PRINT_FULL), then "end" or an
 * "error: ..." line. The format is documented in doc/context.md.
 * @param out where to write.
 * @param ctx the context bytes.
 * @param len their number.
 * @param flags VPF_CTX_F_* and VPF_CTX_PRINT_*.
 * @param err filled with the malformation, if any; may be NULL.
 * @return 0; -EBADMSG after printing the fields that precede the
 *   malformation; -EIO if writing failed.
 */
VPF_API int vpf_ctx_print(FILE *out, const void *ctx, size_t len,
			  uint32_t flags, struct vpf_ctx_error *err);

/**
 * As vpf_ctx_print(), into a caller buffer.
 * @param buf where to write; always NUL-terminated when @p size > 0, the
 *   text truncated if needed. May be NULL when @p size is 0.
 * @param size bytes at @p buf.
 * @param needed if not NULL, receives the full text length (excluding NUL).
 * @param ctx the context bytes.
 * @param len their number.
 * @param flags VPF_CTX_F_* and VPF_CTX_PRINT_*.
 * @param err filled with the malformation, if any; may be NULL.
 * @return as vpf_ctx_print().
 */
VPF_API int vpf_ctx_print_buf(char *buf, size_t size, size_t *needed,
			      const void *ctx, size_t len, uint32_t flags,
			      struct vpf_ctx_error *err);

/* ===========================================================================
 * Compatibility with a destination's DEV_CTX_FIELDS_QUERY result
 * ========================================================================= */

/** Kind of a compatibility finding. */
enum vpf_ctx_cmp_kind {
	/** Compatible (used by vpf_ctx_field_compat()). */
	VPF_CTX_CMP_OK = 0,
	/** The destination does not list the field's type: incompatible. */
	VPF_CTX_CMP_MISSING,
	/** Known fixed type with a length other than the destination's, or a
	 *  variable one longer than the destination's maximum: incompatible. */
	VPF_CTX_CMP_LENGTH,
	/** Type unknown to vpf but listed by the destination and within its
	 *  length: compatible, reported as a warning. */
	VPF_CTX_CMP_UNKNOWN,
};

/** One finding of vpf_ctx_compare_fields(). */
struct vpf_ctx_cmp_issue {
	enum vpf_ctx_cmp_kind kind;	/**< what was found */
	uint32_t field_index;	/**< source field index */
	uint16_t type;		/**< field type */
	uint64_t field_offset;	/**< source TLV offset */
	uint64_t length;	/**< source value length */
	uint64_t dst_length;	/**< destination's length (0 if MISSING) */
};

/** Summary of vpf_ctx_compare_fields(). */
struct vpf_ctx_cmp_result {
	uint32_t fields;	/**< source fields compared */
	uint32_t missing;	/**< VPF_CTX_CMP_MISSING findings */
	uint32_t length;	/**< VPF_CTX_CMP_LENGTH findings */
	uint32_t unknown;	/**< VPF_CTX_CMP_UNKNOWN findings */
	bool compatible;	/**< no MISSING and no LENGTH finding */
};

/** Name of a finding kind ("ok", "missing", "length", "unknown"). */
VPF_API const char *vpf_ctx_cmp_kind_name(enum vpf_ctx_cmp_kind kind);

/**
 * Check a FIELDS_QUERY result (little-endian wire entries, as the device
 * returned them): types strictly ascending (doc/protocol.md §4.7, D-5.8).
 * @return 0 or -EINVAL (with vpf_last_error() naming the entry).
 */
VPF_API int vpf_ctx_fields_check(const struct vpf_admin_ctx_field_info *info,
				 size_t n);

/**
 * Compatibility of one field (type, value length) with a destination list
 * (doc/protocol.md §5.6, D-5.9: the type is listed; fixed types have equal
 * length, variable ones fit). The list must pass vpf_ctx_fields_check() (binary search).
 * @param type the field's type.
 * @param length the field's value length.
 * @param info the destination's FIELDS_QUERY entries (little-endian).
 * @param n number of entries.
 * @param dst_length if not NULL, receives the destination's length (0 if
 *   the type is not listed).
 */
VPF_API enum vpf_ctx_cmp_kind
vpf_ctx_field_compat(uint16_t type, uint64_t length,
		     const struct vpf_admin_ctx_field_info *info, size_t n,
		     uint64_t *dst_length);

/**
 * Compare every field of a context with a destination's FIELDS_QUERY list.
 * Calls @p cb (may be NULL) for every finding in field order and fills
 * @p res (may be NULL).
 * @return 0 if compatible; -EOPNOTSUPP if not (vpf_last_error() names the
 *   first incompatible field); -EBADMSG (with @p err, may be NULL) if the
 *   context is malformed; -EINVAL if the list is not ascending or on bad
 *   arguments.
 */
VPF_API int vpf_ctx_compare_fields(const void *ctx, size_t len, uint32_t flags,
				   const struct vpf_admin_ctx_field_info *info,
				   size_t n,
				   void (*cb)(const struct vpf_ctx_cmp_issue *is,
					      void *arg),
				   void *arg, struct vpf_ctx_cmp_result *res,
				   struct vpf_ctx_error *err);

#ifdef __cplusplus
}
#endif

#endif /* VPF_CTX_H */
