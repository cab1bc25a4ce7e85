/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

#ifndef VPF_MIG_H
#define VPF_MIG_H

/**
 * @file
 * vpf: per-VF migration state machine shaped like VFIO migration v2, the
 * migration stream, dirty-page tracking, and a migration driver that moves
 * many VFs at once through the pipelined admin engine.
 *
 * Layers, from low to high:
 *
 * 1. **Stream format** (vpf_mig_stream_*): the bytes that carry a VF's
 *    device context from the source host to the destination host. Versioned
 *    header, typed records with a length and a CRC-32C each, a trailer with
 *    a CRC over the whole stream. Pure functions, no device.
 * 2. **Per-VF state machine** (vpf_mig_set_state() and friends): the VFIO
 *    v2 device states and arcs (doc/protocol.md §7.1, D-7.1) mapped onto the
 *    device modes Active / Stop / Freeze. The save side is a byte stream
 *    the caller pulls in any chunk size (vpf_mig_save_read()), the load
 *    side one it pushes in any chunk size (vpf_mig_load_write()).
 *    Every call exists synchronous and asynchronous (*_async +
 *    vpf_mig_poll()); the asynchronous ones let a caller keep commands of
 *    many VFs in flight at once.
 * 3. **Dirty tracking** (vpf_mig_dirty_*): device write recording merged
 *    into a bitmap, 1 bit per page, u64 words, least significant bit first
 *    (the VFIO DMA-logging report layout).
 * 4. **Migration driver** (vpf_mig_migrate()): N (source PF, VF) ->
 *    (destination PF, VF) pairs migrated together, pipelined across VFs (or
 *    serially, one command at a time, for comparison), with precopy rounds,
 *    precopy-to-destination, dirty tracking, progress per phase and timing.
 *
 * A struct vpf_mig is the migration layer of one attached PF. It must be
 * created with vpf_mig_attach() right after vpf_pf_attach(): that is where
 * VFs left outside Active by a process that died mid-migration are found
 * (crash safety), and vpf_mig_detach() puts VFs the library moved back to
 * Active (except a source whose migration completed).
 *
 * Errors: 0 or a negative errno, with vpf_last_error() saying why. Codes
 * used consistently:
 * - -EINVAL: bad argument (VF out of range, chunk not a multiple of 8, ...);
 * - -EPERM: a state arc VFIO does not define (to or from ERROR, unknown
 *   state), or an operation not allowed in the current state; nothing is
 *   sent to the device;
 * - -EBUSY: an asynchronous operation is already running on that VF;
 * - -EBADMSG: corrupt stream (checksum, malformed record or context);
 * - -ENODATA: stream incomplete (truncated) when it had to be complete;
 * - -EPROTONOSUPPORT: stream version or a required record type unknown;
 * - -EPROTO: stream or device pair incompatible with the destination;
 * - -ENOTSUP: the device lacks a command set ("dirty tracking unavailable
 *   on this device");
 * - device errors as vpf_admin_* returns them (-EIO, -ETIMEDOUT, ...).
 *
 * Threading: like struct vpf_pf, one owner thread per PF; the migration
 * driver polls every PF it is given from the calling thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpf_common.h"
#include "vpf_pf.h"
#include "vpf_spec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ===========================================================================
 * States (numbered as Linux include/uapi/linux/vfio.h)
 * ========================================================================= */

/**
 * VFIO migration v2 device states. Mapping onto virtio modes
 * (doc/protocol.md §7.2, D-7.2):
 *
 * | state        | mode   | entry action                                   |
 * |--------------|--------|------------------------------------------------|
 * | RUNNING      | Active | MODE_SET Active (applies a written context)    |
 * | RUNNING_P2P  | Stop   | MODE_SET Stop (applies one when from STOP)     |
 * | STOP         | Freeze | MODE_SET Freeze                                |
 * | STOP_COPY    | Freeze | read the Freeze context into the save stream   |
 * | RESUMING     | Freeze | accept the load stream, validate, CTX_WRITE    |
 * | PRE_COPY     | Active | read a context while running (a round)         |
 * | PRE_COPY_P2P | Stop   | MODE_SET Stop, read a round of the Stop context|
 * | ERROR        | -      | left only by vpf_mig_reset()                   |
 */
enum vpf_mig_state {
	VPF_MIG_STATE_ERROR = 0,
	VPF_MIG_STATE_STOP = 1,
	VPF_MIG_STATE_RUNNING = 2,
	VPF_MIG_STATE_STOP_COPY = 3,
	VPF_MIG_STATE_RESUMING = 4,
	VPF_MIG_STATE_RUNNING_P2P = 5,
	VPF_MIG_STATE_PRE_COPY = 6,
	VPF_MIG_STATE_PRE_COPY_P2P = 7,
	VPF_MIG_STATE_MAX = 8		/**< number of states (not a state) */
};

/** Name of a state ("RUNNING", "STOP_COPY", ...; "INVALID" if unknown). */
VPF_API const char *vpf_mig_state_name(enum vpf_mig_state s);

/** Parse a state name (case-insensitive, also "running_p2p" etc.).
 *  @return 0 or -EINVAL. */
VPF_API int vpf_mig_state_parse(const char *name, enum vpf_mig_state *s);

/** The device mode a state runs the VF in (VPF_DEV_MODE_*); 0xff for
 *  ERROR or an unknown state. */
VPF_API uint8_t vpf_mig_state_mode(enum vpf_mig_state s);

/** Whether @p from -> @p to is one of the single-step arcs VFIO defines
 *  (doc/protocol.md §7.1). Pure. */
VPF_API bool vpf_mig_arc_valid(enum vpf_mig_state from, enum vpf_mig_state to);

/** Longest walk between two states (RESUMING -> PRE_COPY: 4 arcs). */
#define VPF_MIG_PATH_MAX	8

/**
 * The walk vpf_mig_set_state() takes from @p from to @p to: the states
 * after @p from, in order, ending with @p to (VFIO's
 * vfio_mig_get_next_state() table). @p from == @p to gives 0 states.
 * Pure: no device.
 * @param path receives up to @p max states.
 * @return number of states (>= 0), or -EPERM if VFIO defines no way
 *   (either end ERROR or out of range), -ENOSPC if @p max is too small.
 */
VPF_API int vpf_mig_path(enum vpf_mig_state from, enum vpf_mig_state to,
			 enum vpf_mig_state *path, unsigned int max);

/* ===========================================================================
 * Attach / detach, crash safety
 * ========================================================================= */

struct vpf_mig;

