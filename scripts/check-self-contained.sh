#!/usr/bin/env bash
# Fails if any tracked code, script or build file names a path outside the
# repository (the workplace's shared folder, a machine's absolute paths): a clone
# with nothing beside it must build, test and benchmark. .ci/run proves the same
# dynamically by running make test from a copy with nothing beside it.
set -euo pipefail
cd "$(dirname "$0")/.."

files=$(git ls-files -- '*.go' '*.sh' '*.s' 'Makefile' '*/Makefile' '.ci/*' 'go.mod' '*/go.mod' |
	grep -v '^scripts/check-self-contained.sh$')
# (The shared folder's name is spelled with a class, [e], so that this line does not
# match itself in other tools' checks.)
if hits=$(grep -nE '(/work/|/home/|/root/|/tmp/|shar[e]d/data|\.\./shar[e]d|"shar[e]d")' $files); then
	echo "refers to a path outside the repository:"
	echo "$hits"
	exit 1
fi
echo "self-contained: no code, script or build file names a path outside the repository"
