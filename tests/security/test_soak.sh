#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The short soak: bench/soak.sh with 50 cycles (half vnet); it fails when
# a cycle fails or the run's cgroups, processes, mounts, namespaces,
# interfaces or run-dir files differ at the end. bench/soak.sh 1000 is
# the long run.
bash "$CELL_SOURCE_DIR/bench/soak.sh" 50
