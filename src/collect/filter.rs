//! Which sockets a run shows: a pure predicate, cheap checks first.

use crate::cli::{Config, States};
use crate::model::exposure::{Exposure, classify};
use crate::model::socket::{Family, Proto, Socket};

#[derive(Clone, Debug)]
pub struct Filter {
    protos: [bool; 4],
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
            protos: [false; 4],
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

    /// Whether the table of `proto`/`family` needs reading at all.
    pub fn wants_table(&self, proto: Proto, family: Family) -> bool {
        self.protos[proto_ix(proto)] && self.families[family_ix(family)]
    }

    /// Only listening sockets are wanted: the TCP tables may stop after their
    /// listening part.
    pub fn listeners_only(&self) -> bool {
        !self.all_states
    }

    pub fn matches(&self, s: &Socket) -> bool {
        self.wants_table(s.proto, s.family)
            && (self.all_states || s.is_listening())
            && (!self.exposed || classify(s.local.ip) != Exposure::Loopback)
    }
}
