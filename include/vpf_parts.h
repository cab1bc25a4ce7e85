/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_PARTS_H
#define VPF_PARTS_H

/**
 * @file
 * vpf: virtio 1.4 device parts: build, parse, validate, iterate, print; and
 * the stream records of Linux's virtio-vfio-pci migration driver.
 *
 * A **parts set** (doc/protocol.md §10.3) is a sequence of parts with no
 * padding between them, each a 16-byte header `{le16 type; u8 flags; u8
 * reserved; u8 selector[8]; le32 length}` followed by @c length value
 * bytes. It is what DEV_PARTS_GET returns, what DEV_PARTS_SET carries after
 * its 8-byte object header, and the payload of one Linux stream record.
 * Parts sets come from a device, a file or another host and are untrusted:
 * every function here that reads them bounds-checks every length before use
 * and never reads outside the buffer it was given.
 *
 * Pieces:
 * - **constants and wire structs** of the parts and of the command data
 *   that carries them (object header, METADATA_GET, PARTS_GET);
 * - a **builder** (vpf_parts_builder_*, vpf_parts_add_*) that appends parts
 *   to a caller buffer, with or without a command's header in front; it
 *   never allocates;
 * - a **validating iterator** (vpf_parts_iter_*) that checks and yields the
 *   parts in one linear pass without copying or allocating, and
 *   vpf_parts_validate() / vpf_parts_parse() that run it to the end;
 * - **typed decoders** (vpf_parts_decode_*) from a part view to host-order
 *   structs;
 * - a **printer** (vpf_parts_print*) producing stable text;
 * - the **Linux record codec** (vpf_parts_linux_*): a record writer, a
 *   streaming decoder fed chunks split anywhere, and the detection of the
 *   stream format from its first bytes.
 *
 * Errors: functions return 0 (or a documented non-negative value) on success
 * and a negative errno on failure, and set vpf_last_error(). A malformed
 * parts set is -EBADMSG together with a struct vpf_parts_error saying what
 * is wrong, at which byte offset, in which part. Bad arguments are -EINVAL.
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
 * Part types, header and value layouts (doc/protocol.md §10.3)
 * ========================================================================= */

/** Device feature bits, le64 words; a device flags it OPTIONAL. */
#define VPF_PARTS_DEV_FEATURES		0x0100
/** Driver (negotiated) feature bits, le64 words. */
#define VPF_PARTS_DRV_FEATURES		0x0101
/** One field of the PCI common configuration; selector: le32 offset. */
#define VPF_PARTS_PCI_COMMON_CFG	0x0102
/** u8 device_status. */
#define VPF_PARTS_DEVICE_STATUS		0x0103
/** One virtqueue's configuration (32 bytes); selector: le16 vq index. */
#define VPF_PARTS_VQ_CFG		0x0104
/** One virtqueue's notification data (8 bytes); selector: le16 vq index. */
#define VPF_PARTS_VQ_NOTIFY_CFG		0x0105
/** virtio-net: the data of one control-queue command; selector: u8 class,
 *  u8 command. */
#define VPF_PARTS_NET_CVQ_CFG		0x0200

/** First type of the generic range (parts every device type has). */
#define VPF_PARTS_TYPE_GENERIC_FIRST	0x0100
/** Last type of the generic range. */
#define VPF_PARTS_TYPE_GENERIC_LAST	0x01ff
/** First device-type part type (0x0200-0xffff: meaning set by the device
 *  type; vpf decodes them as virtio-net's, D-PARTS.6). */
#define VPF_PARTS_TYPE_DEVICE_FIRST	0x0200

/** Size of a part header. */
#define VPF_PARTS_HDR_SIZE		16u
/** Offset of the le16 type in a part header. */
#define VPF_PARTS_HDR_TYPE_OFF		0u
/** Offset of the u8 flags in a part header. */
#define VPF_PARTS_HDR_FLAGS_OFF		2u
/** Offset of the reserved byte in a part header. */
#define VPF_PARTS_HDR_RSVD_OFF		3u
/** Offset of the 8-byte selector in a part header. */
#define VPF_PARTS_HDR_SEL_OFF		4u
/** Size of the selector. */
#define VPF_PARTS_SEL_SIZE		8u
/** Offset of the le32 length in a part header. */
#define VPF_PARTS_HDR_LEN_OFF		12u

/** Part header flag: a receiver that does not know the part may ignore it. */
#define VPF_PARTS_HF_OPTIONAL		(1u << 0)

/** DEVICE_STATUS value size. */
#define VPF_PARTS_DEVICE_STATUS_SIZE	1u
/** VQ_CFG value size. */
#define VPF_PARTS_VQ_CFG_SIZE		32u
/** VQ_NOTIFY_CFG value size. */
#define VPF_PARTS_VQ_NOTIFY_CFG_SIZE	8u
/** Size of one feature word (DEV_FEATURES, DRV_FEATURES). */
#define VPF_PARTS_FEATURE_WORD_SIZE	8u
/** Size of the PCI common configuration layout whose fields vpf knows (the
 *  virtio 1.3 layout, admin queue fields included). */
#define VPF_PARTS_COMMON_CFG_SIZE	64u

/** Largest parts set: its size must fit METADATA_GET's le32 (and a Linux
 *  record's 4 GiB - 1). */
#define VPF_PARTS_MAX_SET_SIZE		UINT32_MAX

/** Wire part header (little-endian, packed). */
struct __attribute__((packed)) vpf_parts_hdr {
	uint16_t type;			/**< part type */
	uint8_t flags;			/**< VPF_PARTS_HF_* */
	uint8_t reserved;		/**< 0 */
	uint8_t selector[8];		/**< type-specific */
	uint32_t length;		/**< value bytes that follow */
};

/** Wire VQ_CFG value (32 bytes). */
struct __attribute__((packed)) vpf_parts_vq_cfg_wire {
	uint16_t queue_size;		/**< entries */
	uint16_t vector;		/**< MSI-X vector */
	uint16_t enabled;		/**< queue_enable */
	uint16_t reserved;		/**< 0 */
	uint64_t desc;			/**< descriptor area */
	uint64_t driver;		/**< driver (avail) area */
	uint64_t device;		/**< device (used) area */
};

/** Wire VQ_NOTIFY_CFG value (8 bytes). */
struct __attribute__((packed)) vpf_parts_vq_notify_wire {
	uint16_t queue_notify_off;		/**< notification offset */
	uint16_t queue_notif_config_data;	/**< notification data */
	uint8_t reserved[4];			/**< 0 */
};

/* ===========================================================================
 * Command data that carries parts (doc/protocol.md §10.2)
 * ========================================================================= */

