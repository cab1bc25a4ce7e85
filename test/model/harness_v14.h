/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * Helpers for the 1.4 dialect tests (test_model_v14*.c): a 1.4 model, and
 * the raw commands of doc/protocol.md §10 sent through the harness. The
 * commands return the completion; nothing is asserted here unless said.
 */

#ifndef TEST_MODEL_HARNESS_V14_H
#define TEST_MODEL_HARNESS_V14_H

#include "harness.h"

#define V14_EEXIST		17
#define V14_CAP_ID_LIST		0x07
#define V14_DEV_CAP_GET		0x08
#define V14_DRV_CAP_SET		0x09
#define V14_CREATE		0x0a
#define V14_MODIFY		0x0b
#define V14_QUERY		0x0c
#define V14_DESTROY		0x0d
#define V14_META		0x0e
#define V14_GET			0x0f
#define V14_SET			0x10
#define V14_MODE		0x11

/* A 1.4 model: 4 VFs, 2 queue pairs, device limits @p get / @p set. */
struct vpf_model *v14_model(uint32_t off, uint8_t get, uint8_t set);
/* H-style bring-up of @p h on a 1.4 model, with SR-IOV LIST_USE of all. */
int v14_up(struct h *h, struct vpf_model *m);

/* Raw command on the self group (member 0) in slot 0. */
struct h_done v14_self(struct h *h, uint16_t op, const void *data,
		       uint32_t dlen, uint32_t rcap);
/* Raw command on the SR-IOV group in slot 0. */
struct h_done v14_sriov(struct h *h, uint16_t op, uint64_t vf,
			const void *data, uint32_t dlen, uint32_t rcap);
/* DRIVER_CAP_SET of the device-parts limits (10 data bytes as Linux). */
struct h_done v14_limits(struct h *h, uint8_t get, uint8_t set);
/* RESOURCE_OBJ_CREATE (24 data bytes). */
struct h_done v14_create(struct h *h, uint64_t vf, uint32_t id, uint8_t kind);
/* RESOURCE_OBJ_DESTROY. */
struct h_done v14_destroy(struct h *h, uint64_t vf, uint32_t id);
/* DEV_MODE_SET with @p flags (8 data bytes). */
struct h_done v14_mode(struct h *h, uint64_t vf, uint8_t flags);
/* METADATA_GET @p type; the result value (SIZE, COUNT) in @p val. */
struct h_done v14_meta(struct h *h, uint64_t vf, uint32_t id, uint8_t type,
		       uint32_t rcap, uint32_t *val);
/* PARTS_GET ALL into a malloc'd copy (*parts, *len; NULL on failure). */
struct h_done v14_get_all(struct h *h, uint64_t vf, uint32_t id,
			  uint32_t rcap, uint8_t **parts, size_t *len);
/* PARTS_SET of @p len bytes of parts (object header added; padded). */
struct h_done v14_set(struct h *h, uint64_t vf, uint32_t id,
		      const void *parts, size_t len);

#endif /* TEST_MODEL_HARNESS_V14_H */
