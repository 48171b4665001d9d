#!/usr/bin/env bash
# Distributed training with torchrun: bash tools/dist_train.sh CONFIG N [train.py options]
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT on every node
# (tools/torchrun.sh). Without a GPU the N processes run on the CPU with
# the gloo backend.
CONFIG=$1
GPUS=$2
TOOLS="$(dirname "$0")"
exec bash "$TOOLS/torchrun.sh" "$GPUS" "$TOOLS/train.py" "$CONFIG" \
    --launcher pytorch "${@:3}"
