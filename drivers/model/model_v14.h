/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_MODEL_V14_H
#define VPF_MODEL_V14_H

/*
 * The virtio 1.4 "device parts" dialect of the model (doc/model.md
 * "The 1.4 dialect", doc/protocol.md §10.7): capabilities, resource
 * objects, device parts, DEV_MODE_SET with STOPPED, and each VF's
 * guest-side ring state. Everything here is protected by vpf_model::lock.
 */

#include <stdbool.h>
#include <stdint.h>

#include "vpf_spec.h"

struct vpf_model;
struct model_vf;
struct model_cmd;
struct model_result;

/* The status 1.4 names EEXIST without a number: Linux's errno (D-MOD14.3). */
#define MODEL_V14_STATUS_EEXIST	17

/* 1.4 opcodes (the same numbers mean other things in the draft). */
#define MODEL_V14_OP_CAP_ID_LIST_QUERY	0x07
#define MODEL_V14_OP_DEVICE_CAP_GET	0x08
#define MODEL_V14_OP_DRIVER_CAP_SET	0x09
#define MODEL_V14_OP_OBJ_CREATE		0x0a
#define MODEL_V14_OP_OBJ_MODIFY		0x0b
#define MODEL_V14_OP_OBJ_QUERY		0x0c
#define MODEL_V14_OP_OBJ_DESTROY	0x0d
#define MODEL_V14_OP_METADATA_GET	0x0e
#define MODEL_V14_OP_PARTS_GET		0x0f
#define MODEL_V14_OP_PARTS_SET		0x10
#define MODEL_V14_OP_MODE_SET		0x11

/* Most part headers a PARTS_GET SELECTED list may carry. */
#define MODEL_V14_SELECTED_MAX		4096u
/* Capability 0: VIRTIO_DEV_PARTS_CAP {u8 get_limit; u8 set_limit}. */
#define MODEL_V14_CAP_DEV_PARTS		0x0000
/* DEV_MODE_SET flags: bit 0 STOPPED. */
#define MODEL_V14_MODE_STOPPED		0x01

/* Net control-queue classes and commands the model keeps as parts. */
#define MODEL_NET_CTRL_RX		0
#define MODEL_NET_CTRL_RX_NMODES	6	/* PROMISC .. NOBCAST */
#define MODEL_NET_CTRL_MAC		1
#define MODEL_NET_CTRL_MAC_ADDR_SET	1
#define MODEL_NET_CTRL_VLAN		2
#define MODEL_NET_CTRL_VLAN_ADD		0
#define MODEL_NET_CTRL_VLAN_DEL		1
#define MODEL_NET_CTRL_MQ		4
#define MODEL_NET_CTRL_MQ_VQ_PAIRS_SET	0

/* The net device state the control queue changes (NET_CVQ_CFG parts). */
struct model_net14 {
	uint8_t mac[6];
	uint8_t rx[MODEL_NET_CTRL_RX_NMODES];	/* 0 or 1 each */
	uint16_t mq_pairs;
	uint64_t vlan[4096 / 64];
};

/* One queue's configuration as VQ_CFG carries it. */
struct model_v14_q {
	uint16_t size;
	uint16_t msix;
	uint16_t enabled;
	uint64_t desc, driver, device;
};

/* A VF's migratable state: exactly what its parts carry. */
struct model_v14_state {
	uint64_t features;			/* DRV_FEATURES */
	uint8_t common[VPF_COMMON_CFG_LEN];	/* image, status included */
	struct model_v14_q *q;			/* nvq entries */
	struct model_net14 net;
};

/* Per VF. */
struct model_v14_vf {
	struct model_net14 net;
	struct model_v14_state pend;	/* parts set while stopped */
	bool pend_on;			/* applied on resume */
};

/* Per PF. */
struct model_v14_obj {
	bool live;
	uint8_t kind;			/* VPF_PARTS_OBJ_GET / _SET */
	uint16_t vf;			/* creator */
};

struct model_v14 {
	uint8_t dev_get, dev_set;	/* device limits */
	uint8_t drv_get, drv_set;	/* driver limits (0 until set) */
	uint64_t self_enabled;		/* self-group LIST_USE */
	struct model_v14_obj *obj;	/* dev_get + dev_set ids */
	uint32_t nobj;
	struct model_v14_state scr;	/* scratch state (PARTS_SET, GET) */
	uint8_t *buf;			/* scratch parts set */
	size_t buf_cap;
	uint8_t *buf2;			/* scratch result (LIST, SELECTED) */
	size_t buf2_cap;
};

static inline bool
model_v14_on(const struct vpf_model_params *p)
{
	return p->dialect == VPF_DIALECT_V14_PARTS;
}

/* model_v14_state.c */
int model_v14_init(struct vpf_model *m);
void model_v14_fini(struct vpf_model *m);
/* Device reset: objects destroyed, driver limits and self LIST_USE cleared. */
void model_v14_reset(struct vpf_model *m);
void model_v14_state_get(struct vpf_model *m, struct model_vf *vf,
			 struct model_v14_state *s);
void model_v14_state_copy(struct vpf_model *m, struct model_v14_state *dst,
			  const struct model_v14_state *src);
void model_v14_state_put(struct vpf_model *m, struct model_vf *vf,
			 const struct model_v14_state *s);
/* Build @p s's parts into m->v14->buf; returns the length. */
size_t model_v14_parts_build(struct vpf_model *m,
			     const struct model_v14_state *s);
/* Check a PARTS_SET parts list and apply it onto @p s (scratch): 0, or
 * -EINVAL (nothing usable; @p s partly changed). */
int model_v14_parts_apply(struct vpf_model *m, struct model_v14_state *s,
			  const uint8_t *parts, size_t len);
/* DEV_MODE_SET stop: write back every buffer the device has taken. */
void model_v14_stop(struct vpf_model *m, struct model_vf *vf);
/* DEV_MODE_SET resume: install the parts set while stopped. */
void model_v14_resume(struct vpf_model *m, struct model_vf *vf);
/* Digest of the VF's parts (a PARTS_GET ALL result). */
int model_v14_digest(struct vpf_model *m, struct model_vf *vf,
		     uint8_t digest[32]);
/* Simulated guest: one control-queue command the device executes. */
void model_v14_cvq_exec(struct vpf_model *m, struct model_vf *vf);

/* model_v14.c */
bool model_v14_exec(struct vpf_model *m, struct model_cmd *c,
		    struct model_result *r, struct model_vf **vfp);
uint64_t model_v14_supported_ops(const struct vpf_model *m);

#endif /* VPF_MODEL_V14_H */