/** Parameters of vpf_mig_attach(); initialise with vpf_mig_params_init(). */
struct vpf_mig_params {
	/** Device chunk of DEV_CTX_READ / DEV_CTX_WRITE in bytes: a multiple
	 *  of 8, at most the PF's max_chunk (default 4096). */
	uint32_t chunk;
	/** Scan every VF's mode at attach (default true). */
	bool scan;
	/** At detach, put VFs the library moved back to Active (default
	 *  true), except a source marked complete. */
	bool restore_on_detach;
	/**
	 * Directory of the per-PF journal of VFs whose migration completed
	 * (doc/migration.md, "Crash safety"); created if missing. NULL (the
	 * default): $VPF_JOURNAL_DIR when set, else
	 * VPF_MIG_JOURNAL_DIR_DEFAULT. "" turns the journal off: a restarted
	 * owner then cannot tell a VF that migrated away from one left
	 * mid-migration, and resumes neither. Read at attach only.
	 */
	const char *journal_dir;
	/**
	 * At attach with @c scan: resume (vpf_mig_recover()) every VF found
	 * outside Active that the journal does not list as migrated away:
	 * it was left mid-migration by an owner that died (default true).
	 * Never done without a readable journal. false: only reported.
	 */
	bool recover_orphans;
	/**
	 * Called first in every thread the migration layer starts (the
	 * journal's background writer, doc/migration.md "Crash safety"),
	 * with @c thread_arg: to place it, for example, on a housekeeping
	 * CPU. Without it such a thread inherits the CPU affinity of the
	 * thread that starts it, which is the polling thread: its writes and
	 * their block I/O then preempt the poll. Called on each such thread;
	 * must be thread-safe. NULL (the default): nothing.
	 */
	void (*thread_init)(void *thread_arg);
	void *thread_arg;	/**< for @c thread_init */
};

/** Journal directory used when vpf_mig_params::journal_dir is NULL and
 *  $VPF_JOURNAL_DIR is not set. */
#define VPF_MIG_JOURNAL_DIR_DEFAULT	"/var/lib/vpf/journal"

/** Fill @p p with the defaults. */
VPF_API void vpf_mig_params_init(struct vpf_mig_params *p);

/**
 * Create the migration layer of an attached PF and open its journal
 * (vpf_mig_params::journal_dir, keyed by vpf_pf_identity()). With @c scan,
 * every VF's mode is read (DEV_MODE_GET, pipelined) and held against the
 * journal (doc/migration.md, "Crash safety"):
 * - outside Active, listed in the journal: the VF migrated away (the guest
 *   runs elsewhere); it is left stopped and marked complete;
 * - outside Active, not listed: left mid-migration by an owner that died;
 *   resumed with vpf_mig_recover() when @c recover_orphans, else left;
 * - outside Active with the journal unreadable or corrupt: left as is, and
 *   recorded as migrated away (the bad file is kept as "<file>.bad");
 * - Active, listed: the entry is stale (the VF runs here) and dropped.
 * vpf_mig_orphans() lists each such VF with what was done. A journal that
 * cannot be opened does not fail the attach (vpf_mig_journal_info_get()
 * says why; vpf_mig_mark_complete() then fails), but no VF is resumed.
 * @p pf must outlive the result.
 * @return the handle, or NULL with errno (EINVAL, ENOMEM, ENOTSUP when the
 *   PF lacks the migration command set) and vpf_last_error().
 */
VPF_API struct vpf_mig *vpf_mig_attach(struct vpf_pf *pf,
				       const struct vpf_mig_params *p);

/**
 * Destroy the migration layer. With @c restore_on_detach, for every VF the
 * library moved out of its mode (and that is not a source marked complete
 * with vpf_mig_mark_complete()): stop write recording the library started,
 * DEV_CTX_DISCARD, and MODE_SET back to Active. Failures are logged.
 * NULL is a no-op. Call before vpf_pf_detach().
 */
VPF_API void vpf_mig_detach(struct vpf_mig *m);

/** The PF of a migration layer. */
VPF_API struct vpf_pf *vpf_mig_pf(const struct vpf_mig *m);

/** What the attach scan did with a VF it reports (vpf_mig_orphan). */
enum vpf_mig_orphan_fate {
	/** Outside Active, left as is: vpf_mig_params::recover_orphans is
	 *  false, or there is no journal (off, or the PF has no identity). */
	VPF_MIG_ORPHAN_LEFT = 0,
	/** Outside Active, not in the journal: left mid-migration by an
	 *  owner that died; resumed (vpf_mig_recover()). */
	VPF_MIG_ORPHAN_RESUMED,
	/** As RESUMED, but vpf_mig_recover() failed (vpf_mig_vf_error()). */
	VPF_MIG_ORPHAN_RESUME_FAILED,
	/** Outside Active, in the journal: migrated away; left stopped. */
	VPF_MIG_ORPHAN_MIGRATED,
	/** Outside Active, the journal unreadable or corrupt: it may have
	 *  migrated away; left as is and recorded so (when the journal could
	 *  be rewritten). */
	VPF_MIG_ORPHAN_UNKNOWN,
	/** Active, in the journal: the entry was stale and is dropped. */
	VPF_MIG_ORPHAN_STALE,
};

/** Name of a fate ("left", "resumed", "resume-failed", "migrated",
 *  "unknown", "stale"; "invalid" otherwise). */
VPF_API const char *vpf_mig_orphan_fate_name(enum vpf_mig_orphan_fate f);

/** A VF the attach scan found outside Active, or with a stale entry. */
struct vpf_mig_orphan {
	uint16_t vf;		/**< VF number (1..NumVFs) */
	uint8_t mode;		/**< VPF_DEV_MODE_* found */
	enum vpf_mig_orphan_fate fate;	/**< what attach did */
};

/**
 * VFs the attach scan found outside Active, and VFs whose journal entry it
 * dropped as stale, in VF order.
 * @param out receives up to @p max entries (may be NULL with max 0).
 * @return the number found (may exceed @p max), or -EINVAL.
 */
VPF_API int vpf_mig_orphans(const struct vpf_mig *m,
			    struct vpf_mig_orphan *out, unsigned int max);

/** State of a PF's journal (vpf_mig_journal_info_get()). */
struct vpf_mig_journal_info {
	/** A journal is kept: a directory was configured and the PF has an
	 *  identity. */
	bool enabled;
	/** Entries can be written (the directory could be opened). */
	bool usable;
	/** The file found at attach was unreadable or corrupt (kept as
	 *  "<path>.bad" when it could be renamed). */
	bool was_bad;
	uint32_t entries;	/**< VFs recorded as migrated away */
	/** Generation of the file last read or written: each write adds
	 *  one. */
	uint64_t generation;
	uint64_t instance;	/**< identity: the instance number */
	char addr[32];		/**< identity: the address ("" without) */
	char path[512];		/**< the journal file ("" when not enabled) */
	char error[256];	/**< why not enabled / usable ("" if it is) */
};

/** Fill @p ji with the state of @p m's journal. @return 0 or -EINVAL. */
VPF_API int vpf_mig_journal_info_get(const struct vpf_mig *m,
				     struct vpf_mig_journal_info *ji);

/**
 * Operator override, DANGEROUS: drop VF @p vf's journal entry (and its
 * complete mark), e.g. once it is known that the guest does not run on the
 * destination after all. Afterwards nothing stops vpf_mig_recover() or a
 * restarted owner from resuming the VF here: if the guest does run
 * elsewhere, it then runs twice. Written durably before returning.
 * @return 0 (also when there was no entry); -EINVAL; the journal's errno
 *   when it cannot be rewritten (the entry stays).
 */
VPF_API int vpf_mig_journal_forget(struct vpf_mig *m, uint16_t vf);

