# Shared by testdata/synth.sh and testdata/policy/make-tree.sh: table headers
# as Linux prints them, and helpers that write a process directory of a fixture
# /proc tree (plain files and dangling symlinks).
#
#   PROC_COMM_FORMAT  printf format of comm (default '%s\n'; '%b\n' to write
#                     escape sequences such as \033 into it)
#   PROC_ARGV         extra argv after the executable in cmdline (array)

TCP_H='  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     '
TCP6_H='  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
UDP_H='   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops             '
UDP6_H='  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops'

# proc ROOT PID COMM UID EXE NETNS: a process directory with dangling links.
proc() {
  local d=$1/$2
  mkdir -p "$d/fd" "$d/ns"
  printf "${PROC_COMM_FORMAT:-%s\n}" "$3" > "$d/comm"
  printf 'Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%s\nPid:\t%s\nUid:\t%s\t%s\t%s\t%s\nGid:\t0\t0\t0\t0\n' "$3" "$2" "$2" "$4" "$4" "$4" "$4" > "$d/status"
  printf '%s\0' "${5% (deleted)}" ${PROC_ARGV[@]+"${PROC_ARGV[@]}"} > "$d/cmdline"
  ln -sfn "$5" "$d/exe"
  ln -sfn "net:[$6]" "$d/ns/net"
}

# fd ROOT PID FD INODE: fd FD of PID is socket INODE.
fd() { ln -sfn "socket:[$4]" "$1/$2/fd/$3"; }
