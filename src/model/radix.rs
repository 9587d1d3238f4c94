//! One in-place sort by a `u64` key, for the big sorts of every run (the owner
//! index, hundreds of thousands of fd entries at scale; the sockets in output
//! order; the holders to look up).
//!
//! std is built for size (`optimize_for_size`, README "Size"), which makes
//! `sort_unstable` a heapsort: on 76,000 owner entries it was a quarter of the
//! user-space instructions of `openports -H` at the bench's medium scale. This
//! is an MSD radix sort ("American flag sort"): per byte of the key, count the
//! items of each value, then swap every item into its bucket, and go on into
//! each bucket with the next byte; bytes that are the same in every key
//! (socket inodes and ports differ in two or three) are skipped. No buffer:
//! peak memory stays that of the items.

/// Sort `v` by `key`, not stable (items with equal keys end up in any order:
/// [`each_tie`] orders them by more than the key).
pub fn sort_by_key<T>(v: &mut [T], key: impl Fn(&T) -> u64) {
    if v.len() < 2 {
        return;
    }
    let (mut all_or, mut all_and) = (0u64, u64::MAX);
    for e in v.iter() {
        let k = key(e);
        all_or |= k;
        all_and &= k;
    }
    msd(v, &key, all_or ^ all_and, 7);
}

/// Items below this are sorted by insertion.
const SMALL: usize = 24;

/// Sort `v`, whose keys agree above byte `byte`, by bytes `byte..=0` (only
/// those set in `differs`).
fn msd<T>(v: &mut [T], key: &impl Fn(&T) -> u64, differs: u64, byte: u32) {
    if v.len() <= SMALL {
        for i in 1..v.len() {
            let mut j = i;
            while j > 0 && key(&v[j - 1]) > key(&v[j]) {
                v.swap(j - 1, j);
                j -= 1;
            }
        }
        return;
    }
    // The next byte (from the top) that is not the same in every key.
    let Some(byte) = (0..=byte).rev().find(|b| (differs >> (b * 8)) & 0xff != 0) else {
        return;
    };
    let shift = byte * 8;
    let digit = |e: &T| ((key(e) >> shift) & 0xff) as usize;
    let mut count = [0usize; 256];
    for e in v.iter() {
        count[digit(e)] += 1;
    }
    let mut start = [0usize; 256];
    let mut at = 0;
    for (s, &c) in start.iter_mut().zip(&count) {
        *s = at;
        at += c;
    }
    // Swap each item into the next free slot of its bucket until every
    // bucket holds only its own.
    let mut next = start;
    for b in 0..256 {
        let end = start[b] + count[b];
        while next[b] < end {
            let d = digit(&v[next[b]]);
            if d == b {
                next[b] += 1;
            } else {
                v.swap(next[b], next[d]);
                next[d] += 1;
            }
        }
    }
    if byte > 0 {
        for b in 0..256 {
            if count[b] > 1 {
                msd(
                    &mut v[start[b]..start[b] + count[b]],
                    key,
                    differs,
                    byte - 1,
                );
            }
        }
    }
}

/// Call `f` on every run of two or more items with one key (after
/// [`sort_by_key`]: to order them by more than the key).
pub fn each_tie<T>(v: &mut [T], key: impl Fn(&T) -> u64, mut f: impl FnMut(&mut [T])) {
    let mut i = 0;
    while i < v.len() {
        let k = key(&v[i]);
        let mut end = i + 1;
        while end < v.len() && key(&v[end]) == k {
            end += 1;
        }
        if end - i > 1 {
            f(&mut v[i..end]);
        }
        i = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_by_key_and_finds_the_ties() {
        // Socket inodes as /proc/net/tcp of linux-6.18-x86_64 shows them, with
        // repeats (one socket held by several fds), and keys that differ in
        // their top and bottom bytes only.
        let mut v: Vec<(u64, u32)> = vec![
            (31337, 0),
            (20484, 1),
            (31337, 2),
            (u64::MAX, 3),
            (0, 4),
            (20484, 5),
            (1 << 56, 6),
            (31338, 7),
        ];
        sort_by_key(&mut v, |e| e.0);
        let keys: Vec<u64> = v.iter().map(|e| e.0).collect();
        assert_eq!(
            keys,
            [0, 20484, 20484, 31337, 31337, 31338, 1 << 56, u64::MAX]
        );
        let mut ties = Vec::new();
        each_tie(
            &mut v,
            |e| e.0,
            |run| {
                run.sort_unstable();
                ties.push(run.iter().map(|e| e.1).collect::<Vec<_>>())
            },
        );
        assert_eq!(ties, [vec![1, 5], vec![0, 2]]);
    }

    #[test]
    fn agrees_with_std_on_many_keys() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for (n, mask) in [
            (5000, 0x00ff_0000_0fff_00ffu64), // few distinct values in some bytes
            (3000, u64::MAX),
            (700, 0x3),   // long runs of one key
            (25, 0xffff), // one insertion sort
        ] {
            let mut v: Vec<(u64, u32)> = (0..n)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x & mask, i)
                })
                .collect();
            let mut want = v.clone();
            want.sort();
            sort_by_key(&mut v, |e| e.0);
            each_tie(&mut v, |e| e.0, |run| run.sort_unstable());
            assert_eq!(v, want, "{n} keys under {mask:#x}");
        }
        let mut one = vec![7u32];
        sort_by_key(&mut one, |&e| e.into());
        assert_eq!(one, [7]);
        let mut none: Vec<u32> = Vec::new();
        sort_by_key(&mut none, |&e| e.into());
        assert!(none.is_empty());
    }
}