/**
 * Remove @p m's journal file and every entry in it, for a device that
 * ceases to exist with its owner: a software model about to be destroyed
 * (its instance identity dies with it, so no later owner can ever read the
 * file). Never call it for a real device: its VFs that migrated away would
 * then be resumed by the next owner. The complete marks in memory stay, so
 * vpf_mig_detach() still leaves those VFs stopped.
 * @return 0 (also without a journal or file); -EINVAL; the errno of the
 *   removal.
 */
VPF_API int vpf_mig_journal_remove(struct vpf_mig *m);

/**
 * The documented way back for a VF left outside Active (an orphan, or one in
 * ERROR): DEV_WRITE_RECORDS_STOP (when the device has write recording),
 * DEV_CTX_DISCARD, MODE_SET Active. The VF resumes with the state it had
 * (Stop/Freeze keep it); a written but unapplied context is dropped.
 * The state becomes RUNNING. As for vpf_mig_abort(), a VF whose context
 * could not be DISCARDed stays in Freeze and the error is returned.
 */
VPF_API int vpf_mig_recover(struct vpf_mig *m, uint16_t vf);

/* ===========================================================================
 * Per-VF state machine
 * ========================================================================= */

/**
 * Completion of an asynchronous per-VF operation, called from
 * vpf_mig_poll() (never from the submitting call).
 * @param rc 0 or a negative errno (vpf_mig_vf_error() has the sentence).
 */
typedef void (*vpf_mig_done_t)(struct vpf_mig *m, uint16_t vf, int rc,
			       void *arg);

/** Current VFIO state of VF @p vf as the library tracks it. */
VPF_API int vpf_mig_get_state(const struct vpf_mig *m, uint16_t vf,
			      enum vpf_mig_state *state);

/**
 * Move VF @p vf to @p target, walking VFIO's intermediate states
 * (vpf_mig_path()). Consecutive mode changes of a walk are coalesced into
 * the last one (RUNNING -> STOP is one MODE_SET Freeze); entry actions run
 * for the target only, exit actions for every state left. Arcs out of or
 * into ERROR are refused with -EPERM and no device command.
 *
 * On failure the VF is in the last state it reached (a failed MODE_SET leaves
 * the mode unchanged, doc/protocol.md §4.3); when the outcome is unknown
 * (timeout) the library re-reads the mode, and goes to ERROR only if that
 * fails too.
 * RESUMING -> STOP with an incomplete or invalid load stream fails with
 * nothing applied (DEV_CTX_DISCARD) and leaves the VF in STOP; in ERROR
 * if that DISCARD failed too, so that nothing can apply the context later.
 */
VPF_API int vpf_mig_set_state(struct vpf_mig *m, uint16_t vf,
			      enum vpf_mig_state target);

/** Asynchronous vpf_mig_set_state(): starts it and returns; @p done is
 *  called from vpf_mig_poll(). @return 0, -EBUSY, or an immediate refusal
 *  (then @p done is not called). */
VPF_API int vpf_mig_set_state_async(struct vpf_mig *m, uint16_t vf,
				    enum vpf_mig_state target,
				    vpf_mig_done_t done, void *arg);

/**
 * Drive the PF's admin engine and the VFs' asynchronous operations.
 * @return number of operations completed, or a negative errno if the PF is
 *   unusable.
 */
VPF_API int vpf_mig_poll(struct vpf_mig *m);

/**
 * vpf_mig_poll() that handles at most @p budget admin completions (0: no
 * limit, as vpf_mig_poll()); what is left stays for the next call. This is
 * how a dataplane loop bounds the time one call takes.
 * @return number of operations completed, or a negative errno as
 *   vpf_mig_poll().
 */
VPF_API int vpf_mig_poll_burst(struct vpf_mig *m, unsigned int budget);

/** Whether an asynchronous operation is running on VF @p vf. */
VPF_API bool vpf_mig_busy(const struct vpf_mig *m, uint16_t vf);

/** Error sentence of the last failed operation of VF @p vf ("" if none). */
VPF_API const char *vpf_mig_vf_error(const struct vpf_mig *m, uint16_t vf);

/**
 * Abort: from any state, DEV_CTX_DISCARD partial reads and writes, stop
 * write recording the library started, drop the save and load streams,
 * and put the VF back in the mode it had when the library first moved it
 * (Active for a running source: its state is unchanged; a destination is as
 * if nothing was written). The state becomes RUNNING (or the state of that
 * mode). Also clears ERROR when the device answers.
 * The DISCARD is retried when it fails; if it keeps failing while a written
 * or partial context may be on the device, the VF does not leave Freeze
 * (leaving would apply it, doc/protocol.md §4.3, D-MIG.6): the error is
 * returned with the VF in STOP and nothing applied.
 * A DEV_WRITE_RECORDS_STOP without answer is sent once more; if it still
 * fails, the VF is put back all the same but the error says that write
 * recording may still be on, and vpf_mig_vf_info::dirty_tracking stays
 * set: vpf_mig_dirty_stop() stops it (D-MIG.K1).
 */
VPF_API int vpf_mig_abort(struct vpf_mig *m, uint16_t vf);
/** Asynchronous vpf_mig_abort(). */
VPF_API int vpf_mig_abort_async(struct vpf_mig *m, uint16_t vf,
				vpf_mig_done_t done, void *arg);

/**
 * Operator: the guest runs on destination VF @p vf, or is to run there,
 * with the state the VF loaded. For a destination whose activation
 * outcome is unknown (a job's pair ended -ENOTCONN: the activating
 * MODE_SET got no usable answer and the mode could not be read back, so the
 * library holds the VF in ERROR while the device may well run the guest),
 * once the operator knows the source stays stopped. vpf_mig_recover() and
 * vpf_mig_reset() are the wrong way out there: they drop (draft) or set
 * back (1.4) what was loaded, and on a device that already runs the guest
 * that overwrites its state or is refused.
 *
 * Sends MODE_SET Active (1.4: resume) without discarding or setting
 * anything back: on a VF that runs it changes nothing, on a stopped one it
 * applies the load. The state becomes RUNNING.
 * @return 0 (also when the VF is RUNNING already); -EPERM when the VF is
 *   not in ERROR or STOP with a complete load that has not been resumed,
 *   dropped or set back since (vpf_mig_recover() is its way back); -EBUSY
 *   while an operation runs on it; the MODE_SET's error (the VF stays
 *   where it was).
 */
VPF_API int vpf_mig_adopt(struct vpf_mig *m, uint16_t vf);

/** Leave ERROR (VFIO: "left only by reset"): same as vpf_mig_recover(). */
VPF_API int vpf_mig_reset(struct vpf_mig *m, uint16_t vf);
/** Asynchronous vpf_mig_recover() (also the asynchronous vpf_mig_reset()):
 *  @p done is called from vpf_mig_poll(). */
VPF_API int vpf_mig_recover_async(struct vpf_mig *m, uint16_t vf,
				  vpf_mig_done_t done, void *arg);

