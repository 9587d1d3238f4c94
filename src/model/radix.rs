//! One stable sort by a `u64` key, for the two big sorts of every run (the
//! owner index, tens of thousands of fd entries; the sockets in output order).
//!
//! std is built for size (`optimize_for_size`, README "Size"), which makes
//! `sort_unstable` a heapsort: on 76,000 owner entries it was a quarter of the
//! user-space instructions of `openports -H` at the bench's medium scale. An
//! LSD radix sort over the key bytes that differ between the items (socket
//! inodes and ports differ in two or three) is a few linear passes, in one
//! small function per item type.

/// Sort `v` by `.0`, stable (items with equal keys keep their order). A pass
/// is made per byte of the key that is not the same in every item.
pub fn sort<T: Copy>(v: &mut Vec<(u64, T)>) {
    if v.len() < 2 {
        return;
    }
    let (mut all_or, mut all_and) = (0u64, u64::MAX);
    for e in v.iter() {
        all_or |= e.0;
        all_and &= e.0;
    }
    let differs = all_or ^ all_and;
    let mut from = std::mem::take(v);
    let mut to = from.clone();
    let mut count = [0usize; 256];
    for byte in 0..8 {
        let shift = byte * 8;
        if (differs >> shift) & 0xff == 0 {
            continue;
        }
        count.fill(0);
        for e in &from {
            count[((e.0 >> shift) & 0xff) as usize] += 1;
        }
        let mut at = 0;
        for c in count.iter_mut() {
            let n = *c;
            *c = at;
            at += n;
        }
        // Each item goes to its bucket's next slot; every slot of `to` is
        // written once.
        for e in &from {
            let b = ((e.0 >> shift) & 0xff) as usize;
            to[count[b]] = *e;
            count[b] += 1;
        }
        std::mem::swap(&mut from, &mut to);
    }
    *v = from;
}

/// Call `f` on every run of two or more items with one key (after [`sort`]:
/// to order them by more than the key).
pub fn each_tie<T>(v: &mut [(u64, T)], mut f: impl FnMut(&mut [(u64, T)])) {
    let mut i = 0;
    while i < v.len() {
        let mut end = i + 1;
        while end < v.len() && v[end].0 == v[i].0 {
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
    fn sorts_by_key_and_keeps_the_order_of_equal_keys() {
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
        let mut want = v.clone();
        want.sort_by_key(|e| e.0); // std's sort is stable
        sort(&mut v);
        assert_eq!(v, want);
        let mut ties = Vec::new();
        each_tie(&mut v, |run| {
            ties.push(run.iter().map(|e| e.1).collect::<Vec<_>>())
        });
        assert_eq!(ties, [vec![1, 5], vec![0, 2]]);
    }

    #[test]
    fn agrees_with_a_stable_sort_on_many_keys() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut v: Vec<(u64, u32)> = (0..5000)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Few distinct keys in some bytes, many in others.
                (x & 0x00ff_0000_0fff_00ff, i)
            })
            .collect();
        let mut want = v.clone();
        want.sort_by_key(|e| e.0);
        sort(&mut v);
        assert_eq!(v, want);
        let mut one = vec![(7u64, 1u32)];
        sort(&mut one);
        assert_eq!(one, [(7, 1)]);
        let mut none: Vec<(u64, u32)> = Vec::new();
        sort(&mut none);
        assert!(none.is_empty());
    }
}