/** Resource object type of a device-parts object. */
#define VPF_PARTS_OBJ_TYPE_DEV_PARTS	0x0000
/** Device-parts object for DEV_PARTS_GET. */
#define VPF_PARTS_OBJ_GET		0
/** Device-parts object for DEV_PARTS_SET. */
#define VPF_PARTS_OBJ_SET		1

/** METADATA_GET type: the largest total size of all parts now. */
#define VPF_PARTS_META_SIZE		0
/** METADATA_GET type: the number of parts. */
#define VPF_PARTS_META_COUNT		1
/** METADATA_GET type: the number of parts and their headers. */
#define VPF_PARTS_META_LIST		2

/** PARTS_GET type: the parts whose headers follow. */
#define VPF_PARTS_GET_SELECTED		0
/** PARTS_GET type: every part. */
#define VPF_PARTS_GET_ALL		1

/** Resource object header (8 bytes), first in the data of every
 *  device-parts command. */
struct __attribute__((packed)) vpf_parts_obj_hdr {
	uint16_t type;			/**< VPF_PARTS_OBJ_TYPE_DEV_PARTS */
	uint8_t reserved[2];		/**< 0 */
	uint32_t id;			/**< object id, chosen by the driver */
};

/** RESOURCE_OBJ_CREATE data of a device-parts object (24 bytes). */
struct __attribute__((packed)) vpf_parts_obj_create_data {
	struct vpf_parts_obj_hdr hdr;	/**< object header */
	uint64_t flags;			/**< 0 */
	uint8_t type;			/**< VPF_PARTS_OBJ_GET or _SET */
	uint8_t reserved[7];		/**< 0 */
};

/** DEV_PARTS_METADATA_GET data (16 bytes). */
struct __attribute__((packed)) vpf_parts_meta_get_data {
	struct vpf_parts_obj_hdr hdr;	/**< object header */
	uint8_t type;			/**< VPF_PARTS_META_* */
	uint8_t reserved[7];		/**< 0 */
};

/** METADATA_GET result head: SIZE and COUNT are this alone; LIST is
 *  followed by @c value part headers (value = count). */
struct __attribute__((packed)) vpf_parts_meta_result {
	uint32_t value;			/**< size or count */
	uint32_t reserved;		/**< 0 */
};

/** DEV_PARTS_GET data head (16 bytes); for SELECTED, the wanted part
 *  headers follow. */
struct __attribute__((packed)) vpf_parts_get_data {
	struct vpf_parts_obj_hdr hdr;	/**< object header */
	uint8_t type;			/**< VPF_PARTS_GET_* */
	uint8_t reserved[7];		/**< 0 */
};

/** Size of the object header in front of DEV_PARTS_SET's parts. */
#define VPF_PARTS_OBJ_HDR_SIZE		8u
/** Size of the DEV_PARTS_GET data head. */
#define VPF_PARTS_GET_DATA_SIZE		16u
/** Size of the METADATA_GET result head. */
#define VPF_PARTS_META_RESULT_SIZE	8u

/* ===========================================================================
 * Type and field information
 * ========================================================================= */

/** Name of a part type ("VQ_CFG", ...; "NET_CVQ_CFG" for 0x200),
 *  "UNKNOWN" for others. Never NULL. */
VPF_API const char *vpf_parts_type_name(uint16_t type);

/** Whether vpf knows the meaning and length rule of @p type (the seven
 *  types above). */
VPF_API bool vpf_parts_type_is_known(uint16_t type);

/**
 * Value size of a fixed-size known type (DEVICE_STATUS 1, VQ_CFG 32,
 * VQ_NOTIFY_CFG 8); 0 for the others (features: whole words; common cfg:
 * the field's size; CVQ_CFG: any; unknown: no rule).
 */
VPF_API uint32_t vpf_parts_type_fixed_size(uint16_t type);

/**
 * Position of @p type in the order a set must follow (D-PARTS.3):
 * DEV_FEATURES 0, DRV_FEATURES 1, PCI_COMMON_CFG 2, DEVICE_STATUS 3,
 * VQ_CFG 4, VQ_NOTIFY_CFG 5, every device-type part (0x200 and up) 6;
 * -1 for unknown types below 0x200, which the order rule does not place.
 */
VPF_API int vpf_parts_type_rank(uint16_t type);

/**
 * Size of the PCI common configuration field that starts at byte @p offset
 * (4 for device_feature_select at 0, 2 for num_queues at 18, 8 for
 * queue_desc at 32, ...); 0 when no field starts there, including every
 * offset at or past VPF_PARTS_COMMON_CFG_SIZE.
 */
VPF_API uint32_t vpf_parts_common_field_size(uint32_t offset);

/** Name of the common configuration field at @p offset ("num_queues"),
 *  or NULL when no field starts there. */
VPF_API const char *vpf_parts_common_field_name(uint32_t offset);

/* ===========================================================================
 * Errors
 * ========================================================================= */

/**
 * What is wrong with a parts set (doc/protocol.md §10.4). The meaning of
 * vpf_parts_error::offset for each code is given with it; part offsets are
 * from the first byte of the set.
 *
 * Every check but TRUNC_VALUE needs only a part's 16-byte header, and they
 * run in this order per part: COMMON_OFFSET, UNKNOWN_REQUIRED, ORDER,
 * LENGTH / FEATURES_LENGTH, DUPLICATE, then TRUNC_VALUE.
 */
