# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vpf authors
# vpf-cli script cases (journal); run inside cli_test.py's namespace.
