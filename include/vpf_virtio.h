/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_VIRTIO_H
#define VPF_VIRTIO_H

/**
 * @file
 * vpf: generic virtio-pci bring-up and split virtqueue, driver side.
 *
 * Usable for any virtio-pci device behind a struct vpf_pf_ops backend, not
 * only for a PF's admin queue: e.g. to drive a virtio-net control queue.
 *
 * Typical bring-up of a device with one queue:
 * @code
 *	struct vpf_virtio_dev vd;
 *	struct vpf_vq vq;
 *
 *	rc = vpf_virtio_probe(&vd, ops, dev);          // caps, SR-IOV, BAR ranges
 *	rc = vpf_virtio_reset(&vd, 1000000);           // write 0, poll for 0
 *	rc = vpf_virtio_status_add(&vd, VPF_STATUS_ACKNOWLEDGE | VPF_STATUS_DRIVER);
 *	rc = vpf_virtio_negotiate(&vd, VPF_FEATURE(VPF_F_VERSION_1) |
 *				  VPF_FEATURE(VPF_NET_F_CTRL_VQ), 0);  // + FEATURES_OK
 *	rc = vpf_virtio_common_check(&vd, VPF_COMMON_CFG_LEN_LEGACY);
 *	rc = vpf_virtio_queue_setup(&vd, &vq, index, 64);   // rings + enable
 *	rc = vpf_virtio_driver_ok(&vd);
 *	... vpf_vq_add(), vpf_vq_kick(), vpf_vq_get_used() ...
 *	vpf_virtio_reset(&vd, 1000000);
 *	vpf_vq_destroy(&vq);
 * @endcode
 *
 * Every failing function returns a negative errno and sets vpf_last_error()
 * to a sentence naming the reason ("device does not offer
 * VIRTIO_F_ADMIN_VQ"). A device that reads all-ones where that is impossible
 * (vendor id 0xffff, device_status 0xff; doc/protocol.md §3.6) gives -ENODEV and no
 * loop ever spins on it.
 *
 * Threading: none of this locks; one owner thread per device and queue.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpf_backend.h"
#include "vpf_common.h"
#include "vpf_spec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ===========================================================================
 * virtio-pci device
 * ========================================================================= */

/** A structure the device exposes in a BAR, found by a virtio capability. */
struct vpf_virtio_region {
	bool present;		/**< the capability was found */
	uint8_t bar;		/**< BAR number 0..5 */
	uint8_t cap_pos;	/**< config space offset of the capability */
	uint64_t offset;	/**< offset in the BAR */
	uint64_t length;	/**< length in bytes, checked against the BAR */
};

/** The SR-IOV extended capability (doc/protocol.md §3.7). */
struct vpf_virtio_sriov {
	uint16_t pos;		/**< config space offset; 0: not present */
	uint16_t total_vfs;
	uint16_t num_vfs;
	uint16_t vf_offset;	/**< First VF Offset */
	uint16_t vf_stride;
	bool vf_enabled;	/**< VF Enable set in SR-IOV Control */
};

/** Most capabilities a walk visits before it calls the list broken. */
#define VPF_VIRTIO_MAX_CAPS	64

/**
 * One virtio-pci function as the driver sees it. Filled by
 * vpf_virtio_probe(); callers read the fields, only vpf_virtio_*() write.
 */
