//! Command line: the lexopt loop, its error messages, and `Args` → `Config` (the help texts are in src/help/, see `help.rs`).

use std::ffi::OsString;
use std::path::PathBuf;

use crate::model::socket::{Family, Proto};
use crate::parse::inet::ByteOrder;

use crate::help::Help;

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
    /// Prometheus text exposition format (node_exporter's textfile collector).
    Prometheus,
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
    /// Poll and print changes until interrupted.
    Watch(Box<Watch>),
}

/// `watch` options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watch {
    pub interval: std::time::Duration,
    /// No `present` events for what the first poll finds.
    pub changes_only: bool,
    /// Print only listeners this policy does not allow.
    pub policy: Option<PathBuf>,
    /// Stop after this many polls (`--count`).
    pub count: Option<u64>,
}

/// What the listing prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    /// One row per socket.
    Sockets,
    /// `-s`: counts.
    Summary,
    /// `--by-process`: one line per program.
    ByProcess,
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
    /// `-o FILE`: written to a temporary file, renamed over FILE when complete.
    pub output: Option<PathBuf>,
    /// Colour the table (decided by the caller: a terminal and no NO_COLOR).
    pub color: bool,
    /// Print a one-line summary on stderr (decided by the caller: stdout is a terminal).
    pub summary: bool,
    /// The ss filter expression (and `state`/`exclude`) of the command line.
    pub filter: Box<crate::parse::ssfilter::Filter>,
    pub report: Report,
}

impl Config {
    /// Whether this run needs each namespace's addresses (reach): JSON and
    /// metrics, `-e`, `--exposed`, the summary line, `check`.
    pub fn needs_reach(&self) -> bool {
        self.exposed || self.shows_reach()
    }

    /// Whether the output shows reach: [`Config::needs_reach`] but for
    /// `--exposed`, which only selects sockets by it.
    pub fn shows_reach(&self) -> bool {
        self.format != Format::Table
            || self.extended
            || self.summary
            || self.report != Report::Sockets
            || matches!(
                self.command,
                Command::Check { .. } | Command::Watch(_) | Command::Addresses
            )
    }
}

/// What the user asked for, or an early exit.
// One value per run, returned once: boxing the config would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Parsed {
    Run(Config),
    /// The help text of the command given before `--help`.
    Help(Help),
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
    parse_inner(args).map_err(|e| e.0)
}

/// A command-line error's message. lexopt's errors are worded here, as
/// lexopt words them, with values quoted by [`q`]: their own `Display` and
/// `Box<dyn Error>` messages would link core's `Debug` for strings (and its
/// Unicode tables) for that alone.
#[derive(Debug)]
struct Bad(String);

impl From<String> for Bad {
    fn from(s: String) -> Bad {
        Bad(s)
    }
}

impl From<&str> for Bad {
    fn from(s: &str) -> Bad {
        Bad(s.to_string())
    }
}

impl From<lexopt::Error> for Bad {
    fn from(e: lexopt::Error) -> Bad {
        use lexopt::Error as E;
        Bad(match e {
            E::MissingValue { option: Some(o) } => format!("missing argument for option '{o}'"),
            E::MissingValue { option: None } => "missing argument".to_string(),
            E::UnexpectedOption(o) => format!("invalid option '{o}'"),
            E::UnexpectedArgument(v) => format!("unexpected argument {}", q(v.as_encoded_bytes())),
            E::UnexpectedValue { option, value } => format!(
                "unexpected argument for option '{option}': {}",
                q(value.as_encoded_bytes())
            ),
            E::NonUnicodeValue(v) => {
                format!("argument is invalid unicode: {}", q(v.as_encoded_bytes()))
            }
            E::ParsingFailed { value, error } => {
                format!("cannot parse argument {}: {error}", q(value.as_bytes()))
            }
            E::Custom(error) => error.to_string(),
        })
    }
}

/// A value from the command line in double quotes, escaped for a terminal
/// (`\xNN` for bytes that are not UTF-8).
fn q(v: &[u8]) -> String {
    format!("\"{}\"", crate::render::escape::quoted(v))
}