/**
 * Mark VF @p vf a source whose migration completed (the destination runs
 * the guest now): vpf_mig_detach() leaves it stopped instead of reactivating
 * it, and the PF's journal records it durably (written, fsynced and
 * renamed into place) before this returns, so that an owner restarted
 * later never resumes it. vpf_mig_migrate() does this itself. Cleared,
 * with the journal entry, by any later set_state to RUNNING, or an abort
 * or recover that brings the VF back to Active.
 * @return 0; -EINVAL; the journal's errno when the entry could not be
 *   written (the VF is still marked in this process, vpf_last_error()
 *   says why); 0 without an entry when the journal is off ("").
 */
VPF_API int vpf_mig_mark_complete(struct vpf_mig *m, uint16_t vf);

/**
 * Prepare the stops of a migration (virtio 1.4 dialect): journal, in one
 * durable write before this returns, that VFs @p vfs[0 .. @p n - 1] are
 * about to be stopped. A 1.4 stop is journaled before it is sent (a
 * restarted owner reports such a VF and resumes it); a stop whose mark is
 * already written waits for no write, so a caller that drives the VFIO
 * states itself calls this when its migration begins (while the VFs
 * run), as vpf_mig_migrate() does in its setup (doc/migration.md, "The
 * virtio 1.4 dialect"). A mark left by a migration that did not stop the
 * VF only makes a restart send it a harmless resume.
 *
 * On both dialects it also sizes the buffers each VF's stop-copy writes
 * (the context read and the save stream) and faults their pages in, from
 * the VF's last context (twice it and a page; a device chunk before any
 * read), so that the downtime path neither grows them nor takes a page
 * fault (D-PERF.11). A VF with an operation in flight, or owned by a job
 * (which sizes its own), is left as it is.
 * @return 0 (also on a draft PF, or with the journal off); -EINVAL (a VF
 *   that does not exist); the journal's errno when it could not be written
 *   (the stops then write their own marks).
 */
VPF_API int vpf_mig_stop_prepare(struct vpf_mig *m, const uint16_t *vfs,
				 unsigned int n);

/** What the library knows about one VF. */
struct vpf_mig_vf_info {
	enum vpf_mig_state state;
	uint8_t mode;			/**< device mode as last set/read */
	uint8_t orig_mode;		/**< mode before the library moved it */
	bool moved;			/**< the library changed its mode */
	bool complete;			/**< vpf_mig_mark_complete() */
	bool dirty_tracking;		/**< write recording started by vpf,
					 *   or possibly on after a START
					 *   or STOP without an answer */
	bool busy;			/**< async operation running */
	uint32_t precopy_round;		/**< rounds read in this save session */
	uint64_t save_pending;		/**< stream bytes not yet pulled */
	uint64_t save_total;		/**< stream bytes produced */
	uint64_t load_total;		/**< stream bytes accepted */
	uint64_t ctx_written;		/**< context bytes sent by CTX_WRITE */
	/** The PF's journal lists the VF as migrated away. */
	bool journal;
};

/** Fill @p info for VF @p vf. */
VPF_API int vpf_mig_vf_info_get(const struct vpf_mig *m, uint16_t vf,
				struct vpf_mig_vf_info *info);

/* ===========================================================================
 * Save side (STOP_COPY, PRE_COPY, PRE_COPY_P2P)
 * ========================================================================= */

/**
 * Pull up to @p len bytes of the save stream (any @p len). Contexts are read
 * from the device in whole (in device chunks of vpf_mig_params::chunk) when
 * a save state is entered or a round starts, and buffered here.
 * @param got receives the bytes copied; 0 means nothing is pending now: in
 *   STOP_COPY the stream has ended; in PRE_COPY* the round is drained (see
 *   vpf_mig_precopy_round()).
 * @return 0; -EPERM outside STOP_COPY / PRE_COPY / PRE_COPY_P2P; -EBUSY
 *   while an asynchronous operation runs on the VF.
 */
VPF_API int vpf_mig_save_read(struct vpf_mig *m, uint16_t vf, void *buf,
			      size_t len, size_t *got);

/** Precopy progress (VFIO_MIG_GET_PRECOPY_INFO; doc/protocol.md §7.3). */
struct vpf_mig_precopy_info {
	/** DEV_CTX_SIZE_GET(current) of the round being read (D-7.5),
	 *  asked before its first read; equal to @c round_size. Stream bytes
	 *  not yet pulled are in @c pending_bytes. */
	uint64_t initial_bytes;
	/** DEV_CTX_SIZE_GET(freeze_mode 1) once the round was read: what a
	 *  stop-copy would cost now. */
	uint64_t dirty_bytes;
	/** SIZE_GET(current) before the round's first read. */
	uint64_t round_size;
	/** Rounds read in this save session (1 after entering PRE_COPY). */
	uint32_t round;
	/** Save-stream bytes not yet pulled by the caller (0: the round is
	 *  drained). */
	uint64_t pending_bytes;
};

/** Precopy info; -EPERM outside PRE_COPY / PRE_COPY_P2P (as VFIO). */
VPF_API int vpf_mig_precopy_info(const struct vpf_mig *m, uint16_t vf,
				 struct vpf_mig_precopy_info *info);

/**
 * Start the next precopy round: DEV_CTX_DISCARD, then read a fresh complete
 * context of the current state (doc/protocol.md §4.8) and append it to the
 * save stream. PRE_COPY / PRE_COPY_P2P only (-EPERM otherwise).
 */
VPF_API int vpf_mig_precopy_round(struct vpf_mig *m, uint16_t vf);
/** Asynchronous vpf_mig_precopy_round(). */
VPF_API int vpf_mig_precopy_round_async(struct vpf_mig *m, uint16_t vf,
					vpf_mig_done_t done, void *arg);

/* ===========================================================================
 * Load side (RESUMING)
 * ========================================================================= */

/**
 * Push @p len bytes of a load stream (any split). The stream is parsed and
 * checked as it comes: header (version, CRC, the source's PCI vendor/device
 * id against this PF's, the source's field list against this VF's
 * DEV_CTX_FIELDS_QUERY), then records (CRC, order, context
 * validity and every field against FIELDS_QUERY). A precopy context is
 * written to the device (DEV_CTX_WRITE) as soon as its record is complete
 * and valid, if vpf_mig_load_precopy_write() allows it (default: yes); the
 * final context only once the trailer has arrived and the whole stream's
 * CRC matched: a corrupt, truncated, reordered or incompatible stream
 * without precopy records never reaches the device.
 * @return 0; -EPERM outside RESUMING; a stream error (-EBADMSG, -EPROTO,
 *   -EPROTONOSUPPORT), after which the load is failed (further writes
 *   return the same error; RESUMING -> STOP fails and discards); or a
 *   device error from DEV_CTX_WRITE.
 */
VPF_API int vpf_mig_load_write(struct vpf_mig *m, uint16_t vf,
			       const void *buf, size_t len);
/** Asynchronous vpf_mig_load_write(): @p buf is consumed before the call
 *  returns; the device writes it triggers complete later. */
VPF_API int vpf_mig_load_write_async(struct vpf_mig *m, uint16_t vf,
				     const void *buf, size_t len,
				     vpf_mig_done_t done, void *arg);

/** Whether precopy contexts of a load stream are written to the device
 *  when they arrive (precopy-to-destination, D-MIG.5;
 *  default true) or only checked. */