struct vpf_virtio_dev {
	const struct vpf_pf_ops *ops;	/**< backend */
	void *dev;			/**< backend handle */
	uint16_t vendor_id;
	uint16_t device_id;
	uint32_t cfg_size;		/**< 256 or 4096 */
	uint64_t bar_len[6];		/**< 0: BAR not implemented */
	struct vpf_virtio_region common;	/**< VIRTIO_PCI_CAP_COMMON_CFG */
	struct vpf_virtio_region notify;	/**< VIRTIO_PCI_CAP_NOTIFY_CFG */
	struct vpf_virtio_region isr;		/**< VIRTIO_PCI_CAP_ISR_CFG */
	struct vpf_virtio_region device;	/**< VIRTIO_PCI_CAP_DEVICE_CFG */
	uint32_t notify_off_multiplier;
	struct vpf_virtio_sriov sriov;
	uint64_t device_features;	/**< offered (after vpf_virtio_negotiate) */
	uint64_t driver_features;	/**< accepted by the device */
	uint16_t num_queues;		/**< common cfg num_queues */
	bool gone;			/**< all-ones seen: device removed */
};

/**
 * Walk the capability list of the function behind @p ops / @p dev: vendor
 * and device id, the virtio vendor capabilities (common, notify, ISR,
 * device cfg: each range checked against its BAR's size), the SR-IOV
 * extended capability when the config space has one. The walk is bounded
 * (VPF_VIRTIO_MAX_CAPS, pointers inside the config space and past the
 * header); a loop, a pointer out of range or a range beyond its BAR is
 * -EIO with the reason. Reads nothing from the BARs.
 *
 * @return 0; -ENODEV (vendor 0xffff), -ENOTSUP (no common or notify cfg),
 * -EIO (malformed list), or a backend error.
 */
VPF_API int vpf_virtio_probe(struct vpf_virtio_dev *vd,
			     const struct vpf_pf_ops *ops, void *dev);

/**
 * Reset: write 0 to device_status and poll until it reads 0, for at most
 * @p timeout_us microseconds (-ETIMEDOUT "device did not complete reset").
 * 0xff is -ENODEV at once.
 */
VPF_API int vpf_virtio_reset(struct vpf_virtio_dev *vd, uint32_t timeout_us);

/** Read device_status; -ENODEV (and vd->gone) if it reads 0xff. */
VPF_API int vpf_virtio_status_get(struct vpf_virtio_dev *vd, uint8_t *status);

/** OR @p bits into device_status (read, or, write). */
VPF_API int vpf_virtio_status_add(struct vpf_virtio_dev *vd, uint8_t bits);

/** Features vpf_virtio_negotiate() never accepts: the packed ring,
 *  event-index notification suppression and notification data (the split
 *  queue here polls, checks VRING_USED_F_NO_NOTIFY and writes plain queue
 *  indices to the doorbell). */
#define VPF_VIRTIO_F_UNSUPPORTED \
	(VPF_FEATURE(VPF_F_RING_PACKED) | VPF_FEATURE(29) | \
	 VPF_FEATURE(VPF_F_NOTIFICATION_DATA))

/**
 * Read the device features, accept @p required (each must be offered,
 * else -ENOTSUP "device does not offer VIRTIO_F_ADMIN_VQ") plus those bits
 * of @p optional that are offered, write them, set FEATURES_OK and read it
 * back (-EIO "device did not accept the features (FEATURES_OK not set)").
 * VERSION_1 is always required: this is a modern-only driver. Bits of
 * VPF_VIRTIO_F_UNSUPPORTED are dropped from @p optional and refused in
 * @p required (-ENOTSUP). Fills vd->device_features and
 * vd->driver_features.
 */
VPF_API int vpf_virtio_negotiate(struct vpf_virtio_dev *vd, uint64_t required,
				 uint64_t optional);

/** Name of a feature bit ("VIRTIO_F_ADMIN_VQ"; device-specific bits of
 *  virtio-net by their VIRTIO_NET_F_ name; else "feature bit N"). The
 *  returned string is static or per-thread. */
VPF_API const char *vpf_virtio_feature_name(const struct vpf_virtio_dev *vd,
					    unsigned int bit);

/** -ENOTSUP ("common cfg is N bytes, need M") when the common cfg is
 *  shorter than @p min_len (VPF_COMMON_CFG_LEN with ADMIN_VQ). */