fn parse_inner<I>(args: I) -> Result<Parsed, Bad>
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
        output: None,
        color: false,
        summary: false,
        filter: Box::default(),
        report: Report::Sockets,
    };
    let mut first_positional = true;
    let mut want_policy = false;
    let mut words: Vec<u8> = Vec::new();
    let mut filter_file: Option<PathBuf> = None;
    let (mut interval, mut changes_only, mut watch_policy) = (None, false, None);
    let mut count: Option<u64> = None;
    let mut watch = false;
    // Every flag given, as `-x` or `--long`: every command but the listing
    // takes only those its --help lists.
    let mut given: Vec<String> = Vec::new();
    while let Some(arg) = p.next()? {
        match &arg {
            Short(c) => given.push(format!("-{c}")),
            // `--socket` is ss's other name of `--query`.
            Long("socket") => given.push("--query".into()),
            Long(l) => given.push(format!("--{l}")),
            Value(_) => {}
        }
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
            Long("format") => {
                cfg.format = match p.value()?.to_str() {
                    Some("table") => Format::Table,
                    Some("json") => Format::Json,
                    Some("prometheus") => Format::Prometheus,
                    _ => return Err("--format takes 'table', 'json' or 'prometheus'".into()),
                }
            }
            Short('o') | Long("output") => cfg.output = Some(p.value()?.into()),
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
            Short('F') | Long("filter") => filter_file = Some(p.value()?.into()),
            Short('s') | Long("summary") => cfg.report = Report::Summary,
            Long("by-process") => cfg.report = Report::ByProcess,
            Long("interval") => interval = Some(p.value()?),
            Long("changes-only") => changes_only = true,
            Long("count") => {
                count = Some(
                    p.value()?
                        .to_str()
                        .and_then(|v| v.parse().ok())
                        .ok_or("--count takes a number of polls")?,
                )
            }
            Long("policy") => watch_policy = Some(PathBuf::from(p.value()?)),
            Short('h') | Long("help") => {
                return Ok(Parsed::Help(match cfg.command {
                    _ if want_policy => Help::Check,
                    _ if watch => Help::Watch,
                    Command::Check { .. } => Help::Check,
                    Command::Baseline => Help::Baseline,
                    Command::Addresses => Help::Addresses,
                    _ => Help::List,
                }));
            }
            Short('V') | Long("version") => return Ok(Parsed::Version),
            Value(v) if want_policy => {
                cfg.command = Command::Check { policy: v.into() };
                want_policy = false;
            }
            Value(v) if first_positional && is_command(&v) => {
                first_positional = false;
                match v.to_str() {
                    Some("check") => want_policy = true,
                    Some("baseline") => cfg.command = Command::Baseline,
                    Some("addresses") => cfg.command = Command::Addresses,
                    Some("watch") => watch = true,
                    _ => {}
                }
            }
            // Everything else is the filter expression, as with ss: its words
            // joined by blanks.
            Value(v) => {
                first_positional = false;
                if !words.is_empty() {
                    words.push(b' ');
                }
                words.extend_from_slice(v.as_encoded_bytes());
            }
            _ => return Err(arg.unexpected().into()),
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
    if watch {
        let interval = match interval {
            None => std::time::Duration::from_secs(2),
            Some(v) => duration(&v)?,
        };
        cfg.command = Command::Watch(Box::new(Watch {
            interval,
            changes_only,
            policy: watch_policy,
            count,
        }));
    } else if interval.is_some() || changes_only || watch_policy.is_some() || count.is_some() {
        return Err("--interval, --changes-only, --policy and --count belong to watch".into());
    }
    if matches!(cfg.command, Command::Watch(_)) && cfg.output.is_some() {
        return Err("watch streams events until it is stopped: no -o (redirect stdout)".into());
    }
    if cfg.format == Format::Prometheus {
        // Metrics describe listeners: of the listing or of a check.
        let not = match cfg.command {
            Command::Addresses => Some("addresses writes a table or JSON, not metrics"),
            Command::Watch(_) => Some("watch writes events, not metrics"),
            _ if cfg.report != Report::Sockets => Some("-s and --by-process write no metrics"),
            Command::List if all => Some("--format prometheus describes listeners: drop -a"),
            _ => None,
        };
        if let Some(m) = not {
            return Err(m.into());
        }
    }
    // Each command but the listing takes only the flags its --help lists
    // (checked after the messages above, which say more for -o and --format).
    let own_help = match cfg.command {
        Command::List => None,
        Command::Check { .. } => Some(("check", Help::Check)),
        Command::Baseline => Some(("baseline", Help::Baseline)),
        Command::Watch(_) => Some(("watch", Help::Watch)),
        Command::Addresses => Some(("addresses", Help::Addresses)),
    };
    if let Some((name, help)) = own_help {
        let help = crate::help::text(help);
        if let Some(f) = given.iter().find(|f| !help_lists(&help, f)) {
            if name == "baseline" && matches!(&f[..], "-j" | "--json" | "--format") {
                return Err(
                    "baseline writes a policy file, not JSON or metrics: drop -j/--format (see --help)"
                        .into(),
                );
            }
            return Err(format!("{name} does not take {f} (see openports {name} --help)").into());
        }
        // watch takes a filter expression; the others none.
        let what_chooses = match name {
            "watch" => None,
            "addresses" => Some("-N chooses the namespaces"),
            _ => Some("the policy says what is allowed; -t, -u, -4, -6, -N choose what is read"),
        };
        if let Some(why) = what_chooses.filter(|_| !words.is_empty()) {
            return Err(format!(
                "{name} takes no filter expression ({}): {why} (see openports {name} --help)",
                q(&words)
            )
            .into());
        }
    }
    cfg.filter = Box::new(filter(&cfg.protos, &cfg.families, filter_file, &words)?);
    Ok(Parsed::Run(cfg))
}