VPF_API int vpf_mig_load_precopy_write(struct vpf_mig *m, uint16_t vf,
				       bool write);

/* ===========================================================================
 * Dirty-page tracking (device write recording, doc/protocol.md §6)
 * ========================================================================= */

/** A guest-physical range, bytes. */
struct vpf_mig_range {
	uint64_t addr;
	uint64_t len;
};

/** Most ranges vpf_mig_dirty_start() takes. */
#define VPF_MIG_RANGES_MAX	256

/**
 * Start write recording over @p n ranges with @p page_size pages (a power
 * of two >= 4096). Ranges are aligned outwards to the device page size,
 * sorted and merged (overlapping or adjacent); if the device takes fewer
 * ranges than that, the closest neighbours are merged (gaps are tracked too,
 * never lost). The device page size is the largest supported one not above
 * @p page_size, else the smallest supported; bitmaps are always in
 * @p page_size pages.
 * A range's end must fit in 64 bits once aligned to the device page: the
 * last device page below 2^64 cannot be tracked (doc/migration.md).
 * @return 0; -ENOTSUP "dirty tracking unavailable on this device"; -EBUSY if
 *   already started; -ERANGE for a range reaching into the last device page
 *   of the address space; -EINVAL.
 */
VPF_API int vpf_mig_dirty_start(struct vpf_mig *m, uint16_t vf,
				const struct vpf_mig_range *ranges,
				unsigned int n, uint64_t page_size);

/**
 * Read the device's records over [@p addr, @p addr + @p len) until drained
 * and OR them into @p bitmap: bit i (u64 words, LSB first) is the page at
 * addr + i * page_size, with the page size given to vpf_mig_dirty_start().
 * @p addr and @p len must be multiples of that page size; the window may
 * end at 2^64 (@p addr + @p len == 2^64), not past it. No record is
 * lost: the device clears exactly the records it returned (D-6.4).
 * @param pages receives the number of bits newly set (may be NULL).
 */
VPF_API int vpf_mig_dirty_sync(struct vpf_mig *m, uint16_t vf, uint64_t addr,
			       uint64_t len, uint64_t *bitmap, uint64_t *pages);

/** Stop write recording (records not read are dropped: sync first). */
VPF_API int vpf_mig_dirty_stop(struct vpf_mig *m, uint16_t vf);

/** Asynchronous vpf_mig_dirty_start(): @p ranges are copied before the
 *  call returns; @p done is called from vpf_mig_poll(). */
VPF_API int vpf_mig_dirty_start_async(struct vpf_mig *m, uint16_t vf,
				      const struct vpf_mig_range *ranges,
				      unsigned int n, uint64_t page_size,
				      vpf_mig_done_t done, void *arg);
/** Asynchronous vpf_mig_dirty_sync(): @p bitmap and @p pages (may be NULL)
 *  must stay valid until @p done is called; *@p pages is set then. */
VPF_API int vpf_mig_dirty_sync_async(struct vpf_mig *m, uint16_t vf,
				     uint64_t addr, uint64_t len,
				     uint64_t *bitmap, uint64_t *pages,
				     vpf_mig_done_t done, void *arg);
/** Asynchronous vpf_mig_dirty_stop(). */
VPF_API int vpf_mig_dirty_stop_async(struct vpf_mig *m, uint16_t vf,
				     vpf_mig_done_t done, void *arg);

/** Number of u64 words of a bitmap of @p len bytes in @p page_size pages. */
VPF_API size_t vpf_mig_bitmap_words(uint64_t len, uint64_t page_size);

/* ===========================================================================
 * Compatibility pre-flight (while the source runs)
 * ========================================================================= */

/** Result of vpf_mig_check_compat(). */
struct vpf_mig_compat {
	bool compatible;
	/** False when either side lacks DEV_CTX_FIELDS_QUERY: field lists
	 *  could not be compared (a warning, not a refusal). */
	bool fields_checked;
	uint16_t src_queues;		/**< num_queues of the source VF */
	uint16_t dst_queues;		/**< num_queues of the destination VF */
	uint64_t src_features;		/**< source DEV_FEATURES word 0 */
	uint64_t ctx_estimate;		/**< SIZE_GET(freeze) of the source */
	char reason[192];		/**< why incompatible ("" if not) */
	char warning[192];		/**< e.g. no FIELDS_QUERY ("" if none) */
};

/**
 * Compare source VF and destination VF before any downtime: device type
 * (PF vendor/device id), feature bits, queue counts and FIELDS_QUERY lists.
 * The source keeps running: its Active context is read and discarded
 * (DEV_CTX_READ + DEV_CTX_DISCARD), and so is the destination's.
 * @return 0 compatible (warnings possible); -EPROTO incompatible (reason in
 *   @p out and vpf_last_error()); other negative errno on device errors.
 */
VPF_API int vpf_mig_check_compat(struct vpf_mig *src, uint16_t src_vf,
				 struct vpf_mig *dst, uint16_t dst_vf,
				 struct vpf_mig_compat *out);

/**
 * The asynchronous form of the pre-flight's device part: read VF @p vf's
 * field list, size and running context (then discarded; the VF keeps
 * running) and complete from vpf_mig_poll(). When @p done reports 0 and
 * nothing else has run on the VF since, the next vpf_mig_check_compat(),
 * vpf_mig_desc_export() or vpf_mig_desc_check() (vpf_mig_xport.h) on that
 * VF uses this read and sends no command for it: those calls then return
 * without waiting for the device. The read is used once.
 * @return 0, -EBUSY, -EPERM (the VF is not running), -EINVAL.
 */
VPF_API int vpf_mig_preflight_async(struct vpf_mig *m, uint16_t vf,
				    vpf_mig_done_t done, void *arg);

/* ===========================================================================
 * Stream format (pure; layout in doc/migration.md)
 * ========================================================================= */

/** Stream magic: the 8 bytes "VPFMIG\r\n". */
#define VPF_MIG_STREAM_MAGIC	"VPFMIG\r\n"
/** Stream format version written and read. */
#define VPF_MIG_STREAM_VERSION	1
/** Record types. Bit 15 of the record flags marks a required record. */
#define VPF_MIG_REC_PRECOPY	0x0001	/**< a precopy context (required) */
#define VPF_MIG_REC_FINAL	0x0002	/**< the final context (required) */
#define VPF_MIG_REC_INFO	0x0003	/**< statistics text (optional) */
#define VPF_MIG_REC_END		0x00ff	/**< trailer (required) */
/** A precopy parts set: le32 round, le32 reserved, then a virtio 1.4
 *  PARTS_GET result (required; only in a stream with
 *  VPF_MIG_HDR_F_PARTS). */
#define VPF_MIG_REC_PARTS_PRECOPY	0x0011
/** The final parts set (required; only with VPF_MIG_HDR_F_PARTS). */
#define VPF_MIG_REC_PARTS_FINAL		0x0012
/** Header flag: the stream carries virtio 1.4 parts sets (records
 *  PARTS_PRECOPY and PARTS_FINAL) instead of draft TLV contexts; the
 *  header's field list is then empty. */
