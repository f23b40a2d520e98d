#!/bin/sh
cd /work/wt-ops
. /work/wt-ops/scripts/env.sh
setup_cross && meson compile -C "$cross_build"
