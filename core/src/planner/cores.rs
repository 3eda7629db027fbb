//! Work shared between two cores, only where the halves are independent, so
//! that a plan comes out the same on one core or two.

/// Whether the machine has a second core to share work with.
pub(super) fn two_cores() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
}

/// What a helper thread returned; its panic, if it panicked, goes on up.
pub(super) fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// `each(k)` for every `k` below `count`, in order; the upper half on a second
/// core when there are at least `from` and a second core.
pub(super) fn map_in_halves<T: Send>(
    count: usize,
    from: usize,
    each: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    if count < from || !two_cores() {
        return (0..count).map(each).collect();
    }
    let half = count / 2;
    std::thread::scope(|scope| {
        let upper = scope.spawn(|| (half..count).map(&each).collect::<Vec<T>>());
        let mut all: Vec<T> = (0..half).map(&each).collect();
        all.extend(joined(upper));
        all
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_come_back_in_order() {
        for count in [0, 1, 2, 3, 1_001] {
            let one: Vec<usize> = (0..count).map(|k| k * k).collect();
            assert_eq!(map_in_halves(count, 0, |k| k * k), one);
            assert_eq!(map_in_halves(count, usize::MAX, |k| k * k), one);
        }
    }
}