#define VPF_MIG_HDR_F_PARTS	0x0001
/** Record flag: the reader must understand this type or refuse. */
#define VPF_MIG_REC_F_REQUIRED	0x8000
/** Largest record payload a reader accepts (16 MiB). */
#define VPF_MIG_REC_MAX		(16u << 20)
/** Largest field list in a header. */
#define VPF_MIG_FIELDS_MAX	1024

/** What a stream says about its source and contents. */
struct vpf_mig_stream_info {
	uint16_t version;
	uint16_t vendor_id;		/**< source PF's PCI ids */
	uint16_t device_id;
	uint16_t src_vf;
	uint16_t num_queues;		/**< source VF queue count */
	uint64_t features[2];		/**< source DEV_FEATURES words 0-1 */
	uint32_t nfields;		/**< source FIELDS_QUERY entries (0:
					 *   the source had none) */
	bool parts;			/**< VPF_MIG_HDR_F_PARTS: the state
					 *   records are 1.4 parts sets */
	uint32_t records;		/**< records seen (END included) */
	uint32_t precopy;		/**< precopy contexts seen */
	uint32_t skipped;		/**< optional unknown records skipped */
	bool final;			/**< the final context was seen */
	bool complete;			/**< END seen and whole-stream CRC ok */
	uint64_t final_len;		/**< final context length */
	uint64_t bytes;			/**< stream bytes consumed */
};

/**
 * Validate a whole stream held in memory: framing, every CRC, record order,
 * every context (doc/protocol.md §5.4, zero padding allowed) or parts set
 * (doc/protocol.md §10, a stream with VPF_MIG_HDR_F_PARTS) and, if
 * @p fields is not NULL, every field against that FIELDS_QUERY list
 * (@p nfields entries, wire format) and the header's field list against it.
 * @param info filled as far as parsing got (may be NULL).
 * @return 0 for a complete, valid stream; -EBADMSG, -ENODATA (truncated),
 *   -EPROTONOSUPPORT, -EPROTO (incompatible), -EINVAL.
 */
VPF_API int vpf_mig_stream_validate(const void *buf, size_t len,
				    const struct vpf_admin_ctx_field_info *fields,
				    unsigned int nfields,
				    struct vpf_mig_stream_info *info);

/* ===========================================================================
 * Migration driver: many VFs at once
 * ========================================================================= */

/** Phases of vpf_mig_migrate(), in order. */
enum vpf_mig_phase {
	VPF_MIG_PHASE_PREFLIGHT = 0,	/**< compatibility, size estimates */
	VPF_MIG_PHASE_SETUP,		/**< dst to RESUMING, dirty start */
	VPF_MIG_PHASE_PRECOPY,		/**< one call per round */
	VPF_MIG_PHASE_STOP_COPY,	/**< src Freeze, final read, dst write */
	VPF_MIG_PHASE_RESUME,		/**< dst Active (downtime ends) */
	VPF_MIG_PHASE_DONE,		/**< summary (also after failures) */
	VPF_MIG_PHASE_MAX
};

/** Name of a phase ("preflight", "setup", "precopy", "stop-copy",
 *  "resume", "done"). */
VPF_API const char *vpf_mig_phase_name(enum vpf_mig_phase p);

/** Progress report, summed over the pairs still migrating. */
struct vpf_mig_progress {
	enum vpf_mig_phase phase;	/**< the phase that just finished */
	uint32_t round;			/**< precopy round (1..), else 0 */
	uint32_t pairs;			/**< pairs in the migration */
	uint32_t failed;		/**< pairs failed so far */
	uint64_t bytes;			/**< stream bytes moved in this phase
					 *   (this round) */
	uint64_t dirty_pages;		/**< pages newly reported dirty in this
					 *   round / the final sync */
	uint64_t initial_bytes;		/**< precopy info (SIZE_GET(current)
					 *   of the round, D-7.5), summed */
	uint64_t dirty_bytes;		/**< precopy info, summed */
	uint64_t phase_ns;		/**< time this phase (round) took */
	uint64_t elapsed_ns;		/**< since vpf_mig_migrate() started */
};

/** Return value of a progress callback: end precopy now (go to stop-copy). */
#define VPF_MIG_PROGRESS_STOP_PRECOPY	1

/**
 * Progress callback, called after each phase (each precopy round) with the
 * source VFs still running during precopy, so a caller can run its
 * workload, copy dirty pages, or decide when to stop.
 * @return 0 to continue; VPF_MIG_PROGRESS_STOP_PRECOPY to skip the
 *   remaining precopy rounds; a negative errno to abort every pair (from
 *   the pre-flight, setup and precopy reports; after stop-copy there is
 *   nothing left to abort and the value is ignored).
 */
typedef int (*vpf_mig_progress_t)(const struct vpf_mig_progress *p,
				  void *arg);

struct vpf_mig_pair;

/** Options of vpf_mig_migrate(); initialise with vpf_mig_opts_init(). */
struct vpf_mig_opts {
	/** Precopy rounds (0: none; the source goes straight to STOP_COPY). */
	uint32_t precopy_rounds;
	/** Write precopy contexts to the destination (default true when
	 *  precopy_rounds > 0): shortens activation on the destination. */
	bool precopy_to_dst;
	/** Track dirty pages with write recording (default false). */
	bool dirty;
	/** Ranges to track; NULL/0: one range of 1 GiB at address 0 (the
	 *  model's default guest memory). The bitmap spans the first page to
	 *  the last; a span of the whole 64-bit address space is -ERANGE. */
	const struct vpf_mig_range *ranges;
	unsigned int nranges;
	/** Bitmap page size (default 4096). */
	uint64_t page_size;
	/** Device chunk for CTX_READ/WRITE, multiple of 8; 0: each PF's
	 *  vpf_mig_params::chunk. */
	uint32_t chunk;
	/** Stream bytes handed from source to destination per transfer
	 *  (any size, models a transport's buffer); 0: everything pending. */
	uint32_t stream_chunk;
	/** One VF after another, one command at a time (as the Linux
	 *  driver does) instead of pipelined across VFs. */
	bool serial;
	/** Skip the compatibility pre-flight (default false). */
	bool no_preflight;
	/** Progress callback (may be NULL) and its argument. */
	vpf_mig_progress_t progress;
	void *arg;
	/**
	 * Cancellation (may be NULL), called with @c arg on every poll while
	 * commands are in flight and at the start of each phase; return true
	 * to cancel (e.g. an operator's Ctrl-C; it must be cheap). Every pair
	 * whose destination activation has not been issued yet is aborted as
	 * after a failure (source running with its state unchanged,
	 * destination with nothing applied; rc -ECANCELED); a pair already
	 * activating its destination completes, since the guest may run
	 * there already. Commands already sent are waited for (at most the
	 * PF's command timeout each), so cancelling takes bounded time.
	 */
	bool (*cancel)(void *arg);
	/**
	 * Called (may be NULL) with @c arg once per pair when the destination
	 * holds the source's whole state and has not been resumed yet: the
	 * point where a hypervisor has finished copying the guest's memory.
	 * In the virtio 1.4 dialect that memory holds the rings' positions,
	 * which are not device state (doc/migration.md, "The virtio 1.4
	 * dialect"); a software model's guest ring state is moved here. A
	 * negative errno fails the pair as a failed load does: the source is
	 * resumed and the destination gets its earlier state back. The
	 * destination half of a migration across processes calls it too.
	 */
	int (*before_resume)(const struct vpf_mig_pair *p, void *arg);
	/**
	 * Peer timeout of a half over a transport (vpf_mig_xport.h; each
	 * half reads its own options; vpf_mig_migrate() and
	 * vpf_mig_job_start() ignore it): while its job runs, a half that
	 * receives no byte from its peer for this many milliseconds fails
	 * the link with -ETIMEDOUT ("no data from the destination for N
	 * ms"), as if the transport broke: a peer that neither answers nor
	 * closes (its host died, a network partition) does not hold the
	 * half for ever. Halves send a keep-alive frame after a quarter of
	 * it without traffic, so a slow peer that polls its job is never
	 * timed out; the callbacks of either side (progress,
	 * before_resume, the caller's own work between polls) must not
	 * hold a poll that long. 0: VPF_MIG_PEER_TIMEOUT_MS_DEFAULT
	 * (30 s). There is no "never": UINT32_MAX (49 days) comes close.
	 */
	uint32_t peer_timeout_ms;
	/**
	 * Stop window of vpf_mig_migrate() and vpf_mig_job_start(): at most
	 * this many pairs per source PF in their stop arc at once, from the
	 * source's stop to the end of its final state read; the next pair
	 * stops when one of them is read. A device works its admin queue in
	 * order, so with every stop sent at once each pair's read waits
	 * behind all the other stops and no destination can start before
	 * they are done; with the window a pair's read waits behind at most
	 * a window of commands and destinations start one chain after the
	 * first stop (doc/migration.md, "The stop window").
	 *
	 * 0 (default): twice the source device's concurrency as
	 * vpf_admin_concurrency() estimates it (one set of commands served,
	 * one waiting, so its engines never run dry), at least
	 * VPF_MIG_STOP_WINDOW_MIN; no limit while the PF has no estimate.
	 * VPF_MIG_STOP_WINDOW_ALL: every stop at once. Any other value:
	 * that many pairs. Pairs start in order, so a full window on one
	 * source PF also holds the pairs behind it on other PFs. The halves
	 * of a migration across processes (vpf_mig_xport.h) ignore it.
	 */
	uint32_t stop_window;
};