/// Whether `help` lists `flag` (`-t` or `--tcp`) in one of its option lines
/// (`  -t, --tcp   TCP sockets`, `      --format FMT  …`).
fn help_lists(help: &str, flag: &str) -> bool {
    help.lines().any(|line| {
        let t = line.trim_start();
        t.len() < line.len()
            && t.starts_with('-')
            && t.split("  ")
                .next()
                .unwrap_or("")
                .split(", ")
                .any(|part| part.split([' ', '=']).next() == Some(flag))
    })
}

/// ss's `-A` list: socket kinds, comma-separated.
fn query(v: &str, protos: &mut Vec<Proto>) -> Result<(), Bad> {
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
                    "-A {}: not a socket kind (all, inet, tcp, udp, udplite, raw, sctp, packet, unix)",
                    q(kind.as_bytes())
                )
                .into());
            }
        }
    }
    Ok(())
}

fn is_command(v: &std::ffi::OsStr) -> bool {
    matches!(
        v.to_str(),
        Some("check" | "baseline" | "watch" | "addresses" | "list")
    )
}

/// `2`, `2s`, `0.5`, `500ms`, `1m`: from 100 ms to a day. By hand: parsing a
/// float would pull in several KiB of code.
fn duration(v: &OsString) -> Result<std::time::Duration, Bad> {
    let bad = || {
        Bad(format!(
            "--interval takes a duration from 100ms to 24h (2, 0.5s, 500ms, 1m), not {}",
            q(v.as_encoded_bytes())
        ))
    };
    let t = v.to_str().ok_or_else(bad)?;
    let (num, unit) = t.split_at(t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len()));
    let ms_per: u64 = match unit {
        "ms" => 1,
        "" | "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => return Err(bad()),
    };
    let (whole, frac) = num.split_once('.').unwrap_or((num, ""));
    let digits = |s: &str| s.len() <= 9 && s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && frac.is_empty() || !digits(whole) || !digits(frac) {
        return Err(bad());
    }
    let mut ms = whole.parse::<u64>().unwrap_or(0) * ms_per;
    let mut scale = ms_per;
    for d in frac.bytes() {
        scale /= 10;
        ms += u64::from(d - b'0') * scale;
    }
    if !(100..=86_400_000).contains(&ms) {
        return Err(bad());
    }
    Ok(std::time::Duration::from_millis(ms))
}

/// Parse the filter words (or `-F FILE`), resolving service names in
/// /etc/services for the protocols shown.
fn filter(
    protos: &[Proto],
    families: &[Family],
    file: Option<PathBuf>,
    words: &[u8],
) -> Result<crate::parse::ssfilter::Filter, Bad> {
    let (name, text) = match file {
        Some(_) if !words.is_empty() => {
            return Err("give the filter either as arguments or with -F FILE, not both".into());
        }
        Some(f) => {
            let name = crate::render::escape::terminal(f.as_os_str().as_encoded_bytes());
            match crate::proc::read_regular(&f, 1 << 20) {
                Ok(t) => (name, t),
                Err(e) => return Err(format!("{name}: {e}").into()),
            }
        }
        None if words.is_empty() => return Ok(Default::default()),
        None => ("filter".to_string(), words.to_vec()),
    };
    let services = std::cell::OnceCell::new();
    let (tcp, udp) = (protos.contains(&Proto::Tcp), protos.contains(&Proto::Udp));
    let resolve = |n: &[u8]| {
        let db: &Vec<u8> = services.get_or_init(|| {
            crate::proc::read_regular(std::path::Path::new("/etc/services"), 16 << 20)
                .unwrap_or_default()
        });
        crate::parse::ssfilter::service_port(db, n, tcp, udp)
    };
    let only = match families {
        [f] => Some(*f),
        _ => None,
    };
    crate::parse::ssfilter::parse(&text, only, &resolve).map_err(|e| format!("{name}:{e}").into())
}

