#!/usr/bin/env bash
# Distributed evaluation with torchrun: bash tools/dist_test.sh CONFIG CHECKPOINT N [test.py options]
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT on every node
# (tools/torchrun.sh). Without a GPU the N processes run on the CPU with
# the gloo backend.
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
TOOLS="$(dirname "$0")"
exec bash "$TOOLS/torchrun.sh" "$GPUS" "$TOOLS/test.py" "$CONFIG" \
    "$CHECKPOINT" --launcher pytorch "${@:4}"