/** vpf_mig_opts::stop_window: no limit, every pair stops at once. */
#define VPF_MIG_STOP_WINDOW_ALL	UINT32_MAX
/** vpf_mig_opts::stop_window: the least window an estimate gives. */
#define VPF_MIG_STOP_WINDOW_MIN	8u

/** Fill @p o with the defaults. */
VPF_API void vpf_mig_opts_init(struct vpf_mig_opts *o);

/** One VF to migrate and, after vpf_mig_migrate(), its result. */
struct vpf_mig_pair {
	/* in */
	struct vpf_mig *src;		/**< source PF's migration layer */
	uint16_t src_vf;
	struct vpf_mig *dst;		/**< destination PF's migration layer */
	uint16_t dst_vf;
	/** Optional: receives the dirty bitmap (vpf_mig_bitmap_words() over
	 *  the tracked span, first range start to last range end). */
	uint64_t *bitmap;
	/* out */
	int rc;				/**< 0 or negative errno */
	enum vpf_mig_phase failed_phase; /**< where it failed (if rc) */
	char error[192];		/**< why it failed ("" if ok) */
	uint64_t downtime_ns;		/**< src Freeze issued -> dst Active
					 *   completed, transfer included */
	uint64_t bytes;			/**< stream bytes moved */
	uint64_t ctx_bytes;		/**< final context length */
	uint64_t pages;			/**< pages reported dirty (union) */
	uint32_t precopy_rounds;	/**< rounds done */
	uint64_t t_freeze_ns;		/**< Freeze issued, since start */
	uint64_t t_active_ns;		/**< dst Active completed, since start */
};

/** Timing and totals of a whole vpf_mig_migrate() call. */
struct vpf_mig_result {
	uint32_t pairs;
	uint32_t ok;
	uint32_t failed;
	uint64_t total_ns;		/**< whole call */
	/** First source MODE_SET Freeze issued to last destination MODE_SET
	 *  Active completed: the guest's downtime for these devices. */
	uint64_t downtime_ns;
	uint64_t downtime_max_ns;	/**< longest per-pair downtime */
	uint64_t bytes;			/**< stream bytes moved, all pairs */
	uint64_t precopy_bytes;		/**< of which in precopy */
	uint64_t pages;			/**< dirty pages, all pairs */
	uint32_t precopy_rounds;	/**< rounds done */
	uint64_t cmds;			/**< admin commands completed */
	uint64_t phase_ns[VPF_MIG_PHASE_MAX]; /**< wall time per phase */
};

/**
 * Migrate @p n pairs: pre-flight (compatibility while the sources run),
 * setup (destinations to RESUMING, dirty tracking), precopy rounds
 * (sources PRE_COPY / more rounds; contexts to the destinations if
 * precopy_to_dst; progress after each), stop-copy (sources Freeze, final
 * context, final dirty sync; stream to the destinations), resume
 * (destinations RUNNING; sources STOP and marked complete).
 *
 * Commands of all pairs are in flight together through the pipelined admin
 * engine, one at a time per VF; with @c serial, one pair after another.
 * A failing pair is aborted (source back to running with its state
 * unchanged, destination with nothing applied) and the others go on.
 * A pair may use the same PF twice (src == dst) with different VFs.
 *
 * @param res filled (may be NULL).
 * @return 0 if every pair succeeded (also when a cancel came too late to
 *   stop any pair); -ECANCELED if vpf_mig_opts::cancel stopped a pair; the
 *   first failing pair's errno otherwise (details in each pair); -EINVAL
 *   for bad arguments and -ERANGE for dirty ranges no bitmap can span
 *   (nothing done); the progress callback's errno if it aborted.
 */
VPF_API int vpf_mig_migrate(const struct vpf_mig_opts *o,
			    struct vpf_mig_pair *pairs, unsigned int n,
			    struct vpf_mig_result *res);

/* ===========================================================================
 * Linux's record format (doc/migration.md, "Linux's record format")
 * ========================================================================= */

