/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_SPEC_H
#define VPF_SPEC_H

/**
 * @file
 * Wire structures and constants of the virtio administration virtqueue and the
 * device-migration command set (doc/protocol.md §1 to §6; the numbered
 * sections below follow it).
 *
 * Every structure is little-endian and packed ("All structures are assumed to
 * be without additional padding"). Fields are declared with their natural
 * fixed-width types; convert with rte_le_to_cpu_* / rte_cpu_to_le_* (no-ops on
 * x86 and arm64). Sizes and offsets are checked at compile time at the end of
 * this file.
 */

#include <stddef.h>
#include <stdint.h>

#include "vpf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * 1. Admin command framing
 * ------------------------------------------------------------------------- */

/** Group types (doc/protocol.md §1.1). */
#define VPF_ADMIN_GROUP_SELF	0x0
#define VPF_ADMIN_GROUP_SRIOV	0x1

/** Device-readable command header; command data follows (24 bytes). */
struct __attribute__((packed)) vpf_admin_cmd_hdr {
	uint16_t opcode;
	uint16_t group_type;
	uint8_t reserved1[12];
	uint64_t group_member_id;
};

/** Device-writable status part; the command-specific result follows (8 bytes). */
struct __attribute__((packed)) vpf_admin_cmd_status {
	uint16_t status;
	uint16_t status_qualifier;
	/** Command-specific output (was reserved2; patch 2 of the draft series,
	 *  doc/protocol.md §1.1). */
	uint8_t command_specific_output[4];
};

/** Every device-readable and device-writable part is a multiple of this. */
#define VPF_ADMIN_ALIGN		8u

/** Admin command status codes (doc/protocol.md §1.4). */
#define VPF_ADMIN_STATUS_OK	0
#define VPF_ADMIN_STATUS_ENXIO	6	/**< added after Oct 2023 */
#define VPF_ADMIN_STATUS_EAGAIN	11
#define VPF_ADMIN_STATUS_ENOMEM	12
#define VPF_ADMIN_STATUS_EBUSY	16	/**< added after Oct 2023 */
#define VPF_ADMIN_STATUS_EINVAL	22
#define VPF_ADMIN_STATUS_ENOSPC	28	/**< added after Oct 2023 */

/** Admin command status qualifiers (doc/protocol.md §1.5). */
#define VPF_ADMIN_SQ_OK			0
#define VPF_ADMIN_SQ_INVALID_COMMAND	1
#define VPF_ADMIN_SQ_INVALID_OPCODE	2
#define VPF_ADMIN_SQ_INVALID_FIELD	3
#define VPF_ADMIN_SQ_INVALID_GROUP	4
#define VPF_ADMIN_SQ_INVALID_MEMBER	5
#define VPF_ADMIN_SQ_NORESOURCE		6
#define VPF_ADMIN_SQ_TRYAGAIN		7
#define VPF_ADMIN_SQ_MAX		7

/** Opcodes (doc/protocol.md §2.1, §4.1, §6.1). */
#define VPF_ADMIN_OP_LIST_QUERY			0x00
#define VPF_ADMIN_OP_LIST_USE			0x01
#define VPF_ADMIN_OP_DEV_MODE_GET		0x07
#define VPF_ADMIN_OP_DEV_MODE_SET		0x08
#define VPF_ADMIN_OP_DEV_CTX_SIZE_GET		0x09
#define VPF_ADMIN_OP_DEV_CTX_READ		0x0a
#define VPF_ADMIN_OP_DEV_CTX_WRITE		0x0b
#define VPF_ADMIN_OP_DEV_CTX_FIELDS_QUERY	0x0c
#define VPF_ADMIN_OP_DEV_CTX_DISCARD		0x0d
/** Opcode 0x0e is unused by this dialect; on a virtio 1.4 device it is
 *  DEV_PARTS_METADATA_GET, which identifies that dialect (doc/protocol.md
 *  §2.3, D-2.1, D-6.1). */