enum vpf_parts_err {
	/** No error. */
	VPF_PARTS_OK = 0,
	/** The set is larger than VPF_PARTS_MAX_SET_SIZE. offset: 0; value:
	 *  the set's length; expected: the maximum. */
	VPF_PARTS_ERR_TOO_LARGE,
	/** The data ends inside a part header (1..15 bytes of it present;
	 *  with VPF_PARTS_F_ALLOW_PAD, not up to 7 zero bytes), or a
	 *  METADATA_GET LIST result has fewer headers than its count (0..15
	 *  bytes of the first missing one). offset: the header's start;
	 *  value: bytes present; expected: 16. */
	VPF_PARTS_ERR_TRUNC_HEADER,
	/** A value runs past the end of the data. offset: end of data;
	 *  value: the part's length; expected: value bytes present. */
	VPF_PARTS_ERR_TRUNC_VALUE,
	/** A fixed-size type (or a common-cfg field) with a length other than
	 *  its size (shorter, or longer without VPF_PARTS_F_ALLOW_EXTENDED).
	 *  offset: the length member; value: length; expected: the size. */
	VPF_PARTS_ERR_LENGTH,
	/** DEV_FEATURES or DRV_FEATURES is not a non-zero multiple of 8 bytes.
	 *  offset: the length member; value: length; expected: 8. */
	VPF_PARTS_ERR_FEATURES_LENGTH,
	/** PCI_COMMON_CFG names an offset inside the known layout at which no
	 *  field starts. offset: the selector; value: the offset. */
	VPF_PARTS_ERR_COMMON_OFFSET,
	/** A part comes before a part it must follow. offset: the part;
	 *  value: its rank; expected: the rank of the part before it (see
	 *  vpf_parts_type_rank()). */
	VPF_PARTS_ERR_ORDER,
	/** A part repeats one the set already has (same type, and the same
	 *  vq index or common-cfg offset for the per-queue and common-cfg
	 *  types). offset: the part; value: the vq index or offset (0 for the
	 *  types that may appear once). */
	VPF_PARTS_ERR_DUPLICATE,
	/** A part vpf does not know (an unknown type, or a common-cfg offset
	 *  past the known layout) is not flagged OPTIONAL, and
	 *  VPF_PARTS_F_ALLOW_UNKNOWN is not given. offset: the part; value:
	 *  the common-cfg offset for PCI_COMMON_CFG, else 0. */
	VPF_PARTS_ERR_UNKNOWN_REQUIRED,
	/** A callback refused a part (its errno is returned). offset: the
	 *  part. */
	VPF_PARTS_ERR_ABORTED,
	/** Number of codes (not an error). */
	VPF_PARTS_ERR_MAX
};

/** "No part" value of vpf_parts_error::part_index. */
#define VPF_PARTS_NO_PART		UINT32_MAX
/** "No part" value of vpf_parts_error::part_offset. */
#define VPF_PARTS_NO_OFFSET		UINT64_MAX

/** Where and why a parts set is malformed. */
struct vpf_parts_error {
	enum vpf_parts_err code;	/**< what is wrong */
	uint32_t part_index;	/**< 0-based index of the part, or
				     VPF_PARTS_NO_PART */
	uint64_t offset;	/**< offset of the malformation (see the code) */
	uint64_t part_offset;	/**< offset of the part's header, or
				     VPF_PARTS_NO_OFFSET */
	uint16_t type;		/**< type of the part (0 if unknown yet) */
	uint64_t value;		/**< the offending number (see the code) */
	uint64_t expected;	/**< what was expected (see the code), or 0 */
};

/** Stable identifier of a code, e.g. "ORDER". Never NULL. */
VPF_API const char *vpf_parts_err_name(enum vpf_parts_err code);

/**
 * Render @p err as one English sentence (no trailing newline), e.g.
 * "part 7 (VQ_CFG, 0x0104) at offset 212: length 30 differs from the
 * type's size 32". snprintf semantics.
 * @return the length of the full sentence (excluding the NUL).
 */
VPF_API int vpf_parts_error_str(const struct vpf_parts_error *err, char *buf,
				size_t size);

/* ===========================================================================
 * Validation flags
 * ========================================================================= */

/** Accept parts vpf does not know even when they are not flagged OPTIONAL
 *  (a driver carrying a device's set to another device: the destination
 *  decides). Without it they are VPF_PARTS_ERR_UNKNOWN_REQUIRED. */
#define VPF_PARTS_F_ALLOW_UNKNOWN	(1u << 0)
/** Accept a fixed-size type (DEVICE_STATUS, VQ_CFG, VQ_NOTIFY_CFG) longer
 *  than its size: fields a newer device appended (D-PARTS.2). Without it
 *  the length must be exact, as a 1.4 device checks PARTS_SET. */
#define VPF_PARTS_F_ALLOW_EXTENDED	(1u << 1)
/** Accept up to 7 zero bytes after the last part (a driver pads a command
 *  buffer to a multiple of 8 bytes, doc/protocol.md §10.2). */
#define VPF_PARTS_F_ALLOW_PAD		(1u << 2)
/** The buffer is a list of part headers with no values after them (a
 *  METADATA_GET LIST result's headers, a PARTS_GET SELECTED list): every
 *  part is 16 bytes whatever its length member says. */
#define VPF_PARTS_F_HEADERS_ONLY	(1u << 3)
/** Do not check length members (with VPF_PARTS_F_HEADERS_ONLY: a PARTS_GET
 *  SELECTED list, whose lengths mean nothing). */
#define VPF_PARTS_F_NO_LENGTH		(1u << 4)
/** What a migration layer uses for a set it carries between devices:
 *  unknown and extended parts pass through. */
#define VPF_PARTS_F_CARRY \
	(VPF_PARTS_F_ALLOW_UNKNOWN | VPF_PARTS_F_ALLOW_EXTENDED)

/** Largest number of padding bytes VPF_PARTS_F_ALLOW_PAD accepts. */
#define VPF_PARTS_MAX_PAD		7u

/* ===========================================================================
 * Part view (zero copy)
 * ========================================================================= */

/** vpf does not know the part (type, or common-cfg offset past the known
 *  layout); accepted because it is OPTIONAL or VPF_PARTS_F_ALLOW_UNKNOWN. */
#define VPF_PARTS_PF_UNKNOWN		(1u << 0)
/** A fixed-size type longer than its size (VPF_PARTS_F_ALLOW_EXTENDED);
 *  the tail is kept and reported, never dropped. */
#define VPF_PARTS_PF_EXTENDED		(1u << 1)
/** A reserved bit or byte is set: header flag bits 1-7, the header's
 *  reserved byte, or selector bytes the type does not use (accepted and
 *  kept, D-PARTS.5). */
#define VPF_PARTS_PF_RSVD_SET		(1u << 2)

/**
 * One part of a set, as a view into the caller's buffer. Valid as long as
 * that buffer is.
 */
struct vpf_parts_part {
	uint16_t type;		/**< part type (host order) */
	uint8_t hflags;		/**< the header's flags (VPF_PARTS_HF_*) */
	uint32_t flags;		/**< VPF_PARTS_PF_* */
	uint32_t index;		/**< 0-based position in the set */
	uint64_t offset;	/**< offset of the part header in the set */
	uint32_t length;	/**< value length in bytes */
	const uint8_t *hdr;	/**< the 16-byte header (selector at +4) */
	const uint8_t *value;	/**< first value byte (unaligned); NULL with
				     VPF_PARTS_F_HEADERS_ONLY */
};