fn ns_selector(v: &str) -> Result<NsSelector, Bad> {
    if v == "self" {
        return Ok(NsSelector::SelfNs);
    }
    if v == "host" {
        return Ok(NsSelector::Host);
    }
    if let Some(pid) = v.strip_prefix("pid:") {
        return pid.parse().map(NsSelector::Pid).map_err(|_| {
            format!(
                "--netns pid:PID needs a process id, not {}",
                q(pid.as_bytes())
            )
            .into()
        });
    }
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return v
            .parse()
            .map(NsSelector::Inode)
            .map_err(|_| format!("--netns inode {} is out of range", q(v.as_bytes())).into());
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
    fn check_and_baseline_take_only_the_flags_their_help_lists() {
        for args in [
            &["check", "p", "-s"][..],
            &["check", "p", "--by-process"],
            &["check", "p", "-a"],
            &["check", "p", "--exposed"],
            &["check", "p", "-F", "f"],
            &["-s", "check", "p"],
            &["baseline", "-e"],
            &["baseline", "--summary"],
        ] {
            let e = parse_from(args.iter().copied()).unwrap_err();
            assert!(e.contains("does not take"), "{args:?}: {e}");
        }
        for args in [
            &["check", "p", "sport", "=", ":22"][..],
            &["baseline", "dport", ":80"],
        ] {
            let e = parse_from(args.iter().copied()).unwrap_err();
            assert!(e.contains("no filter expression"), "{args:?}: {e}");
        }
        let c = cfg(&[
            "check",
            "p",
            "-tn",
            "--socket",
            "udp",
            "-e",
            "-H",
            "--include-loopback",
        ]);
        assert!(c.extended && !c.header && c.include_loopback);
        for f in ["-j", "--format=table"] {
            let e = parse_from(["baseline", f]).unwrap_err();
            assert!(e.contains("not JSON or metrics"), "{e}");
        }
        let check = crate::help::text(Help::Check);
        assert!(help_lists(&check, "--format") && help_lists(&check, "-N"));
        assert!(!help_lists(&check, "--check") && !help_lists(&check, "-s"));
        // The listing takes them all.
        assert_eq!(cfg(&["-s", "sport", ":22"]).report, Report::Summary);
    }

    #[test]
    fn watch_and_addresses_take_only_the_flags_their_help_lists() {
        for args in [
            &["watch", "-s"][..],
            &["watch", "--by-process"],
            &["watch", "--summary"],
            &["addresses", "-t"],
            &["addresses", "-a"],
            &["addresses", "-e"],
            &["addresses", "-F", "f"],
            &["addresses", "--passwd", "f"],
        ] {
            let e = parse_from(args.iter().copied()).unwrap_err();
            assert!(e.contains("does not take"), "{args:?}: {e}");
        }
        // The more telling messages come first.
        let e = parse_from(["watch", "-o", "f"]).unwrap_err();
        assert!(e.contains("no -o"), "{e}");
        let e = parse_from(["addresses", "--format", "prometheus"]).unwrap_err();
        assert!(e.contains("not metrics"), "{e}");
        let e = parse_from(["addresses", "sport", ":22"]).unwrap_err();
        assert!(e.contains("no filter expression"), "{e}");
        // What their help lists works.
        let w = cfg(&[
            "watch",
            "-tulnpe",
            "-H",
            "--interval",
            "1s",
            "--passwd",
            "p",
            "sport",
            ":22",
        ]);
        assert!(matches!(w.command, Command::Watch(_)) && w.extended && !w.header);
        let a = cfg(&[
            "addresses",
            "-j",
            "-H",
            "-N",
            "self",
            "--byte-order",
            "big",
            "-o",
            "f",
        ]);
        assert!(a.command == Command::Addresses && a.byte_order == ByteOrder::Big);
    }

    #[test]
    fn unknown_flags_and_bad_values_are_errors() {
        let e = parse_from(["-tz"]).unwrap_err();
        assert!(e.contains("-z"), "{e}");
        assert!(parse_from(["--bogus"]).is_err());
        assert!(parse_from(["-N", "pid:x"]).is_err());
        assert!(parse_from(["--proc-root"]).is_err());
        assert!(parse_from(["--byte-order", "middle"]).is_err());
        assert!(matches!(parse_from(["-h"]), Ok(Parsed::Help(Help::List))));
        assert!(matches!(
            parse_from(["check", "--help"]),
            Ok(Parsed::Help(Help::Check))
        ));
        assert!(matches!(
            parse_from(["check", "p", "-h"]),
            Ok(Parsed::Help(Help::Check))
        ));
        assert!(matches!(
            parse_from(["baseline", "-h"]),
            Ok(Parsed::Help(Help::Baseline))
        ));
        assert!(parse_from(["--format", "xml"]).is_err());
        assert_eq!(cfg(&["--format", "prometheus"]).format, Format::Prometheus);
        assert_eq!(cfg(&["--format=json"]).format, Format::Json);
        assert_eq!(cfg(&["-o", "m.prom"]).output, Some(PathBuf::from("m.prom")));
        assert!(matches!(parse_from(["--version"]), Ok(Parsed::Version)));
    }
}