#define VPF_ADMIN_OP_V14_DEV_PARTS_METADATA_GET	0x0e
#define VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY	0x0f
#define VPF_ADMIN_OP_DEV_WRITE_RECORDS_START	0x10
#define VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP	0x11
#define VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ	0x12
/** Highest opcode vpf knows of. */
#define VPF_ADMIN_OP_MAX			0x12

/** Bit of @p op in a LIST_QUERY/LIST_USE bitmap word array. */
#define VPF_ADMIN_OP_BIT(op)	(UINT64_C(1) << ((op) % 64))

/** The draft's all-or-none migration set: 0x7-0xb and 0xd
 *  (doc/protocol.md §2.4). */
#define VPF_ADMIN_OPS_MIGRATION \
	(VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_MODE_GET) | \
	 VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_MODE_SET) | \
	 VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_CTX_SIZE_GET) | \
	 VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_CTX_READ) | \
	 VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_CTX_WRITE) | \
	 VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_CTX_DISCARD))
/** The optional write-recording set: 0xf-0x12 (doc/protocol.md §2.4,
 *  §6.1, D-2.3). */
#define VPF_ADMIN_OPS_WRITE_RECORD \
	(VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_WRITE_RECORD_CAP_QUERY) | \
	 VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_WRITE_RECORDS_START) | \
	 VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_WRITE_RECORDS_STOP) | \
	 VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_DEV_WRITE_RECORDS_READ))
/** LIST_QUERY and LIST_USE, the only commands enabled after a reset. */
#define VPF_ADMIN_OPS_LIST \
	(VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_LIST_QUERY) | \
	 VPF_ADMIN_OP_BIT(VPF_ADMIN_OP_LIST_USE))

/* ---------------------------------------------------------------------------
 * 4. Device migration commands
 * ------------------------------------------------------------------------- */

/** Device modes (doc/protocol.md §4.2); 3..0xff are reserved. */
#define VPF_DEV_MODE_ACTIVE	0
#define VPF_DEV_MODE_STOP	1
#define VPF_DEV_MODE_FREEZE	2
#define VPF_DEV_MODE_MAX	2

/** DEV_MODE_SET command data, padded to 8 bytes. */
struct __attribute__((packed)) vpf_admin_mode_set_data {
	uint8_t mode;
	uint8_t pad[7];
};

/** DEV_CTX_SIZE_GET command data, padded to 8 bytes. */
struct __attribute__((packed)) vpf_admin_ctx_size_get_data {
	uint8_t freeze_mode;
	uint8_t pad[7];
};

/** DEV_CTX_SIZE_GET result. */
struct __attribute__((packed)) vpf_admin_ctx_size_get_result {
	uint64_t size;
};

/** DEV_CTX_FIELDS_QUERY result entry (one per supported type, ascending). */
struct __attribute__((packed)) vpf_admin_ctx_field_info {
	uint16_t type;
	uint8_t reserved[6];
	uint64_t length;
};

/* ---------------------------------------------------------------------------
 * 5. Device context TLV
 * ------------------------------------------------------------------------- */

/** Device context header; @c field_count TLVs follow with no padding. */
struct __attribute__((packed)) vpf_dev_ctx {
	uint32_t field_count;
	/* struct vpf_dev_ctx_field_tlv fields[]; */
};

/** One context field: header, then exactly @c length value bytes. */
struct __attribute__((packed)) vpf_dev_ctx_field_tlv {
	uint16_t type;
	uint8_t reserved[6];
	uint64_t length;
	/* uint8_t value[length]; */
};

/** Field types (doc/protocol.md §5.2). */
#define VPF_CTX_PCI_COMMON_CFG		0x0000
#define VPF_CTX_DEV_FEATURES		0x0001
#define VPF_CTX_PCI_VQ_CFG		0x0002
#define VPF_CTX_VQ_SPLIT_RUNTIME_CFG	0x0003
#define VPF_CTX_VQ_SPLIT_DEV_OWN_DESC	0x0004
#define VPF_CTX_DEV_CFG			0x1000
/** Generic types are 0x0000-0x0fff, device-type ones 0x1000-0x1fff,
 *  everything else is reserved (doc/protocol.md §5.3, D-5.2). */
