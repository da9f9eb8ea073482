//! The sort QuickFIX's message parser applies to each section's fields, reproduced.
//!
//! QuickFIX C++ sorts a message's fields with `std::sort` (libstdc++ introsort), which is not
//! stable: when a tag appears twice, which of the two is judged first (and so whether the verdict
//! is "repeated tag" or the first copy's bad value) depends on that algorithm. Running the same
//! algorithm on the same wire order gives the same verdicts. Small sections (16 fields or fewer)
//! are insertion-sorted, which is stable.

/// Sorts `v` by `less` exactly as libstdc++'s `std::sort` would. If the depth limit is reached
/// (adversarial inputs only), falls back to a stable sort.
pub(crate) fn std_sort<T: Copy>(v: &mut [T], less: impl Fn(&T, &T) -> bool + Copy) {
    let n = v.len();
    if n < 2 {
        return;
    }
    let depth = 2 * (usize::BITS - 1 - n.leading_zeros()) as usize;
    if !introsort_loop(v, 0, n, depth, less) {
        insertion_sort(v, 0, n, less);
        return;
    }
    final_insertion_sort(v, less);
}

const THRESHOLD: usize = 16;

/// Returns false when the depth limit was hit (the caller then sorts stably instead).
fn introsort_loop<T: Copy>(
    v: &mut [T],
    first: usize,
    mut last: usize,
    mut depth: usize,
    less: impl Fn(&T, &T) -> bool + Copy,
) -> bool {
    while last - first > THRESHOLD {
        if depth == 0 {
            return false;
        }
        depth -= 1;
        let cut = partition_pivot(v, first, last, less);
        if !introsort_loop(v, cut, last, depth, less) {
            return false;
        }
        last = cut;
    }
    true
}

fn partition_pivot<T: Copy>(
    v: &mut [T],
    first: usize,
    last: usize,
    less: impl Fn(&T, &T) -> bool,
) -> usize {
    let mid = first + (last - first) / 2;
    move_median_to_first(v, first, first + 1, mid, last - 1, &less);
    unguarded_partition(v, first + 1, last, first, &less)
}

fn move_median_to_first<T: Copy>(
    v: &mut [T],
    result: usize,
    a: usize,
    b: usize,
    c: usize,
    less: &impl Fn(&T, &T) -> bool,
) {
    let pick = if less(&v[a], &v[b]) {
        if less(&v[b], &v[c]) {
            b
        } else if less(&v[a], &v[c]) {
            c
        } else {
            a
        }
    } else if less(&v[a], &v[c]) {
        a
    } else if less(&v[b], &v[c]) {
        c
    } else {
        b
    };
    v.swap(result, pick);
}

fn unguarded_partition<T: Copy>(
    v: &mut [T],
    mut first: usize,
    mut last: usize,
    pivot: usize,
    less: &impl Fn(&T, &T) -> bool,
) -> usize {
    loop {
        while less(&v[first], &v[pivot]) {
            first += 1;
        }
        last -= 1;
        while less(&v[pivot], &v[last]) {
            last -= 1;
        }
        if first >= last {
            return first;
        }
        v.swap(first, last);
        first += 1;
    }
}

fn final_insertion_sort<T: Copy>(v: &mut [T], less: impl Fn(&T, &T) -> bool + Copy) {
    let n = v.len();
    if n > THRESHOLD {
        insertion_sort(v, 0, THRESHOLD, less);
        for i in THRESHOLD..n {
            unguarded_linear_insert(v, i, &less);
        }
    } else {
        insertion_sort(v, 0, n, less);
    }
}

fn insertion_sort<T: Copy>(v: &mut [T], first: usize, last: usize, less: impl Fn(&T, &T) -> bool) {
    for i in first + 1..last {
        if less(&v[i], &v[first]) {
            let val = v[i];
            v.copy_within(first..i, first + 1);
            v[first] = val;
        } else {
            unguarded_linear_insert(v, i, &less);
        }
    }
}

fn unguarded_linear_insert<T: Copy>(v: &mut [T], mut last: usize, less: &impl Fn(&T, &T) -> bool) {
    let val = v[last];
    while less(&val, &v[last - 1]) {
        v[last] = v[last - 1];
        last -= 1;
    }
    v[last] = val;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_and_keeps_small_inputs_stable() {
        let mut v: Vec<(u32, usize)> = [5, 3, 5, 1, 3].iter().copied().zip(0..).collect();
        std_sort(&mut v, |a, b| a.0 < b.0);
        assert_eq!(v, [(1, 3), (3, 1), (3, 4), (5, 0), (5, 2)]);
        let mut big: Vec<(u32, usize)> = (0..200u32).map(|i| (i * 7919 % 61, i as usize)).collect();
        std_sort(&mut big, |a, b| a.0 < b.0);
        assert!(big.windows(2).all(|w| w[0].0 <= w[1].0));
        let mut same = vec![(1u32, 0usize); 40];
        std_sort(&mut same, |a, b| a.0 < b.0);
        assert_eq!(same.len(), 40);
    }
}