/** Whether the part is flagged OPTIONAL. */
VPF_API bool vpf_parts_part_optional(const struct vpf_parts_part *p);
/** The selector's le16 vq index (VQ_CFG, VQ_NOTIFY_CFG). */
VPF_API uint16_t vpf_parts_part_vq_index(const struct vpf_parts_part *p);
/** The selector's le32 offset (PCI_COMMON_CFG). */
VPF_API uint32_t vpf_parts_part_common_offset(const struct vpf_parts_part *p);
/** Bytes of the part (header and value): 16 + length, or 16 for a
 *  headers-only view. */
VPF_API uint64_t vpf_parts_part_size(const struct vpf_parts_part *p);

/* ===========================================================================
 * Validating iterator and whole-buffer validation
 * ========================================================================= */

/** Per-queue types checked for a repeated vq index (VQ_CFG, VQ_NOTIFY_CFG). */
#define VPF_PARTS_PER_VQ_TYPES		2

/**
 * Which parts have been seen: one bit per once-only type, per common-cfg
 * offset and per (per-queue type, vq index), 8 KiB per queue type. Queue
 * words are initialised lazily through a summary bitmap so that starting a
 * parse clears 256 bytes, not 16 KiB. Private.
 */
struct vpf_parts_seen {
	uint32_t once;			/**< once-only types (private) */
	uint64_t common;		/**< common-cfg offsets 0-63 (private) */
	/** Bit w: word w of @c bits is initialised (private). */
	uint64_t sum[VPF_PARTS_PER_VQ_TYPES][1024 / 64];
	/** One bit per vq index and queue type (private). */
	uint64_t bits[VPF_PARTS_PER_VQ_TYPES][65536 / 64];
};

/**
 * Validating, zero-copy iterator: checks the set and yields its parts in one
 * linear pass. About 16.5 KiB (the vq index bitmaps); it may live on the
 * stack. Members are private.
 */
struct vpf_parts_iter {
	const uint8_t *buf;		/**< set (private) */
	uint64_t len;			/**< its length (private) */
	uint64_t pos;			/**< next part offset (private) */
	uint32_t index;			/**< next part index (private) */
	uint32_t flags;			/**< VPF_PARTS_F_* (private) */
	int rank;			/**< rank of the last ranked part (private) */
	int state;			/**< private */
	struct vpf_parts_error err;	/**< the error, if any (private) */
	struct vpf_parts_seen seen;	/**< what was seen (private) */
};

/**
 * Start iterating over the parts set in @p parts (@p len bytes). Never
 * fails on malformed bytes: vpf_parts_iter_next() reports those.
 * @param it the iterator to (re)initialise.
 * @param parts the set; it must stay valid while iterating.
 * @param len number of bytes at @p parts (padding included, if any).
 * @param flags VPF_PARTS_F_*.
 * @return 0, or -EINVAL if @p it is NULL or @p parts is NULL with @p len > 0.
 */
VPF_API int vpf_parts_iter_init(struct vpf_parts_iter *it, const void *parts,
				size_t len, uint32_t flags);

/**
 * Validate and return the next part.
 * @return 1 with @p p filled; 0 at the end, which means the whole set is
 *   well formed; -EBADMSG if it is malformed (details in
 *   vpf_parts_iter_error() and vpf_last_error()). After 0 or a negative
 *   value every further call returns the same value.
 */
VPF_API int vpf_parts_iter_next(struct vpf_parts_iter *it,
				struct vpf_parts_part *p);

/** The error that ended the iteration (code VPF_PARTS_OK if none). */
VPF_API const struct vpf_parts_error *
vpf_parts_iter_error(const struct vpf_parts_iter *it);

/** Number of parts yielded so far (all of them once next() returned 0). */
VPF_API uint32_t vpf_parts_iter_count(const struct vpf_parts_iter *it);

/** Where the parts end: once next() returned 0, the set's length without
 *  its padding. */
VPF_API uint64_t vpf_parts_iter_end(const struct vpf_parts_iter *it);

/**
 * Validate a whole parts set (every rule of doc/protocol.md §10.4).
 * @param parts the set.
 * @param len its length.
 * @param flags VPF_PARTS_F_*.
 * @param err filled on failure, code VPF_PARTS_OK on success; may be NULL.
 * @return the number of parts (>= 0), -EBADMSG if malformed, -EINVAL on
 *   bad arguments.
 */
VPF_API int64_t vpf_parts_validate(const void *parts, size_t len,
				   uint32_t flags, struct vpf_parts_error *err);

/**
 * Validate a whole set and call @p cb for each part in order. The callback
 * sees parts before later ones are validated: act on them only once the
 * call returns 0.
 * @param cb returns 0 to continue or a negative errno to stop (the error is
 *   then VPF_PARTS_ERR_ABORTED); may be NULL.
 * @return 0; -EBADMSG (with @p err) if malformed; the callback's errno.
 */
VPF_API int vpf_parts_parse(const void *parts, size_t len, uint32_t flags,
			    int (*cb)(const struct vpf_parts_part *p,
				      void *arg),
			    void *arg, struct vpf_parts_error *err);

/**
 * Check DEV_PARTS_SET data: an object header, then a parts set (with up to
 * 7 zero bytes of padding, which a driver adds to make the buffer a
 * multiple of 8).
 * @param data the command data.
 * @param len its length.
 * @param flags VPF_PARTS_F_* (VPF_PARTS_F_ALLOW_PAD is implied).
 * @param obj_id if not NULL, receives the object id.
 * @param parts if not NULL, receives the first part byte.
 * @param parts_len if not NULL, receives the set's length without padding.
 * @param err filled on a malformed set (offsets from the first part byte);
 *   may be NULL.
 * @return the number of parts; -EBADMSG (data shorter than the object
 *   header: code TRUNC_HEADER at offset 0; or a malformed set); -EINVAL.
 */
VPF_API int64_t vpf_parts_set_data_check(const void *data, size_t len,
					 uint32_t flags, uint32_t *obj_id,
					 const uint8_t **parts,
					 size_t *parts_len,
					 struct vpf_parts_error *err);

/* ===========================================================================
 * Typed decoders (part view -> host-order structs)
 *
 * Each returns 0, -EINVAL if the part is of another type or has no value
 * (a headers-only view), or -EBADMSG if the value is too short for the type
 * (only possible with views that did not come from the validator).
 * Appended bytes beyond the known layout are ignored here; they stay
 * available through the part view.
 * ========================================================================= */

/** DEV_FEATURES / DRV_FEATURES value: @c nwords le64 words at @c words. */
struct vpf_parts_features {
	uint32_t nwords;		/**< number of 64-bit words */
	const uint8_t *words;		/**< first word, in the set */
};