#define VPF_CTX_TYPE_GENERIC_LAST	0x0fff
#define VPF_CTX_TYPE_DEVICE_FIRST	0x1000
#define VPF_CTX_TYPE_DEVICE_LAST	0x1fff

/** PCI_VQ_CFG value (30 bytes). */
struct __attribute__((packed)) vpf_dev_ctx_pci_vq_cfg {
	uint16_t vq_index;
	uint16_t queue_size;
	uint16_t queue_msix_vector;
	uint64_t queue_desc;
	uint64_t queue_driver;
	uint64_t queue_device;
};

/** VQ_SPLIT_RUNTIME_CFG value (5 bytes). */
struct __attribute__((packed)) vpf_dev_ctx_vq_split_runtime {
	uint16_t vq_index;
	uint16_t dev_avail_idx;
	uint8_t enabled;
};

/** VQ_SPLIT_DEV_OWN_DESC value: 4 bytes, then desc_count le16 indices. */
struct __attribute__((packed)) vpf_dev_ctx_vq_split_dev_own_desc {
	uint16_t vq_index;
	uint16_t desc_count;
	/* uint16_t desc_idx[desc_count]; */
};

/* ---------------------------------------------------------------------------
 * 6. Write recording
 * ------------------------------------------------------------------------- */

/** DEV_WRITE_RECORD_CAP_QUERY result. Page-size bit n means 4 KiB << n. */
struct __attribute__((packed)) vpf_admin_wr_cap {
	uint32_t supported_page_size_bitmap;
	uint32_t supported_ranges;
};

/** One range of DEV_WRITE_RECORDS_START. */
struct __attribute__((packed)) vpf_admin_wr_range {
	uint64_t page_address;
	uint64_t page_count;
};

/** DEV_WRITE_RECORDS_START data header; @c count ranges follow. */
struct __attribute__((packed)) vpf_admin_wr_start_data {
	uint64_t page_size;
	uint32_t count;
	uint8_t reserved[4];
	/* struct vpf_admin_wr_range ranges[count]; */
};

/** DEV_WRITE_RECORDS_READ data; record count comes in command_specific_output,
 *  le64 page addresses in the result. */
struct __attribute__((packed)) vpf_admin_wr_read_data {
	uint64_t page_address;
	uint64_t length;
};

/** Base page size of the page-size bitmap: bit n means 4 KiB << n. */
#define VPF_WR_PAGE_SIZE_BASE	4096u

/* ---------------------------------------------------------------------------
 * 3. PCI transport
 * ------------------------------------------------------------------------- */

/** struct virtio_pci_common_cfg with the admin queue fields (64 bytes). */
struct __attribute__((packed)) vpf_pci_common_cfg {
	uint32_t device_feature_select;
	uint32_t device_feature;
	uint32_t driver_feature_select;
	uint32_t driver_feature;
	uint16_t config_msix_vector;
	uint16_t num_queues;
	uint8_t device_status;
	uint8_t config_generation;
	uint16_t queue_select;
	uint16_t queue_size;
	uint16_t queue_msix_vector;
	uint16_t queue_enable;
	uint16_t queue_notify_off;
	uint64_t queue_desc;
	uint64_t queue_driver;
	uint64_t queue_device;
	uint16_t queue_notif_config_data;
	uint16_t queue_reset;
	uint16_t admin_queue_index;
	uint16_t admin_queue_num;
};

