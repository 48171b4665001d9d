#!/usr/bin/env bash
# Evaluation on a Slurm cluster, as mmpretrain 1.x:
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS="..."] \
#       bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py options]
# tools/test.py reads the ranks from Slurm (--launcher slurm); the srun
# line is tools/srun.sh.
# $1 PARTITION, $2 JOB_NAME, $3 CONFIG, $4 CHECKPOINT
exec bash "$(dirname "$0")/srun.sh" "$1" "$2" "$(dirname "$0")/test.py" \
    "$3" "$4" --launcher="slurm" "${@:5}"
