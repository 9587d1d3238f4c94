//! Which sockets a run shows: a pure predicate, cheap checks first.

use crate::cli::{Config, States};
use crate::model::socket::{Family, Proto, Socket};

#[derive(Clone, Debug)]
pub struct Filter {
    protos: [bool; 7],
    families: [bool; 2],
    all_states: bool,
    exposed: bool,
}

fn proto_ix(p: Proto) -> usize {
    p as usize
}

fn family_ix(f: Family) -> usize {
    f as usize
}

impl Filter {
    pub fn new(cfg: &Config) -> Filter {
        let mut f = Filter {
            protos: [false; 7],
            families: [false; 2],
            all_states: cfg.states == States::All,
            exposed: cfg.exposed,
        };
        for &p in &cfg.protos {
            f.protos[proto_ix(p)] = true;
        }
        for &fam in &cfg.families {
            f.families[family_ix(fam)] = true;
        }
        f
    }

    /// Whether the table of `proto`/`family` needs reading at all. `-4`/`-6`
    /// restrict the inet families only.
    pub fn wants_table(&self, proto: Proto, family: Family) -> bool {
        self.protos[proto_ix(proto)]
            && match family {
                Family::Inet | Family::Inet6 => self.families[family_ix(family)],
                Family::Packet | Family::Unix => true,
            }
    }

    /// Whether sockets of `proto` are wanted at all.
    pub fn wants(&self, proto: Proto) -> bool {
        self.protos[proto_ix(proto)]
    }

    /// Every state is wanted (`-a`).
    pub fn all_states(&self) -> bool {
        self.all_states
    }

    /// Only listening sockets are wanted: the TCP tables may stop after their
    /// listening part.
    pub fn listeners_only(&self) -> bool {
        !self.all_states
    }

    pub fn matches(&self, s: &Socket) -> bool {
        self.wants_table(s.proto, s.family)
            && (self.all_states || s.is_listening())
            && (!self.exposed || s.proto == Proto::Unix || s.exposure().is_exposed())
    }
}