/** Byte offsets in struct vpf_pci_common_cfg (doc/protocol.md §3.2). */
#define VPF_COMMON_DFSELECT		0
#define VPF_COMMON_DF			4
#define VPF_COMMON_GFSELECT		8
#define VPF_COMMON_GF			12
#define VPF_COMMON_MSIX			16
#define VPF_COMMON_NUMQ			18
#define VPF_COMMON_STATUS		20
#define VPF_COMMON_CFGGENERATION	21
#define VPF_COMMON_Q_SELECT		22
#define VPF_COMMON_Q_SIZE		24
#define VPF_COMMON_Q_MSIX		26
#define VPF_COMMON_Q_ENABLE		28
#define VPF_COMMON_Q_NOFF		30
#define VPF_COMMON_Q_DESC		32
#define VPF_COMMON_Q_DRIVER		40
#define VPF_COMMON_Q_DEVICE		48
#define VPF_COMMON_Q_NDATA		56
#define VPF_COMMON_Q_RESET		58
#define VPF_COMMON_ADM_Q_IDX		60
#define VPF_COMMON_ADM_Q_NUM		62
/** Length of a common cfg without the admin queue fields. */
#define VPF_COMMON_CFG_LEN_LEGACY	0x38
/** Minimum common cfg length with ADMIN_VQ negotiated. */
#define VPF_COMMON_CFG_LEN		64

/** Device status bits. */
#define VPF_STATUS_ACKNOWLEDGE		1
#define VPF_STATUS_DRIVER		2
#define VPF_STATUS_DRIVER_OK		4
#define VPF_STATUS_FEATURES_OK		8
#define VPF_STATUS_DEVICE_NEEDS_RESET	64
#define VPF_STATUS_FAILED		128

/** Feature bits. */
#define VPF_F_VERSION_1			32
#define VPF_F_ACCESS_PLATFORM		33
#define VPF_F_RING_PACKED		34
#define VPF_F_IN_ORDER			35
#define VPF_F_SR_IOV			37
#define VPF_F_NOTIFICATION_DATA		38
#define VPF_F_NOTIF_CONFIG_DATA		39
#define VPF_F_RING_RESET		40
#define VPF_F_ADMIN_VQ			41
/** virtio-net control virtqueue (device-specific bit 17). */
#define VPF_NET_F_CTRL_VQ		17
/** Feature bit as a mask. */
#define VPF_FEATURE(bit)		(UINT64_C(1) << (bit))

/** PCI configuration space. */
#define VPF_PCI_CFG_SPACE_SIZE		256
#define VPF_PCI_CFG_SPACE_EXP_SIZE	4096
#define VPF_PCI_VENDOR_ID		0x00
#define VPF_PCI_DEVICE_ID		0x02
#define VPF_PCI_COMMAND			0x04
#define VPF_PCI_COMMAND_MEMORY		0x2
#define VPF_PCI_COMMAND_MASTER		0x4
#define VPF_PCI_STATUS			0x06
#define VPF_PCI_STATUS_CAP_LIST		0x10
#define VPF_PCI_REVISION_ID		0x08
#define VPF_PCI_BASE_ADDRESS_0		0x10
#define VPF_PCI_SUBSYSTEM_ID		0x2e
#define VPF_PCI_CAPABILITY_LIST		0x34
#define VPF_PCI_CAP_ID_MSIX		0x11
#define VPF_PCI_CAP_ID_VNDR		0x09
#define VPF_PCI_CAP_ID_EXP		0x10
/** Extended capabilities start here (PCIe, 4 KiB config space). */
#define VPF_PCI_EXT_CAP_START		0x100
#define VPF_PCI_EXT_CAP_ID_SRIOV	0x0010

/** virtio PCI vendor and modern device ids (0x1040 + device type). */
#define VPF_VIRTIO_PCI_VENDOR		0x1af4
#define VPF_VIRTIO_PCI_MODERN_BASE	0x1040
#define VPF_VIRTIO_PCI_MODERN_LAST	0x107f
#define VPF_VIRTIO_ID_NET		1
#define VPF_VIRTIO_PCI_DEVICE_NET	0x1041

/** virtio vendor capability cfg_type values. */
#define VPF_PCI_CAP_COMMON_CFG		1
#define VPF_PCI_CAP_NOTIFY_CFG		2
#define VPF_PCI_CAP_ISR_CFG		3
#define VPF_PCI_CAP_DEVICE_CFG		4
#define VPF_PCI_CAP_PCI_CFG		5
#define VPF_PCI_CAP_SHARED_MEMORY_CFG	8
#define VPF_PCI_CAP_VENDOR_CFG		9

