#!/usr/bin/env bash
# check-layout: the rooms of the source tree and which rooms each may include.
#
# The tree reads as the data flow (see README.md, "Layout"):
#
#   emulator side   gdbstub/ (GDB remote protocol)   qemu/ (QEMU, its -d log)
#                   bochs/ (Bochs, its debugger's text)
#   beside them     recipes/ (the recipe language, pure; may use diffing/'s
#                   pure decoders such as bioscall)
#   recording       record/ (session + engines)  ->  db/ (the run file)
#   comparing       diffing/ (pure algorithms)  ->  compare/ (read two runs, align)
#   output          reports/ (render a comparison)
#   on top          cli/ (the hvtrace program)
#   apart           hv/ (the hypervisor, freestanding)   common/ (shared by all)
#
# A room may include only the rooms listed for it below; a project include is
# always a full path ("gdbstub/rsp.h"), so the first path component is the room.
# tests/, bench/ and generated code may include anything and are not checked.
# Every room needs a README.md saying what it owns and what it may include.
# A directory of C sources that is not listed here fails: add its rule.
#
#   usage: scripts/check-layout.sh [ROOT]     exit 0 clean, 1 violations
#   prints one line per violation, then "ok layout: ..." or "FAIL layout: ..."
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2

declare -A may=(
    [common]="common"
    [hv]="hv"
    [gdbstub]="common gdbstub"
    [qemu]="common gdbstub qemu"
    [bochs]="common gdbstub bochs"
    [recipes]="common diffing recipes"
    [db]="common db"
    [record]="common gdbstub qemu bochs recipes db record"
    [diffing]="common db diffing"
    [compare]="common db diffing compare"
    [reports]="common db diffing compare reports"
    [cli]="common gdbstub qemu bochs recipes db record diffing compare reports cli"
)
unchecked=" tests bench build build-san build-fuzz scripts docs out "

bad=0 nfiles=0 nincl=0
complain() { echo "$1"; bad=$((bad + 1)); }

# Every directory holding C or assembly sources belongs to a known room.
for dir in $(find . -path ./.git -prune -o -type f \( -name '*.[chS]' -o -name '*.inc' \) -print |
             cut -d/ -f2 | sort -u); do
    case $unchecked in *" $dir "*) continue ;; esac
    [ -f "$dir" ] && { complain "$dir: a source file at the top of the tree (put it in a room)"; continue; }
    [ -n "${may[$dir]+x}" ] || { complain "$dir/: not a known room (add its rule to scripts/check-layout.sh)"; continue; }
done
rooms=$(printf '%s\n' "${!may[@]}" | sort)
for room in $rooms; do
    [ -d "$room" ] || continue
    [ -f "$room/README.md" ] || complain "$room/: no README.md saying what it owns and may include"
done

for room in $rooms; do
    [ -d "$room" ] || continue
    while IFS= read -r f; do
        nfiles=$((nfiles + 1))
        # "FILE:LINE:#include "x/y.h"" for every quoted include.
        while IFS=: read -r line text; do
            [[ $text =~ include[[:space:]]*\"([^\"]*)\" ]] || continue
            inc=${BASH_REMATCH[1]}
            nincl=$((nincl + 1))
            case $inc in
            */*) target=${inc%%/*} ;;
            *) complain "$f:$line: #include \"$inc\" is not a full path (write \"ROOM/$inc\")"; continue ;;
            esac
            case " ${may[$room]} " in
            *" $target "*) ;;
            *) complain "$f:$line: $room/ includes $inc ($room/ may include: ${may[$room]})" ;;
            esac
        done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f")
    done < <(find "$room" -type f \( -name '*.[chS]' -o -name '*.inc' \) | sort)
done

if [ "$bad" = 0 ]; then
    echo "ok layout: $nfiles files, $nincl includes, every room includes only the rooms below it"
    exit 0
fi
echo "FAIL layout: $bad violation(s) (rules in scripts/check-layout.sh)"
exit 1
