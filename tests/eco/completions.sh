#!/bin/bash
# Completion tests (make test-completions): each script loaded in its own shell,
# checked by real completion results:
# - bash: `complete -p openports` after sourcing; -N completes a namespace this
#   test makes in /run/netns; --format completes its values;
# - zsh: compinit in a clean ZDOTDIR (tests/eco/zsh-complete.zsh drives a real
#   interactive zsh under zpty); fish: `complete -C`;
# - for every command, the flags zsh and fish complete after `openports CMD -`
#   are exactly those of `openports CMD --help` (bash: tests/docs.rs).
#
#   tests/eco/completions.sh BIN
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../.." && pwd)
comp=$root/completions
failed=0
fail() { echo "test-completions: FAILED: $*" >&2; failed=1; }
for s in bash zsh fish; do command -v $s >/dev/null || { echo "test-completions: FAILED: $s not found (make eco-tools installs it)" >&2; exit 1; }; done

ns=
if [[ $(id -u) == 0 ]]; then
  ns=opcomp$$x
  ip netns add "$ns" || { echo "test-completions: FAILED: ip netns add $ns" >&2; exit 1; }
  trap 'ip netns del "$ns" 2>/dev/null' EXIT
else
  echo "SKIPPED: -N namespace completion needs root (ip netns add)"
fi
prefix=${ns%x}   # a prefix only this test's namespace has

help_flags() { # CMD... -> the flags of its --help, sorted
  "$bin" "$@" --help | grep -E '^ {2,}-' | sed -E 's/^ +//; s/  .*//' \
    | tr ',' '\n' | sed -E 's/^ +//; s/[ =].*//' | grep '^-' | sort -u
}
commands() { "$bin" --help | sed -n '/^Usage:/,/^$/p' | awk '{ for (i = 1; i < NF; i++) if ($i == "openports" && $(i+1) ~ /^[a-z]+$/) print $(i+1) }' | sort -u; }
zsh_complete() { timeout 60 zsh -f "$here/zsh-complete.zsh" "$comp" "$1" | sed '/^$/d'; }
fish_complete() { fish --no-config -c "source $comp/openports.fish; complete -C '$1'" | cut -f1; }
bash_complete() { # WORDS...
  bash --norc -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _openports; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp/openports.bash" "$@"
}
same() { # WHAT WANT GOT
  if [[ $2 != "$3" ]]; then
    fail "$1: $(diff <(echo "$2") <(echo "$3") | grep '^[<>]' | tr '\n' ' ')"
  fi
}

# bash
spec=$(bash --norc -c "source $comp/openports.bash; complete -p openports")
[[ $spec == 'complete -F _openports openports' ]] || fail "bash: complete -p openports says '$spec'"
same "bash --format" "$(printf '%s\n' json prometheus table)" "$(bash_complete openports --format '' | sort)"
same "bash check POLICY" "$(cd "$root" && ls -d Cargo.* | sort)" "$(cd "$root" && bash_complete openports check Cargo. | sort)"

# every command's flags in zsh and fish
for c in list $(commands); do
  want=$(help_flags $([[ $c == list ]] || echo "$c"))
  [[ -n $want ]] || fail "no flags in openports $c --help"
  words="openports $([[ $c == list ]] || echo "$c ")-"
  same "zsh '$words' vs openports $c --help" "$want" "$(zsh_complete "$words" | sort -u)"
  same "fish '$words' vs openports $c --help" "$want" "$(fish_complete "$words" | sort -u)"
done
same "zsh commands" "$( (echo list; commands) | sort)" "$(zsh_complete 'openports ' | sort)"
same "fish commands" "$( (echo list; commands) | sort)" "$(fish_complete 'openports ' | sort)"
same "bash commands" "$( (echo list; commands) | sort)" "$(bash_complete openports '' | grep -v '^-' | sort)"
same "zsh --byte-order" "$(printf '%s\n' big little)" "$(zsh_complete 'openports --byte-order ' | sort)"

# -N: the namespace made above, in each shell
if [[ -n $ns ]]; then
  same "bash -N $prefix" "$ns" "$(bash_complete openports -N "$prefix")"
  same "bash --netns=$prefix" "$ns" "$(bash_complete openports --netns = "$prefix")"
  same "bash check P -N $prefix" "$ns" "$(bash_complete openports check p -N "$prefix")"
  same "zsh -N $prefix" "$ns" "$(zsh_complete "openports -N $prefix")"
  same "zsh check P --netns=$prefix" "--netns=$ns" "$(zsh_complete "openports check p --netns=$prefix")"
  same "fish -N $prefix" "$ns" "$(fish_complete "openports -N $prefix")"
  same "fish baseline --netns $prefix" "$ns" "$(fish_complete "openports baseline --netns $prefix")"
fi
same "bash -N self" "self" "$(bash_complete openports -N se)"
kinds=$(printf '%s\n' tcp,udp tcp,udplite tcp,unix)
same "bash -A tcp,u" "$kinds" "$(bash_complete openports -A tcp,u | sort)"
same "fish -A tcp,u" "$kinds" "$(fish_complete 'openports -A tcp,u' | sort)"
same "zsh -A tcp,u" "$kinds" "$(zsh_complete 'openports -A tcp,u' | sort -u)"
same "fish -N pid:" "pid:" "$(fish_complete 'openports -N pi')"

if ((failed)); then exit 1; fi
echo "test-completions: ok (bash, zsh, fish: flags of $(commands | wc -l) commands and the listing, -N names from /run/netns)"
