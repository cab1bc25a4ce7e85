/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 *
 * One way to log, for every module of libvpf and the drivers.
 *
 * Each module has one rte_log type, registered once in one of its .c files
 * with VPF_LOG_REGISTER(mod) and declared where its other files see it with
 * VPF_LOG_DECLARE(mod): the variable is vpf_logtype_<mod> and the type's
 * name "vpf.<mod>", so that `--log-level='vpf.*:debug'` (or
 * rte_log_set_level_pattern()) reaches all of vpf and `vpf.admin:debug` one
 * module.
 *
 * Lines are logged with VPF_LOG(mod, LEVEL, fmt, ...), which prints
 *
 *	vpf.<mod>: <message>\n
 *
 * The macro adds the prefix and the newline: a format never ends in "\n".
 * A message about one named object (a PF, a model) starts with its name,
 * "vpf.admin: src: doorbell failed: ..."; modules wrap that in a macro of
 * their own (ADMIN_LOG(level, pf, fmt, ...) in lib/admin) defined with
 * VPF_LOG_NAMED() so that the format stays the same everywhere.
 *
 * Logs are for operators watching a process; the sentence a failing call
 * returns to its caller is vpf_error()'s (vpf_common.h), not a log line.
 *
 * Internal header (not installed): include it as "common/vpf_log.h"; code
 * built with vpf_internal_dep (lib/meson.build) has lib/ on its include
 * path.
 */

#ifndef VPF_LOG_H
#define VPF_LOG_H

#include <rte_log.h>

/** Define the log type of module @p mod (once per module, in a .c file):
 *  variable vpf_logtype_<mod>, type name "vpf.<mod>", level NOTICE. */
#define VPF_LOG_REGISTER(mod) \
	RTE_LOG_REGISTER(vpf_logtype_ ## mod, vpf.mod, NOTICE)

/** Declare the log type of module @p mod for the module's other files. */
#define VPF_LOG_DECLARE(mod) \
	extern int vpf_logtype_ ## mod

/** Log one line "vpf.<mod>: <fmt>\n" at RTE_LOG_<level> (ERR, WARNING,
 *  NOTICE, INFO, DEBUG). */
#define VPF_LOG(mod, level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vpf_logtype_ ## mod, \
		"vpf." #mod ": " fmt "\n", ##__VA_ARGS__)

/** Log one line about the object named @p name (a C string):
 *  "vpf.<mod>: <name>: <fmt>\n". */
#define VPF_LOG_NAMED(mod, level, name, fmt, ...) \
	VPF_LOG(mod, level, "%s: " fmt, (name), ##__VA_ARGS__)

#endif /* VPF_LOG_H */
