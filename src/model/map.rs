//! The hash maps and sets openports keeps: std's, with a small fixed hasher
//! (rustc-hash's multiply-rotate) instead of SipHash-1-3 with per-process
//! random keys. The keys are pids, uids, inodes and short texts of one run,
//! and no output depends on iteration order. It is smaller code (README,
//! "Size": SipHash and its thread-local keys are inlined into every map
//! instantiation) and fewer instructions per lookup.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

pub type Map<K, V> = HashMap<K, V, BuildHasherDefault<Mix>>;
pub type Set<K> = HashSet<K, BuildHasherDefault<Mix>>;

/// The hasher's state: each word is added, then the sum multiplied by an odd
/// constant; `finish` rotates the well-mixed high bits down to where the map
/// takes its bucket index.
#[derive(Default, Clone, Copy)]
pub struct Mix(u64);

const K: u64 = 0xf135_7aea_2e62_a9c5;

impl Mix {
    #[inline]
    fn add(&mut self, x: u64) {
        self.0 = self.0.wrapping_add(x).wrapping_mul(K);
    }
}

impl Hasher for Mix {
    fn write(&mut self, bytes: &[u8]) {
        self.add(bytes.len() as u64);
        for c in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

/// IdNames by id (users by uid, groups by gid): sorted by id, found by binary
/// search. A hash map of its own would be one more instantiation (about
/// 2 KiB, README "Size"); a lookup costs a few comparisons more.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdNames(Vec<(u32, String)>);

impl IdNames {
    pub fn get(&self, id: &u32) -> Option<&String> {
        let i = self.0.binary_search_by_key(id, |e| e.0).ok()?;
        Some(&self.0[i].1)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn values(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|e| &e.1)
    }
}

/// The first name given for an id wins (as `entry().or_insert` did).
impl FromIterator<(u32, String)> for IdNames {
    fn from_iter<I: IntoIterator<Item = (u32, String)>>(iter: I) -> IdNames {
        let mut v: Vec<(u32, String)> = iter.into_iter().collect();
        v.sort_by_key(|e| e.0); // stable: the first of an id stays first
        v.dedup_by_key(|e| e.0);
        IdNames(v)
    }
}

/// Positions by a `(u64, u64)` key (namespace inodes, `(dev, inode)`),
/// sorted, found by binary search: for the few namespaces of a run, in place
/// of a hash map type of its own (about 2 KiB, README "Size").
#[derive(Default)]
pub struct KeyIndex(Vec<((u64, u64), usize)>);

impl KeyIndex {
    pub fn get(&self, k: (u64, u64)) -> Option<usize> {
        let i = self.0.binary_search_by_key(&k, |e| e.0).ok()?;
        Some(self.0[i].1)
    }
    /// Set `k`'s position (replacing one it had).
    pub fn insert(&mut self, k: (u64, u64), v: usize) {
        match self.0.binary_search_by_key(&k, |e| e.0) {
            Ok(i) => self.0[i].1 = v,
            Err(i) => self.0.insert(i, (k, v)),
        }
    }
    /// `k`'s position, or the one `new` gives it.
    pub fn get_or_insert(&mut self, k: (u64, u64), new: impl FnOnce() -> usize) -> usize {
        match self.0.binary_search_by_key(&k, |e| e.0) {
            Ok(i) => self.0[i].1,
            Err(i) => {
                let v = new();
                self.0.insert(i, (k, v));
                v
            }
        }
    }
}

/// For each text, whether it is the first with its value (a set of the texts
/// seen so far, without a set of strings: one more hash map instantiation
/// costs about 2.5 KiB, README "Size"). Sorts positions by text, O(n log n).
pub fn first_seen(texts: &[String]) -> Vec<bool> {
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_unstable_by(|&a, &b| texts[a].cmp(&texts[b]).then(a.cmp(&b)));
    let mut first = vec![false; texts.len()];
    for (i, &j) in order.iter().enumerate() {
        first[j] = i == 0 || texts[order[i - 1]] != texts[j];
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_and_sets_work_with_the_hasher() {
        let mut m: Map<u64, usize> = Map::default();
        for i in 0..10_000u64 {
            m.insert(i << 12, i as usize);
        }
        assert_eq!(m.len(), 10_000);
        assert!((0..10_000u64).all(|i| m[&(i << 12)] == i as usize));
        let mut s: Set<String> = Set::default();
        assert!(s.insert("ab".into()));
        assert!(s.insert("ab\0".into()));
        assert!(!s.insert("ab".into()));
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn first_seen_marks_the_first_of_each_text() {
        let t: Vec<String> = ["b", "a", "b", "c", "a", "b"].map(String::from).into();
        assert_eq!(first_seen(&t), [true, true, false, true, false, false]);
        assert!(first_seen(&[]).is_empty());
    }

    #[test]
    fn names_keep_the_first_name_of_an_id() {
        let n: IdNames = [(5, "e"), (1, "a"), (5, "x"), (3, "c")]
            .map(|(i, s)| (i, s.to_string()))
            .into_iter()
            .collect();
        assert_eq!(n.len(), 3);
        assert_eq!(n.get(&5).map(String::as_str), Some("e"));
        assert_eq!(n.get(&1).map(String::as_str), Some("a"));
        assert_eq!(n.get(&2), None);
        assert!(IdNames::default().is_empty());
    }

    #[test]
    fn key_index_finds_inserts_and_replaces() {
        let mut ix = KeyIndex::default();
        assert_eq!(ix.get((0, 5)), None);
        assert_eq!(ix.get_or_insert((0, 5), || 7), 7);
        assert_eq!(ix.get_or_insert((0, 5), || 9), 7);
        ix.insert((1, 2), 3);
        ix.insert((0, 1), 4);
        ix.insert((1, 2), 8);
        assert_eq!(
            (ix.get((0, 1)), ix.get((0, 5)), ix.get((1, 2))),
            (Some(4), Some(7), Some(8))
        );
    }

    #[test]
    fn nearby_keys_spread_over_buckets() {
        // Sequential inodes and pids must not share their low bits.
        let low: Set<u64> = (0..256u64)
            .map(|i| {
                let mut h = Mix::default();
                h.write_u64(100_000 + i);
                h.finish() & 0xff
            })
            .collect();
        assert!(low.len() > 128, "{}", low.len());
    }
}
