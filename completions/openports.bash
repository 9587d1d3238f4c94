# bash completion for openports(1). Install as
# /usr/share/bash-completion/completions/openports, or source it.

_openports_netns() {
    # Names made by `ip netns add` (/run/netns), plus the forms -N takes.
    local f names=()
    for f in /run/netns/*; do
        [[ -e $f ]] && names+=("${f##*/}")
    done
    names+=(self host pid:)
    COMPREPLY=($(compgen -W "${names[*]}" -- "$1"))
    [[ ${COMPREPLY[0]} == pid: ]] && compopt -o nospace 2>/dev/null
}

_openports() {
    local cur prev cmd i
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    # --flag=value: bash splits at '=' (COMP_WORDBREAKS).
    if [[ $prev == = && COMP_CWORD -ge 2 ]]; then
        prev=${COMP_WORDS[COMP_CWORD-2]}
    elif [[ $cur == = ]]; then
        prev=${COMP_WORDS[COMP_CWORD-1]} cur=
    fi

    # Flags by command (kept in step with --help by tests/docs.rs).
    local common='-t --tcp -u --udp -w --raw --udplite -S --sctp -0 --packet
        -x --unix -A --query -4 --ipv4 -6 --ipv6 -N --netns -p --processes
        --no-processes -o --output --proc-root --passwd --group --byte-order
        -h --help -V --version'
    local output='-n --numeric -e --extended -H --no-header -j --json --format'
    local select='-l --listening -a --all --exposed -F --filter'
    local list_opts="$common $output $select -s --summary --by-process"
    local watch_opts="${common/-o --output/} $output $select --interval
        --changes-only --policy --count"
    local check_opts="$common $output --include-loopback"
    local baseline_opts="$common --include-loopback"
    local addresses_opts='-N --netns -H --no-header -j --json --format -o --output
        --proc-root --byte-order -h --help -V --version'
    local commands='list watch check baseline addresses'

    case $prev in
        -N|--netns) _openports_netns "$cur"; return ;;
        --format)
            local f='table json prometheus'
            [[ " ${COMP_WORDS[*]} " == *" addresses "* ]] && f='table json'
            COMPREPLY=($(compgen -W "$f" -- "$cur")); return ;;
        --byte-order) COMPREPLY=($(compgen -W 'big little' -- "$cur")); return ;;
        -A|--query)
            # A comma-separated list: complete the kind after the last comma.
            local done=${cur%"${cur##*,}"}
            COMPREPLY=($(compgen -P "$done" -W 'all inet tcp udp udplite raw sctp packet unix' -- "${cur##*,}"))
            return ;;
        --proc-root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        -o|--output|--passwd|--group|-F|--filter|--policy) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --interval|--count) return ;;
    esac

    # The command is the first word that is not a flag or a flag's value;
    # npos counts such words before the cursor.
    cmd=list
    local seen= npos=0
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            -N|--netns|-A|--query|--format|--byte-order|--proc-root|-o|--output|--passwd|--group|-F|--filter|--interval|--count|--policy) ((i++)) ;;
            -*) ;;
            *) ((npos++)); if [[ -z $seen ]]; then cmd=${COMP_WORDS[i]}; seen=1; fi ;;
        esac
    done

    local opts
    case $cmd in
        check) opts=$check_opts
            # check's first argument is the policy file.
            if [[ $cur != -* ]] && ((npos == 1)); then
                COMPREPLY=($(compgen -f -- "$cur")); return
            fi ;;
        baseline) opts=$baseline_opts ;;
        addresses) opts=$addresses_opts ;;
        watch) opts=$watch_opts ;;
        *) opts=$list_opts ;;
    esac
    if [[ $cur == -* || -n $seen ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$commands $opts" -- "$cur"))
    fi
}

complete -F _openports openports