/** VQ_CFG, host order. */
struct vpf_parts_vq_cfg {
	uint16_t vq_index;		/**< selector */
	uint16_t queue_size;		/**< entries */
	uint16_t vector;		/**< MSI-X vector */
	uint16_t enabled;		/**< queue_enable */
	uint64_t desc;			/**< descriptor area */
	uint64_t driver;		/**< driver (avail) area */
	uint64_t device;		/**< device (used) area */
};

/** VQ_NOTIFY_CFG, host order. */
struct vpf_parts_vq_notify {
	uint16_t vq_index;			/**< selector */
	uint16_t queue_notify_off;		/**< notification offset */
	uint16_t queue_notif_config_data;	/**< notification data */
};

/** PCI_COMMON_CFG, host order. */
struct vpf_parts_common {
	uint32_t offset;		/**< field offset (selector) */
	uint32_t size;			/**< field size (the value's length) */
	uint64_t value;			/**< the field's value */
};

/** NET_CVQ_CFG: a control-queue command's class, command and data. */
struct vpf_parts_cvq {
	uint8_t cls;			/**< command class (selector byte 0) */
	uint8_t command;		/**< command (selector byte 1) */
	uint32_t len;			/**< data length */
	const uint8_t *data;		/**< data, in the set */
};

/** Decode DEV_FEATURES or DRV_FEATURES. */
VPF_API int vpf_parts_decode_features(const struct vpf_parts_part *p,
				      struct vpf_parts_features *out);
/** Word @p i (0-based) of decoded features; 0 when @p i >= nwords. */
VPF_API uint64_t vpf_parts_features_word(const struct vpf_parts_features *f,
					 uint32_t i);
/** Whether feature bit @p bit is set (false beyond the words present). */
VPF_API bool vpf_parts_features_test(const struct vpf_parts_features *f,
				     uint64_t bit);
/** Decode PCI_COMMON_CFG (a known field: -EINVAL for an unknown offset). */
VPF_API int vpf_parts_decode_common(const struct vpf_parts_part *p,
				    struct vpf_parts_common *out);
/** Decode DEVICE_STATUS. */
VPF_API int vpf_parts_decode_status(const struct vpf_parts_part *p,
				    uint8_t *status);
/** Decode VQ_CFG. */
VPF_API int vpf_parts_decode_vq_cfg(const struct vpf_parts_part *p,
				    struct vpf_parts_vq_cfg *out);
/** Decode VQ_NOTIFY_CFG. */
VPF_API int vpf_parts_decode_vq_notify(const struct vpf_parts_part *p,
				       struct vpf_parts_vq_notify *out);
/** Decode NET_CVQ_CFG. */
VPF_API int vpf_parts_decode_cvq(const struct vpf_parts_part *p,
				 struct vpf_parts_cvq *out);

/* ===========================================================================
 * Builder
 * ========================================================================= */

/**
 * Appends parts to a caller buffer, after an optional command header (the
 * object header of DEV_PARTS_SET, the 16-byte head of DEV_PARTS_GET). It
 * never allocates. A failed call leaves the buffer and the builder exactly
 * as they were. The builder does not check the order rule or the lengths
 * of raw parts: that is how tests build malformed sets; the typed helpers
 * write well-formed parts. Members are private.
 */
struct vpf_parts_builder {
	uint8_t *buf;			/**< bytes (private) */
	size_t cap;			/**< capacity (private) */
	size_t len;			/**< bytes used (private) */
	size_t base;			/**< command header size (private) */
	uint32_t count;			/**< parts (private) */
	bool padded;			/**< vpf_parts_builder_pad() (private) */
};

/**
 * Start a bare parts set (a PARTS_GET result, a Linux record's payload) in
 * @p buf of @p cap bytes.
 * @return 0, -EINVAL (NULL).
 */
VPF_API int vpf_parts_builder_init(struct vpf_parts_builder *b, void *buf,
				   size_t cap);

/**
 * Start DEV_PARTS_SET data: the object header of device-parts object
 * @p obj_id, then the parts appended.
 * @return 0, -EINVAL, -ENOSPC (@p cap < 8).
 */
VPF_API int vpf_parts_builder_init_set(struct vpf_parts_builder *b, void *buf,
				       size_t cap, uint32_t obj_id);

/**
 * Start DEV_PARTS_GET data for object @p obj_id: the 16-byte head with
 * @p get_type (VPF_PARTS_GET_ALL, or VPF_PARTS_GET_SELECTED followed by the
 * wanted headers, appended with vpf_parts_add_header()).
 * @return 0, -EINVAL, -ENOSPC (@p cap < 16).
 */
VPF_API int vpf_parts_builder_init_get(struct vpf_parts_builder *b, void *buf,
				       size_t cap, uint32_t obj_id,
				       uint8_t get_type);

/** Drop all parts, keeping the command header. */
VPF_API void vpf_parts_builder_reset(struct vpf_parts_builder *b);
/** The bytes built so far (command header included). */
VPF_API const void *vpf_parts_builder_data(const struct vpf_parts_builder *b);
/** Number of bytes built so far (command header included). */
VPF_API size_t vpf_parts_builder_len(const struct vpf_parts_builder *b);
/** The parts alone (after the command header). */
VPF_API const void *vpf_parts_builder_parts(const struct vpf_parts_builder *b);
/** Length of the parts alone. */
VPF_API size_t vpf_parts_builder_parts_len(const struct vpf_parts_builder *b);
/** Number of parts appended. */
VPF_API uint32_t vpf_parts_builder_count(const struct vpf_parts_builder *b);

/**
 * Append zero bytes until the length is a multiple of 8 (a driver's command
 * buffer; a receiver accepts them with VPF_PARTS_F_ALLOW_PAD). No further
 * part may be appended after it (-EINVAL).
 * @return 0 or -ENOSPC.
 */
VPF_API int vpf_parts_builder_pad(struct vpf_parts_builder *b);

/**
 * Append a part of any type with @p len value bytes copied from @p value
 * (NULL allowed when @p len is 0, or to leave zeros). No check of the value
 * against the type.
 * @param sel the 8 selector bytes, or NULL for zeros.
 * @return 0, -ENOSPC (buffer full, or the set would pass
 *   VPF_PARTS_MAX_SET_SIZE), -EINVAL.
 */
VPF_API int vpf_parts_add_raw(struct vpf_parts_builder *b, uint16_t type,
			      uint8_t hflags, const uint8_t *sel,
			      const void *value, uint32_t len);

/** Append a part header with @p len zeroed value bytes that the caller fills
 *  through @p *value (valid until the next call on @p b). As
 *  vpf_parts_add_raw(). */
VPF_API int vpf_parts_add_reserve(struct vpf_parts_builder *b, uint16_t type,
				  uint8_t hflags, const uint8_t *sel,
				  uint32_t len, void **value);

