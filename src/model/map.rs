//! The lookups openports keeps, without a hash map: every `HashMap`,
//! `HashSet` or `BTreeMap` instantiation costs 1-3 KiB of code (README,
//! "Size"), and the keys are few (namespaces, users) or arrive in order
//! (pids). Sorted vectors, found by binary search; dedup by sorting.

/// Values by a u32 id (processes by pid, users by uid, groups by gid):
/// sorted by id, found by binary search. A hash map type costs about 2 KiB
/// of code per key and value type (README "Size"); a lookup costs a few
/// comparisons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ById<V>(Vec<(u32, V)>);

/// User or group names by id.
pub type IdNames = ById<String>;

impl<V> Default for ById<V> {
    fn default() -> Self {
        ById(Vec::new())
    }
}

impl<V> ById<V> {
    pub fn get(&self, id: &u32) -> Option<&V> {
        let i = self.0.binary_search_by_key(id, |e| e.0).ok()?;
        Some(&self.0[i].1)
    }
    /// Set `id`'s value (replacing one it had); in id order this appends.
    pub fn insert(&mut self, id: u32, v: V) {
        match self.0.last() {
            Some(&(last, _)) if last >= id => match self.0.binary_search_by_key(&id, |e| e.0) {
                Ok(i) => self.0[i].1 = v,
                Err(i) => self.0.insert(i, (id, v)),
            },
            _ => self.0.push((id, v)),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|e| &e.1)
    }
}

/// The first value given for an id wins (as `entry().or_insert` did).
impl<V> FromIterator<(u32, V)> for ById<V> {
    fn from_iter<I: IntoIterator<Item = (u32, V)>>(iter: I) -> ById<V> {
        let mut v: Vec<(u32, V)> = iter.into_iter().collect();
        v.sort_by_key(|e| e.0); // stable: the first of an id stays first
        v.dedup_by_key(|e| e.0);
        ById(v)
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
        let mut p: ById<u8> = ById::default();
        for (id, v) in [(3, 1), (7, 2), (5, 3), (7, 4)] {
            p.insert(id, v);
        }
        assert_eq!(p.values().copied().collect::<Vec<_>>(), [1, 3, 4]);
        assert_eq!((p.get(&5), p.get(&4)), (Some(&3), None));
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
}
