//! Command line: the lexopt loop, the help text, and `Args` → `Config`.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::model::socket::{Family, Proto};
use crate::parse::inet::ByteOrder;

pub const HELP: &str = "\
openports - which ports are open, who holds them, and which are reachable from
other hosts, for every network namespace at once, read from /proc only.

Usage: openports [OPTIONS]
       openports check POLICY [OPTIONS]   exit 1 if a listener is not allowed
       openports baseline [OPTIONS]       print a policy allowing today's listeners
       openports addresses [-N NS] [-j] [-H]  every namespace's interfaces and
                                          addresses, with their class

Sockets (ss-compatible; short flags combine: -tulnp):
  -t, --tcp            TCP sockets
  -u, --udp            UDP sockets
  -w, --raw            raw sockets (the port is the IP protocol number)
      --udplite        UDP-Lite sockets
  -S, --sctp           SCTP endpoints (with -a also associations)
  -0, --packet         packet sockets (sniffers, DHCP clients, LLDP daemons)
  -x, --unix           unix sockets that can be reached by name (with -a: all)
  -A, --query LIST     socket kinds, comma-separated: all, inet, tcp, udp,
                       udplite, raw, sctp, packet, unix
                       (no protocol flag: TCP and UDP)
  -4, --ipv4           IPv4 only
  -6, --ipv6           IPv6 only
  -l, --listening      listening TCP and unconnected UDP/raw sockets (default)
  -a, --all            sockets in every state
      --exposed        only sockets another host could reach: reach is not
                       'local' (loopback, a namespace with only lo, an address
                       not configured); 'unknown' reach is listed, and said
  -N, --netns NS       only namespace NS: a name in /run/netns, a path to an
                       nsfs file, pid:PID, an inode number, 'self' or 'host';
                       repeatable (default: every namespace)