/** Append a part copied verbatim from a view (header with its reserved
 *  bytes, and value), e.g. to pass unknown parts through. -EINVAL for a
 *  headers-only view. */
VPF_API int vpf_parts_add_part(struct vpf_parts_builder *b,
			       const struct vpf_parts_part *p);

/** Append a header alone (length member @p length, no value bytes): a
 *  PARTS_GET SELECTED entry or a METADATA_GET LIST entry. */
VPF_API int vpf_parts_add_header(struct vpf_parts_builder *b, uint16_t type,
				 uint8_t hflags, const uint8_t *sel,
				 uint32_t length);

/** Append DEV_FEATURES (flagged OPTIONAL) from @p nwords (>= 1) host-order
 *  words: bit n is bit n % 64 of word n / 64. */
VPF_API int vpf_parts_add_dev_features(struct vpf_parts_builder *b,
				       const uint64_t *words, uint32_t nwords);
/** Append DRV_FEATURES from @p nwords (>= 1) host-order words. */
VPF_API int vpf_parts_add_drv_features(struct vpf_parts_builder *b,
				       const uint64_t *words, uint32_t nwords);
/** Append PCI_COMMON_CFG for the field at @p offset with @p value
 *  (truncated to the field's size). -EINVAL if no field starts there. */
VPF_API int vpf_parts_add_common(struct vpf_parts_builder *b, uint32_t offset,
				 uint64_t value);
/** Append DEVICE_STATUS. */
VPF_API int vpf_parts_add_status(struct vpf_parts_builder *b, uint8_t status);
/** Append VQ_CFG. */
VPF_API int vpf_parts_add_vq_cfg(struct vpf_parts_builder *b,
				 const struct vpf_parts_vq_cfg *q);
/** Append VQ_NOTIFY_CFG. */
VPF_API int vpf_parts_add_vq_notify(struct vpf_parts_builder *b,
				    const struct vpf_parts_vq_notify *n);
/** Append NET_CVQ_CFG with @p len bytes of command data. */
VPF_API int vpf_parts_add_cvq(struct vpf_parts_builder *b, uint8_t cls,
			      uint8_t command, const void *data, uint32_t len);

/* ===========================================================================
 * METADATA_GET results
 * ========================================================================= */

/**
 * Write the METADATA_GET LIST result of a parts set: `le32 count; le32
 * reserved;` then each part's header (its length member included).
 * @param out where to write; @p cap bytes.
 * @param parts the set (validated here with @p flags).
 * @param written receives the result's length.
 * @return 0; -ENOSPC if @p cap is too small (a device answers ENOMEM;
 *   @p written then receives the size needed); -EBADMSG; -EINVAL.
 */
VPF_API int vpf_parts_meta_list_build(void *out, size_t cap, const void *parts,
				      size_t len, uint32_t flags,
				      size_t *written);

/**
 * Check a METADATA_GET LIST result: count, then that many headers which
 * obey the set rules (order, duplicates, lengths, with @p flags;
 * VPF_PARTS_F_HEADERS_ONLY implied); the result may be longer (a device
 * writes what it defines; bytes after the headers are ignored).
 * @param count if not NULL, receives the count.
 * @param total if not NULL, receives the sum of 16 + length of the parts
 *   the headers describe (what PARTS_GET ALL would return).
 * @return 0; -EBADMSG (with @p err, offsets from the first header; or the
 *   result shorter than its count says: TRUNC_HEADER); -EINVAL.
 */
VPF_API int vpf_parts_meta_list_check(const void *res, size_t len,
				      uint32_t flags, uint32_t *count,
				      uint64_t *total,
				      struct vpf_parts_error *err);

/* ===========================================================================
 * Printer
 * ========================================================================= */

/** Print every value byte and feature word (no abbreviation). */
#define VPF_PARTS_PRINT_FULL		(1u << 8)
/** Value bytes printed in hex before abbreviating. */
#define VPF_PARTS_PRINT_HEX_MAX		64u

/**
 * Print a parts set as stable text: a header line, one line per part
 * (index, offset, type name and number, flags, length, decoded values; hex
 * for unknown values and appended tails), then "end: ..." or an
 * "error: ..." line. The format is documented in doc/parts.md.
 * @param flags VPF_PARTS_F_* and VPF_PARTS_PRINT_*.
 * @return 0; -EBADMSG after printing the parts that precede the
 *   malformation; -EIO if writing failed; -EINVAL.
 */
VPF_API int vpf_parts_print(FILE *out, const void *parts, size_t len,
			    uint32_t flags, struct vpf_parts_error *err);

/**
 * As vpf_parts_print(), into a caller buffer (always NUL-terminated when
 * @p size > 0, truncated if needed); @p needed receives the full length.
 */
VPF_API int vpf_parts_print_buf(char *buf, size_t size, size_t *needed,
				const void *parts, size_t len, uint32_t flags,
				struct vpf_parts_error *err);

/* ===========================================================================
 * Linux virtio-vfio-pci stream records (doc/protocol.md §10.6)
 * ========================================================================= */

/** Size of a Linux record header `{le64 record_size; le32 flags; le32
 *  tag}`. */
#define VPF_PARTS_LINUX_HDR_SIZE	16u
/** Record flag: a reader that does not know the tag skips the record. */
#define VPF_PARTS_LINUX_F_TAG_OPTIONAL	(1u << 0)
/** Tag of a record whose payload is one complete PARTS_GET result. */
#define VPF_PARTS_LINUX_TAG_DEVICE_DATA	0u
/** Largest record_size Linux accepts (4 GiB - 1). */
#define VPF_PARTS_LINUX_MAX_RECORD	UINT64_C(0xffffffff)
/** Bytes that Linux 6.13.0-6.15.2 appended to each record
 *  (CVE-2025-38314, D-PARTS.10). */
#define VPF_PARTS_LINUX_CVE_TAIL	8u

/** Wire record header (little-endian, packed). */
struct __attribute__((packed)) vpf_parts_linux_hdr {
	uint64_t record_size;		/**< payload bytes that follow */
	uint32_t flags;			/**< VPF_PARTS_LINUX_F_* */
	uint32_t tag;			/**< VPF_PARTS_LINUX_TAG_* */
};

/**
 * Write a record header.
 * @param hdr 16 bytes.
 * @return 0, -EFBIG (@p size > 4 GiB - 1), -EINVAL.
 */
VPF_API int vpf_parts_linux_hdr_write(void *hdr, uint64_t size,
				      uint32_t flags, uint32_t tag);