VPF_API int vpf_virtio_common_check(const struct vpf_virtio_dev *vd,
				    uint32_t min_len);

/** Read a common cfg register (@p width 1, 2, 4 or 8 bytes at @p off). */
VPF_API int vpf_virtio_common_read(struct vpf_virtio_dev *vd, uint32_t off,
				   unsigned int width, uint64_t *val);
/** Write a common cfg register. */
VPF_API int vpf_virtio_common_write(struct vpf_virtio_dev *vd, uint32_t off,
				    unsigned int width, uint64_t val);
/** Read @p width bytes of the device-specific config at @p off (checked
 *  against the device cfg length). */
VPF_API int vpf_virtio_device_cfg_read(struct vpf_virtio_dev *vd, uint32_t off,
				       unsigned int width, uint64_t *val);

/** Set DRIVER_OK; -EIO if the device then reports FAILED/NEEDS_RESET. */
VPF_API int vpf_virtio_driver_ok(struct vpf_virtio_dev *vd);

struct vpf_vq;

/**
 * Set up queue @p index: select it, read its maximum size (0: "queue N does
 * not exist"), create @p vq with min(@p size, maximum) entries (0: the
 * maximum; a power of two is used), program the ring addresses, compute and
 * range-check the notify address, and enable it. Call before DRIVER_OK.
 */
VPF_API int vpf_virtio_queue_setup(struct vpf_virtio_dev *vd, struct vpf_vq *vq,
				   uint16_t index, uint16_t size);

/**
 * Reset one queue (VIRTIO_F_RING_RESET must be negotiated, else -ENOTSUP):
 * write 1 to queue_reset and poll until it reads 1 (bounded by
 * @p timeout_us), forget every buffer in @p vq (vpf_vq_reinit()), program
 * the rings again and re-enable the queue.
 */
VPF_API int vpf_virtio_queue_reset(struct vpf_virtio_dev *vd, struct vpf_vq *vq,
				   uint32_t timeout_us);

/**
 * Re-program the rings of an already created @p vq into queue vq->index
 * and enable it (used by re-initialisation after a device reset).
 */
VPF_API int vpf_virtio_queue_program(struct vpf_virtio_dev *vd,
				     struct vpf_vq *vq);

/* ===========================================================================
 * Split virtqueue, driver side
 * ========================================================================= */

/** One buffer of a descriptor chain. */
struct vpf_vq_buf {
	uint64_t iova;	/**< device address */
	uint32_t len;	/**< bytes */
};

/** A completion taken from the used ring, validated. */
struct vpf_vq_used {
	uint16_t id;		/**< head descriptor of the chain */
	uint32_t len;		/**< bytes written, <= what was posted writable */
	void *cookie;		/**< as given to vpf_vq_add() */
};

/**
 * A split virtqueue. The rings live in one DMA region from ops->dma_alloc;
 * the driver's own view of every chain (next links, lengths, cookies) is kept
 * in private memory, so nothing the device writes into the rings is trusted.
 * Fields are read-only for users.
 */
struct vpf_vq {
	const struct vpf_pf_ops *ops;
	void *dev;
	uint16_t index;		/**< queue index on the device */
	uint16_t size;		/**< entries, a power of two */
	bool in_process;	/**< C11 fences instead of I/O barriers */
	struct vpf_dma_region mem;	/**< desc, avail, used */
	struct vpf_vring_desc *desc;
	struct vpf_vring_avail *avail;
	struct vpf_vring_used *used;
	uint64_t desc_iova;
	uint64_t avail_iova;
	uint64_t used_iova;
	/* notify (set by vpf_virtio_queue_setup) */
	uint8_t notify_bar;
	uint64_t notify_off;
	uint16_t notify_data;	/**< value written to the doorbell */
	/* driver-private state */
	uint16_t num_free;
	uint16_t nchains;	/**< chains in flight */
	uint16_t free_head;
	uint16_t free_tail;
	uint16_t avail_idx;	/**< next avail slot (shadow of avail->idx) */
	uint16_t kicked_idx;	/**< avail idx at the last doorbell */
	uint16_t last_used;	/**< next used entry to reap */
	uint16_t *next;		/**< private free list / chain links */
	uint16_t *chain_len;	/**< descriptors in the chain at a head, 0: free */
	uint32_t *writable;	/**< writable bytes posted at a head */
	void **cookie;		/**< per head */
	uint64_t notifies;	/**< doorbells rung */
};

