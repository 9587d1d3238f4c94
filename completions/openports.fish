# fish completion for openports(1). Install as
# /usr/share/fish/vendor_completions.d/openports.fish.
# Flags by command are kept in step with --help by tests/docs.rs.

function __openports_cmd
    # The command: the first word that is neither a flag nor a flag's value.
    set -l words (commandline -opc)
    set -e words[1]
    set -l skip 0
    for w in $words
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case -N --netns -A --query --format --byte-order --proc-root -o --output --passwd --group -F --filter --interval --count --policy
                set skip 1
            case '-*'
            case '*'
                echo $w
                return
        end
    end
    echo list
end

function __openports_is
    contains -- (__openports_cmd) $argv
end

function __openports_kinds
    # -A takes a comma-separated list: offer each kind after what is typed.
    set -l tok (commandline -ct)
    set -l done (string replace -r '[^,]*$' '' -- $tok)
    for k in all inet tcp udp udplite raw sctp packet unix
        echo $done$k
    end
end

function __openports_netns
    for f in /run/netns/*
        test -e $f; and basename $f
    end
    echo self
    echo host
    echo pid:
end

complete -c openports -f
complete -c openports -n 'test (__openports_cmd) = list; and not __fish_seen_subcommand_from list' -a list -d 'list sockets (default)'
complete -c openports -n 'test (__openports_cmd) = list; and not __fish_seen_subcommand_from list' -a check -d 'compare listeners with a policy'
complete -c openports -n 'test (__openports_cmd) = list; and not __fish_seen_subcommand_from list' -a baseline -d "print a policy allowing today's listeners"
complete -c openports -n 'test (__openports_cmd) = list; and not __fish_seen_subcommand_from list' -a watch -d 'print sockets as they open and close'
complete -c openports -n 'test (__openports_cmd) = list; and not __fish_seen_subcommand_from list' -a addresses -d "every namespace's interfaces and addresses"
complete -c openports -n '__openports_is check; and test (count (commandline -opc)) -le 2' -F -d 'policy file'

# every command
complete -c openports -n 'not __openports_is addresses' -s t -l tcp -d 'TCP sockets'
complete -c openports -n 'not __openports_is addresses' -s u -l udp -d 'UDP sockets'
complete -c openports -n 'not __openports_is addresses' -s w -l raw -d 'raw sockets'
complete -c openports -n 'not __openports_is addresses' -l udplite -d 'UDP-Lite sockets'
complete -c openports -n 'not __openports_is addresses' -s S -l sctp -d 'SCTP endpoints'
complete -c openports -n 'not __openports_is addresses' -s 0 -l packet -d 'packet sockets'
complete -c openports -n 'not __openports_is addresses' -s x -l unix -d 'unix sockets that can be reached by name'
complete -c openports -n 'not __openports_is addresses' -s A -l query -x -a '(__openports_kinds)' -d 'socket kinds, comma-separated'
complete -c openports -n 'not __openports_is addresses' -s 4 -l ipv4 -d 'IPv4 only'
complete -c openports -n 'not __openports_is addresses' -s 6 -l ipv6 -d 'IPv6 only'
complete -c openports -s N -l netns -x -a '(__openports_netns)' -d 'only this namespace'
complete -c openports -n 'not __openports_is addresses' -s p -l processes -d 'show owning processes (default)'
complete -c openports -n 'not __openports_is addresses' -l no-processes -d 'do not look up owners'
complete -c openports -n 'not __openports_is watch' -s o -l output -r -F -d 'write to FILE atomically'
complete -c openports -l proc-root -x -a '(__fish_complete_directories)' -d 'read DIR instead of /proc'
complete -c openports -n 'not __openports_is addresses' -l passwd -r -F -d 'user names from FILE'
complete -c openports -n 'not __openports_is addresses' -l group -r -F -d 'group names from FILE'
complete -c openports -l byte-order -x -a 'big little' -d 'byte order of the tables'
complete -c openports -s h -l help -d 'print help'
complete -c openports -s V -l version -d 'print version'
# addresses (its other flags are with every command above)
complete -c openports -n '__openports_is addresses' -s H -l no-header -d 'no header line'
complete -c openports -n '__openports_is addresses' -s j -l json -d 'one JSON object per address per line'
complete -c openports -n '__openports_is addresses' -l format -x -a 'table json' -d 'output format'
# list and watch
complete -c openports -n '__openports_is list watch' -s F -l filter -r -F -d 'read the filter expression from FILE'
# list
complete -c openports -n '__openports_is list' -s s -l summary -d 'counts per namespace, listeners by reach'
complete -c openports -n '__openports_is list' -l by-process -d 'one line per program'
# watch
complete -c openports -n '__openports_is watch' -l interval -x -d 'time between polls (2s, 500ms, 1m)'
complete -c openports -n '__openports_is watch' -l changes-only -d 'do not print what is there at the start'
complete -c openports -n '__openports_is watch' -l policy -r -F -d 'print only listeners the policy does not allow'
complete -c openports -n '__openports_is watch' -l count -x -d 'stop after N polls'
# list, watch and check
complete -c openports -n '__openports_is list watch check' -s n -l numeric -d 'numeric output (always)'
complete -c openports -n '__openports_is list watch check' -s e -l extended -d 'uid, inode, exposure, namespace, exe, command line'
complete -c openports -n '__openports_is list watch check' -s H -l no-header -d 'no header line'
complete -c openports -n '__openports_is list watch check' -s j -l json -d 'one JSON object per line (NDJSON)'
complete -c openports -n '__openports_is list watch check' -l format -x -a 'table json prometheus' -d 'output format'
# list and watch
complete -c openports -n '__openports_is list watch' -s l -l listening -d 'listening sockets (default)'
complete -c openports -n '__openports_is list watch' -s a -l all -d 'sockets in every state'
complete -c openports -n '__openports_is list watch' -l exposed -d 'only sockets not bound to loopback'
# check and baseline
complete -c openports -n '__openports_is check baseline' -l include-loopback -d 'loopback listeners too'