/** struct virtio_pci_cap (16 bytes). */
struct __attribute__((packed)) vpf_pci_cap {
	uint8_t cap_vndr;
	uint8_t cap_next;
	uint8_t cap_len;
	uint8_t cfg_type;
	uint8_t bar;
	uint8_t id;
	uint8_t padding[2];
	uint32_t offset;
	uint32_t length;
};

/** struct virtio_pci_notify_cap (20 bytes). */
struct __attribute__((packed)) vpf_pci_notify_cap {
	struct vpf_pci_cap cap;
	uint32_t notify_off_multiplier;
};

/** struct virtio_pci_cfg_cap (20 bytes). */
struct __attribute__((packed)) vpf_pci_cfg_cap {
	struct vpf_pci_cap cap;
	uint8_t pci_cfg_data[4];
};

/** SR-IOV extended capability register offsets (from the cap header). */
#define VPF_SRIOV_CAP		0x04
#define VPF_SRIOV_CTRL		0x08
#define VPF_SRIOV_CTRL_VFE	0x0001	/**< VF Enable */
#define VPF_SRIOV_CTRL_MSE	0x0008	/**< VF Memory Space Enable */
#define VPF_SRIOV_STATUS	0x0a
#define VPF_SRIOV_INITIAL_VF	0x0c
#define VPF_SRIOV_TOTAL_VF	0x0e
#define VPF_SRIOV_NUM_VF	0x10
#define VPF_SRIOV_FUNC_LINK	0x12
#define VPF_SRIOV_VF_OFFSET	0x14
#define VPF_SRIOV_VF_STRIDE	0x16
#define VPF_SRIOV_VF_DID	0x1a
#define VPF_SRIOV_SUP_PGSIZE	0x1c
#define VPF_SRIOV_SYS_PGSIZE	0x20
#define VPF_SRIOV_BAR		0x24
#define VPF_SRIOV_CAP_LEN	0x40

/** Split virtqueue layout (virtio 1.x, 2.7). */
struct __attribute__((packed)) vpf_vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
#define VPF_VRING_DESC_F_NEXT		1
#define VPF_VRING_DESC_F_WRITE		2
#define VPF_VRING_DESC_F_INDIRECT	4

struct __attribute__((packed)) vpf_vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct __attribute__((packed)) vpf_vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct __attribute__((packed)) vpf_vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vpf_vring_used_elem ring[];
};

/** Used/avail ring flags. */
#define VPF_VRING_AVAIL_F_NO_INTERRUPT	1
#define VPF_VRING_USED_F_NO_NOTIFY	1

/** Largest split queue size. */
#define VPF_VRING_MAX_SIZE		32768

/** struct virtio_net_config (the fields up to and including mtu: 12 bytes,
 *  the config size vpf's model exposes). */
struct __attribute__((packed)) vpf_virtio_net_config {
	uint8_t mac[6];
	uint16_t status;
	uint16_t max_virtqueue_pairs;
	uint16_t mtu;
};

/** virtio-net control queue (for tests against other devices). */
#define VPF_NET_CTRL_RX			0
#define VPF_NET_CTRL_RX_PROMISC		0
#define VPF_NET_OK			0
#define VPF_NET_ERR			1

/* ---------------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------------- */

/** Name of an admin status ("OK", "EINVAL", ...; "RESERVED(n)" style names
 *  are not produced: unknown values give "UNKNOWN"). Never NULL. */
