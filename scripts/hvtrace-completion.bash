# Bash completion for hvtrace: commands, each command's options, the values
# of --engine/--emulator/--with-hv, recipe names after --recipe and after
# `hvtrace recipes`, file names elsewhere.
#
# Commands, options and recipe names are asked from the hvtrace being
# completed (`hvtrace --help`, `hvtrace CMD --help`, `hvtrace recipes`), so the
# completion never lists an option that binary lacks.  Installed by
# `make install` as PREFIX/share/bash-completion/completions/hvtrace; to try it
# from a build tree: source scripts/hvtrace-completion.bash
# Needs plain bash only (not the bash-completion package's helpers).

_hvtrace_commands() {     # $1: the hvtrace binary
    "$1" --help 2>/dev/null | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }'
}

_hvtrace_options() {      # $1: binary, $2: command
    local help
    help=$("$1" "$2" --help 2>/dev/null) || return 0
    { printf '%s\n' "$help" | grep -o -- '--[a-z][a-z0-9-]*'
      printf '%s\n' "$help" | grep -o -- '^  -[a-z],' | tr -d ' ,'
      printf '%s\n' "$help" | head -1 | grep -oE -- ' \[?-[a-z]\b' | tr -d ' ['
      echo --help; } | grep -vx -- --version | sort -u
}

_hvtrace_recipes() {      # $1: binary
    "$1" recipes 2>/dev/null | awk '{ print $1 }'
}

_hvtrace() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local hvt=${COMP_WORDS[0]} cmd=${COMP_WORDS[1]} words
    COMPREPLY=()
    if [ "$COMP_CWORD" -eq 1 ]; then
        words="$(_hvtrace_commands "$hvt") --help --version"
        mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
        return 0
    fi
    # --with-hv=ARCH: bash splits the word at '=' (COMP_WORDBREAKS).
    if [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 2 ] &&
       [ "${COMP_WORDS[COMP_CWORD-2]}" = "--with-hv" ]; then
        mapfile -t COMPREPLY < <(compgen -W "i386 x86_64" -- "$cur"; compgen -f -- "$cur")
        return 0
    fi
    [ "$cur" = "=" ] && cur=""
    case $prev in
    --recipe)
        mapfile -t COMPREPLY < <(compgen -W "$(_hvtrace_recipes "$hvt")" -- "$cur"; compgen -f -- "$cur")
        return 0 ;;
    --engine)   mapfile -t COMPREPLY < <(compgen -W "log rsp" -- "$cur"); return 0 ;;
    --emulator) mapfile -t COMPREPLY < <(compgen -W "qemu bochs" -- "$cur"); return 0 ;;
    -o|--output|--html|--qemu|--bios)
        mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return 0 ;;
    --steps|--from|--until|--snapshot-at|--snapshot-every|--timeout|--hv-opts|--attach|\
    --cpu|--machine|-m|--memory|--qemu-arg|--count|--anchor|--exclude|--context|\
    --max-hunks|--len)
        return 0 ;;         # a value only the user knows
    esac
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_hvtrace_options "$hvt" "$cmd")" -- "$cur")
    elif [ "$cmd" = recipes ]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_hvtrace_recipes "$hvt")" -- "$cur")
    else
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
    return 0
}

complete -o filenames -F _hvtrace hvtrace
