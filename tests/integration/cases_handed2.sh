#!/usr/bin/env bash
# cases_handed2: the second half of cases_handed.sh's guests (ivthook, ivtnohook,
# pmswitch, poweroff, repmovs, smi), split off so each script stays well inside
# the runner's time limit.
CASES_PART=2 exec bash "$(dirname "$0")/cases_handed.sh"