/**
 * Write one DEVICE_DATA record (header and @p len payload bytes, a parts
 * set the caller has validated) to @p out.
 * @return the bytes written (16 + @p len); -ENOSPC if @p cap is too small;
 *   -EFBIG; -EINVAL.
 */
VPF_API int64_t vpf_parts_linux_put(void *out, size_t cap, const void *parts,
				    size_t len);

/** What is wrong with a Linux record stream. */
enum vpf_parts_linux_err {
	/** No error. */
	VPF_PARTS_LINUX_OK = 0,
	/** The stream ends inside a record (header or payload). offset: end
	 *  of data; value: bytes of the record present; expected: the
	 *  record's size with its header (16 while the header is
	 *  incomplete). -ENODATA. */
	VPF_PARTS_LINUX_ERR_TRUNCATED,
	/** record_size over 4 GiB - 1. offset: the record; value: size.
	 *  -EFBIG. */
	VPF_PARTS_LINUX_ERR_TOO_LARGE,
	/** A DEVICE_DATA record over the caller's maximum. offset: the
	 *  record; value: size; expected: the maximum. -EFBIG. */
	VPF_PARTS_LINUX_ERR_OVER_MAX,
	/** An unknown tag without TAG_OPTIONAL. offset: the record; value:
	 *  the tag. -EPROTONOSUPPORT. */
	VPF_PARTS_LINUX_ERR_REQUIRED_TAG,
	/** The payload is not a well-formed parts set (details in
	 *  vpf_parts_linux_error::parts, offsets from the payload's start).
	 *  offset: the record. -EBADMSG. */
	VPF_PARTS_LINUX_ERR_PARTS,
	/** Bytes follow the payload's last part, and not exactly 8 of them.
	 *  offset: the first such byte in the stream; value: their number.
	 *  -EBADMSG. */
	VPF_PARTS_LINUX_ERR_TRAILING,
	/** Number of codes (not an error). */
	VPF_PARTS_LINUX_ERR_MAX
};

/** Where and why a Linux record stream is refused. Offsets are stream
 *  offsets (from the first byte fed). */
struct vpf_parts_linux_error {
	enum vpf_parts_linux_err code;	/**< what is wrong */
	uint32_t record;	/**< 0-based record index */
	uint64_t offset;	/**< see the code */
	uint64_t record_offset;	/**< offset of the record's header */
	uint32_t tag;		/**< the record's tag (0 if not read yet) */
	uint64_t value;		/**< see the code */
	uint64_t expected;	/**< see the code */
	struct vpf_parts_error parts;	/**< for ERR_PARTS */
};

/** Stable identifier of a code, e.g. "TRAILING". Never NULL. */
VPF_API const char *vpf_parts_linux_err_name(enum vpf_parts_linux_err code);

/** Render @p err as one English sentence; snprintf semantics. */
VPF_API int vpf_parts_linux_error_str(const struct vpf_parts_linux_error *err,
				      char *buf, size_t size);

/** Record flag of vpf_parts_linux_rec::rflags: the record's parts ended
 *  8 bytes before its end, and those bytes were dropped (CVE-2025-38314). */
#define VPF_PARTS_LINUX_RF_CVE_TAIL	(1u << 0)

/** One DEVICE_DATA record, as the decoder yields it. */
struct vpf_parts_linux_rec {
	uint32_t index;		/**< 0-based record index (skipped ones count) */
	uint64_t offset;	/**< stream offset of its header */
	uint64_t size;		/**< record_size as written */
	uint32_t flags;		/**< the record's flags */
	uint32_t rflags;	/**< VPF_PARTS_LINUX_RF_* */
	uint32_t count;		/**< parts in it */
	const uint8_t *parts;	/**< the parts set: in the caller's data when
				     the whole record came in one chunk, else
				     in the decoder's buffer; valid until the
				     next call on the decoder */
	size_t parts_len;	/**< its length (without a dropped tail) */
};

/**
 * The text of the warning for a record with VPF_PARTS_LINUX_RF_CVE_TAIL
 * (names the Linux versions and CVE-2025-38314), or NULL if it has none.
 */
VPF_API const char *vpf_parts_linux_rec_warning(
	const struct vpf_parts_linux_rec *rec);

/**
 * Streaming decoder of a Linux record stream: fed chunks split anywhere
 * (a FIFO's reads), it yields each DEVICE_DATA record's parts set, skips
 * records with an unknown optional tag without holding them, and gives the
 * same records and the same verdict for every split. Members are private.
 */
struct vpf_parts_linux_dec {
	uint8_t *buf;			/**< payload buffer (private) */
	size_t cap;			/**< its capacity (private) */
	size_t max;			/**< largest DEVICE_DATA (private) */
	bool own;			/**< heap buffer (private) */
	uint32_t pflags;		/**< VPF_PARTS_F_* (private) */
	int state;			/**< private */
	int rc;				/**< sticky error (private) */
	uint64_t pos;			/**< bytes consumed (private) */
	uint64_t rec_off;		/**< current record offset (private) */
	uint64_t size;			/**< current record_size (private) */
	uint64_t have;			/**< its payload bytes so far (private) */
	uint32_t rflags_wire;		/**< current flags (private) */
	uint32_t tag;			/**< current tag (private) */
	uint32_t index;			/**< current record index (private) */
	uint32_t hdr_have;		/**< header bytes so far (private) */
	uint32_t warnings;		/**< CVE tails dropped (private) */
	uint32_t skipped;		/**< optional records skipped (private) */
	uint8_t hdr[VPF_PARTS_LINUX_HDR_SIZE]; /**< header (private) */
	struct vpf_parts_linux_error err; /**< the error (private) */
	struct vpf_parts_iter it;	/**< payload validation (private) */
};

/**
 * Start decoding a stream.
 * @param d the decoder.
 * @param buf a caller buffer for records that arrive in pieces, or NULL:
 *   the decoder then allocates (and grows) one as records need, never
 *   larger than @p max.
 * @param max the largest DEVICE_DATA record accepted (what the caller can
 *   afford; at most 4 GiB - 1); with @p buf, its capacity.
 * @param pflags VPF_PARTS_F_* for each payload (VPF_PARTS_F_CARRY for a
 *   set carried to a device; VPF_PARTS_F_ALLOW_PAD and
 *   VPF_PARTS_F_HEADERS_ONLY are refused).
 * @return 0 or -EINVAL.
 */
VPF_API int vpf_parts_linux_dec_init(struct vpf_parts_linux_dec *d, void *buf,
				     size_t max, uint32_t pflags);

