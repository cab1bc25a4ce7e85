/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vpf authors
 */

/* Placeholder: being written. */
typedef int mig_desc_placeholder;
