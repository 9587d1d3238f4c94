#!/usr/bin/zsh -f
# Print what zsh completes for a command line, one match per line:
#   zsh-complete.zsh FPATH_DIR 'openports -N '
# Runs an interactive zsh under zpty with compinit in a clean ZDOTDIR, hooks
# compadd to print the matches, and presses TAB after the line (after the
# technique of zsh-capture-completion).
emulate -L zsh
zmodload zsh/zpty || { print -u2 "error: zsh has no zpty module"; exit 2 }
local fdir=$1 line=$2
local zdot=$(mktemp -d) || exit 2
trap 'zpty -d t 2>/dev/null; rm -rf -- $zdot' EXIT
cat > $zdot/.zshrc <<RC
PROMPT= RPROMPT=
fpath=($fdir \$fpath)
autoload -Uz compinit && compinit -u -d $zdot/.zcompdump
bindkey '^I' complete-word
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
null-line() { print -rn -- \$'\\0' }
compprefuncs=(null-line)
comppostfuncs=(null-line exit)
compadd() {
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then
    builtin compadd "\$@"; return
  fi
  local -a __hits
  builtin compadd -A __hits "\$@"
  local -A apre asuf
  zparseopts -E P:=apre S:=asuf
  (( \$#__hits )) || return
  local h
  for h in \$__hits; do print -r -- "\$IPREFIX\${apre[-P]}\$h"; done
}
print READY
RC
export ZDOTDIR=$zdot
zpty t zsh -i
local out
zpty -r t out '*READY*' || { print -u2 "error: zsh did not start"; exit 2 }
zpty -w -n t "$line"$'\t'
# Everything between the two NUL lines is the completion output.
out=
local chunk
while zpty -r t chunk; do out+=$chunk; done
local body=${${out#*$'\0'}%%$'\0'*}
print -r -- ${body//$'\r'/}
