//! Growing collections of secrets without leaving copies behind.
//!
//! A `Vec` or `VecDeque` that grows moves its elements into a new buffer and frees the old one
//! without running their destructors, so a key type's zeroize-on-drop never wipes the old
//! copies. These helpers grow by cloning into a new buffer and dropping the old collection,
//! which wipes every old element. The new capacity follows what is stored (at most double),
//! never a configured limit.

use std::collections::VecDeque;

/// The capacity to grow to for `needed` elements when `capacity` is too small.
fn grown(capacity: usize, needed: usize) -> usize {
    needed.max(capacity.saturating_mul(2)).max(4)
}

/// Makes room in `items` for `additional` more elements, wiping the old buffer.
pub(crate) fn make_room<T: Clone>(items: &mut Vec<T>, additional: usize) {
    let needed = items.len().saturating_add(additional);
    if needed <= items.capacity() {
        return;
    }
    let mut bigger = Vec::with_capacity(grown(items.capacity(), needed));
    bigger.extend(items.iter().cloned());
    *items = bigger;
}

/// Makes room in `items` for `additional` more elements, wiping the old buffer.
pub(crate) fn make_room_deque<T: Clone>(items: &mut VecDeque<T>, additional: usize) {
    let needed = items.len().saturating_add(additional);
    if needed <= items.capacity() {
        return;
    }
    let mut bigger = VecDeque::with_capacity(grown(items.capacity(), needed));
    bigger.extend(items.iter().cloned());
    *items = bigger;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_follows_what_is_stored() {
        let mut items: Vec<u64> = Vec::new();
        for i in 0..100 {
            make_room(&mut items, 1);
            let before = items.as_ptr();
            items.push(i);
            assert_eq!(
                items.as_ptr(),
                before,
                "push after make_room never reallocates"
            );
            assert!(items.capacity() <= 2 * items.len().max(4));
        }
        assert_eq!(items, (0..100).collect::<Vec<_>>());
        let mut deque: VecDeque<u64> = VecDeque::new();
        make_room_deque(&mut deque, 3);
        assert!(deque.capacity() >= 3 && deque.capacity() <= 8);
    }
}
