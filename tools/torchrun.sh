#!/usr/bin/env bash
# What tools/dist_train.sh and tools/dist_test.sh share: run a tool under
# torchrun (python -m torch.distributed.run) on NPROC processes per node.
#   bash tools/torchrun.sh NPROC TOOL.py [tool arguments]
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT on every node
# (the same MASTER_ADDR and PORT everywhere: node 0's address). `python` is
# the first on PATH: enter the environment first (source .venv/bin/activate).
NPROC=$1
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

python -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" \
    --master_port="$PORT" \
    "${@:2}"