VPF_API const char *vpf_admin_status_name(uint16_t status);
/** Name of a status qualifier ("INVALID_FIELD", ...). Never NULL. */
VPF_API const char *vpf_admin_qualifier_name(uint16_t qualifier);
/** Name of an opcode ("DEV_CTX_READ", ...). Never NULL. */
VPF_API const char *vpf_admin_opcode_name(uint16_t opcode);
/** Name of a device mode ("active", "stop", "freeze"). Never NULL. */
VPF_API const char *vpf_dev_mode_name(uint8_t mode);
/** Name of a context field type ("PCI_COMMON_CFG", ...). Never NULL. */
VPF_API const char *vpf_ctx_type_name(uint16_t type);
/** Map an admin status to the negative errno vpf returns for it
 *  (OK -> 0; a reserved status counts as EINVAL, doc/protocol.md §1.4). */
VPF_API int vpf_admin_status_errno(uint16_t status);

/* ---------------------------------------------------------------------------
 * Compile-time checks of every size and offset in doc/protocol.md §1, §3,
 * §5, §6
 * ------------------------------------------------------------------------- */

/* _Static_assert is C11 only; C++11 spells it static_assert (a keyword
 * there, a <assert.h> macro in C11 that not every C user includes). */
#ifdef __cplusplus
#define VPF_SPEC_STATIC_ASSERT(e, msg)	static_assert(e, msg)
#else
#define VPF_SPEC_STATIC_ASSERT(e, msg)	_Static_assert(e, msg)
#endif
#define VPF_SPEC_ASSERT_OFF(t, m, o) \
	VPF_SPEC_STATIC_ASSERT(offsetof(struct t, m) == (o), #t "." #m " offset")
#define VPF_SPEC_ASSERT_SIZE(t, s) \
	VPF_SPEC_STATIC_ASSERT(sizeof(struct t) == (s), #t " size")

VPF_SPEC_ASSERT_SIZE(vpf_admin_cmd_hdr, 24);
VPF_SPEC_ASSERT_OFF(vpf_admin_cmd_hdr, opcode, 0);
VPF_SPEC_ASSERT_OFF(vpf_admin_cmd_hdr, group_type, 2);
VPF_SPEC_ASSERT_OFF(vpf_admin_cmd_hdr, reserved1, 4);
VPF_SPEC_ASSERT_OFF(vpf_admin_cmd_hdr, group_member_id, 16);
VPF_SPEC_ASSERT_SIZE(vpf_admin_cmd_status, 8);
VPF_SPEC_ASSERT_OFF(vpf_admin_cmd_status, status, 0);
VPF_SPEC_ASSERT_OFF(vpf_admin_cmd_status, status_qualifier, 2);
VPF_SPEC_ASSERT_OFF(vpf_admin_cmd_status, command_specific_output, 4);
VPF_SPEC_ASSERT_SIZE(vpf_admin_mode_set_data, 8);
VPF_SPEC_ASSERT_SIZE(vpf_admin_ctx_size_get_data, 8);
VPF_SPEC_ASSERT_SIZE(vpf_admin_ctx_size_get_result, 8);
VPF_SPEC_ASSERT_SIZE(vpf_admin_ctx_field_info, 16);
VPF_SPEC_ASSERT_OFF(vpf_admin_ctx_field_info, length, 8);

VPF_SPEC_ASSERT_SIZE(vpf_pci_common_cfg, 64);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, device_feature_select, VPF_COMMON_DFSELECT);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, device_feature, VPF_COMMON_DF);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, driver_feature_select, VPF_COMMON_GFSELECT);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, driver_feature, VPF_COMMON_GF);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, config_msix_vector, VPF_COMMON_MSIX);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, num_queues, VPF_COMMON_NUMQ);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, device_status, VPF_COMMON_STATUS);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, config_generation, VPF_COMMON_CFGGENERATION);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, queue_select, VPF_COMMON_Q_SELECT);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, queue_size, VPF_COMMON_Q_SIZE);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, queue_msix_vector, VPF_COMMON_Q_MSIX);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, queue_enable, VPF_COMMON_Q_ENABLE);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, queue_notify_off, VPF_COMMON_Q_NOFF);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, queue_desc, VPF_COMMON_Q_DESC);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, queue_driver, VPF_COMMON_Q_DRIVER);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, queue_device, VPF_COMMON_Q_DEVICE);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, queue_notif_config_data, VPF_COMMON_Q_NDATA);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, queue_reset, VPF_COMMON_Q_RESET);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, admin_queue_index, VPF_COMMON_ADM_Q_IDX);
VPF_SPEC_ASSERT_OFF(vpf_pci_common_cfg, admin_queue_num, VPF_COMMON_ADM_Q_NUM);
VPF_SPEC_ASSERT_SIZE(vpf_pci_cap, 16);
VPF_SPEC_ASSERT_OFF(vpf_pci_cap, cfg_type, 3);
VPF_SPEC_ASSERT_OFF(vpf_pci_cap, bar, 4);
VPF_SPEC_ASSERT_OFF(vpf_pci_cap, offset, 8);
VPF_SPEC_ASSERT_OFF(vpf_pci_cap, length, 12);
VPF_SPEC_ASSERT_SIZE(vpf_pci_notify_cap, 20);
VPF_SPEC_ASSERT_OFF(vpf_pci_notify_cap, notify_off_multiplier, 16);
VPF_SPEC_ASSERT_SIZE(vpf_pci_cfg_cap, 20);