Owners:
  -p, --processes      show owning processes (the default; accepted for ss)
      --no-processes   do not look up owners (skips the /proc/*/fd walk)

Output:
  -n, --numeric        numeric output (always; accepted for ss)
  -e, --extended       add uid, inode, exposure and reach (EXPOSURE/REACH:ADDRS),
                       namespace, exe and command line
  -H, --no-header      no header line
  -j, --json           one JSON object per socket per line (NDJSON)

Check and baseline:
  POLICY               lines 'allow PROTO PORTS [ADDRESS] [KEY=VALUE ...]'
                       (README, \"Policies\"); '-' reads the policy from stdin
      --include-loopback  check loopback listeners too
                       check prints violations on stdout (a table; NDJSON with
                       \"kind\" under -j), stale rules and deleted executables on
                       stderr; baseline prints a policy allowing today's listeners

System:
      --proc-root DIR  read DIR instead of /proc (fixture trees, chroots)
      --passwd FILE    user names from FILE instead of /etc/passwd
      --group FILE     group names from FILE instead of /etc/group
      --byte-order big|little
                       byte order of the kernel that wrote the tables (default:
                       this machine's; for captures from another architecture)
  -h, --help           this help
  -V, --version        version

Exit status: 0 success (warnings may be printed), 1 check found violations,
2 usage error, missing /proc, or an unusable policy.
";

/// Which sockets by state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum States {
    Listening,
    All,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

/// The sub-command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    List,
    Check {
        policy: PathBuf,
    },
    Baseline,
    /// Every namespace's interfaces and addresses.
    Addresses,
}

/// How `-N` named a namespace; resolved against the system at run time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NsSelector {
    SelfNs,
    /// PID 1's namespace, as the table and policies call it.
    Host,
    Pid(u32),
    Inode(u64),
    /// A name in /run/netns, or a path to an nsfs file when it contains '/'.
    Name(String),
}

/// The validated configuration of one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub command: Command,
    pub root: PathBuf,
    pub passwd: PathBuf,
    pub group: PathBuf,
    pub byte_order: ByteOrder,
    pub protos: Vec<Proto>,
    pub families: Vec<Family>,
    pub states: States,
    pub exposed: bool,
    pub netns: Vec<NsSelector>,
    pub processes: bool,
    pub extended: bool,
    pub header: bool,
    pub format: Format,
    pub include_loopback: bool,
    /// Colour the table (decided by the caller: a terminal and no NO_COLOR).
    pub color: bool,
    /// Print a one-line summary on stderr (decided by the caller: stdout is a terminal).
    pub summary: bool,
}

impl Config {
    /// Whether this run needs each namespace's addresses (reach): JSON, `-e`,
    /// `--exposed`, the summary line, `check`.
    pub fn needs_reach(&self) -> bool {
        self.format == Format::Json
            || self.extended
            || self.exposed
            || self.summary
            || matches!(self.command, Command::Check { .. })
    }
}

/// What the user asked for, or an early exit.
#[derive(Debug)]
pub enum Parsed {
    Run(Config),
    Help,
    Version,
}

/// Parse the process's arguments.
pub fn parse() -> Result<Parsed, String> {
    parse_from(std::env::args_os().skip(1))
}

/// Parse an argument list (without the program name).
pub fn parse_from<I>(args: I) -> Result<Parsed, String>
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    parse_inner(args).map_err(|e| e.to_string())
}

fn parse_inner<I>(args: I) -> Result<Parsed, lexopt::Error>
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_args(args);
    let mut protos: Vec<Proto> = Vec::new();
    let mut families: Vec<Family> = Vec::new();
    let mut all = false;
    let mut cfg = Config {
        command: Command::List,
        root: PathBuf::from("/proc"),
        passwd: PathBuf::from("/etc/passwd"),
        group: PathBuf::from("/etc/group"),
        byte_order: ByteOrder::NATIVE,
        protos: Vec::new(),
        families: Vec::new(),
        states: States::Listening,
        exposed: false,
        netns: Vec::new(),
        processes: true,
        extended: false,
        header: true,
        format: Format::Table,
        include_loopback: false,
        color: false,
        summary: false,
    };
    let mut first_positional = true;
    let mut want_policy = false;
    while let Some(arg) = p.next()? {
        match arg {
            Short('t') | Long("tcp") => protos.push(Proto::Tcp),
            Short('u') | Long("udp") => protos.push(Proto::Udp),
            Short('w') | Long("raw") => protos.push(Proto::Raw),
            Long("udplite") => protos.push(Proto::UdpLite),
            Short('S') | Long("sctp") => protos.push(Proto::Sctp),
            Short('0') | Long("packet") => protos.push(Proto::Packet),
            Short('x') | Long("unix") => protos.push(Proto::Unix),
            Short('A') | Long("query") | Long("socket") => {
                let v: String = p.value()?.string()?;
                query(&v, &mut protos)?;
            }
            Short('4') | Long("ipv4") => families.push(Family::Inet),
            Short('6') | Long("ipv6") => families.push(Family::Inet6),
            Short('l') | Long("listening") => {}
            Short('a') | Long("all") => all = true,
            Long("exposed") => cfg.exposed = true,
            Short('N') | Long("netns") => {
                let v: String = p.value()?.string()?;
                cfg.netns.push(ns_selector(&v)?);
            }
            Short('p') | Long("processes") => cfg.processes = true,
            Long("no-processes") => cfg.processes = false,
            Short('n') | Long("numeric") => {}
            Short('e') | Long("extended") => cfg.extended = true,
            Short('H') | Long("no-header") => cfg.header = false,
            Short('j') | Long("json") => cfg.format = Format::Json,
            Long("include-loopback") => cfg.include_loopback = true,
            Long("proc-root") => cfg.root = p.value()?.into(),
            Long("passwd") => cfg.passwd = p.value()?.into(),
            Long("group") => cfg.group = p.value()?.into(),
            Long("byte-order") => {
                cfg.byte_order = match p.value()?.to_str() {
                    Some("big") => ByteOrder::Big,
                    Some("little") => ByteOrder::Little,
                    _ => return Err("--byte-order takes 'big' or 'little'".into()),
                }
            }
            Short('h') | Long("help") => return Ok(Parsed::Help),
            Short('V') | Long("version") => return Ok(Parsed::Version),
            Value(v) if want_policy => {
                cfg.command = Command::Check { policy: v.into() };
                want_policy = false;
            }
            Value(v) if first_positional => {
                first_positional = false;
                match v.to_str() {
                    Some("check") => want_policy = true,
                    Some("baseline") => cfg.command = Command::Baseline,
                    Some("addresses") => cfg.command = Command::Addresses,
                    Some("list") => {}
                    _ => return Err(format!("unexpected argument {v:?} (see --help)").into()),
                }
            }
            _ => return Err(arg.unexpected()),
        }
    }
    if want_policy {
        return Err("check needs a POLICY file (see --help)".into());
    }
    if protos.is_empty() {
        protos = vec![Proto::Tcp, Proto::Udp];
    }
    protos.sort_unstable();
    protos.dedup();
    if families.is_empty() {
        families = vec![Family::Inet, Family::Inet6];
    }
    families.sort_unstable();
    families.dedup();
    cfg.protos = protos;
    cfg.families = families;
    cfg.states = if all { States::All } else { States::Listening };
    Ok(Parsed::Run(cfg))
}

/// ss's `-A` list: socket kinds, comma-separated.
fn query(v: &str, protos: &mut Vec<Proto>) -> Result<(), lexopt::Error> {
    for kind in v.split(',') {
        match kind {
            "all" => protos.extend(Proto::EVERY),
            "inet" => protos.extend([
                Proto::Tcp,
                Proto::Udp,
                Proto::UdpLite,
                Proto::Raw,
                Proto::Sctp,
            ]),
            "tcp" => protos.push(Proto::Tcp),
            "udp" => protos.push(Proto::Udp),
            "udplite" => protos.push(Proto::UdpLite),
            "raw" => protos.push(Proto::Raw),
            "sctp" => protos.push(Proto::Sctp),
            "packet" => protos.push(Proto::Packet),
            "unix" => protos.push(Proto::Unix),
            _ => {
                return Err(format!(
                    "-A {kind:?}: not a socket kind (all, inet, tcp, udp, udplite, raw, sctp, packet, unix)"
                )
                .into());
            }
        }
    }
    Ok(())
}

fn ns_selector(v: &str) -> Result<NsSelector, lexopt::Error> {
    if v == "self" {
        return Ok(NsSelector::SelfNs);
    }
    if v == "host" {
        return Ok(NsSelector::Host);
    }
    if let Some(pid) = v.strip_prefix("pid:") {
        return pid
            .parse()
            .map(NsSelector::Pid)
            .map_err(|_| format!("--netns pid:PID needs a process id, not {pid:?}").into());
    }
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return v
            .parse()
            .map(NsSelector::Inode)
            .map_err(|_| format!("--netns inode {v:?} is out of range").into());
    }
    if v.is_empty() {
        return Err("--netns needs a namespace".into());
    }
    Ok(NsSelector::Name(v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(args: &[&str]) -> Config {
        match parse_from(args.iter().copied()).unwrap() {
            Parsed::Run(c) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn default_is_tcp_and_udp_listeners_with_owners() {
        let c = cfg(&[]);
        assert_eq!(c.protos, vec![Proto::Tcp, Proto::Udp]);
        assert_eq!(c.families, vec![Family::Inet, Family::Inet6]);
        assert_eq!(c.states, States::Listening);
        assert!(c.processes && c.header);
        assert_eq!(c.format, Format::Table);
        assert_eq!(c.root, PathBuf::from("/proc"));
        assert_eq!(c.byte_order, ByteOrder::NATIVE);
        assert_eq!(cfg(&["--byte-order", "big"]).byte_order, ByteOrder::Big);
    }

    #[test]
    fn combined_short_flags_as_typed_for_ss() {
        let c = cfg(&["-tulnp"]);
        assert_eq!(c.protos, vec![Proto::Tcp, Proto::Udp]);
        assert_eq!(c.states, States::Listening);
        let c = cfg(&["-uwa4He"]);
        assert_eq!(c.protos, vec![Proto::Udp, Proto::Raw]);
        assert_eq!(c.families, vec![Family::Inet]);
        assert_eq!(c.states, States::All);
        assert!(!c.header && c.extended);
    }

    #[test]
    fn long_flags_and_values() {
        let c = cfg(&[
            "--udplite",
            "--json",
            "--proc-root",
            "/x",
            "--no-processes",
            "-6",
            "-N",
            "pid:12",
            "--netns=4026531840",
            "-Nself",
            "-N",
            "blue",
        ]);
        assert_eq!(c.protos, vec![Proto::UdpLite]);
        assert_eq!(c.format, Format::Json);
        assert_eq!(c.root, PathBuf::from("/x"));
        assert!(!c.processes);
        assert_eq!(c.families, vec![Family::Inet6]);
        assert_eq!(
            c.netns,
            vec![
                NsSelector::Pid(12),
                NsSelector::Inode(4026531840),
                NsSelector::SelfNs,
                NsSelector::Name("blue".into())
            ]
        );
    }

    #[test]
    fn other_kinds_as_ss_names_them() {
        assert_eq!(cfg(&["-x"]).protos, vec![Proto::Unix]);
        assert_eq!(cfg(&["-0p"]).protos, vec![Proto::Packet]);
        assert_eq!(cfg(&["-Sa"]).protos, vec![Proto::Sctp]);
        assert_eq!(
            cfg(&["--unix", "--packet", "--sctp"]).protos,
            vec![Proto::Sctp, Proto::Packet, Proto::Unix]
        );
        assert_eq!(cfg(&["-A", "all"]).protos, Proto::EVERY.to_vec());
        assert_eq!(cfg(&["-Aunix,tcp"]).protos, vec![Proto::Tcp, Proto::Unix]);
        assert_eq!(
            cfg(&["--query=inet"]).protos,
            vec![
                Proto::Tcp,
                Proto::Udp,
                Proto::UdpLite,
                Proto::Raw,
                Proto::Sctp
            ]
        );
        assert!(parse_from(["-A", "netlink"]).is_err());
        assert!(parse_from(["-A"]).is_err());
    }

    #[test]
    fn subcommands() {
        assert_eq!(
            cfg(&["check", "p.txt", "-j"]).command,
            Command::Check {
                policy: "p.txt".into()
            }
        );
        assert_eq!(cfg(&["baseline"]).command, Command::Baseline);
        assert!(parse_from(["check"]).is_err());
        assert!(parse_from(["frobnicate"]).is_err());
    }

    #[test]
    fn unknown_flags_and_bad_values_are_errors() {
        let e = parse_from(["-tz"]).unwrap_err();
        assert!(e.contains("-z"), "{e}");
        assert!(parse_from(["--bogus"]).is_err());
        assert!(parse_from(["-N", "pid:x"]).is_err());
        assert!(parse_from(["--proc-root"]).is_err());
        assert!(parse_from(["--byte-order", "middle"]).is_err());
        assert!(matches!(parse_from(["-h"]), Ok(Parsed::Help)));
        assert!(matches!(parse_from(["--version"]), Ok(Parsed::Version)));
    }
}