/**
 * Create a queue of @p size entries (power of two, 1..32768) for queue
 * @p index of the device behind @p ops / @p dev: DMA region for the rings,
 * private arrays, free list. The notify address is set by
 * vpf_virtio_queue_setup() (or vpf_vq_set_notify()).
 */
VPF_API int vpf_vq_create(struct vpf_vq *vq, const struct vpf_pf_ops *ops,
			  void *dev, uint16_t index, uint16_t size);

/** Free the rings and the private arrays. Safe on a zeroed or destroyed vq. */
VPF_API void vpf_vq_destroy(struct vpf_vq *vq);

/** Forget every buffer (after a queue or device reset): zero the rings,
 *  rebuild the free list, indices back to 0. Cookies are dropped. */
VPF_API void vpf_vq_reinit(struct vpf_vq *vq);

/** Where the doorbell is: BAR, offset and the 16-bit value to write. */
VPF_API void vpf_vq_set_notify(struct vpf_vq *vq, uint8_t bar, uint64_t off,
			       uint16_t data);

/**
 * Add a chain of @p n_out device-readable buffers followed by @p n_in
 * device-writable ones, and put its head in the avail ring (not yet visible
 * to the device: vpf_vq_kick() publishes). @p cookie (non-NULL) comes back
 * with the completion.
 * @return the head descriptor id (>= 0), -ENOSPC if not enough free
 * descriptors, -EINVAL for an empty chain or NULL cookie.
 */
VPF_API int vpf_vq_add(struct vpf_vq *vq, const struct vpf_vq_buf *out,
		       uint16_t n_out, const struct vpf_vq_buf *in,
		       uint16_t n_in, void *cookie);

/**
 * Publish the avail entries added since the last kick (write barrier, then
 * avail->idx) and ring the doorbell once, unless the device set
 * VIRTQ_USED_F_NO_NOTIFY. @return 1 if the doorbell was rung, 0 if nothing
 * was pending, or a backend error.
 */
VPF_API int vpf_vq_kick(struct vpf_vq *vq);

/** Publish added entries without ringing (for batching with a later kick). */
VPF_API void vpf_vq_publish(struct vpf_vq *vq);

/**
 * Take one completion from the used ring and return its chain to the free
 * list. Validates what the device wrote: the used index may run ahead by at
 * most the ring size, the id must be a head in flight, the length at most
 * the writable bytes posted.
 * @return 1 with @p u filled; 0 if nothing is pending; -EIO on a device
 * error (vpf_last_error() says which). On -EIO from a bad entry the entry is
 * consumed; if it named a chain in flight (bad length) that chain is freed
 * and @p u->cookie is its cookie so that the caller can fail its owner,
 * else @p u->cookie is NULL. A used index running ahead by more than the
 * ring size is -EIO with nothing consumed: the queue needs a reset.
 */
VPF_API int vpf_vq_get_used(struct vpf_vq *vq, struct vpf_vq_used *u);

/** Number of free descriptors. */
static inline uint16_t
vpf_vq_num_free(const struct vpf_vq *vq)
{
	return vq->num_free;
}

/** Cookie of the chain at head @p id if it is in flight, else NULL. */
VPF_API void *vpf_vq_cookie(const struct vpf_vq *vq, uint16_t id);

#ifdef __cplusplus
}
#endif

#endif /* VPF_VIRTIO_H */