VPF_SPEC_ASSERT_SIZE(vpf_dev_ctx, 4);
VPF_SPEC_ASSERT_SIZE(vpf_dev_ctx_field_tlv, 16);
VPF_SPEC_ASSERT_OFF(vpf_dev_ctx_field_tlv, type, 0);
VPF_SPEC_ASSERT_OFF(vpf_dev_ctx_field_tlv, reserved, 2);
VPF_SPEC_ASSERT_OFF(vpf_dev_ctx_field_tlv, length, 8);
VPF_SPEC_ASSERT_SIZE(vpf_dev_ctx_pci_vq_cfg, 30);
VPF_SPEC_ASSERT_OFF(vpf_dev_ctx_pci_vq_cfg, queue_size, 2);
VPF_SPEC_ASSERT_OFF(vpf_dev_ctx_pci_vq_cfg, queue_msix_vector, 4);
VPF_SPEC_ASSERT_OFF(vpf_dev_ctx_pci_vq_cfg, queue_desc, 6);
VPF_SPEC_ASSERT_OFF(vpf_dev_ctx_pci_vq_cfg, queue_driver, 14);
VPF_SPEC_ASSERT_OFF(vpf_dev_ctx_pci_vq_cfg, queue_device, 22);
VPF_SPEC_ASSERT_SIZE(vpf_dev_ctx_vq_split_runtime, 5);
VPF_SPEC_ASSERT_OFF(vpf_dev_ctx_vq_split_runtime, dev_avail_idx, 2);
VPF_SPEC_ASSERT_OFF(vpf_dev_ctx_vq_split_runtime, enabled, 4);
VPF_SPEC_ASSERT_SIZE(vpf_dev_ctx_vq_split_dev_own_desc, 4);
VPF_SPEC_ASSERT_OFF(vpf_dev_ctx_vq_split_dev_own_desc, desc_count, 2);

VPF_SPEC_ASSERT_SIZE(vpf_admin_wr_cap, 8);
VPF_SPEC_ASSERT_OFF(vpf_admin_wr_cap, supported_ranges, 4);
VPF_SPEC_ASSERT_SIZE(vpf_admin_wr_range, 16);
VPF_SPEC_ASSERT_SIZE(vpf_admin_wr_start_data, 16);
VPF_SPEC_ASSERT_OFF(vpf_admin_wr_start_data, count, 8);
VPF_SPEC_ASSERT_SIZE(vpf_admin_wr_read_data, 16);
VPF_SPEC_ASSERT_OFF(vpf_admin_wr_read_data, length, 8);

VPF_SPEC_ASSERT_SIZE(vpf_vring_desc, 16);
VPF_SPEC_ASSERT_SIZE(vpf_vring_used_elem, 8);
VPF_SPEC_ASSERT_SIZE(vpf_virtio_net_config, 12);

#ifdef __cplusplus
}
#endif

#endif /* VPF_SPEC_H */