/**
 * Streaming converters between vpf's stream of a virtio 1.4 VF (header
 * flag VPF_MIG_HDR_F_PARTS) and the migration data Linux's virtio-vfio-pci
 * driver writes: records `le64 record_size; le32 flags; le32 tag` each
 * followed by record_size bytes, a DEVICE_DATA record (tag 0) holding one
 * complete PARTS_GET result (doc/protocol.md §10.6). Both directions take
 * their input in pieces split anywhere (a FIFO's reads) and hand their
 * output to a callback as it becomes final; memory is bounded by one
 * record (at most VPF_MIG_REC_MAX bytes) held plus the one arriving.
 *
 * - vpf -> Linux (VPF_MIG_LINUX_TO): the input is checked as a destination
 *   checks it (framing, every CRC, order, each parts set); one DEVICE_DATA
 *   record is written per PARTS_PRECOPY record as soon as it passed, and
 *   one for PARTS_FINAL only once END proved the whole stream intact. The
 *   header's identity (PCI ids, source VF, queue count) and the precopy
 *   round numbers have no place in Linux's format and are dropped. A
 *   stream of draft device contexts is refused (-EPROTO): Linux's format
 *   carries 1.4 device parts only.
 * - Linux -> vpf (VPF_MIG_LINUX_FROM): each DEVICE_DATA record is checked
 *   (VPF_PARTS_F_CARRY); every record but the last becomes a PARTS_PRECOPY
 *   record (rounds 1, 2, ...), the last PARTS_FINAL, then END: the last
 *   record is held back until the input ends. Records with an unknown tag
 *   flagged optional are skipped; an unknown tag without the flag is
 *   refused; a record whose parts end exactly 8 bytes before its end (Linux
 *   6.13.0-6.15.2, CVE-2025-38314) is taken without those bytes and
 *   counted as a warning. Linux's format says nothing about its source:
 *   the header written carries the identity the caller passes
 *   (struct vpf_mig_linux_id), normally the destination's own, so the
 *   header checks of vpf_mig_load_write() pass by construction.
 *
 * Errors are sticky: after one, feed and finish return it again.
 * vpf_last_error() and vpf_mig_linux_conv_errmsg() hold the sentence.
 */

/** Which way a converter goes. */
enum vpf_mig_linux_dir {
	VPF_MIG_LINUX_TO = 0,	/**< vpf stream in, Linux records out */
	VPF_MIG_LINUX_FROM = 1,	/**< Linux records in, vpf stream out */
};

/** What a vpf stream made from Linux records says about its source:
 *  Linux's format carries no identity, so these are the caller's. */
struct vpf_mig_linux_id {
	uint16_t vendor_id;	/**< PCI vendor id written in the header */
	uint16_t device_id;	/**< PCI device id */
	uint16_t vf;		/**< "source" VF number */
	uint16_t num_queues;	/**< queue count (0: none claimed) */
	uint64_t features[2];	/**< DEV_FEATURES words 0-1 (informative) */
};

/**
 * Where converted bytes go. Called with each piece of output in order, as
 * soon as it is final; @p buf is valid for the call only.
 * @return 0, or a negative errno that fails the conversion.
 */
typedef int (*vpf_mig_linux_out_t)(const void *buf, size_t len, void *arg);

/** A streaming converter (opaque). */
struct vpf_mig_linux_conv;

/** Counts of a conversion so far. */
struct vpf_mig_linux_stats {
	uint64_t bytes_in;	/**< input bytes consumed */
	uint64_t bytes_out;	/**< output bytes handed to the callback */
	uint32_t records_in;	/**< state records read (DEVICE_DATA, or
				 *   PARTS_PRECOPY / PARTS_FINAL) */
	uint32_t records_out;	/**< state records written */
	uint32_t skipped;	/**< optional records skipped (either way) */
	uint32_t warnings;	/**< Linux records whose CVE-2025-38314 tail
				 *   was dropped */
	bool done;		/**< vpf_mig_linux_conv_finish() succeeded */
};

/**
 * A converter.
 * @param dir which way.
 * @param id the identity to write (VPF_MIG_LINUX_FROM; ignored and may be
 *   NULL for VPF_MIG_LINUX_TO).
 * @param out where the output goes (not NULL).
 * @return the converter, or NULL with vpf_last_error() (-EINVAL, -ENOMEM).
 */
VPF_API struct vpf_mig_linux_conv *
vpf_mig_linux_conv_new(enum vpf_mig_linux_dir dir,
		       const struct vpf_mig_linux_id *id,
		       vpf_mig_linux_out_t out, void *arg);

/** Free a converter (NULL allowed). */
VPF_API void vpf_mig_linux_conv_free(struct vpf_mig_linux_conv *c);

/**
 * Feed @p len input bytes (any split; the output does not depend on it).
 * @return 0; a stream error (-EBADMSG, -EPROTO for a draft stream to
 *   Linux, -EPROTONOSUPPORT for a required unknown Linux tag or an
 *   unknown vpf version, -EFBIG for a Linux record over 4 GiB - 1 or over
 *   what a vpf record holds); the output callback's errno; -ENOMEM;
 *   -EINVAL (fed after finish).
 */
VPF_API int vpf_mig_linux_conv_feed(struct vpf_mig_linux_conv *c,
				    const void *buf, size_t len);

/**
 * End of input: Linux -> vpf writes the held record as PARTS_FINAL and the
 * END record.
 * @return 0; -ENODATA (input cut inside a record; a vpf stream without its
 *   END; Linux records with no DEVICE_DATA record: "no device data"); an
 *   earlier sticky error.
 */
VPF_API int vpf_mig_linux_conv_finish(struct vpf_mig_linux_conv *c);

/** Counts so far. */
VPF_API void vpf_mig_linux_conv_stats(const struct vpf_mig_linux_conv *c,
				      struct vpf_mig_linux_stats *s);

/** The sentence of the sticky error ("" if none). */
VPF_API const char *
vpf_mig_linux_conv_errmsg(const struct vpf_mig_linux_conv *c);

/** The warning for a dropped CVE-2025-38314 tail (names the Linux versions
 *  and the CVE) if any record had one, else NULL. */
VPF_API const char *
vpf_mig_linux_conv_warning(const struct vpf_mig_linux_conv *c);

/**
 * Convert a whole stream held in memory.
 * @param out receives a malloc()ed buffer with the output (free() it); NULL
 *   on failure.
 * @param out_len its length.
 * @param stats filled (may be NULL), also on failure.
 * @return as vpf_mig_linux_conv_feed() / _finish().
 */
VPF_API int vpf_mig_linux_convert(enum vpf_mig_linux_dir dir,
				  const struct vpf_mig_linux_id *id,
				  const void *in, size_t len, void **out,
				  size_t *out_len,
				  struct vpf_mig_linux_stats *stats);

/** What a migration stream's first bytes say it is. */
enum vpf_mig_format {
	VPF_MIG_FORMAT_NEED_MORE = 0,	/**< too few bytes to tell */
	VPF_MIG_FORMAT_UNKNOWN,		/**< neither */
	VPF_MIG_FORMAT_VPF,		/**< vpf's stream (its magic) */
	VPF_MIG_FORMAT_LINUX,		/**< Linux records */
};

/** Bytes vpf_mig_format_detect() needs to decide in every case (16). */
#define VPF_MIG_FORMAT_DETECT_LEN	16u

/**
 * Tell a stream's format from its first @p len bytes: VPF if they start
 * with VPF_MIG_STREAM_MAGIC; LINUX if the first 16 bytes are a record
 * header with record_size <= 4 GiB - 1; NEED_MORE while fewer bytes do not
 * decide it (never once @p len >= VPF_MIG_FORMAT_DETECT_LEN); UNKNOWN
 * otherwise.
 */
VPF_API enum vpf_mig_format vpf_mig_format_detect(const void *buf, size_t len);

/** "need-more", "unknown", "vpf" or "linux". */
VPF_API const char *vpf_mig_format_name(enum vpf_mig_format f);

#ifdef __cplusplus
}
#endif

#endif /* VPF_MIG_H */
