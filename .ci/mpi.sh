#!/usr/bin/env bash
# Distributed evolution over MPI: install Debian's Open MPI (and libclang for the
# rsmpi bindings) if missing, build hebb with `--features mpi`, lint it, and run the tests that
# drive `mpirun --allow-run-as-root --oversubscribe -np N hebb train` (bit-identity with the
# single-process run for N = 2 and 3, dynamic and static balancing; a killed rank ends the job
# with a resume hint, and --resume finishes it with the same bits). A few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

if ! dpkg -s libopenmpi-dev openmpi-bin libclang-dev >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenmpi-dev openmpi-bin libclang-dev >/dev/null
fi
mpirun --version | head -1

echo "== clippy (feature mpi)"
cargo clippy -p hebb-train --all-targets --features mpi -- -D warnings
echo "== MPI tests"
cargo test -p hebb-train --features mpi --test mpi