/** Free the decoder's own buffer, if any. */
VPF_API void vpf_parts_linux_dec_fini(struct vpf_parts_linux_dec *d);

/**
 * Feed bytes. Consumes them until a DEVICE_DATA record completes or they
 * run out.
 * @param data the bytes; may be NULL when @p len is 0.
 * @param used receives the number of bytes consumed; feed the rest again
 *   after handling a record.
 * @param rec filled when 1 is returned.
 * @return 1 (a record is in @p rec); 0 (all bytes consumed, no record
 *   complete); -EBADMSG, -EFBIG, -EPROTONOSUPPORT (see
 *   vpf_parts_linux_dec_error()), -ENOMEM. Errors are sticky.
 */
VPF_API int vpf_parts_linux_dec_feed(struct vpf_parts_linux_dec *d,
				     const void *data, size_t len,
				     size_t *used,
				     struct vpf_parts_linux_rec *rec);

/**
 * End of the stream: was it cut inside a record?
 * @return 0 (it ended between records: zero or more records); -ENODATA
 *   (TRUNCATED); an earlier sticky error.
 */
VPF_API int vpf_parts_linux_dec_finish(struct vpf_parts_linux_dec *d,
				       struct vpf_parts_linux_error *err);

/** The decoder's error (code VPF_PARTS_LINUX_OK if none so far). */
VPF_API const struct vpf_parts_linux_error *
vpf_parts_linux_dec_error(const struct vpf_parts_linux_dec *d);

/** Records decoded whose CVE-2025-38314 tail was dropped. */
VPF_API uint32_t vpf_parts_linux_dec_warnings(
	const struct vpf_parts_linux_dec *d);

/** Records with an unknown optional tag skipped. */
VPF_API uint32_t vpf_parts_linux_dec_skipped(
	const struct vpf_parts_linux_dec *d);

/** Total bytes consumed. */
VPF_API uint64_t vpf_parts_linux_dec_pos(const struct vpf_parts_linux_dec *d);

/**
 * Decode a whole stream held in memory, calling @p cb per DEVICE_DATA
 * record (no allocation: every record's parts are in @p data).
 * @param cb returns 0 to go on or a negative errno to stop; may be NULL.
 * @param err filled (may be NULL).
 * @return the number of DEVICE_DATA records; the decoder's errors; the
 *   callback's errno.
 */
VPF_API int64_t vpf_parts_linux_decode(const void *data, size_t len,
				       uint32_t pflags,
				       int (*cb)(const struct vpf_parts_linux_rec *rec,
						 void *arg),
				       void *arg,
				       struct vpf_parts_linux_error *err);

/**
 * Print a Linux record stream held in memory: one line per record, the
 * parts of each DEVICE_DATA record as vpf_parts_print() does (indented),
 * the CVE warning where it applies, then "end: ..." or "error: ...".
 * @return as vpf_parts_linux_decode() with no callback (>= 0 records), or
 *   -EIO.
 */
VPF_API int64_t vpf_parts_linux_print(FILE *out, const void *data, size_t len,
				      uint32_t flags);

/* ===========================================================================
 * Stream format detection
 * ========================================================================= */

/** What a migration stream's first bytes say it is. */
enum vpf_parts_stream_kind {
	/** Too few bytes to tell (fewer than 16, and not ruled out). */
	VPF_PARTS_STREAM_NEED_MORE = 0,
	/** Neither format. */
	VPF_PARTS_STREAM_UNKNOWN,
	/** vpf's own stream (magic "VPFMIG\r\n", doc/protocol.md §7.6). */
	VPF_PARTS_STREAM_VPFMIG,
	/** A Linux virtio-vfio-pci record stream. */
	VPF_PARTS_STREAM_LINUX,
};

/** Bytes vpf_parts_stream_detect() needs to decide in every case. */
#define VPF_PARTS_STREAM_DETECT_LEN	16u

/**
 * Tell the format of a stream from its first @p len bytes (D-PARTS.11):
 * VPFMIG if they start with its magic; LINUX if the first 16 bytes are a
 * record header with record_size <= 4 GiB - 1 (the magic read as le64 is far
 * larger, so the two never overlap); NEED_MORE while fewer than 16 bytes do
 * not decide it; UNKNOWN otherwise.
 */
VPF_API enum vpf_parts_stream_kind
vpf_parts_stream_detect(const void *data, size_t len);

/** Name of a kind ("need-more", "unknown", "vpfmig", "linux"). */
VPF_API const char *vpf_parts_stream_kind_name(enum vpf_parts_stream_kind k);

/* Compile-time checks of the wire layouts above. */
VPF_SPEC_ASSERT_SIZE(vpf_parts_hdr, 16);
VPF_SPEC_ASSERT_OFF(vpf_parts_hdr, flags, VPF_PARTS_HDR_FLAGS_OFF);
VPF_SPEC_ASSERT_OFF(vpf_parts_hdr, reserved, VPF_PARTS_HDR_RSVD_OFF);
VPF_SPEC_ASSERT_OFF(vpf_parts_hdr, selector, VPF_PARTS_HDR_SEL_OFF);
VPF_SPEC_ASSERT_OFF(vpf_parts_hdr, length, VPF_PARTS_HDR_LEN_OFF);
VPF_SPEC_ASSERT_SIZE(vpf_parts_vq_cfg_wire, VPF_PARTS_VQ_CFG_SIZE);
VPF_SPEC_ASSERT_OFF(vpf_parts_vq_cfg_wire, desc, 8);
VPF_SPEC_ASSERT_OFF(vpf_parts_vq_cfg_wire, device, 24);
VPF_SPEC_ASSERT_SIZE(vpf_parts_vq_notify_wire, VPF_PARTS_VQ_NOTIFY_CFG_SIZE);
VPF_SPEC_ASSERT_SIZE(vpf_parts_obj_hdr, VPF_PARTS_OBJ_HDR_SIZE);
VPF_SPEC_ASSERT_OFF(vpf_parts_obj_hdr, id, 4);
VPF_SPEC_ASSERT_SIZE(vpf_parts_obj_create_data, 24);
VPF_SPEC_ASSERT_SIZE(vpf_parts_meta_get_data, 16);
VPF_SPEC_ASSERT_SIZE(vpf_parts_meta_result, VPF_PARTS_META_RESULT_SIZE);
VPF_SPEC_ASSERT_SIZE(vpf_parts_get_data, VPF_PARTS_GET_DATA_SIZE);
VPF_SPEC_ASSERT_SIZE(vpf_parts_linux_hdr, VPF_PARTS_LINUX_HDR_SIZE);

#ifdef __cplusplus
}
#endif

#endif /* VPF_PARTS_H */
